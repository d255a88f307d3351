"""``manage.py import_calls FILE.jsonl [--publish] [--atomic]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.importing import import_calls


class Command(BaseCommand):
    help = "Importe des appels depuis un fichier JSON Lines (idempotent sur source_url)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Fichier .jsonl, une ligne par appel.")
        parser.add_argument(
            "--publish", action="store_true", help="Publier les appels créés ou modifiés."
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="Ne rien importer si une seule ligne est invalide.",
        )

    def handle(self, *args, file: Path, publish: bool, atomic: bool, **options) -> None:
        try:
            with file.open(encoding="utf-8") as lines:
                report = import_calls(lines, publish=publish, atomic=atomic)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Lecture impossible de {file} : {error}") from error
        for number, message in report.errors:
            self.stderr.write(f"ligne {number} : {message}")
        self.stdout.write(
            f"{len(report.created)} créé(s), {len(report.updated)} mis à jour, "
            f"{len(report.unchanged)} inchangé(s), {len(report.errors)} ligne(s) en erreur."
        )
        if report.errors:
            raise CommandError(
                "Import annulé : aucune ligne importée."
                if atomic
                else "Des lignes n'ont pas été importées."
            )
