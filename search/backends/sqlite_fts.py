"""SQLite's full-text engine (FTS5) for the embedded backend when there is no PostgreSQL.

A ``search_fts`` virtual table mirrors the searchable text of ``SearchEntry`` rows
(rowid = entry id), tokenised with ``unicode61`` and diacritics removed, so accents
and case do not matter. Queries OR the words together, each as a prefix of its
singular (a light stand-in for stemming: "capteurs" → ``capteur*``), and rank with
BM25 weighted title > summary and keywords > body.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, summary, keywords, body, tokenize = 'unicode61 remove_diacritics 2')"
)
BM25 = "bm25(search_fts, 10.0, 4.0, 4.0, 1.0)"


def ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(CREATE)


def delete(ids: list[int]) -> None:
    if not ids:
        return
    ensure_table()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("%s" for _ in chunk)
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608


def replace(rows: list[tuple[int, str, str, str, str]]) -> None:
    """``rows``: (entry id, title, summary, keywords, body)."""
    delete([row[0] for row in rows])
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_fts (rowid, title, summary, keywords, body) "
            "VALUES (%s, %s, %s, %s, %s)",
            rows,
        )


def _term(word: str) -> str:
    stem = word[:-1] if len(word) > 3 and word[-1] in "sx" else word
    return f'"{stem}"*'


def match_expression(words_with_variants: list[list[str]]) -> str:
    """OR of every word (and its typo variants), each a quoted prefix term."""
    return " OR ".join(_term(w) for variants in words_with_variants for w in variants)


def matching_ids(expression: str) -> RawSQL:
    return RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [expression])


def rank(expression: str) -> RawSQL:
    """BM25 as a higher-is-better score, for the entry of the outer query."""
    return RawSQL(  # noqa: S611  (the user's words travel as a parameter)
        f"(SELECT -{BM25} FROM search_fts WHERE search_fts MATCH %s "  # noqa: S608
        "AND search_fts.rowid = search_searchentry.id)",
        [expression],
    )
