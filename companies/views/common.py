"""What the company views share: the refusal page and turning domain errors into answers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 page that says in French why, with a way back."""
    return render(request, "companies/forbidden.html", {"message": message}, status=403)
