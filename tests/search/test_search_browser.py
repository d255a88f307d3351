"""Searching in a real browser: type a query, refine with a facet, open a result."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import CallEvent
from search import indexer
from tests.conftest import axe_violations
from tests.factories import create_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indexed_calls(metropole, cci):
    now = timezone.now()
    create_call(
        metropole,
        title="Capteurs connectés pour la qualité de l'air",
        slug="capteurs-air",
        summary="Des capteurs dans les écoles de Marseille.",
        sectors=["energie_environnement"],
        closes_at=now + timedelta(days=20),
    )
    create_call(
        cci,
        title="Capteurs de vibrations pour les machines",
        slug="capteurs-vibrations",
        summary="Maintenance prédictive des machines.",
        sectors=["mecanique_aeronautique"],
        closes_at=now + timedelta(days=40),
    )
    create_call(
        cci,
        title="Cybersécurité des TPE",
        slug="cyber-tpe",
        summary="Diagnostic express.",
        sectors=["numerique_creatif"],
    )
    for event in CallEvent.objects.order_by("pk"):
        indexer.index_call_event(event)


def test_search_refine_with_a_facet_and_open_a_result(page, live_server, indexed_calls):
    page.goto(live_server.url + "/recherche/")
    page.get_by_label("Mots-clés").fill("capteur")  # singular finds the plurals
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche/?q=capteur*")
    assert page.get_by_role("heading", name="2 appels trouvés").is_visible()

    page.get_by_label("Énergie et environnement (1)").check()
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url("**sector=energie_environnement*")
    assert page.get_by_role("heading", name="1 appel trouvé").is_visible()
    assert page.locator("mark").first.inner_text().lower() == "capteurs"

    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)

    page.get_by_role("link", name="Capteurs connectés pour la qualité de l'air").click()
    page.wait_for_url("**/appels/capteurs-air/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Capteurs connectés pour la qualité de l'air"
    )


def test_the_shared_url_reproduces_the_search(page, live_server, indexed_calls):
    page.goto(live_server.url + "/recherche/?q=capteurs&sector=mecanique_aeronautique")
    titles = page.locator(".call-card__title").all_inner_texts()
    assert titles == ["Capteurs de vibrations pour les machines"]
    assert page.get_by_label("Mécanique et aéronautique (1)").is_checked()
