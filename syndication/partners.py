"""Partners as configured by the environment, and their connectors.

The secrets live in settings (read from the environment); the ``Partner`` row holds
what administrators manage (enabled or not) and what the engine learns (blocked on
auth, paused by the circuit breaker). ``sync_partners`` runs when the worker starts,
after migrations and on every poll, so a partner whose variables are set exists, and
a rotation of its credentials lifts an authentication block by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import transaction

from syndication.connectors import CONNECTORS
from syndication.connectors.base import Connector
from syndication.models import ConnectorKind, Partner

logger = logging.getLogger(__name__)

PARTNER_NAMES = {
    ConnectorKind.MBA: "MBA — CCI Aix-Marseille-Provence",
    ConnectorKind.PACTEPME: "Pacte PME — plateforme nationale d'innovation",
}


def partner_config(kind: str) -> dict[str, str] | None:
    return settings.SYNDICATION_PARTNERS.get(kind)


def credentials_fingerprint(config: dict[str, str]) -> str:
    """A keyed digest of the configuration: it changes when a secret does, and reveals none."""
    message = json.dumps(config, sort_keys=True).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def sync_partners() -> list[Partner]:
    """Create or update a ``Partner`` for each configured platform."""
    from syndication.delivery import partner_resume

    partners = []
    for kind, config in settings.SYNDICATION_PARTNERS.items():
        fingerprint = credentials_fingerprint(config)
        with transaction.atomic():
            partner, created = Partner.objects.select_for_update().get_or_create(
                kind=kind,
                defaults={
                    "name": PARTNER_NAMES.get(kind, kind),
                    "base_url": config["base_url"],
                    "credentials_fingerprint": fingerprint,
                },
            )
            if not created and (
                partner.base_url != config["base_url"]
                or partner.credentials_fingerprint != fingerprint
            ):
                rotated = partner.credentials_fingerprint != fingerprint
                partner.base_url = config["base_url"]
                partner.credentials_fingerprint = fingerprint
                partner.save(update_fields=["base_url", "credentials_fingerprint"])
                if rotated and partner.is_blocked:
                    logger.info("Credentials of %s changed: resuming its deliveries", kind)
                    partner_resume(partner)
        partners.append(partner)
    return partners


def is_configured(partner: Partner) -> bool:
    return partner.kind in settings.SYNDICATION_PARTNERS


def connector_for(partner: Partner) -> Connector:
    from syndication.ratelimit import throttle_for

    config = partner_config(partner.kind)
    if config is None:
        raise LookupError(f"Partner {partner.kind} is not configured")
    connector_class = CONNECTORS[partner.kind]
    if partner.kind == ConnectorKind.PACTEPME:
        return connector_class(config, throttle=throttle_for(partner))
    return connector_class(config)
