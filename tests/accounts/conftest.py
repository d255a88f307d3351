"""Helpers of the account tests: the rate-limit counters start empty, links come from mails."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.core.cache import cache

PASSWORD = "une phrase de passe solide"


@pytest.fixture(autouse=True)
def empty_counters():
    cache.clear()
    yield
    cache.clear()


def link_in_mail(message, prefix: str) -> str:
    """The path of the portal link starting with ``prefix`` in ``message``."""
    match = re.search(r"http://testserver(" + re.escape(prefix) + r"\S+)", message.body)
    assert match, f"no {prefix} link in:\n{message.body}"
    return match.group(1)


def last_mail_to(address: str):
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"no mail to {address}"
    return sent[-1]


def signup_data(**changes) -> dict:
    data = {
        "email": "lea.martin@example.test",
        "first_name": "Léa",
        "last_name": "Martin",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(changes)
    return data


def log_in(client, login: str, password: str, **extra):
    """Post the login form (the real path: allauth records the password authentication)."""
    return client.post("/compte/connexion/", {"login": login, "password": password}, **extra)


def page_text(response) -> str:
    """The response's HTML with entities decoded (Django escapes apostrophes as &#x27;)."""
    return html.unescape(response.content.decode())
