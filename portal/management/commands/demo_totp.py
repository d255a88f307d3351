"""``manage.py demo_totp <username>``: the current second-factor code of a demo account.

Reads the secret from ``var/demo-credentials.json``; refuses to run outside DEBUG, so
that it never becomes a way round the second factor in production.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import current_code


class Command(BaseCommand):
    help = "Affiche le code de double authentification actuel d'un compte de démonstration."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Commande réservée au développement (DJANGO_DEBUG=1).")
        path = settings.VAR_DIR / "demo-credentials.json"
        if not path.exists():
            raise CommandError("Pas de comptes de démonstration : lancez « manage.py load_demo ».")
        entry = json.loads(path.read_text(encoding="utf-8")).get(username)
        if not entry or not entry.get("totp_secret"):
            raise CommandError(f"{username} n'est pas un compte de démonstration du personnel.")
        self.stdout.write(current_code(entry["totp_secret"]))
