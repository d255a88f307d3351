"""The payload mappings and the Standard Webhooks signature, without a network."""

from __future__ import annotations

import base64
import hashlib
import hmac

from syndication.connectors.base import DeliveryJob
from syndication.connectors.mba import MbaConnector
from syndication.connectors.pactepme import challenge_payload, plain_text, sector_codes, shorten

SNAPSHOT = {
    "kind": "challenge",
    "title": "Un titre " + "très " * 40 + "long",
    "summary": "Résumé " * 60,
    "description_html": "<h3>Contexte</h3><p>Des <strong>capteurs</strong> &amp; des données.</p>"
    "<ul><li>premier</li><li>second</li></ul>",
    "issuer": {"name": "CCI Aix-Marseille-Provence", "siret": None},
    "sectors": ["energie_environnement", "maritime_logistique", "sante"],
    "opens_at": "2026-12-01T09:00:00+01:00",
    "closes_at": "2027-01-31T12:00:00+01:00",
    "status": "open",
    "url": "https://portail.example/appels/defi/",
    "published_at": "2026-11-20T10:15:00+01:00",
    "updated_at": "2026-11-22T16:40:00+01:00",
}


def job(**changes) -> DeliveryJob:
    return DeliveryJob(
        call_id="AMP-2026-0042",
        version=3,
        snapshot={**SNAPSHOT, **changes},
        withdraw=False,
        message_id="msg-1",
    )


def test_pactepme_payload_respects_the_field_limits_and_vocabularies():
    payload = challenge_payload(job())
    assert len(payload["titre"]) <= 150 and payload["titre"].endswith("…")
    assert len(payload["resume"]) <= 300
    assert payload["type"] == "CHALLENGE"
    assert payload["secteurs"] == ["ENERGIE", "ENVIRONNEMENT", "TRANSPORT_LOGISTIQUE", "SANTE"]
    assert (
        payload["description"] == "Contexte\n\nDes capteurs & des données.\n\n- premier\n- second"
    )
    assert payload["date_ouverture"] == "2026-12-01"
    assert payload["revision"] == 3 and payload["external_reference"] == "AMP-2026-0042"


def test_shorten_keeps_short_text_and_cuts_on_a_word():
    assert shorten("  deux   mots ", 150) == "deux mots"
    assert shorten("alpha beta gamma", 12) == "alpha beta…"
    assert sector_codes(["inconnu"]) == []
    assert plain_text("<p>a &lt; b</p>") == "a < b"


def test_mba_requests_carry_a_standard_webhooks_signature_we_can_verify_by_hand():
    key = b"0123456789abcdef0123"
    connector = MbaConnector(
        {
            "base_url": "http://mba.example",
            "api_key": "k",
            "signing_secret": "whsec_" + base64.b64encode(key).decode(),
        }
    )
    body = '{"id":"AMP-2026-0042"}'
    headers = connector.signed_headers("msg-1", body)
    signed = f"msg-1.{headers['webhook-timestamp']}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert headers["Authorization"] == "Bearer k" and headers["webhook-id"] == "msg-1"
