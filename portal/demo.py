"""Demo content for ``make run``: organisations, about sixty calls, and accounts.

Calls go through the importer (``calls.importing``), exactly like a real import;
their dates are offsets from today so the demo always shows open, upcoming and
closed calls. Passwords are generated on the first run and kept, with the
accounts and the staff's TOTP secrets, in ``var/demo-credentials.json`` (never in
the repository).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Site

from accounts.demo import ensure_demo_totp, ensure_verified_address
from calls.importing import ImportReport, import_calls
from organisations.models import Organisation
from organisations.provisioning import organisation_provision

DEMO_DIR = Path(settings.BASE_DIR) / "calls" / "demo"
PARIS = ZoneInfo("Europe/Paris")

# username → (organisation name or None for the administrator, role)
DEMO_ACCOUNTS = {
    "admin": (None, "administrateur"),
    "redaction.metropole": ("Métropole Aix-Marseille-Provence", "editors"),
    "relecture.metropole": ("Métropole Aix-Marseille-Provence", "reviewers"),
    "redaction.cci": ("CCI Aix-Marseille-Provence", "editors"),
    "relecture.cci": ("CCI Aix-Marseille-Provence", "reviewers"),
    "redaction.port": ("Grand Port Maritime de Marseille", "editors"),
    "relecture.port": ("Grand Port Maritime de Marseille", "reviewers"),
    "evaluation.metropole": ("Métropole Aix-Marseille-Provence", "evaluators"),
    "evaluation.cci": ("CCI Aix-Marseille-Provence", "evaluators"),
    "evaluation.port": ("Grand Port Maritime de Marseille", "evaluators"),
}
ROLE_LABELS = {"editors": "rédaction", "reviewers": "relecture", "evaluators": "évaluation"}

# The demo solution provider: an applicant account acting for a company.
DEMO_APPLICANT_EMAIL = "candidat@solaris-provence.example"
DEMO_COMPANY = {
    "legal_name": "Solaris Provence SAS",
    "siret": "90102030500008",
    "size": "tpe",
    "commune": "Aix-en-Provence",
    "departement": "13",
    "website": "https://solaris-provence.example",
    "pitch": "Capteurs et tableaux de bord pour piloter l'énergie et la qualité de l'air "
    "des bâtiments publics.",
}


def configure_site(base_url: str) -> Site:
    """Point the default Wagtail site at the portal's public address (absolute links)."""
    parts = urlsplit(base_url)
    site = Site.objects.get(is_default_site=True)
    site.hostname = parts.hostname or "localhost"
    site.port = parts.port or (443 if parts.scheme == "https" else 80)
    site.save()
    return site


def load_organisations() -> list[Organisation]:
    organisations = []
    for item in json.loads((DEMO_DIR / "organisations.json").read_text(encoding="utf-8")):
        organisation, _ = Organisation.objects.update_or_create(
            name=item["name"],
            defaults={k: item.get(k, "") for k in ("kind", "siret", "website", "description")},
        )
        organisation.full_clean()
        organisations.append(organisation_provision(organisation))
    return organisations


def demo_call_lines(today: datetime | None = None) -> list[str]:
    """The demo calls as JSON Lines, with offsets turned into Paris dates."""
    today = timezone.localtime(today or timezone.now(), PARIS).date()
    lines = []
    for line in (DEMO_DIR / "calls.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        opens = today + timedelta(days=item.pop("opens_in_days"))
        closes = today + timedelta(days=item.pop("closes_in_days"))
        hour, minute = (int(x) for x in item.pop("closes_time", "12:00").split(":"))
        item["opens_at"] = datetime.combine(opens, time(9, 0), PARIS).isoformat()
        item["closes_at"] = datetime.combine(closes, time(hour, minute), PARIS).isoformat()
        lines.append(json.dumps(item, ensure_ascii=False))
    return lines


def load_demo_calls() -> ImportReport:
    """Import the demo calls once; later runs leave calls already there alone."""
    from calls.models import CallPage

    known = set(CallPage.objects.values_list("source_url", flat=True))
    fresh = [line for line in demo_call_lines() if json.loads(line)["source_url"] not in known]
    return import_calls(fresh, publish=True)


def ensure_accounts(credentials_file: Path) -> dict[str, dict[str, str]]:
    stored = {}
    if credentials_file.exists():
        stored = json.loads(credentials_file.read_text(encoding="utf-8"))
    User = get_user_model()
    for username, (organisation_name, role) in DEMO_ACCOUNTS.items():
        entry = stored.get(username) or {"password": secrets.token_urlsafe(12)}
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@amp-innovation.example"}
        )
        user.set_password(entry["password"])
        if organisation_name is None:
            user.is_staff = user.is_superuser = True
        user.save()
        entry["totp_secret"] = ensure_demo_totp(user, entry.get("totp_secret"))
        if organisation_name is not None:
            organisation = Organisation.objects.get(name=organisation_name)
            user.groups.add(getattr(organisation, f"{role}_group"))
            entry["role"] = ROLE_LABELS[role]
            entry["organisation"] = organisation_name
        else:
            entry["role"] = role
        stored[username] = entry
    stored[DEMO_APPLICANT_EMAIL] = ensure_applicant(stored.get(DEMO_APPLICANT_EMAIL))
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(stored, ensure_ascii=False, indent=2), encoding="utf-8")
    credentials_file.chmod(0o600)
    return stored


def ensure_applicant(entry: dict[str, str] | None) -> dict[str, str]:
    """A verified applicant of the demo company, who logs in on the public site."""
    from accounts.models import Account
    from calls.models import Sector
    from companies.models import Company, Membership, MembershipRole

    entry = entry or {"password": secrets.token_urlsafe(12)}
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_APPLICANT_EMAIL,
        defaults={"email": DEMO_APPLICANT_EMAIL, "first_name": "Camille", "last_name": "Durand"},
    )
    user.set_password(entry["password"])
    user.save()
    Account.objects.get_or_create(
        user=user,
        defaults={
            "consent_at": timezone.now(),
            "consent_version": settings.ACCOUNT_CONSENT_VERSION,
        },
    )
    ensure_verified_address(user)
    company, created = Company.objects.get_or_create(
        siret=DEMO_COMPANY["siret"], defaults=DEMO_COMPANY
    )
    if created:
        company.sectors.set(
            Sector.objects.filter(code__in=["energie_environnement", "numerique_creatif"])
        )
    Membership.objects.get_or_create(
        user=user, defaults={"company": company, "role": MembershipRole.OWNER}
    )
    return {**entry, "role": "candidat", "organisation": company.legal_name}
