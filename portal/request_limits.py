"""A cap on the whole request body, checked before anything reads it.

Django caps the non-file part of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``), the number
of fields and of files, but not the files of a multipart body: without this cap a
client could stream gigabytes to disk before any form or CSRF check sees them. The
largest legitimate request is one application form carrying every file it may hold
(``APPLICATION_TOTAL_MAX_BYTES``), or one image upload in the CMS, plus its text.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def request_body_limit() -> int:
    """The largest upload a request may carry, plus the text fields sent with it."""
    largest_upload = max(
        settings.APPLICATION_TOTAL_MAX_BYTES, settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    )
    return largest_upload + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body then


def wants_json(request: HttpRequest) -> bool:
    return (
        request.path.startswith("/api/")
        or "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    """413 in French: JSON for the API and JSON clients, the site's error page otherwise."""
    message = _("Envoi trop volumineux : %(limit)s au plus par requête.") % {
        "limit": filesizeformat(limit)
    }
    if wants_json(request):
        body = {"error": "request_too_large", "message": message, "fields": {}}
        return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
    context = {
        "limit": filesizeformat(limit),
        "total": filesizeformat(settings.APPLICATION_TOTAL_MAX_BYTES),
    }
    return HttpResponse(render_to_string("413.html", context), status=413)


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose declared body is over ``request_body_limit()``.

    A body without ``Content-Length`` is not read by Django's WSGI handler, so the
    declared length is the whole of what can come in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = request_body_limit()
        if declared_length(request) > limit:
            return too_large_response(request, limit)
        return self.get_response(request)
