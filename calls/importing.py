"""Import calls from JSON Lines, idempotently on ``source_url``.

Each line is validated on its own and reported with its number; good lines are
imported as new revisions of their call (created if new), and published on
request. A line identical to what the call already holds changes nothing. The demo
content goes through the same path (``load_demo``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify

from calls.constants import CallType
from calls.models import CallFolderPage, CallPage, Sector
from organisations.models import Organisation
from organisations.provisioning import organisation_provision

PARIS = ZoneInfo("Europe/Paris")
SECTIONS = (
    "context",
    "problem",
    "expected_solutions",
    "eligibility",
    "evaluation_criteria",
    "rewards",
    "timeline",
)
REQUIRED = ("title", "call_type", "issuer", "summary", "opens_at", "closes_at", "source_url")
CRITERION_RE = re.compile(r"^(?P<label>.+?)\s*\((?P<weight>\d{1,3})\s*%\)\s*\.?$")
MILESTONE_RE = re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s*[:\-–]\s*(?P<label>.+)$")


class LineError(Exception):
    """A line that cannot be imported; the message says why, in French."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class CallData:
    """One validated line, in the shape of a ``CallPage``."""

    title: str
    call_type: str
    issuer: str
    summary: str
    body: list[dict[str, Any]]
    sectors: list[str]
    keywords: list[str]
    opens_at: datetime
    closes_at: datetime
    location: str
    budget: str
    contact_email: str
    source_url: str

    def comparable(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "call_type": self.call_type,
            "issuer": self.issuer,
            "summary": self.summary,
            "body": self.body,
            "sectors": sorted(self.sectors),
            "keywords": sorted(self.keywords),
            "opens_at": self.opens_at,
            "closes_at": self.closes_at,
            "location": self.location,
            "budget": self.budget,
            "contact_email": self.contact_email,
        }


# --- parsing ------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _sector_codes(values: Any, known: dict[str, str]) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    if not isinstance(values, list):
        raise LineError("« sectors » doit être une liste.")
    codes = []
    for value in values:
        code = known.get(_fold(str(value)))
        if code is None:
            raise LineError(f"filière inconnue : « {value} ».")
        if code not in codes:
            codes.append(code)
    return codes


def _datetime(value: Any, name: str, *, end_of_day: bool = False) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"« {name} » doit être une date ISO 8601.")
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            parsed = datetime.combine(day, time(23, 59) if end_of_day else time(0, 0))
        else:
            parsed = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise LineError(f"« {name} » n'est pas une date valide : « {value} ».") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS)
    return parsed


def _paragraphs_html(text: str) -> str:
    """Plain text to rich text: blank lines separate paragraphs, "- " lines make lists."""
    html = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:].strip())}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{escape(' '.join(lines))}</p>")
    return "".join(html)


def _split_items(text: str, pattern: re.Pattern) -> tuple[str, list[re.Match]]:
    """Separate "- " lines matching ``pattern`` from the rest of the text."""
    rest, matches = [], []
    for line in text.splitlines():
        match = pattern.match(line.strip()[2:].strip()) if line.strip().startswith("- ") else None
        if match:
            matches.append(match)
        else:
            rest.append(line)
    return "\n".join(rest), matches


def _section_value(section: str, text: str) -> Any:
    if section == "evaluation_criteria":
        intro, matches = _split_items(text, CRITERION_RE)
        return {
            "intro": _paragraphs_html(intro),
            "criteria": [
                {"label": m["label"].strip(), "weight": int(m["weight"]), "description": ""}
                for m in matches
            ],
        }
    if section == "timeline":
        intro, matches = _split_items(text, MILESTONE_RE)
        milestones = []
        for m in matches:
            try:
                day = date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError as error:
                raise LineError(f"date de calendrier invalide : « {m.group(0)} ».") from error
            milestones.append({"date": day.isoformat(), "label": m["label"].strip()})
        return {"intro": _paragraphs_html(intro), "milestones": milestones}
    return _paragraphs_html(text)


def _body(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [{"type": "context", "value": _paragraphs_html(value)}]
    if not isinstance(value, list):
        raise LineError("« body » doit être un texte ou une liste de sections.")
    body = []
    for item in value:
        if not isinstance(item, dict) or item.get("section") not in SECTIONS:
            raise LineError(
                "chaque section de « body » doit avoir « section » parmi "
                + ", ".join(SECTIONS)
                + " et un « text »."
            )
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise LineError(f"la section « {item['section']} » est vide.")
        body.append({"type": item["section"], "value": _section_value(item["section"], text)})
    return body


def _text(raw: dict, name: str, max_length: int, *, required: bool = False) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LineError(f"« {name} » doit être un texte.")
    value = value.strip()
    if required and not value:
        raise LineError(f"« {name} » est obligatoire.")
    if len(value) > max_length:
        raise LineError(f"« {name} » dépasse {max_length} caractères ({len(value)}).")
    return value


def parse_line(raw: Any, sector_lookup: dict[str, str]) -> CallData:
    """Validate one decoded line; raise ``LineError`` with the first problem found."""
    if not isinstance(raw, dict):
        raise LineError("la ligne doit être un objet JSON.")
    missing = [name for name in REQUIRED if not raw.get(name)]
    if missing:
        raise LineError("champs obligatoires manquants : " + ", ".join(missing) + ".")
    call_type = _text(raw, "call_type", 32)
    if call_type not in CallType.values:
        raise LineError(
            f"type d'appel inconnu : « {call_type} » (attendu : {', '.join(CallType.values)})."
        )
    source_url = _text(raw, "source_url", 500)
    try:
        URLValidator(schemes=["http", "https"])(source_url)
    except ValidationError as error:
        raise LineError(
            f"« source_url » n'est pas une adresse valide : « {source_url} »."
        ) from error
    contact_email = _text(raw, "contact_email", 254)
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError as error:
            raise LineError(f"« contact_email » n'est pas valide : « {contact_email} ».") from error
    opens_at = _datetime(raw["opens_at"], "opens_at")
    closes_at = _datetime(raw["closes_at"], "closes_at", end_of_day=True)
    if closes_at <= opens_at:
        raise LineError("« closes_at » doit être postérieure à « opens_at ».")
    keywords = raw.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if not isinstance(keywords, list):
        raise LineError("« keywords » doit être une liste.")
    return CallData(
        title=_text(raw, "title", 255, required=True),
        call_type=call_type,
        issuer=_text(raw, "issuer", 200, required=True),
        summary=_text(raw, "summary", 500, required=True),
        body=_body(raw.get("body")),
        sectors=_sector_codes(raw.get("sectors"), sector_lookup),
        keywords=sorted({str(k).strip().lower()[:100] for k in keywords if str(k).strip()}),
        opens_at=opens_at,
        closes_at=closes_at,
        location=_text(raw, "location", 200),
        budget=_text(raw, "budget", 255),
        contact_email=contact_email,
        source_url=source_url,
    )


def sector_lookup() -> dict[str, str]:
    """Folded code or label → code."""
    lookup = {}
    for code, label in Sector.objects.values_list("code", "label"):
        lookup[_fold(code)] = code
        lookup[_fold(label)] = code
    return lookup


# --- writing ------------------------------------------------------------------------


def _strip_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def _page_comparable(page: CallPage) -> dict[str, Any]:
    return {
        "title": page.title,
        "call_type": page.call_type,
        "issuer": page.issuer.name if page.issuer else "",
        "summary": page.summary,
        "body": _strip_ids(list(page.body.raw_data)),
        "sectors": sorted(s.code for s in page.sectors.all()),
        "keywords": sorted(t.name for t in page.keywords.all()),
        "opens_at": page.opens_at,
        "closes_at": page.closes_at,
        "location": page.location,
        "budget": page.budget,
        "contact_email": page.contact_email,
    }


def _unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)
    if len(base) > 70:  # cut at a word boundary
        base = base[:71].rsplit("-", 1)[0]
    base = base.strip("-") or "appel"
    slug, n = base, 1
    while CallPage.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(page: CallPage, data: CallData, organisation: Organisation) -> None:
    page.title = data.title
    page.draft_title = data.title
    page.call_type = data.call_type
    page.issuer = organisation
    page.summary = data.summary
    page.body = data.body
    page.opens_at = data.opens_at
    page.closes_at = data.closes_at
    page.location = data.location
    page.budget = data.budget
    page.contact_email = data.contact_email
    page.source_url = data.source_url
    page.sectors = list(Sector.objects.filter(code__in=data.sectors))
    page.keywords.set(data.keywords)


def _organisation(name: str) -> Organisation:
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=name)
    if not hasattr(organisation, "call_folder"):
        organisation_provision(organisation)
    return organisation


def import_call(data: CallData, *, publish: bool) -> str:
    """Create or update one call; returns ``created``, ``updated`` or ``unchanged``."""
    page = CallPage.objects.filter(source_url=data.source_url).first()
    if page is not None:
        latest = page.get_latest_revision_as_object()
        same = _page_comparable(latest) == {**data.comparable(), "body": _strip_ids(data.body)}
        if same and (not publish or (page.live and not page.has_unpublished_changes)):
            return "unchanged"
        organisation = _organisation(data.issuer)
        _apply(latest, data, organisation)
        revision = latest.save_revision()
        if publish:
            revision.publish()
        return "updated"

    organisation = _organisation(data.issuer)
    folder = CallFolderPage.objects.get(organisation=organisation)
    page = CallPage(slug=_unique_slug(data.title), live=False)
    _apply(page, data, organisation)
    folder.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return "created"


def _decoded_lines(lines: Iterable[str]) -> Iterable[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, LineError(f"JSON invalide ({error.msg}, colonne {error.colno}).")


def import_calls(
    lines: Iterable[str], *, publish: bool = False, atomic: bool = False
) -> ImportReport:
    """Import every good line; with ``atomic``, import nothing unless every line is good."""
    report = ImportReport()
    lookup = sector_lookup()
    parsed: list[tuple[int, CallData]] = []
    for number, raw in _decoded_lines(lines):
        try:
            if isinstance(raw, LineError):
                raise raw
            parsed.append((number, parse_line(raw, lookup)))
        except LineError as error:
            report.errors.append((number, str(error)))
    if atomic and report.errors:
        return report

    outer = transaction.atomic() if atomic else nullcontext()
    with outer:
        for number, data in parsed:
            try:
                with transaction.atomic():
                    outcome = import_call(data, publish=publish)
            except ValidationError as error:
                report.errors.append((number, "; ".join(error.messages)))
                continue
            getattr(report, outcome).append(data.source_url)
        if atomic and report.errors:
            transaction.set_rollback(True)
            report.created, report.updated, report.unchanged = [], [], []
    return report
