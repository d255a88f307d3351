"""Login (password and code) and sign-up are limited per address; the answer is a French 429."""

from __future__ import annotations

import pyotp
import pytest
from django.contrib.auth import get_user_model

from tests.accounts.conftest import signup_data
from tests.factories import applicant

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.SIGNUP_LIMIT_PER_HOUR = 2


def test_public_login_failures_block_even_the_right_password(client):
    user = applicant()
    for _ in range(3):
        response = client.post("/compte/connexion/", {"username": user.email, "password": "x"})
        assert response.status_code == 200
    blocked = client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion" in blocked.content.decode()
    assert int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    other = client.post(
        "/compte/connexion/",
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302


def test_wrong_second_factor_codes_count_as_failures(client):
    user = applicant()
    account = user.account
    account.totp_secret = pyotp.random_base32()
    account.totp_enabled_at = account.email_verified_at
    account.save()
    client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    for _ in range(3):
        assert client.post("/compte/connexion/code/", {"code": "000000"}).status_code == 200
    right = pyotp.TOTP(account.totp_secret).now()
    blocked = client.post("/compte/connexion/code/", {"code": right})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_up_is_limited_per_address(client):
    for n in range(2):
        response = client.post("/compte/inscription/", signup_data(email=f"lea{n}@example.test"))
        assert response.status_code == 302
    blocked = client.post("/compte/inscription/", signup_data(email="lea9@example.test"))
    assert blocked.status_code == 429
    assert "Trop de demandes" in blocked.content.decode()
    assert blocked["Retry-After"] == "3600"
    assert not get_user_model().objects.filter(username="lea9@example.test").exists()
    elsewhere = client.post(
        "/compte/inscription/", signup_data(email="lea9@example.test"), REMOTE_ADDR="10.1.2.3"
    )
    assert elsewhere.status_code == 302


def test_invalid_sign_ups_count_too(client):
    """Otherwise the form would tell anyone, without limit, which addresses have an account."""
    applicant(email="connu@example.test")
    for _ in range(2):
        taken = client.post("/compte/inscription/", signup_data(email="connu@example.test"))
        assert taken.status_code == 200
    assert client.post("/compte/inscription/", signup_data()).status_code == 429
