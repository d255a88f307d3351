"""Every listing survives hostile ``page`` values: first or last page, never a 500.

Each listing gets two items and one item per page, so that "first" and "last" differ;
the page sizes are settings of the views, not what is under test.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from calls import lifecycle
from calls.models import CallEvent, CallIndexPage
from qanda.models import Question
from search import indexer
from tests.applications.reviewing import submitted_application
from tests.factories import UserFactory, create_call, editor_of, evaluator_of, log_in_as

pytestmark = pytest.mark.django_db

FIRST, LAST = "first", "last"
HOSTILE = [
    ("99999999999999999999", LAST),
    ("9" * 5000, FIRST),  # past Python's limit on digits: malformed
    ("-1", LAST),
    ("0", LAST),
    ("abc", FIRST),
    ("1e9", FIRST),
    ("1.5", FIRST),
    ("", FIRST),
    (["2", "99999"], LAST),  # the last value counts, as everywhere in Django
]
PAGE_OF = re.compile(r"Page (\d+) sur (\d+)")


@pytest.fixture
def listings(metropole, monkeypatch):
    """Two open calls, two closed ones, two applications and two questions; one per page."""
    from applications import admin_views as application_views
    from organisations import views as organisation_views
    from qanda import admin_views as question_views

    monkeypatch.setattr(CallIndexPage, "page_size", 1)
    monkeypatch.setattr(organisation_views, "PAST_CALLS_PER_PAGE", 1)
    monkeypatch.setattr(application_views, "PER_PAGE", 1)
    monkeypatch.setattr(question_views, "PAGE_SIZE", 1)
    call = create_call(metropole, title="Capteurs de houle")
    create_call(metropole, title="Capteurs de marée")
    for title in ("Capteurs anciens", "Capteurs oubliés"):
        lifecycle.call_close(create_call(metropole, title=title), reason="Terminé")
    for event in CallEvent.objects.all():
        indexer.index_call_event(event)
    for _ in range(2):
        submitted_application(call)
    asker = UserFactory()
    for text in ("Première question ?", "Seconde question ?"):
        Question.objects.create(call=call, asked_by=asker, question=text)
    return {
        "appels": ("/appels/", "page", None),
        "recherche": ("/recherche/?q=capteurs&page_size=1", "page", None),
        "organisation": (f"/organisations/{metropole.slug}/", "page", None),
        "candidatures": (
            reverse("applications_admin:call", args=[call.pk]),
            "p",
            evaluator_of(metropole),
        ),
        "questions": (reverse("qanda_admin:list"), "page", editor_of(metropole)),
    }


def _page_of(client, url: str, name: str, value) -> tuple[int, int]:
    values = value if isinstance(value, list) else [value]
    query = "&".join(f"{name}={v}" for v in values)
    response = client.get(f"{url}{'&' if '?' in url else '?'}{query}")
    assert response.status_code == 200
    found = PAGE_OF.search(response.content.decode())
    assert found, "no pagination on the page"
    return int(found[1]), int(found[2])


@pytest.mark.parametrize(
    "listing", ["appels", "recherche", "organisation", "candidatures", "questions"]
)
@pytest.mark.parametrize(("value", "expected"), HOSTILE)
def test_hostile_page_numbers_show_the_first_or_last_page(
    client, listings, listing, value, expected
):
    url, name, user = listings[listing]
    if user is not None:
        log_in_as(client, user)
    _first, total = _page_of(client, url, name, "1")
    assert total >= 2
    number, total_after = _page_of(client, url, name, value)
    assert total_after == total
    assert number == (1 if expected == FIRST else total)


def test_a_page_past_the_end_of_a_search_shows_the_last_page_s_results(client, listings):
    response = client.get("/recherche/", {"q": "capteurs", "page_size": 1, "page": 500})
    content = response.content.decode()
    assert "Page 4 sur 4" in content
    assert content.count('<article class="call-card">') == 1


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "9" * 5000, "-1", "0", "abc", "1e9", "1.5", ["2", "3"]]
)
def test_the_api_refuses_hostile_page_numbers_with_a_json_400(client, listings, value):
    values = value if isinstance(value, list) else [value]
    response = client.get("/api/v1/calls/", {"page": values})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Paramètres invalides."
    assert "page" in body["fields"]


@pytest.mark.parametrize(
    ("name", "values"), [("page_size", ["1", "2"]), ("q", ["a", "b"]), ("sort", ["closing", "x"])]
)
def test_the_api_refuses_a_repeated_single_valued_parameter(client, listings, name, values):
    response = client.get("/api/v1/calls/", {name: values})
    assert response.status_code == 400
    assert response.json()["fields"][name] == "une seule valeur attendue."


def test_the_api_past_the_last_page_answers_an_empty_page(client, listings):
    body = client.get("/api/v1/calls/", {"page": 10_000, "page_size": 100}).json()
    assert body["results"] == [] and body["count"] == 4
