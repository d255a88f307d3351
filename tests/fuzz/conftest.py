"""Hypothesis keeps its files (example database, constants cache) under ``var/``, out of git."""

from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / "var" / "hypothesis")
