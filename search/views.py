"""The search page (``/recherche/``), the search API (``/api/v1/calls/``) and its schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from calls.constants import SECTORS, CallStatus, CallType
from organisations.models import Organisation
from portal.paging import paginate_search
from search.backends import get_backend
from search.backends.base import SearchHit, SearchRequest
from search.openapi import openapi_schema
from search.params import InvalidParameters, parse_search_params
from search.throttling import throttled

SECTOR_LABELS = dict(SECTORS)
STATUS_LABELS = {s.value: s.label for s in CallStatus}
DEADLINE_LABELS = {"week": "Cette semaine", "month": "Ce mois-ci", "later": "Plus tard"}


def _issuer_slugs() -> set[str]:
    return set(Organisation.objects.values_list("slug", flat=True))


def api_error(error: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    """The API's refusal: a JSON ``Error`` body (see ``search.openapi``), never an HTML page."""
    return JsonResponse(
        {"error": error, "message": message, "fields": fields or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def api_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``require_GET`` for the API: the 405 answers in JSON like every other refusal.

    CSRF-exempt, since no method but GET gets past it: otherwise the CSRF check
    would answer a POST first, with an HTML 403.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "GET":
            response = api_error(
                "method_not_allowed", _("Méthode non autorisée : utilisez GET."), status=405
            )
            response["Allow"] = "GET"
            return response
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other address under ``/api/``: a JSON 404 like every refusal of the API."""
    return api_error(
        "not_found",
        _("Cette adresse n'existe pas dans l'API ; sa description est à /api/v1/openapi.json."),
        status=404,
    )


def hit_json(hit: SearchHit) -> dict:
    return {
        "call_id": hit.call_id,
        "title": hit.title,
        "url": hit.url,
        "type": hit.call_type,
        "issuer": hit.issuer,
        "sectors": hit.sectors,
        "opens_at": timezone.localtime(hit.opens_at).isoformat(),
        "closes_at": timezone.localtime(hit.closes_at).isoformat(),
        "status": hit.status,
        "summary": hit.summary,
        "highlight": hit.highlight,
    }


@transaction.non_atomic_requests  # a read: the search opens its own transaction
@api_get
@throttled("api", "SEARCH_API_LIMIT_PER_MINUTE")
def calls_api(request: HttpRequest) -> JsonResponse:
    issuers = _issuer_slugs() if "issuer" in request.GET else set()
    try:
        search_request = parse_search_params(request.GET, issuers=issuers)
    except InvalidParameters as error:
        return api_error(
            "invalid_parameters", _("Paramètres invalides."), status=400, fields=error.errors
        )
    results = get_backend().search(search_request)
    facets = {k: v for k, v in results.facets.items() if k != "deadline"}
    return JsonResponse(
        {
            "count": results.count,
            "page": results.page,
            "page_size": results.page_size,
            "results": [hit_json(hit) for hit in results.hits],
            "facets": facets,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@api_get
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        openapi_schema(request.build_absolute_uri("/")), json_dumps_params={"ensure_ascii": False}
    )


@api_get
@throttled("autocomplete", "SEARCH_AUTOCOMPLETE_LIMIT_PER_MINUTE")
def autocomplete(request: HttpRequest) -> JsonResponse:
    prefix = request.GET.get("q", "")[:100]
    return JsonResponse(
        {"suggestions": get_backend().autocomplete(prefix)},
        json_dumps_params={"ensure_ascii": False},
    )


def _lenient(request: HttpRequest) -> tuple[SearchRequest, dict[str, str]]:
    """Like the API, but drop the bad parameters and say so instead of refusing.

    ``page`` is left to ``paginate_search``, as on every listing: past the end, the
    last page.
    """
    issuers = _issuer_slugs()
    params = request.GET.copy()
    params.pop("page", None)
    try:
        return parse_search_params(params, issuers=issuers, strict=False), {}
    except InvalidParameters as error:
        cleaned = params
        for name in error.errors:
            cleaned.pop(name, None)
        return parse_search_params(cleaned, issuers=issuers, strict=False), error.errors


def _facet_options(results, search_request: SearchRequest) -> list[dict]:
    issuers = dict(Organisation.objects.values_list("slug", "name"))
    spec = [
        ("type", "Type d'appel", dict(CallType.choices), search_request.call_types),
        ("sector", "Filière", SECTOR_LABELS, search_request.sectors),
        (
            "status",
            "Statut",
            {k: v for k, v in STATUS_LABELS.items() if k != "withdrawn"},
            search_request.statuses,
        ),
        ("deadline", "Date limite", DEADLINE_LABELS, (search_request.deadline,)),
        ("issuer", "Organisation", issuers, search_request.issuers),
    ]
    facets = []
    for name, label, labels, selected in spec:
        counts = results.facets.get(name, {})
        options = [
            {
                "value": value,
                "label": labels.get(value, value),
                "count": counts.get(value, 0),
                "selected": value in selected,
            }
            for value in labels
            if counts.get(value) or value in selected
        ]
        facets.append(
            {"name": name, "label": label, "options": options, "multiple": name != "deadline"}
        )
    return facets


@throttled("page", "SEARCH_PAGE_LIMIT_PER_MINUTE", page=True)
def search_page(request: HttpRequest) -> HttpResponse:
    search_request, errors = _lenient(request)
    backend = get_backend()
    page_obj, results = paginate_search(
        lambda number: backend.search(replace(search_request, page=number)),
        request.GET.get("page"),
        search_request.page_size,
    )
    search_request = replace(search_request, page=page_obj.number)
    context = {
        "query": search_request.query,
        "search_request": search_request,
        "results": results,
        "page_obj": page_obj,
        "facets": _facet_options(results, search_request),
        "errors": errors,
        "sort": search_request.sort,
        "sorts": [
            ("relevance", "Pertinence"),
            ("closing", "Date limite la plus proche"),
            ("newest", "Les plus récents"),
        ],
    }
    if not results.count and search_request.query:
        context["closed_matches"] = _closed_matches(search_request, backend)
    return render(request, "search/search_page.html", context)


def _closed_matches(search_request: SearchRequest, backend) -> int:
    """The empty state says how many closed calls would match, if any."""
    if "closed" in search_request.statuses:
        return 0
    wider = replace(search_request, statuses=("closed",), deadline="", page=1, page_size=1)
    return backend.search(wider).count
