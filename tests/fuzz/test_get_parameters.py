"""Every public GET parameter, fuzzed: no 5xx, and any refusal is French.

The parameter lists come from the code where it declares them (the search
parameters, the API's schema, the list filter form); a guard test reads the public
views for ``request.GET`` look-ups so that a new parameter cannot be left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from calls.forms import CallFilterForm
from search.openapi import openapi_schema
from search.params import KNOWN as SEARCH_PARAMETERS
from tests.factories import applicant
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.french import english_defaults_in, is_french
from tests.fuzz.html_forms import parse_page
from tests.fuzz.strategies import CURATED, INVALID_UTF8, encoded_values, query_strings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
API = openapi_schema("http://testserver/")["paths"]


def api_parameters(path: str) -> list[str]:
    return [p["name"] for p in API[path]["get"]["parameters"]]


# Public pages and the parameters they read. ``{call}`` and ``{organisation}`` are
# filled in with a published call's and its issuer's slugs.
SURFACES: dict[str, list[str]] = {
    "/recherche/": sorted(SEARCH_PARAMETERS),
    "/api/v1/calls/": api_parameters("/api/v1/calls/"),
    "/api/v1/autocomplete/": api_parameters("/api/v1/autocomplete/"),
    "/appels/": [*CallFilterForm.base_fields, "page"],
    "/organisations/": ["page"],
    "/organisations/{organisation}/": ["page"],
    "/appels/{call}/": ["page"],
    "/": ["page"],
    "/compte/inscription/": ["email"],
    "/compte/connexion/": ["next"],
    "/compte/mot-de-passe/oubli/": ["email"],
}
# Valid values mixed in, so that fuzzed values meet the code past the first check.
CHOICES = {
    "type": ["appel_a_solutions", "ami", "challenge"],
    "sector": ["sante", "numerique_creatif"],
    "status": ["open", "closed", "upcoming", "all"],
    "sort": ["relevance", "closing", "newest"],
    "deadline": ["week", "month", "later"],
    "issuer": ["metropole-aix-marseille-provence", "cci-aix-marseille-provence"],
    "q": ["capteurs", "cyber sécurité"],
    "page": ["1", "2", "10000"],
}
PUBLIC_VIEWS = [
    "search/views.py",
    "organisations/views.py",
    "calls/models/pages.py",
    "accounts/views",
    "applications/views.py",
    "qanda/views.py",
    "companies/views.py",
    "portal/views.py",
]
GET_LOOKUP = re.compile(r"request\.GET\.get(?:list)?\(\s*[\"'](\w+)[\"']")


def test_every_get_parameter_of_the_public_views_is_fuzzed():
    """``request.GET.get("x")`` in a public view, and "x" in no surface: add it above.

    A view that passes the whole ``request.GET`` on (a form, the search parser) is
    covered by the surface built from that form or parser.
    """
    fuzzed = {name for names in SURFACES.values() for name in names}
    read = set()
    for entry in PUBLIC_VIEWS:
        path = ROOT / entry
        for source in [path] if path.is_file() else sorted(path.glob("*.py")):
            read |= set(GET_LOOKUP.findall(source.read_text()))
    assert read - fuzzed == set()


def assert_answer_is_sound(response, query: str) -> None:
    __tracebackhide__ = True
    assert response.status_code < 500, query
    content_type = response.get("Content-Type", "")
    if response.wsgi_request.path.startswith("/api/"):
        assert content_type.startswith("application/json"), query
        if response.status_code >= 400:
            body = response.json()
            assert is_french(body["message"]), (query, body)
            assert not english_defaults_in(" ".join(body["fields"].values())), (query, body)
    elif content_type.startswith("text/html") and response.status_code == 200:
        errors = " ".join(parse_page(response.content.decode()).errors)
        assert not english_defaults_in(errors), (query, errors)


@pytest.mark.parametrize("surface", SURFACES)
def test_every_curated_value_in_every_parameter(client, published_calls, surface):
    """Each curated bad value once: in every parameter at once (the pages drop what is
    bad and use the rest), then in each one alone where the others would hide it (the
    API refuses a request at its first bad value, before any search runs)."""
    call = published_calls[0]
    path = surface.format(call=call.slug, organisation=call.issuer.slug)
    names = SURFACES[surface]
    for value in [*(quote(v, safe="") for v in CURATED), *INVALID_UTF8]:
        queries = [[name] for name in names] if path.startswith("/api/") else [names]
        for chosen in queries:
            cache.clear()
            query = "&".join(f"{name}={value}" for name in chosen)
            assert_answer_is_sound(client.get(f"{path}?{query}"), query)


@pytest.mark.parametrize("surface", SURFACES)
def test_malformed_get_parameters_never_fail_the_server(client, published_calls, surface):
    call = published_calls[0]
    path = surface.format(call=call.slug, organisation=call.issuer.slug)

    @fuzz_settings(max_examples=40)
    @given(query=query_strings(SURFACES[surface], CHOICES))
    def check(query: str) -> None:
        cache.clear()  # rate limits would otherwise answer 429 after a few examples
        assert_answer_is_sound(client.get(f"{path}?{query}"), query)

    check()


# URL patterns whose path segments a visitor can type: ``{}`` is fuzzed.
PATH_PATTERNS = [
    "/appels/{}/",
    "/appels/{}/candidater/",
    "/appels/{}/questions/",
    "/organisations/{}/",
    "/compte/verification/{}/",
    "/compte/mot-de-passe/nouveau/{}/{}/",
    "/espace/candidatures/{}/",
    "/{}/",
]


@pytest.mark.parametrize("pattern", PATH_PATTERNS)
def test_malformed_path_segments_never_fail_the_server(client, published_calls, pattern):
    client.force_login(applicant(email="lea@mistral.test"))
    segments = st.lists(encoded_values(), min_size=1, max_size=1).map(lambda v: v[0] or "x")

    @fuzz_settings(max_examples=20)
    @given(values=st.tuples(*[segments] * pattern.count("{}")))
    def check(values: tuple[str, ...]) -> None:
        cache.clear()
        path = pattern.format(*values)
        assert client.get(path).status_code < 500, path

    check()
