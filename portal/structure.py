"""The fixed skeleton of the site: Wagtail's roots, the home page, ``/appels/``, the sectors.

Migrations create it on a new database; ``ensure_site_structure`` recreates whatever
is missing (after a flush in transactional tests, or on a damaged database) and
leaves what exists alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from calls.constants import SECTORS
from calls.models import CallIndexPage, Sector
from portal.models import HomePage

HOME_TITLE = "Plateforme territoriale d'innovation"


@transaction.atomic
def ensure_site_structure() -> CallIndexPage:
    for position, (code, label) in enumerate(SECTORS):
        Sector.objects.get_or_create(code=code, defaults={"label": label, "position": position})
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    locale = Locale.objects.first() or Locale.objects.create(
        language_code=settings.LANGUAGE_CODE.split("-")[0]
    )
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale, live=True)
    )
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(instance=HomePage(title=HOME_TITLE, slug="accueil", locale=locale))
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=HOME_TITLE,
        )
    index = CallIndexPage.objects.first()
    if index is None:
        index = home.add_child(
            instance=CallIndexPage(title="Les appels", slug="appels", locale=locale)
        )
    return index
