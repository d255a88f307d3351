"""E-mails to administrators when relaying needs a person: auth refused, delivery failed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from syndication.models import Delivery, Partner

logger = logging.getLogger(__name__)


def administrator_emails() -> list[str]:
    """``PORTAL_ADMIN_EMAILS`` and the active superusers, each once."""
    emails = [email for _name, email in settings.ADMINS]
    emails += (
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(emails))


def _send(template: str, context: dict) -> None:
    recipients = administrator_emails()
    if not recipients:
        logger.warning("Syndication alert with no administrator to tell: %s", template)
        return
    context = {**context, "portal_url": settings.PORTAL_BASE_URL.rstrip("/")}
    subject = render_to_string(f"syndication/email/{template}_subject.txt", context)
    body = render_to_string(f"syndication/email/{template}.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, recipients)
    except OSError:
        # The alert is also on the dashboard; a mail server down must not fail the delivery.
        logger.exception("Could not send the syndication alert %s", template)


def alert_partner_blocked(partner: Partner, reason: str) -> None:
    _send("partner_blocked", {"partner": partner, "reason": reason})


def alert_delivery_failed(delivery: Delivery) -> None:
    _send("delivery_failed", {"delivery": delivery, "partner": delivery.partner})
