"""Rate limit on the apply form: a user may post it so many times per hour.

Each save, upload or submission is a POST; counting them per user in a one-hour
window (in the shared cache) stops a script from filling the private storage.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from portal.throttling import count_hit

WINDOW_SECONDS = 3600


def apply_post_allowed(user) -> bool:
    """Count this POST; False once the user is over ``APPLY_LIMIT_PER_HOUR``."""
    window = int(time.time() // WINDOW_SECONDS)
    return count_hit(f"apply-posts:{user.pk}:{window}", WINDOW_SECONDS) <= (
        settings.APPLY_LIMIT_PER_HOUR
    )


def too_many_posts(request: HttpRequest) -> HttpResponse:
    seconds_left = WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)
    body = render_to_string(
        "applications/rate_limited.html", {"minutes": max(1, seconds_left // 60)}, request
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(seconds_left)
    return response
