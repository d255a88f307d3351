"""``manage.py rebuild_search_index``: rebuild the whole index, with no moment without results."""

from django.core.management.base import BaseCommand

from portal.progress import ProgressBar
from search.backends import get_backend
from search.indexer import rebuild_index


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche à partir des appels publiés."

    def handle(self, *args, **options) -> None:
        with ProgressBar(0, self.stdout, every=500) as bar:
            written = rebuild_index(progress=bar.update)
        self.stdout.write(f"{written} appel(s) indexé(s) ({get_backend().name}).")
