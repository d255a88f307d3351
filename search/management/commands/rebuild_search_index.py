"""``manage.py rebuild_search_index``: rebuild the whole index, with no moment without results."""

from django.core.management.base import BaseCommand

from search.backends import get_backend
from search.indexer import rebuild_index


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche à partir des appels publiés."

    def handle(self, *args, **options) -> None:
        def progress(done: int, total: int) -> None:
            if done == total or done % 500 == 0:
                width = 30
                filled = width * done // max(total, 1)
                self.stdout.write(
                    f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending=""
                )
                self.stdout.flush()

        written = rebuild_index(progress=progress)
        self.stdout.write(f"\n{written} appel(s) indexé(s) ({get_backend().name}).")
