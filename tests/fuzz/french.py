"""What a French refusal looks like, for the fuzzers' assertions.

A heuristic, kept strict on the side that matters: Django's and the libraries'
English defaults (the text a missing translation would show) are listed and refused,
and a message must carry some French (an accented letter or a common French word).
"""

from __future__ import annotations

import re

ENGLISH_DEFAULTS = (
    "This field is required",
    "Enter a valid",
    "Select a valid choice",
    "Ensure this value",
    "Null characters are not allowed",
    "is not one of the available choices",
    "Invalid",
    "invalid",
    "Method Not Allowed",
    "Not Found",
    "Bad Request",
    "Server Error",
    "must be",
    "Please",
    "password",
)
FRENCH_MARKERS = re.compile(
    r"[éèêàâçîôûù]|\b(?:le|la|les|un|une|des|de|du|au|aux|est|pas|ou|et|votre|vos)\b",
    re.IGNORECASE,
)


ENGLISH = re.compile("|".join(rf"\b{re.escape(phrase)}\b" for phrase in ENGLISH_DEFAULTS))


def english_defaults_in(text: str) -> list[str]:
    """The English defaults found in ``text`` (a message, or an error list's text)."""
    return ENGLISH.findall(text)


def is_french(message: str) -> bool:
    return bool(message.strip()) and bool(FRENCH_MARKERS.search(message))
