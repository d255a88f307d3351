"""``manage.py purge_applications [--dry-run]``: the GDPR purge the scheduler runs daily."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from applications.purge import CallPurge, PurgeReport, applications_purge, purge_labels


class Command(BaseCommand):
    help = (
        "Supprime les candidatures (et leurs fichiers) des appels terminés depuis plus "
        "que la durée de conservation (APPLICATION_RETENTION_MONTHS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="compter ce qui serait supprimé, sans supprimer"
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        report = applications_purge(dry_run=dry_run)
        cutoff = timezone.localtime(report.cutoff).strftime("%d/%m/%Y %H:%M")
        self.stdout.write(
            f"Durée de conservation : {report.retention_months} mois après la fin de l'appel "
            f"(appels terminés au plus tard le {cutoff}, heure de Paris)."
        )
        verb = "à supprimer" if dry_run else "supprimée(s)"
        for call in report.calls:
            self.stdout.write(_call_line(call, verb))
        self.stdout.write(_total_line(report, verb))
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été supprimé.")


def _call_line(call: CallPurge, verb: str) -> str:
    labels = purge_labels()
    ended = timezone.localtime(call.ended_at).strftime("%d/%m/%Y")
    name = f"{call.call_id} « {call.title} »" if call.call_id else f"« {call.title} »"
    return (
        f"- {name}, terminé le {ended} : {call.applications} candidature(s) {verb} "
        f"dont {call.drafts} brouillon(s), {call.attachments} pièce(s) jointe(s) "
        f"({filesizeformat(call.attachment_bytes)}), {call.evaluations} évaluation(s), "
        f"{call.status_changes} changement(s) de statut"
        + "".join(f" ; {count} {labels[key]}" for key, count in call.others.items())
        + "."
    )


def _total_line(report: PurgeReport, verb: str) -> str:
    return (
        f"Total : {report.applications} candidature(s) et {report.attachments} pièce(s) "
        f"jointe(s) {verb}, sur {len(report.calls)} appel(s)."
    )
