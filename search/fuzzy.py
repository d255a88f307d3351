"""One typo per word: find the indexed words a query word may be a misspelling of.

The index keeps a vocabulary of folded words (``SearchWord``). A query word that is
not in it is compared with the vocabulary words that start with the same letter and
have a close length, by Damerau–Levenshtein distance (a swap of two letters counts as
one typo): 1 edit for words of 4–7 letters, 2 for longer ones, as people expect.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Func, IntegerField, Value

from search.models import SearchWord

MIN_TYPO_LENGTH = 4


def allowed_edits(word: str) -> int:
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) <= 7 else 2


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up (returning limit + 1) past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_candidates(word: str, limit: int = 3) -> list[str]:
    """Vocabulary words within the allowed edits of ``word`` (none if it is itself known)."""
    if not allowed_edits(word) or SearchWord.objects.filter(word=word).exists():
        return []
    return _nearest(word, limit)


def _nearest(word: str, limit: int, *, prefilter: bool = True) -> list[str]:
    """The closest vocabulary words within the allowed edits, nearest first.

    ``prefilter=False`` compares the whole pool in Python, as on SQLite
    (``benchmarks/typos.py`` measures both).
    """
    edits = allowed_edits(word)
    pool = SearchWord.objects.filter(
        word__startswith=word[0],
        length__gte=len(word) - edits,
        length__lte=len(word) + edits,
    )
    if prefilter and connection.vendor == "postgresql":
        # The pool is thousands of words on a real vocabulary, and the distance below
        # costs tens of microseconds each in Python. PostgreSQL's Levenshtein, in C,
        # keeps only the words it puts within twice the allowed edits (it counts a
        # swap of two letters as two), a superset of the answer.
        pool = pool.alias(
            distance=Func(
                F("word"),
                Value(word),
                Value(2 * edits),
                function="levenshtein_less_equal",
                output_field=IntegerField(),
            )
        ).filter(distance__lte=2 * edits)
    pool = pool.values_list("word", flat=True)
    scored = sorted(
        (distance, candidate)
        for candidate in pool.iterator(chunk_size=2000)
        if (distance := damerau_levenshtein(word, candidate, edits)) <= edits
    )
    return [candidate for _, candidate in scored[:limit]]


def typo_checked(words: list[str]) -> list[str]:
    """The query words long enough to be checked for a typo."""
    return [word for word in words if allowed_edits(word)]


def typo_candidates_for(
    words: list[str], limit: int = 3, known: set[str] | None = None
) -> dict[str, list[str]]:
    """``typo_candidates`` for several query words, with one look-up for the known ones.

    Most query words are known: asking for them together saves a round trip per
    word on every search, and only the unknown ones pay for the vocabulary scan.
    ``known`` is the vocabulary's share of ``typo_checked(words)`` when the caller
    already looked it up in a statement of its own.
    """
    checked = typo_checked(words)
    if known is None:
        known = (
            set(SearchWord.objects.filter(word__in=checked).values_list("word", flat=True))
            if checked
            else set()
        )
    return {
        word: [] if word not in checked or word in known else _nearest(word, limit)
        for word in words
    }
