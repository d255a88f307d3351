"""Fixtures of the fuzzers; Hypothesis keeps its files under ``var/``, out of git."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis.configuration import set_hypothesis_home_dir

from calls.models import CallPage
from tests.factories import create_call

set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / "var" / "hypothesis")


@pytest.fixture
def published_calls(
    inline_event_processing, django_capture_on_commit_callbacks, metropole, cci
) -> list[CallPage]:
    """Open, upcoming and closed calls of two organisations, in the search index.

    Publication indexes after the commit, which a ``db`` test never reaches: the
    captured callbacks are run instead, as the commit would.
    """
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        return [
            create_call(metropole, title="Capteurs de qualité de l'air", sectors=["sante"]),
            create_call(cci, title="Cybersécurité des TPE", call_type="ami"),
            create_call(
                metropole,
                title="Navettes maritimes décarbonées",
                opens_at=now + timedelta(days=3),
                closes_at=now + timedelta(days=40),
            ),
            create_call(
                cci,
                title="Défi logistique du dernier kilomètre",
                call_type="challenge",
                opens_at=now - timedelta(days=40),
                closes_at=now - timedelta(days=2),
            ),
        ]
