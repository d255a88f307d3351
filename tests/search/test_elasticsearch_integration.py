"""The Elasticsearch backend against a running engine, on a small French corpus.

Without ``ELASTICSEARCH_URL`` in the environment, a session fixture starts the noida-db
emulator on a free port and stops it at the end. With it, the tests run against that
cluster instead, under a unique index prefix that is deleted afterwards.

The backend is written for real Elasticsearch. Where the emulator answers differently,
the test stays as real Elasticsearch behaves and is marked ``xfail(strict=True)`` for
the emulator only, with the reason: it then fails loudly the day the emulator is fixed.

No database: nothing here touches Django models.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from search.backends.base import CallDocument, SearchRequest
from search.backends.elasticsearch import ElasticsearchBackend
from tests.search.es_emulator import EmulatorUnavailable, running_emulator

pytestmark = pytest.mark.search_engine

REAL_CLUSTER_URL = os.environ.get("ELASTICSEARCH_URL", "")
ON_EMULATOR = not REAL_CLUSTER_URL

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)

METROPOLE = ("Métropole Aix-Marseille-Provence", "metropole-aix-marseille-provence")
CCI = ("CCI Aix-Marseille-Provence", "cci-aix-marseille-provence")
APHM = ("Assistance Publique – Hôpitaux de Marseille", "ap-hm")
PORT = ("Grand Port Maritime de Marseille", "grand-port-maritime-de-marseille")
REGION = ("Région Sud", "region-sud")


def days(n: int) -> datetime:
    return NOW + timedelta(days=n)


def call(
    number: int,
    title: str,
    summary: str,
    body: str,
    *,
    call_type: str,
    issuer: tuple[str, str],
    sectors: list[str],
    opens: int,
    closes: int,
    published: int | None,
    closed_early: bool = False,
    keywords: tuple[str, ...] = (),
    version: int = 1,
) -> CallDocument:
    call_id = f"AMP-2026-{number:04d}"
    return CallDocument(
        call_id=call_id,
        version=version,
        title=title,
        summary=summary,
        body=body,
        keywords=list(keywords),
        call_type=call_type,
        issuer=issuer[0],
        issuer_slug=issuer[1],
        sectors=sectors,
        location="Marseille",
        url=f"/appels/{call_id.lower()}/",
        opens_at=days(opens),
        closes_at=days(closes),
        closed_early=closed_early,
        published_at=None if published is None else days(published),
    )


A = call(
    1,
    "Capteurs connectés pour l'hôpital de demain",
    "Des capteurs pour suivre les patients et les équipements en temps réel.",
    "L'AP-HM cherche des dispositifs médicaux communicants, sobres et interopérables.",
    call_type="appel_a_solutions",
    issuer=APHM,
    sectors=["sante"],
    opens=-20,
    closes=5,
    published=-21,
    keywords=("santé connectée", "IoT"),
    version=3,
)
B = call(
    2,
    "Efficacité énergétique des bâtiments publics",
    "Réduire la consommation d'énergie des écoles et des gymnases de la Métropole.",
    "Pilotage du chauffage, isolation, suivi des consommations par bâtiment.",
    call_type="challenge",
    issuer=METROPOLE,
    sectors=["energie_environnement"],
    opens=-10,
    closes=20,
    published=-11,
)
C = call(
    3,
    "Décarbonation de la logistique portuaire",
    "Électrifier les quais et optimiser les flux de conteneurs.",
    "Le port étudie le branchement électrique des navires à quai et le stockage "
    "d'énergie renouvelable pour les engins de manutention.",
    call_type="ami",
    issuer=PORT,
    sectors=["maritime_logistique", "energie_environnement"],
    opens=-5,
    closes=60,
    published=-6,
    version=2,
)
D = call(
    4,
    "Réalité virtuelle pour le tourisme culturel",
    "Faire visiter autrement les calanques et les musées.",
    "Expériences immersives, médiation culturelle, accessibilité.",
    call_type="appel_a_solutions",
    issuer=REGION,
    sectors=["tourisme_art_de_vivre", "numerique_creatif"],
    opens=10,
    closes=70,
    published=-2,
)
E = call(
    5,
    "Maintenance prédictive des aéronefs",
    "Anticiper les pannes des hélicoptères grâce aux données de vol.",
    "Des capteurs embarqués et des modèles de vieillissement des pièces.",
    call_type="challenge",
    issuer=CCI,
    sectors=["mecanique_aeronautique"],
    opens=-90,
    closes=-10,
    published=-91,
)
F = call(
    6,
    "Télésurveillance des patients à domicile",
    "Suivre à distance les patients atteints de maladies chroniques.",
    "Plateforme de télémédecine pour les équipes de soins à domicile.",
    call_type="ami",
    issuer=APHM,
    sectors=["sante"],
    opens=-30,
    closes=15,
    published=-31,
    closed_early=True,
)
G = call(
    7,
    "Énergie solaire sur les toitures des hôpitaux",
    "Installer des panneaux photovoltaïques : R&D et démonstrateurs de puissance < 100 kWc.",
    "Les établissements de santé veulent produire leur propre électricité.",
    call_type="appel_a_solutions",
    issuer=APHM,
    sectors=["energie_environnement", "sante"],
    opens=-15,
    closes=3,
    published=-16,
)
H = call(
    8,
    "Plateforme numérique de mobilité urbaine",
    "Un calculateur d'itinéraires multimodal pour les habitants.",
    "Données ouvertes des transports, covoiturage, vélos en libre-service.",
    call_type="appel_a_solutions",
    issuer=METROPOLE,
    sectors=["numerique_creatif"],
    opens=-1,
    closes=100,
    published=-1,
)
I = call(  # noqa: E741 (the corpus is lettered)
    9,
    "Tri et valorisation des déchets du BTP",
    "Réemployer les matériaux issus des chantiers du territoire.",
    "Plateformes de tri, traçabilité des gravats, filières de réemploi.",
    call_type="challenge",
    issuer=METROPOLE,
    sectors=["energie_environnement"],
    opens=-40,
    closes=25,
    published=-41,
)
J = call(
    10,
    "Capteur de qualité de l'air dans les écoles",
    "Mesurer la pollution intérieure des salles de classe.",
    "Un boîtier simple, lisible par les enseignants, avec alerte d'aération.",
    call_type="ami",
    issuer=METROPOLE,
    sectors=["energie_environnement", "sante"],
    opens=-3,
    closes=45,
    published=-4,
)
K = call(
    11,
    "Intelligence artificielle pour le diagnostic médical",
    "Aider les radiologues à lire les images plus vite.",
    "Apprentissage automatique sur des images anonymisées, validation clinique.",
    call_type="appel_a_solutions",
    issuer=APHM,
    sectors=["sante", "numerique_creatif"],
    opens=5,
    closes=40,
    published=None,
)
L = call(
    12,
    "Économie circulaire dans la croisière",
    "Réduire les déchets à bord des paquebots en escale.",
    "Collecte, tri et valorisation des déchets des navires de croisière.",
    call_type="challenge",
    issuer=CCI,
    sectors=["tourisme_art_de_vivre", "maritime_logistique"],
    opens=-100,
    closes=-30,
    published=-101,
)
CORPUS = [A, B, C, D, E, F, G, H, I, J, K, L]
# By the clock NOW: 7 open, 2 upcoming, 3 closed (E and L past their date, F closed early).
OPEN = [A, B, C, G, H, I, J]
UPCOMING = [D, K]
CLOSED = [E, F, L]


def ids(*documents: CallDocument) -> list[str]:
    return [d.call_id for d in documents]


def found(results) -> set[str]:
    return {hit.call_id for hit in results.hits}


def order(results) -> list[str]:
    return [hit.call_id for hit in results.hits]


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory) -> Iterator[str]:
    """A real cluster from ``ELASTICSEARCH_URL``, else an emulator for this session."""
    if REAL_CLUSTER_URL:
        yield REAL_CLUSTER_URL
        return
    try:
        with running_emulator(tmp_path_factory.mktemp("noida-db")) as url:
            yield url
    except EmulatorUnavailable as error:
        pytest.skip(str(error))


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def backend(engine_url) -> Iterator[ElasticsearchBackend]:
    """The corpus indexed once for the read-only tests of this module."""
    engine = ElasticsearchBackend(engine_url, index_prefix=unique_prefix(), refresh=True)
    assert engine.index(CORPUS) == len(CORPUS)
    yield engine
    engine.drop()


@pytest.fixture
def scratch(engine_url) -> Iterator[ElasticsearchBackend]:
    """An empty backend of its own, for tests that write."""
    engine = ElasticsearchBackend(engine_url, index_prefix=unique_prefix(), refresh=True)
    yield engine
    engine.drop()


def search(backend: ElasticsearchBackend, query: str = "", **params):
    return backend.search(SearchRequest(query=query, now=NOW, **params))


# --- analysis -----------------------------------------------------------------------


def analyze(client: Elasticsearch, text: str, **body) -> list[str]:
    return [t["token"] for t in client.indices.analyze(text=text, **body)["tokens"]]


@pytest.mark.xfail(
    ON_EMULATOR,
    strict=True,
    reason="noida-db applies elision's articles_case backwards: with articles_case=true "
    "it leaves an upper-case article ('L'Énergie' stays 'l'énergie'); real Elasticsearch "
    "strips it. Our chain lowercases first, so it is not affected.",
)
def test_elision_before_lowercase_with_articles_case(backend):
    """Elasticsearch's own rebuild of the french analyzer (elision, then lowercase)."""
    elision = {"type": "elision", "articles_case": True, "articles": ["l", "d"]}
    tokens = analyze(
        backend.client, "L'Énergie d'Hôpital", tokenizer="standard", filter=[elision, "lowercase"]
    )
    assert tokens == ["énergie", "hôpital"]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("L'Énergie", "energie"),
        ("l’énergie", "ÉNERGIE"),  # typographic apostrophe
        ("hôpitaux", "hopital"),
        ("capteurs", "capteur"),
    ],
)
def test_french_analyzer_makes_variants_meet(backend, written, typed):
    def tokens(text: str) -> list[str]:
        return analyze(backend.client, text, index=backend.alias, analyzer="french_text")

    assert tokens(written) == tokens(typed) != []


def test_french_stop_words_are_dropped(backend):
    tokens = analyze(
        backend.client,
        "les appels à projets de la métropole",
        index=backend.alias,
        analyzer="french_text",
    )
    assert len(tokens) == 3  # appels, projets, métropole


# --- matching -----------------------------------------------------------------------


def test_accents_and_case_do_not_matter(backend):
    with_accent = found(search(backend, "Énergie"))
    assert {B.call_id, C.call_id, G.call_id} <= with_accent
    assert found(search(backend, "energie")) == with_accent
    assert found(search(backend, "ÉNERGIE")) == with_accent
    assert found(search(backend, "l'énergie")) == with_accent


def test_plural_finds_singular(backend):
    results = found(search(backend, "capteurs"))
    assert J.call_id in results  # "Capteur de qualité de l'air": singular only
    assert {A.call_id, E.call_id} <= results


def test_one_typo_per_word_is_forgiven(backend):
    exact = found(search(backend, "hôpital"))
    assert {A.call_id, G.call_id} <= exact
    assert found(search(backend, "hopital")) == exact
    assert {A.call_id, G.call_id} <= found(search(backend, "hôptal"))
    assert {A.call_id, G.call_id} <= found(search(backend, "hopitla"))  # swapped letters


def test_any_word_may_match_and_more_words_rank_first(backend):
    results = search(backend, "énergie hôpital")
    assert order(results)[0] == G.call_id  # both words, in the title
    # Either word alone is enough to be found.
    assert {A.call_id, B.call_id} <= found(results)


def test_unknown_words_find_nothing(backend):
    results = search(backend, "zzyzx")
    assert results.count == 0 and results.hits == []


def test_relevance_puts_closed_calls_last(backend):
    results = search(backend, "patients")
    # F (closed early) mentions patients in title and summary, A only in its summary.
    assert order(results) == ids(A, F)
    assert [hit.status for hit in results.hits] == ["open", "closed"]
    assert results.hits[0].score > 0


# --- facets and filters -------------------------------------------------------------


def test_facets_count_the_whole_corpus(backend):
    results = search(backend)
    assert results.count == len(CORPUS)
    assert results.facets == {
        "type": {"appel_a_solutions": 5, "challenge": 4, "ami": 3},
        "sector": {
            "sante": 5,
            "energie_environnement": 5,
            "numerique_creatif": 3,
            "maritime_logistique": 2,
            "tourisme_art_de_vivre": 2,
            "mecanique_aeronautique": 1,
        },
        "issuer": {
            "ap-hm": 4,
            "metropole-aix-marseille-provence": 4,
            "cci-aix-marseille-provence": 2,
            "grand-port-maritime-de-marseille": 1,
            "region-sud": 1,
        },
        "status": {"open": 7, "upcoming": 2, "closed": 3},
        "deadline": {"week": 2, "month": 2, "later": 5},
    }


def test_a_facet_ignores_its_own_filter_but_not_the_others(backend):
    results = search(backend, sectors=("sante",))
    assert found(results) == set(ids(A, F, G, J, K))
    assert results.count == 5
    # Sector counts as if no sector were chosen, so other sectors stay offered.
    assert results.facets["sector"]["energie_environnement"] == 5
    assert results.facets["sector"]["mecanique_aeronautique"] == 1
    # Every other facet counts within the chosen sector.
    assert results.facets["type"] == {"appel_a_solutions": 3, "ami": 2}
    assert results.facets["status"] == {"open": 3, "upcoming": 1, "closed": 1}
    assert results.facets["issuer"] == {"ap-hm": 4, "metropole-aix-marseille-provence": 1}


def test_facets_follow_the_query(backend):
    results = search(backend, "déchets")
    assert found(results) == set(ids(I, L))
    assert results.facets["status"] == {"open": 1, "closed": 1}
    assert results.facets["type"] == {"challenge": 2}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"call_types": ("ami",)}, [C, F, J]),
        ({"call_types": ("ami", "challenge")}, [B, C, E, F, I, J, L]),
        ({"sectors": ("maritime_logistique", "tourisme_art_de_vivre")}, [C, D, L]),
        ({"issuers": ("metropole-aix-marseille-provence",)}, [B, H, I, J]),
        ({"statuses": ("closed",)}, CLOSED),
        ({"statuses": ("upcoming",)}, UPCOMING),
        ({"statuses": ("open", "upcoming")}, OPEN + UPCOMING),
        ({"deadline": "week"}, [A, G]),
        ({"deadline": "month"}, [B, I]),
        ({"deadline": "later"}, [C, D, H, J, K]),
        ({"closes_before": NOW}, [E, L]),
        ({"closes_after": NOW, "closes_before": days(10)}, [A, G]),
        ({"statuses": ("open",), "sectors": ("sante",), "call_types": ("ami",)}, [J]),
    ],
)
def test_filters(backend, params, expected):
    results = search(backend, page_size=50, **params)
    assert found(results) == set(ids(*expected))
    assert results.count == len(expected)


# --- sorting, paging, hits ----------------------------------------------------------

BY_DEADLINE_THEN_CLOSED = ids(G, A, B, I, K, J, C, D, H, L, E, F)


def test_sort_closing_soonest_first_closed_last(backend):
    assert order(search(backend, sort="closing")) == BY_DEADLINE_THEN_CLOSED


def test_relevance_without_query_orders_like_closing(backend):
    assert order(search(backend)) == BY_DEADLINE_THEN_CLOSED


def test_sort_newest_first_unpublished_last(backend):
    assert order(search(backend, sort="newest")) == ids(H, D, J, C, B, G, A, F, I, E, L, K)


def test_pagination(backend):
    page = search(backend, sort="closing", page=2, page_size=5)
    assert page.count == len(CORPUS)
    assert (page.page, page.page_size) == (2, 5)
    assert order(page) == BY_DEADLINE_THEN_CLOSED[5:10]


def test_hits_carry_the_call_and_its_status_at_the_request_clock(backend):
    hits = {hit.call_id: hit for hit in search(backend, page_size=50).hits}
    assert {hits[d.call_id].status for d in OPEN} == {"open"}
    assert {hits[d.call_id].status for d in UPCOMING} == {"upcoming"}
    assert {hits[d.call_id].status for d in CLOSED} == {"closed"}
    k = hits[K.call_id]
    assert (k.title, k.url, k.call_type) == (K.title, K.url, K.call_type)
    assert (k.issuer, k.issuer_slug, k.sectors) == (K.issuer, K.issuer_slug, K.sectors)
    assert (k.opens_at, k.closes_at, k.summary) == (K.opens_at, K.closes_at, K.summary)
    # The same call, a year later, is closed.
    later = backend.search(SearchRequest(query="radiologues", now=days(365)))
    assert [hit.status for hit in later.hits] == ["closed"]


def test_highlight_marks_matches_and_escapes_the_text(backend):
    (hit,) = search(backend, "panneaux").hits
    assert "<mark>panneaux</mark>" in hit.highlight
    assert "R&amp;D" in hit.highlight
    assert "&lt; 100 kWc" in hit.highlight
    assert "< 100" not in hit.highlight


def test_highlight_falls_back_to_body_fragments(backend):
    (hit,) = search(backend, "renouvelable").hits
    assert hit.call_id == C.call_id
    assert "<mark>renouvelable</mark>" in hit.highlight


def test_highlight_marks_words_found_through_analysis(backend):
    hit = next(h for h in search(backend, "ecole").hits if h.call_id == B.call_id)
    assert "<mark>écoles</mark>" in hit.highlight  # accent, plural
    hit = next(h for h in search(backend, "energie").hits if h.call_id == B.call_id)
    # Elision is a token filter: the token, and so the mark, still spans "d'".
    assert "consommation <mark>d&#x27;énergie</mark> des" in hit.highlight


def test_without_query_highlight_is_the_escaped_summary(backend):
    hit = next(h for h in search(backend).hits if h.call_id == G.call_id)
    assert hit.highlight == (
        "Installer des panneaux photovoltaïques : R&amp;D et démonstrateurs de "
        "puissance &lt; 100 kWc."
    )


# --- autocomplete, versions, health -------------------------------------------------


def test_autocomplete_completes_any_word_of_the_title(backend):
    titles = backend.autocomplete("hôp")
    assert set(titles) == {A.title, G.title}
    assert set(backend.autocomplete("HOP")) == set(titles)
    assert set(backend.autocomplete("ener")) == {B.title, G.title}  # énergétique, Énergie
    assert backend.autocomplete("capt qual") == [J.title]
    assert backend.autocomplete("i") == []
    assert len(backend.autocomplete("de", limit=3)) == 3


def test_autocomplete_matches_a_word_longer_than_the_ngrams_typed_in_full(backend):
    # 16 letters: beyond the 15-letter n-grams, found through the preserved original.
    assert backend.autocomplete("télésurveillance") == [F.title]
    assert backend.autocomplete("telesurveillanc") == [F.title]


def test_indexed_versions(backend):
    assert backend.indexed_versions() == {d.call_id: d.version for d in CORPUS}


def test_health(backend):
    health = backend.health()
    assert health["engine"] == "elasticsearch"
    assert health["status"] in {"green", "yellow"}
    assert health["documents"] == len(CORPUS)
    assert health["indices"] == [f"{backend.alias}-v0"]


# --- writing ------------------------------------------------------------------------


def test_nothing_indexed_yet(scratch):
    results = scratch.search(SearchRequest(query="énergie", now=NOW))
    assert (results.count, results.hits) == (0, [])
    assert scratch.indexed_versions() == {}
    assert scratch.autocomplete("éner") == []
    assert scratch.remove([A.call_id]) == 0


def test_index_replaces_by_call_id_and_never_goes_back_a_version(scratch):
    assert scratch.index([A]) == 1
    newer = replace(A, version=A.version + 1, title="Capteurs connectés : seconde édition")
    assert scratch.index([newer]) == 1
    again = replace(newer, title="Capteurs connectés : seconde édition, corrigée")
    assert scratch.index([again]) == 1  # the same version may be written again
    assert scratch.index([replace(A, title="Titre périmé")]) == 0  # an older one may not
    assert [hit.title for hit in scratch.search(SearchRequest(now=NOW)).hits] == [again.title]
    assert scratch.indexed_versions() == {A.call_id: A.version + 1}


def test_remove_ignores_unknown_ids(scratch):
    scratch.index([A, B])
    assert scratch.remove([A.call_id, "AMP-1999-0001"]) == 1
    assert found(scratch.search(SearchRequest(now=NOW))) == {B.call_id}
    assert scratch.indexed_versions() == {B.call_id: B.version}


def test_rebuild_swaps_the_alias_without_a_gap(scratch):
    scratch.index([A, B])
    (first,) = scratch.aliased_indices()
    seen_during_load: list[set[str]] = []

    def documents() -> Iterator[CallDocument]:
        # While the new generation loads, the alias still serves the old one.
        seen_during_load.append(found(scratch.search(SearchRequest(now=NOW))))
        yield replace(B, version=B.version + 1)
        yield C
        yield B  # the same call again, older: skipped
        seen_during_load.append(found(scratch.search(SearchRequest(now=NOW))))

    assert scratch.rebuild(documents()) == 2
    assert seen_during_load == [set(ids(A, B))] * 2
    (second,) = scratch.aliased_indices()
    assert second != first and second.startswith(f"{scratch.alias}-v")
    assert not scratch.client.indices.exists(index=first)
    assert found(scratch.search(SearchRequest(query="décarbonation", now=NOW))) == {C.call_id}
    assert scratch.indexed_versions() == {B.call_id: B.version + 1, C.call_id: C.version}
    # Writes after a rebuild go to the new generation.
    assert scratch.index([A]) == 1
    assert set(scratch.indexed_versions()) == set(ids(A, B, C))


def test_rebuild_from_nothing_and_failed_rebuild_keeps_the_old_index(scratch):
    assert scratch.rebuild([A]) == 1
    (current,) = scratch.aliased_indices()

    def broken() -> Iterator[CallDocument]:
        yield B
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        scratch.rebuild(broken())
    assert scratch.aliased_indices() == [current]
    assert found(scratch.search(SearchRequest(now=NOW))) == {A.call_id}
    generations = scratch.client.indices.get(index=f"{scratch.alias}-v*").body
    assert list(generations) == [current]  # the half-loaded one was deleted


# --- emulator gaps the backend works around ----------------------------------------
# These call the engine directly: they pin down what real Elasticsearch does that
# noida-db does not, and so why the backend is written the way it is.


@pytest.mark.xfail(
    ON_EMULATOR,
    strict=True,
    reason="noida-db returns no highlight for a query wrapped in function_score; real "
    "Elasticsearch highlights the wrapped query. The backend sets highlight_query.",
)
def test_highlight_through_function_score(backend):
    response = backend.client.search(
        index=backend.alias,
        query={
            "function_score": {
                "query": {"match": {"summary": "panneaux"}},
                "functions": [{"filter": {"term": {"closed_early": False}}, "weight": 2}],
            }
        },
        highlight={"fields": {"summary": {}}},
    )
    (hit,) = response["hits"]["hits"]
    assert "<em>panneaux</em>" in hit["highlight"]["summary"][0]


@pytest.mark.xfail(
    ON_EMULATOR,
    strict=True,
    reason="noida-db has no Painless: a _script sort is refused ('No mapping found for "
    "[_script]'). The backend orders open before closed calls with function_score.",
)
def test_script_sort(backend):
    response = backend.client.search(
        index=backend.alias,
        query={"match_all": {}},
        sort=[
            {
                "_script": {
                    "type": "number",
                    "order": "desc",
                    "script": {"source": "doc['version'].value"},
                }
            }
        ],
        size=1,
    )
    assert response["hits"]["hits"][0]["_id"] == A.call_id  # version 3, the highest
