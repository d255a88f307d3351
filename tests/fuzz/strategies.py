"""Malformed values for the fuzzers: what a careless client, a robot or an attacker sends.

``text_values`` are strings a form field or a query parameter can carry. ``query_strings``
builds raw query strings, so that repeated parameters and bytes that are not UTF-8
(a surrogate's encoding, an overlong sequence) reach the server as sent.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

ODD_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-23:59",
    "31/12/2026",
    "12/31/2026",
    "2026-W01-1",
    "2026-001",
    "+275760-09-13",
    "2026-06-01T25:61:61",
    "2026-06-01T10:00:00.1234567891Z",
    "20260601",
    "2026-06-01 10:00",
    "demain",
    "1e10",
]
NUMBERS = [
    "0",
    "-1",
    "-0",
    "1.5",
    "1e3",
    "1e999",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    " 7 ",
    "٣",  # an Arabic-Indic digit: int() reads it
    "²",
    "9" * 30,
    "9" * 5000,  # past Python's int-from-text limit
    str(2**63),
    str(-(2**63) - 1),
]
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR 1=1 --",
    "'; DROP TABLE calls_callpage; --",
    "%",
    "%%",
    "_",
    "\\",
    "%s",
    "%(name)s",
    "{}",
    "{0}",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${7*7}",
    "../../etc/passwd",
    "http://evil.example/",
    "//evil.example",
]
UNICODE = [
    "Économie circulaire à Aix",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "שלום",
    "🚀" * 40,
    "👩🏽‍🔬",
    "e\u0301\u0301\u0301",  # combining accents
    "\u200b\u200d\ufeff",  # zero-width characters, byte-order mark
    "\ufffd",
    "Ａｂｃ",  # full-width
]
CONTROL = ["\x00", "a\x00b", "\x01\x02\x1b[31m", "\r\n\t", "\x7f", "\x85\u2028\u2029"]


LONG = [unit * size for unit in ("a", "é", "🚀", "<", "%") for size in (201, 1001, 20_000)]
CURATED = ODD_DATES + NUMBERS + INJECTIONS + UNICODE + CONTROL + LONG + [""]


def long_strings() -> st.SearchStrategy[str]:
    return st.sampled_from(["a", "é", "🚀", "<", "%", " "]).flatmap(
        lambda unit: st.sampled_from([unit * 201, unit * 1001, unit * 20_000])
    )


def text_values() -> st.SearchStrategy[str]:
    """One malformed (or merely odd) string."""
    return st.one_of(
        st.just(""),
        st.sampled_from(CURATED),
        st.sampled_from(CURATED),  # twice: the curated values are the likeliest to break
        long_strings(),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.dates().map(str),
        st.datetimes().map(lambda d: d.isoformat()),
        st.text(max_size=30),  # any Unicode but lone surrogates (not encodable)
        st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=10),
    )


# Percent-encoded bytes that are not UTF-8: only a query string or a raw body carries them.
INVALID_UTF8 = ["%ED%A0%80", "%ED%B3%BF", "%FF%FE", "%C0%AF", "%E2%82", "%80"]


def encoded_values() -> st.SearchStrategy[str]:
    """A value already percent-encoded for a query string, sometimes not valid UTF-8."""
    return st.one_of(
        text_values().map(lambda value: quote(value, safe="")),
        st.sampled_from(INVALID_UTF8),
    )


def query_strings(names: list[str], choices: dict[str, list[str]] | None = None):
    """Raw query strings over ``names``: each absent, once or repeated; plus a stray name.

    A name's valid ``choices`` (a select's options) are drawn too, so the fuzzed
    values meet code past the first check.
    """
    choices = choices or {}

    def values_for(name: str) -> st.SearchStrategy[list[str]]:
        valid = [quote(v, safe="") for v in choices.get(name, [])]
        value = st.one_of(encoded_values(), st.sampled_from(valid)) if valid else encoded_values()
        return st.lists(value, max_size=3)

    stray = st.lists(
        st.tuples(
            st.sampled_from(["x", "type[]", "q%00", "%ED%A0%80", "page[0]"]), encoded_values()
        ),
        max_size=1,
    )
    per_name = st.fixed_dictionaries({name: values_for(name) for name in names})
    return st.tuples(per_name, stray).map(
        lambda drawn: "&".join(
            [f"{quote(name)}={value}" for name, values in drawn[0].items() for value in values]
            + [f"{name}={value}" for name, value in drawn[1]]
        )
    )
