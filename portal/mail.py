"""Templated French e-mails: one ``<name>_subject.txt`` and one ``<name>.txt`` per message."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(template: str, context: dict, recipients: Sequence[str]) -> int:
    """Render ``template`` (a path without suffix) in French and send it.

    ``portal_url`` is added to the context so that links in mails are absolute.
    """
    context = {**context, "portal_url": settings.PORTAL_BASE_URL.rstrip("/")}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return send_mail(" ".join(subject.split()), body, None, list(recipients))
