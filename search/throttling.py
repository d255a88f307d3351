"""Per-client limits on the search API, the autocomplete and the search page.

Each search runs full-text queries and five facet counts: without a limit one client
could keep the database busy for everybody. The limits are generous (a person never
reaches them) and counted per client address in fixed one-minute windows of the
shared cache, through ``portal.throttling`` like every other limit of the site. A
limit of 0 switches it off (the benchmarks do).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal.throttling import client_address, count_hit

WINDOW_SECONDS = 60


def _seconds_left_if_over(request: HttpRequest, bucket: str, limit: int) -> int | None:
    """Count this request; the seconds until the window ends once over ``limit``, else None."""
    if limit <= 0:
        return None
    window = int(time.time() // WINDOW_SECONDS)
    key = f"search-rate:{bucket}:{client_address(request)}:{window}"
    if count_hit(key, WINDOW_SECONDS) <= limit:
        return None
    return max(1, WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS))


def too_many_requests_json(seconds_left: int) -> JsonResponse:
    response = JsonResponse(
        {
            "error": "too_many_requests",
            "message": _(
                "Trop de requêtes depuis votre adresse : réessayez dans %(seconds)s secondes."
            )
            % {"seconds": seconds_left},
            "retry_after": seconds_left,
        },
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(seconds_left)
    return response


def too_many_requests_page(request: HttpRequest, seconds_left: int) -> HttpResponse:
    body = render_to_string("search/rate_limited.html", {"seconds": seconds_left}, request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(seconds_left)
    return response


def throttled(bucket: str, limit_setting: str, *, page: bool = False) -> Callable:
    """Refuse a client over ``settings.<limit_setting>`` requests a minute with a 429.

    The 429 is JSON for the API, or with ``page`` a French page for the HTML search.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            limit = getattr(settings, limit_setting)
            seconds_left = _seconds_left_if_over(request, bucket, limit)
            if seconds_left is None:
                return view(request, *args, **kwargs)
            if page:
                return too_many_requests_page(request, seconds_left)
            return too_many_requests_json(seconds_left)

        return wrapper

    return decorator
