"""Site-wide views."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import run_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON reachability of database, broker and search; 503 when one is down."""
    report = run_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
