"""The second factor on allauth.mfa: encrypted secrets, counted wrong codes, re-authentication."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.mfa import decrypt_secret
from tests.accounts.conftest import log_in, page_text
from tests.factories import PASSWORD, applicant, enrol_totp, totp_code

pytestmark = pytest.mark.django_db
BLOCKED = "Trop de tentatives de connexion infructueuses"


def test_activation_stores_the_secret_encrypted(client):
    """Old code: the TOTP secret sat in clear in accounts_account.totp_secret."""
    user = applicant(email="lea@example.test")
    log_in(client, "lea@example.test", PASSWORD)
    page = page_text(client.get("/compte/securite/totp/activer/"))
    secret = client.session["mfa.totp.secret"]
    assert secret in page
    response = client.post("/compte/securite/totp/activer/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response["Location"] == "/compte/securite/codes-de-secours/"
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE id = %s", [totp.pk])
        [stored] = cursor.fetchone()
    assert secret not in stored
    assert decrypt_secret(totp.data["secret"]) == secret
    assert user.account.has_second_factor


def test_login_asks_for_the_code_and_a_right_code_logs_in(client):
    user = applicant(email="lea@example.test")
    secret = enrol_totp(user)
    response = log_in(client, "lea@example.test", PASSWORD)
    assert response["Location"] == "/compte/securite/code/"
    assert "_auth_user_id" not in client.session
    response = client.post("/compte/securite/code/", {"code": totp_code(secret, user)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_codes_count_as_login_failures(client):
    """Old code: wrong codes fed a counter that any success cleared, per address only."""
    user = applicant(email="lea@example.test")
    secret = enrol_totp(user)
    log_in(client, "lea@example.test", PASSWORD)
    for _ in range(5):
        wrong = client.post("/compte/securite/code/", {"code": "000000"})
        assert "Ce code n'est pas le bon" in page_text(wrong)
    right = client.post("/compte/securite/code/", {"code": totp_code(secret, user)})
    assert BLOCKED in page_text(right)
    assert "_auth_user_id" not in client.session
    # The account is blocked for passwords too, whatever client tries next.
    again = log_in(Client(), "lea@example.test", PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert BLOCKED in page_text(again)


def test_disabling_the_factor_needs_a_fresh_authentication(client):
    """Old code: a code whose failures were not counted was enough to turn it off."""
    user = applicant(email="lea@example.test")
    secret = enrol_totp(user)
    log_in(client, "lea@example.test", PASSWORD)
    client.post("/compte/securite/code/", {"code": totp_code(secret, user)})
    response = client.post("/compte/securite/totp/desactiver/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/reauthentification/")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    wrong = client.post(response["Location"], {"password": "pas le bon"})
    assert wrong.status_code == 200
    client.post(response["Location"], {"password": PASSWORD})
    client.post("/compte/securite/totp/desactiver/")
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    # The re-authentication lasts a few minutes only.
    enrol_totp(user)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        client.post("/compte/securite/totp/desactiver/")
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_the_security_page_is_in_french(client):
    applicant(email="lea@example.test")
    log_in(client, "lea@example.test", PASSWORD)
    page = page_text(client.get("/compte/securite/"))
    assert "Authentification à deux facteurs" in page or "double authentification" in page


def test_the_recovery_codes_are_shown_after_activation(client):
    user = applicant(email="lea@example.test")
    log_in(client, "lea@example.test", PASSWORD)
    client.get("/compte/securite/totp/activer/")
    secret = client.session["mfa.totp.secret"]
    response = client.post("/compte/securite/totp/activer/", {"code": pyotp.TOTP(secret).now()})
    page = page_text(client.get(response["Location"]))
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    unused = codes.get_unused_codes()
    assert len(unused) == 10
    assert all(code in page for code in unused), "each unused code is on the page to be saved"
