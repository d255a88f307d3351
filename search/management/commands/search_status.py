"""``manage.py search_status``: documents in the index against searchable calls, and drift."""

from django.core.management.base import BaseCommand

from search.backends import get_backend
from search.indexer import index_drift


class Command(BaseCommand):
    help = "Compare l'index de recherche aux appels publiés."

    def handle(self, *args, **options) -> None:
        backend = get_backend()
        drift, expected = index_drift()
        indexed = backend.indexed_versions()
        self.stdout.write(f"Moteur : {backend.health().get('engine', backend.name)}")
        self.stdout.write(f"Appels à indexer : {len(expected)}")
        self.stdout.write(f"Documents dans l'index : {len(indexed)}")
        self.stdout.write(f"Dernière version indexée : {max(indexed.values(), default=0)}")
        for label, ids in (
            ("manquants", drift.missing),
            ("périmés", drift.stale),
            ("en trop", drift.extra),
        ):
            shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
            self.stdout.write(f"  {label} : {len(ids)}" + (f" ({shown})" if ids else ""))
        self.stdout.write(
            "Index à jour."
            if not drift.total
            else "Écart détecté : lancez rebuild_search_index ou attendez la "
            "réconciliation automatique."
        )
