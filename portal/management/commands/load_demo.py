"""``manage.py load_demo``: demo organisations, calls and accounts (idempotent)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from applications.demo import add_application_forms, add_demo_applications
from portal import demo
from search.indexer import rebuild_index


class Command(BaseCommand):
    help = "Charge le contenu de démonstration et affiche les comptes."

    def handle(self, *args, **options) -> None:
        demo.configure_site(settings.PORTAL_BASE_URL)
        organisations = demo.load_organisations()
        report = demo.load_demo_calls()
        for number, message in report.errors:
            self.stderr.write(f"ligne {number} : {message}")
        self.stdout.write(
            f"{len(organisations)} organisations, {len(report.created)} appels importés."
        )
        forms = add_application_forms()
        self.stdout.write(f"{forms} appels ouverts dotés d'un formulaire de candidature.")
        indexed = rebuild_index()
        self.stdout.write(f"{indexed} appels dans l'index de recherche.")
        accounts = demo.ensure_accounts(settings.VAR_DIR / "demo-credentials.json")
        candidate = get_user_model().objects.get(username=demo.DEMO_APPLICANT_EMAIL)
        if applied := add_demo_applications(candidate.membership.company, candidate):
            self.stdout.write(f"{applied} candidatures de démonstration (1 déposée, 1 brouillon).")
        self.stdout.write("\nComptes de démonstration (http://127.0.0.1:8000/admin/) :")
        for username, entry in accounts.items():
            if entry["role"] == "candidat":
                continue
            where = f" — {entry['organisation']}" if entry.get("organisation") else ""
            self.stdout.write(f"  {username:<22} {entry['password']:<20} {entry['role']}{where}")
            self.stdout.write(f"  {'':<22} clé TOTP : {entry['totp_secret']}")
        self.stdout.write(
            "  Double authentification : ajoutez la clé TOTP dans une application "
            "d'authentification, ou affichez le code du moment avec "
            "« python manage.py demo_totp <utilisateur> »."
        )
        applicant = accounts[demo.DEMO_APPLICANT_EMAIL]
        self.stdout.write("\nCandidat de démonstration (http://127.0.0.1:8000/compte/connexion/) :")
        self.stdout.write(
            f"  {demo.DEMO_APPLICANT_EMAIL}  {applicant['password']}  — {applicant['organisation']}"
        )
