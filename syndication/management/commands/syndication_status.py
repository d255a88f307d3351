"""``manage.py syndication_status``: where relaying stands, partner by partner."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from syndication.partners import sync_partners
from syndication.selectors import partner_summaries


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if value else "—"


class Command(BaseCommand):
    help = "Affiche l'état du relais vers chaque plateforme partenaire."

    def handle(self, *args, **options) -> None:
        sync_partners()
        summaries = partner_summaries()
        if not summaries:
            self.stdout.write("Aucune plateforme partenaire configurée.")
            return
        for summary in summaries:
            partner = summary.partner
            if not summary.configured:
                state = "non configurée"
            elif not summary.enabled:
                state = "désactivée"
            elif summary.blocked_at:
                state = f"BLOQUÉE (accès refusé) depuis {_moment(summary.blocked_at)}"
            elif summary.paused_until and summary.paused_until > timezone.now():
                state = f"en pause jusqu'à {_moment(summary.paused_until)} (pannes répétées)"
            else:
                state = "active"
            rate = (
                f"{summary.success_rate:.0%}".replace("%", " %")
                if summary.success_rate is not None
                else "—"
            )
            self.stdout.write(f"{partner.name} [{partner.kind}] : {state}")
            self.stdout.write(f"  en attente        : {summary.backlog}")
            self.stdout.write(f"  plus ancienne     : {_moment(summary.oldest_pending)}")
            self.stdout.write(f"  échecs définitifs : {summary.failed}")
            self.stdout.write(f"  relayés (24 h)    : {summary.delivered_24h}")
            self.stdout.write(f"  réussite (24 h)   : {rate}")
            if summary.blocked_reason:
                self.stdout.write(f"  motif du blocage  : {summary.blocked_reason}")
