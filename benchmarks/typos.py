"""Benchmark typo correction against a large vocabulary: PostgreSQL pre-filter vs Python.

    .venv/bin/python benchmarks/typos.py --words 100000

A query word the index does not know is compared with the vocabulary words that
start with the same letter and have a close length (``search.fuzzy``). On a real
vocabulary that pool holds thousands of words. The script creates a scratch database
(``portal_bench_typos``, dropped at the end), fills ``SearchWord`` with N French-like
words made of syllables, misspells 40 of them (a swap, a substitution, a missing or
an extra letter) and times ``_nearest`` on each, both ways, interleaved:

* ``prefilter``: PostgreSQL's ``levenshtein_less_equal`` keeps the pool's words
  within twice the allowed edits, and Python checks the few that are left (what the
  engine does on PostgreSQL);
* ``python``: the whole pool is compared in Python (what it did before, and still
  does on SQLite).

Both must return the same corrections; the script stops if they do not.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.scratch import percentile, recreate_database  # noqa: E402 (needs ROOT)

ONSETS = ["", "b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "tr", "pr"]
NUCLEI = ["a", "e", "i", "o", "u", "ou", "ai", "eau", "on", "en", "an", "in"]
CODAS = ["", "", "", "r", "s", "l", "n", "t", "x"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def make_word(rng: random.Random) -> str:
    syllables = rng.choice([2, 2, 3, 3, 3, 4, 4, 5])
    return "".join(
        rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(syllables)
    )


def misspell(word: str, rng: random.Random) -> str:
    """One typo that keeps the first letter, as the correction requires."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "substitute", "delete", "insert"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "substitute":
        return word[:i] + rng.choice(LETTERS.replace(word[i], "")) + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice(LETTERS) + word[i:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000, help="vocabulary size")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the typos")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    name = "portal_bench_typos"
    recreate_database(args.server, name)
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0, interactive=False)
        run(args)
    finally:
        connections.close_all()
        recreate_database(args.server, name, drop_only=True)


def run(args) -> None:
    from django.db import connection

    from search.fuzzy import _nearest
    from search.models import SearchWord

    rng = random.Random(args.seed)
    vocabulary: set[str] = set()
    while len(vocabulary) < args.words:
        vocabulary.add(make_word(rng))
    SearchWord.objects.bulk_create(
        [SearchWord(word=w, length=len(w)) for w in vocabulary], batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_searchword")
    typos: list[str] = []
    for word in rng.sample(sorted(w for w in vocabulary if len(w) >= 5), 400):
        typo = misspell(word, rng)
        if typo not in vocabulary and len(typos) < 40:
            typos.append(typo)

    times: dict[str, list[float]] = {"prefilter": [], "python": []}
    pools: list[int] = []
    for typo in typos:  # warm-up, and the answers must agree
        fast, slow = _nearest(typo, 3), _nearest(typo, 3, prefilter=False)
        if fast != slow:
            raise SystemExit(f"different corrections for {typo!r}: {fast} vs {slow}")
        edits = 1 if len(typo) <= 7 else 2
        pools.append(
            SearchWord.objects.filter(
                word__startswith=typo[0],
                length__gte=len(typo) - edits,
                length__lte=len(typo) + edits,
            ).count()
        )
    for _ in range(args.rounds):
        for typo in typos:
            variants = [("prefilter", True), ("python", False)]
            rng.shuffle(variants)
            for label, prefilter in variants:
                started = time.perf_counter()
                _nearest(typo, 3, prefilter=prefilter)
                times[label].append((time.perf_counter() - started) * 1000)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(f"vocabulary {len(vocabulary)} words, {len(typos)} typos x {args.rounds} rounds")
    print(f"{os.cpu_count()} CPU, {version}")
    print(f"pool per typo (same first letter, close length): median {statistics.median(pools):.0f}")
    print(f"{'':12}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, values in times.items():
        print(
            f"{label:12}{statistics.median(values):10.2f}{percentile(values, 0.95):10.2f}"
            f"{max(values):10.2f}"
        )
    print(
        "ratio prefilter / python: "
        f"p50 {statistics.median(times['prefilter']) / statistics.median(times['python']):.2f}x, "
        f"p95 {percentile(times['prefilter'], 0.95) / percentile(times['python'], 0.95):.2f}x"
    )


if __name__ == "__main__":
    main()
