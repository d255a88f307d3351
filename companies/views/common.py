"""What the company views share: a refusal page that says why."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    """A refusal page (403, or 404 for another company's object) that says why in French."""
    return render(request, "companies/forbidden.html", {"message": message}, status=status)
