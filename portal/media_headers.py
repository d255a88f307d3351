"""Headers for what editors upload, wherever the project itself serves it.

An uploaded file opened directly (an image rendition under ``MEDIA_URL`` in
development, a Wagtail document through ``serve_view``) must never run as a page of
the site: ``nosniff`` stops a browser from guessing HTML or SVG out of it, and a
sandboxing CSP gives it no origin, no script and no subresource. In production the
web server serves ``MEDIA_URL`` and must send the same headers (see the README).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

MEDIA_CSP = "sandbox; default-src 'none'"
DOCUMENTS_PREFIX = "/documents/"


def serves_user_media(path: str) -> bool:
    return path.startswith((settings.MEDIA_URL, DOCUMENTS_PREFIX))


class UserMediaHeadersMiddleware:
    """Set ``nosniff`` and the sandboxing CSP on responses for user media paths.

    Listed after Django's CSP middleware, so it sees the response first and the site's
    policy (which only sets a header that is missing) leaves this one alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if serves_user_media(request.path):
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Content-Security-Policy"] = MEDIA_CSP
        return response
