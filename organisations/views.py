"""Public pages of the organisations."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from calls.models import CallPage
from organisations.models import Organisation
from portal.paging import paginate

PAST_CALLS_PER_PAGE = 10


def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = Organisation.objects.filter(calls__live=True).distinct()
    return render(request, "organisations/organisation_list.html", {"organisations": organisations})


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    now = timezone.now()
    calls = CallPage.objects.live().public_listing().filter(issuer=organisation)
    open_calls = calls.open(now)
    past = paginate(
        calls.closed(now).order_by("-closes_at"), request.GET.get("page"), PAST_CALLS_PER_PAGE
    )
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "open_calls": open_calls,
            "upcoming_calls": calls.upcoming(now),
            "past_calls": past,
        },
    )
