"""The embedded engine on PostgreSQL: French full text, facets, sorting, highlighting."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from calls import lifecycle
from calls.models import CallEvent
from search import indexer
from search.backends.database import DatabaseBackend, mark_words
from search.fuzzy import _nearest
from search.models import SearchWord
from search.params import parse_search_params
from search.views import _issuer_slugs
from tests.factories import create_call

pytestmark = pytest.mark.django_db


def index_all():
    for event in CallEvent.objects.order_by("pk"):
        indexer.index_call_event(event)


def search(query: str = "", **params):
    qd = QueryDict(mutable=True)
    qd["q"] = query
    for key, value in params.items():
        qd.setlist(key, value if isinstance(value, list) else [value])
    return DatabaseBackend().search(parse_search_params(qd, issuers=_issuer_slugs()))


def titles(results):
    return [hit.title for hit in results.hits]


@pytest.fixture
def corpus(metropole, cci):
    now = timezone.now()
    calls = {
        "air": create_call(
            metropole,
            title="Capteurs connectés pour la qualité de l'air",
            summary="Mesurer la pollution dans les écoles avec des capteurs.",
            sectors=["energie_environnement"],
            closes_at=now + timedelta(days=5),
        ),
        "energie": create_call(
            cci,
            title="Pilotage de l'énergie des entreprises",
            summary="Réduire la consommation énergétique des PME du territoire.",
            sectors=["energie_environnement"],
            closes_at=now + timedelta(days=20),
        ),
        "hopital": create_call(
            metropole,
            title="Logistique hospitalière à l'hôpital Nord",
            summary="Suivre les équipements biomédicaux de l'hôpital.",
            sectors=["sante"],
            call_type="ami",
            closes_at=now + timedelta(days=60),
        ),
        "port": create_call(
            cci,
            title="Drones pour inspecter les digues du port",
            summary="Inspection des quais par drones et capteur d'images.",
            sectors=["maritime_logistique"],
            call_type="challenge",
            closes_at=now + timedelta(days=90),
        ),
        "ferme": create_call(
            metropole,
            title="Capteurs de bruit en ville (clos)",
            summary="Mesurer le bruit urbain.",
            sectors=["energie_environnement"],
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=1),
        ),
    }
    lifecycle.call_close(calls["ferme"], reason="Budget atteint")
    index_all()
    return calls


def test_accents_and_case_do_not_matter(corpus):
    assert "Pilotage de l'énergie des entreprises" in titles(search("ENERGIE"))
    assert "Pilotage de l'énergie des entreprises" in titles(search("énergie"))


def test_plural_and_singular_match(corpus):
    assert "Drones pour inspecter les digues du port" in titles(search("capteurs"))
    assert "Capteurs connectés pour la qualité de l'air" in titles(search("capteur"))


def test_one_typo_per_word_is_forgiven(corpus):
    assert "Logistique hospitalière à l'hôpital Nord" in titles(search("hopitl"))
    assert "Drones pour inspecter les digues du port" in titles(search("drnoes"))


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("drnoes", ["drones"]),  # a swap: two edits for Levenshtein, one here
        ("capteru", ["capter", "capteur"]),  # a missing letter, a swap
        ("capteurss", ["capteurs", "capteur"]),  # nearest first
        ("hospitaleire", ["hospitaliere"]),  # long words: two edits allowed
        ("hospitalxxxx", []),
        ("ecoels", ["ecoles"]),
    ],
)
def test_the_database_prefilter_finds_what_python_finds(typo, expected):
    SearchWord.objects.bulk_create(
        SearchWord(word=w, length=len(w))
        for w in ["drones", "capteur", "capteurs", "capter", "hospitaliere", "ecoles", "ecole"]
    )
    found = _nearest(typo, 3)
    assert found == _nearest(typo, 3, prefilter=False)
    assert found == expected


def test_multi_word_queries_do_not_require_every_word(corpus):
    results = titles(search("capteurs qualité air drones"))
    assert results[0] == "Capteurs connectés pour la qualité de l'air", "most words first"
    assert "Drones pour inspecter les digues du port" in results


def test_closed_calls_come_after_open_ones(corpus):
    results = search("capteurs")
    statuses = [hit.status for hit in results.hits]
    assert "closed" in statuses
    assert statuses.index("closed") == len(statuses) - 1


def test_facets_count_across_other_filters(corpus, metropole):
    results = search("", sector="energie_environnement")
    assert results.count == 3
    assert results.facets["sector"]["energie_environnement"] == 3
    assert results.facets["sector"]["sante"] == 1, "the sector facet ignores its own filter"
    assert results.facets["status"] == {"open": 2, "closed": 1}
    assert results.facets["type"] == {"appel_a_solutions": 3}
    assert results.facets["issuer"] == {metropole.slug: 2, "cci-aix-marseille-provence": 1}


def test_filters_combine(corpus):
    assert titles(search("", type="ami")) == ["Logistique hospitalière à l'hôpital Nord"]
    assert titles(search("", status="closed")) == ["Capteurs de bruit en ville (clos)"]
    assert search("", deadline="week").count == 1
    assert search("", status=["open", "closed"]).count == 5


def test_sort_orders(corpus):
    closing = titles(search("", sort="closing"))
    assert closing[0] == "Capteurs connectés pour la qualité de l'air"
    assert closing[-1] == "Capteurs de bruit en ville (clos)", "closed ones last"
    newest = titles(search("", sort="newest"))
    assert newest[0] == "Capteurs de bruit en ville (clos)"


def test_highlight_marks_matched_words_and_escapes(corpus):
    hit = search("pollution écoles").hits[0]
    assert "<mark>pollution</mark>" in hit.highlight
    assert mark_words("<b>Énergie</b> & co", ["energie"]) == (
        "&lt;b&gt;<mark>Énergie</mark>&lt;/b&gt; &amp; co"
    )


@pytest.mark.parametrize("sort", ["relevance", "closing"])
def test_snippet_is_the_summary_if_it_matches_else_fragments_of_the_body(metropole, sort):
    filler = "Le contexte général du territoire métropolitain est décrit ici. " * 40
    create_call(
        metropole,
        title="Réseau de chaleur urbain",
        summary="Un appel sur la <chaleur> & le froid.",
        body=[
            {
                "type": "context",
                "value": f"<p>{filler} Les géothermies marines sont attendues. {filler}</p>",
            }
        ],
    )
    index_all()

    def snippet(query: str) -> str:
        return search(query, sort=sort).hits[0].highlight

    assert snippet("froid") == "Un appel sur la &lt;chaleur&gt; &amp; le <mark>froid</mark>."
    from_body = snippet("géothermie")
    assert "<mark>géothermies</mark> marines" in from_body
    assert len(from_body) < 400, "a fragment around the match, not the whole body"
    assert snippet("réseau") == "Un appel sur la &lt;chaleur&gt; &amp; le froid."


def test_pagination(corpus):
    first = search("", page="1", page_size="2")
    second = search("", page="2", page_size="2")
    assert first.count == second.count == 5
    assert not set(titles(first)) & set(titles(second))


def test_an_older_version_never_replaces_a_newer_one(corpus):
    call = corpus["air"]
    older = CallEvent.objects.get(call_id=call.call_id, version=1)
    from tests.factories import edit_call

    edit_call(call, title="Capteurs connectés, version 2")
    indexer.index_call_event(CallEvent.objects.get(call_id=call.call_id, version=2))
    indexer.index_call_event(older)  # a late, stale delivery
    assert DatabaseBackend().indexed_versions()[call.call_id] == 2
    assert "Capteurs connectés, version 2" in titles(search("capteurs"))


def test_autocomplete_suggests_titles(corpus):
    assert "Drones pour inspecter les digues du port" in DatabaseBackend().autocomplete("dro")


def test_a_search_in_a_callers_transaction_leaves_its_planner_settings_alone(corpus):
    """The search turns sequential scans off for its own statements only."""

    def seqscan() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    with transaction.atomic():
        assert search("capteurs pollution").count == 3
        assert seqscan() == "on"


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"type": "ami", "status": "open"},
        {"sector": "energie_environnement", "deadline": "week"},
        {"issuer": "cci-aix-marseille-provence", "type": "challenge", "status": "closed"},
        {"status": ["open", "closed"], "sector": ["sante", "maritime_logistique"]},
        {"type": ["appel_a_solutions", "challenge"], "deadline": "later", "status": "upcoming"},
    ],
)
def test_postgres_facets_agree_with_the_orm_reference(corpus, filters):
    """The grouped facets (each without its own filter) match the ORM's per-facet counts."""
    qd = QueryDict(mutable=True)
    for key, value in filters.items():
        qd.setlist(key, value if isinstance(value, list) else [value])
    request = parse_search_params(qd, issuers=_issuer_slugs())
    backend = DatabaseBackend()
    reference, grouped = backend._search_orm(request), backend._search_postgres(request)
    assert grouped.facets == reference.facets
    assert grouped.count == reference.count
    assert [hit.call_id for hit in grouped.hits] == [hit.call_id for hit in reference.hits]
