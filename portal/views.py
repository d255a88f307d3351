"""Site-wide views."""

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import public_report, run_checks


def may_see_health_details(request: HttpRequest) -> bool:
    """Staff, or a monitor sending ``Authorization: Bearer <HEALTHZ_TOKEN>``.

    Details (error texts, engine versions, index names) help an attacker map the
    servers; the public and load balancers only need ok/failing and the status code.
    """
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.HEALTHZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(sent.strip().encode(), token.encode())


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON reachability of database, broker and search; 503 when one is down."""
    report = run_checks()
    status = 200 if report["status"] == "ok" else 503
    if not may_see_health_details(request):
        report = public_report(report)
    return JsonResponse(report, status=status)
