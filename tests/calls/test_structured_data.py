"""The JSON-LD of a call page: editors' text can neither leave the script nor break it."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import create_call

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script> R&D <!-- x"


def json_ld_of(html: str) -> str:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1, "one JSON-LD element, not cut short"
    return scripts[0]


def test_json_ld_escapes_html_characters_of_a_call_title(client, metropole):
    call = create_call(metropole, title=HOSTILE, summary="Tests & essais <b>pilotes</b>")
    html = client.get(call.url).content.decode()

    payload = json_ld_of(html)
    assert not set("<>&") & set(payload), payload
    assert "\\u003C/script\\u003E" in payload and "R\\u0026D" in payload
    demand = json.loads(payload)["@graph"][0]
    assert demand["name"] == HOSTILE, "the JSON still reads back the editor's title"
    assert demand["description"] == "Tests & essais <b>pilotes</b>"
    assert "<script>alert(1)</script>" not in html.split("<body", 1)[0]
