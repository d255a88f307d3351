"""Login on allauth: by address or username, and the limits on failures.

Failures are counted per account and per client (accounts.login_limits); no success
clears them, and the client is the address the trusted proxy saw.
"""

from __future__ import annotations

import re

import pytest

from tests.accounts.conftest import log_in, page_text
from tests.factories import PASSWORD, UserFactory, applicant

pytestmark = pytest.mark.django_db
BLOCKED = "Trop de tentatives de connexion infructueuses"


def logged_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_an_applicant_logs_in_with_the_address_in_any_case(client):
    user = applicant(email="lea@example.test", company=False)
    response = log_in(client, "  Lea@Example.TEST ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/espace/entreprise/"
    assert logged_in_as(client, user)


def test_a_wrong_password_says_nothing_about_the_account(client):
    applicant(email="lea@example.test")
    known = page_text(log_in(client, "lea@example.test", "pas le bon"))
    unknown = page_text(log_in(client, "personne@example.test", "pas le bon"))
    assert "incorrect" in known

    def without_token(text: str, login: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text).replace(login, "X")

    assert without_token(known, "lea@example.test") == without_token(
        unknown, "personne@example.test"
    )


def test_the_alternating_attack_stays_blocked_per_account(client):
    """Old code: the attacker's own successful login cleared the address's failures."""
    victim = applicant(email="victime@example.test")
    attacker = applicant(email="attaquant@example.test")
    for _round in range(3):
        for _guess in range(2):
            log_in(client, "victime@example.test", "devinette")
        log_in(client, "attaquant@example.test", PASSWORD)
        assert logged_in_as(client, attacker)
        client.logout()
    # Six failures on the victim's account: even the right password is refused now.
    response = log_in(client, "victime@example.test", PASSWORD)
    assert BLOCKED in page_text(response)
    assert not logged_in_as(client, victim)
    # Another account from the same client is not locked by it.
    assert log_in(client, "attaquant@example.test", PASSWORD).status_code == 302


def test_the_username_and_the_address_share_one_account_bucket(client, settings):
    staff = UserFactory(username="redactrice", email="redactrice@example.test")
    for login in ("redactrice", "REDACTRICE@example.test") * 3:
        log_in(client, login, "devinette")
    assert BLOCKED in page_text(log_in(client, "redactrice", PASSWORD))
    assert not logged_in_as(client, staff)


def test_a_client_that_fails_on_many_accounts_is_stopped(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 4
    user = applicant(email="lea@example.test")
    for n in range(4):
        log_in(client, f"inconnu{n}@example.test", "devinette")
    assert BLOCKED in page_text(log_in(client, "lea@example.test", PASSWORD))
    other = log_in(client, "lea@example.test", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302, "another client is not affected"
    assert logged_in_as(client, user)


def test_behind_one_trusted_proxy_two_clients_have_their_own_buckets(client, settings):
    """Old code: every limit was keyed on REMOTE_ADDR, the proxy's, shared by everyone."""
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 3
    user = applicant(email="lea@example.test")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(3):
        # A forged left-most entry does not give the attacker a new bucket.
        forged = f"192.0.2.{n}, 203.0.113.66"
        log_in(client, f"inconnu{n}@example.test", "x", HTTP_X_FORWARDED_FOR=forged, **proxy)
    attacker = log_in(
        client, "lea@example.test", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy
    )
    assert BLOCKED in page_text(attacker)
    visitor = log_in(
        client, "lea@example.test", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert visitor.status_code == 302
    assert logged_in_as(client, user)


def test_the_cms_login_is_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=/admin/pages/"
    assert client.get("/admin/")["Location"].startswith("/compte/connexion/")


def test_logout_is_post_only(client):
    user = applicant(email="lea@example.test")
    log_in(client, "lea@example.test", PASSWORD)
    client.get("/compte/deconnexion/")
    assert logged_in_as(client, user)
    client.post("/compte/deconnexion/")
    assert not logged_in_as(client, user)
