"""Turn request parameters into a ``SearchRequest``; refuse bad values with French reasons.

The search page and the API share this, so the same URL means the same search in
both and a shared link reproduces what its sender saw.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.constants import SECTORS, CallType
from portal.paging import MAX_PAGE
from search.backends.base import SearchRequest

PARIS = ZoneInfo("Europe/Paris")
STATUSES = ("open", "upcoming", "closed")
DEADLINES = ("week", "month", "later")
SORTS = ("relevance", "closing", "newest")
MAX_PAGE_SIZE = 100
#: Parameters that take one value: the API refuses ``page=2&page=3`` rather than guess.
SINGLE_VALUED = ("q", "deadline", "closes_before", "closes_after", "sort", "page", "page_size")
KNOWN = {
    "q",
    "type",
    "sector",
    "issuer",
    "status",
    "deadline",
    "closes_before",
    "closes_after",
    "sort",
    "page",
    "page_size",
}


class InvalidParameters(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _choices(params: QueryDict, name: str, allowed, errors: dict) -> tuple[str, ...]:
    values = tuple(v for v in params.getlist(name) if v)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[name] = _("valeur inconnue : %(values)s.") % {"values": ", ".join(unknown)}
    return values


def _date(params: QueryDict, name: str, errors: dict, end_of_day: bool) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).date()
            value = datetime.combine(day, time(23, 59, 59) if end_of_day else time.min, PARIS)
        else:
            value = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = _("date attendue au format AAAA-MM-JJ ou ISO 8601.")
        return None
    value = value if value.tzinfo else value.replace(tzinfo=PARIS)
    # In UTC: PostgreSQL refuses offsets past ±15:59 that Python takes (a 500 then),
    # and an instant outside years 1–9999 in UTC is refused here instead.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        errors[name] = _("date hors des limites acceptées.")
        return None


def _int(params: QueryDict, name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = _("nombre entier attendu.")
        return default
    if not low <= value <= high:
        errors[name] = _("doit être compris entre %(low)s et %(high)s.") % {
            "low": low,
            "high": high,
        }
        return default
    return value


def parse_search_params(
    params: QueryDict,
    *,
    issuers: set[str] | None = None,
    strict: bool = True,
    default_page_size: int = 20,
) -> SearchRequest:
    """Validate every parameter; with ``strict`` an unknown parameter is an error too."""
    errors: dict[str, str] = {}
    if strict:
        for name in sorted(set(params) - KNOWN):
            errors[name] = _("paramètre inconnu.")
    query = params.get("q", "").strip()
    if len(query) > 200:
        errors["q"] = _("200 caractères au plus.")
    sort = params.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        errors["sort"] = _("valeurs possibles : %(values)s.") % {"values": ", ".join(SORTS)}
    deadline = params.get("deadline", "")
    if deadline and deadline not in DEADLINES:
        errors["deadline"] = _("valeurs possibles : %(values)s.") % {"values": ", ".join(DEADLINES)}
    request = SearchRequest(
        query=query[:200],
        call_types=_choices(params, "type", CallType.values, errors),
        sectors=_choices(params, "sector", {code for code, _label in SECTORS}, errors),
        issuers=_choices(params, "issuer", issuers, errors)
        if issuers is not None
        else tuple(v for v in params.getlist("issuer") if v),
        statuses=_choices(params, "status", STATUSES, errors),
        deadline=deadline if deadline in DEADLINES else "",
        closes_before=_date(params, "closes_before", errors, end_of_day=False),
        closes_after=_date(params, "closes_after", errors, end_of_day=True),
        sort=sort if sort in SORTS else "relevance",
        page=_int(params, "page", 1, 1, MAX_PAGE, errors),
        page_size=_int(params, "page_size", default_page_size, 1, MAX_PAGE_SIZE, errors),
        now=timezone.now(),
    )
    if strict:  # said last: it explains the other errors the repeated value may cause
        for name in SINGLE_VALUED:
            if len(params.getlist(name)) > 1:
                errors[name] = _("une seule valeur attendue.")
    if errors:
        raise InvalidParameters(errors)
    return request
