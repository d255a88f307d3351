"""``manage.py syndicate``: send the latest state of calls to a partner again.

For a partner added after calls were published, or after an outage in which the
partner lost data. Deliveries go through the usual engine (ordered lanes, retries),
so running it twice, or while the worker is busy, never duplicates anything.
"""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from calls.models import CallEvent
from portal.progress import ProgressBar
from syndication.delivery import resync
from syndication.models import ConnectorKind, Partner
from syndication.partners import is_configured, sync_partners


def parse_since(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)):
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise CommandError(f"--since : date invalide « {value} » (AAAA-MM-JJ ou ISO 8601).")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Renvoie l'état le plus récent des appels vers une plateforme partenaire."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partner",
            required=True,
            choices=[*ConnectorKind.values, "all"],
            help="mba, pactepme ou all",
        )
        parser.add_argument(
            "--call", action="append", dest="calls", metavar="CALL_ID", help="un appel (répétable)"
        )
        parser.add_argument("--since", help="seulement les appels modifiés depuis cette date")

    def handle(self, *args, partner: str, calls: list[str] | None, since: str | None, **options):
        sync_partners()
        kinds = ConnectorKind.values if partner == "all" else [partner]
        partners = list(Partner.objects.filter(kind__in=kinds))
        for kind in kinds:
            found = next((p for p in partners if p.kind == kind), None)
            if found is None or not is_configured(found):
                raise CommandError(
                    f"La plateforme {kind} n'est pas configurée (variables d'environnement)."
                )
            if not found.enabled:
                raise CommandError(f"La plateforme {kind} est désactivée dans l'administration.")
        moment = parse_since(since) if since else None
        if calls:
            unknown = set(calls) - set(
                CallEvent.objects.filter(call_id__in=calls).values_list("call_id", flat=True)
            )
            if unknown:
                raise CommandError(f"Appel inconnu : {', '.join(sorted(unknown))}.")
        for found in partners:
            self._resync(found, calls, moment)

    def _resync(self, partner: Partner, calls: list[str] | None, since: datetime | None) -> None:
        events = CallEvent.objects.values("call_id").distinct()
        if calls:
            events = events.filter(call_id__in=calls)
        total = events.count()
        planned = skipped = 0
        with ProgressBar(total, self.stdout, label=partner.kind) as bar:
            for delivery in resync(partner, call_ids=calls, since=since):
                if delivery is None:
                    skipped += 1
                else:
                    planned += 1
                bar.advance()
        self.stdout.write(
            self.style.SUCCESS(
                f"{partner.name} : {planned} envoi(s) planifié(s), {skipped} appel(s) sans rien à "
                "envoyer (jamais publiés chez ce partenaire et retirés)."
            )
        )
