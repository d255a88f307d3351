"""Per-address limits on the forms that create accounts or send mail.

Counted in the cache over a fixed window starting at the first request, like the login
limit of ``portal.throttling`` (whose address helper it shares).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from portal.throttling import client_address, count_hit

HOUR = 3600


def rate_limit_exceeded(request: HttpRequest, bucket: str, limit: int, window: int = HOUR) -> bool:
    """Count this request in ``bucket`` and say whether the address went over ``limit``."""
    return count_hit(f"rate:{bucket}:{client_address(request)}", window) > limit


def too_many_requests(request: HttpRequest, title: str, message: str, window: int = HOUR):
    body = render_to_string(
        "accounts/rate_limited.html", {"title": title, "message": message}, request
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(window)
    return response
