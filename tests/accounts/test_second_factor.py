"""Second factor (TOTP): enable with a code, then every login asks for one."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.utils import timezone

from tests.accounts.conftest import page_text
from tests.factories import applicant

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test"


def enable_second_factor(client, user) -> pyotp.TOTP:
    client.force_login(user)
    page = client.get("/compte/securite/")
    assert page.status_code == 200
    user.account.refresh_from_db()
    secret = user.account.totp_secret
    assert secret
    content = page.content.decode()
    assert "otpauth://totp/" in content
    assert secret[:4] in content
    totp = pyotp.TOTP(secret)
    response = client.post("/compte/securite/", {"code": totp.now()})
    assert response.status_code == 302
    user.account.refresh_from_db()
    assert user.account.has_second_factor
    client.post("/compte/deconnexion/")
    return totp


def next_code(totp: pyotp.TOTP, steps: int = 1) -> str:
    """A code of a neighbouring time step (still accepted, and not the one already used)."""
    return totp.at(time.time() + steps * totp.interval)


def test_enabling_needs_the_right_code(client):
    user = applicant()
    client.force_login(user)
    client.get("/compte/securite/")
    response = client.post("/compte/securite/", {"code": "000000"})
    assert response.status_code == 200
    assert "Ce code n'est pas le bon" in page_text(response)
    user.account.refresh_from_db()
    assert not user.account.has_second_factor


def test_login_asks_for_the_code_before_logging_in(client):
    user = applicant()
    totp = enable_second_factor(client, user)

    step_one = client.post(
        "/compte/connexion/",
        {"username": user.email, "password": PASSWORD, "next": "/espace/entreprise/inviter/"},
    )
    assert step_one.status_code == 302
    assert step_one["Location"] == "/compte/connexion/code/"
    assert "_auth_user_id" not in client.session, "not logged in before the code"
    # The pending state opens nothing.
    assert client.get("/espace/entreprise/").status_code == 302
    assert client.get("/compte/securite/").status_code == 302
    assert client.get("/compte/mes-donnees/").status_code == 302

    wrong = client.post("/compte/connexion/code/", {"code": "123456"})
    assert wrong.status_code == 200
    assert "Ce code n'est pas le bon" in page_text(wrong)
    assert "_auth_user_id" not in client.session

    right = client.post("/compte/connexion/code/", {"code": next_code(totp)})
    assert right.status_code == 302
    assert right["Location"] == "/espace/entreprise/inviter/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_code_is_accepted_once(client):
    user = applicant()
    totp = enable_second_factor(client, user)
    code = next_code(totp)
    client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert client.post("/compte/connexion/code/", {"code": code}).status_code == 302
    client.post("/compte/deconnexion/")

    client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    replay = client.post("/compte/connexion/code/", {"code": code})
    assert replay.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_a_password_first_goes_back_to_login(client):
    response = client.post("/compte/connexion/code/", {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/"


def test_the_pending_login_expires(client):
    user = applicant()
    totp = enable_second_factor(client, user)
    client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post("/compte/connexion/code/", {"code": totp.now()})
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/"
    assert "_auth_user_id" not in client.session


def test_disabling_needs_a_code(client):
    user = applicant()
    totp = enable_second_factor(client, user)
    client.force_login(user)

    refused = client.post("/compte/securite/", {"code": "000000"})
    assert refused.status_code == 200
    user.account.refresh_from_db()
    assert user.account.has_second_factor

    assert client.post("/compte/securite/", {"code": next_code(totp)}).status_code == 302
    user.account.refresh_from_db()
    assert not user.account.has_second_factor
    assert user.account.totp_secret == ""
    client.post("/compte/deconnexion/")
    login = client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    assert login["Location"] != "/compte/connexion/code/"


def test_the_security_page_shows_a_qr_code_of_the_provisioning_uri(client):
    import segno

    user = applicant(email="qr@example.test")
    client.force_login(user)
    content = client.get("/compte/securite/").content.decode()
    user.account.refresh_from_db()
    uri = pyotp.TOTP(user.account.totp_secret).provisioning_uri(
        name="qr@example.test", issuer_name="AMP Innovation"
    )
    # The same drawing as a QR code of the URI made here: the code encodes that URI.
    expected_path = segno.make(uri, error="m").svg_inline(scale=4).split("<path", 1)[1]
    assert "<title>Code QR à scanner avec votre application d" in content
    assert expected_path.split('d="', 1)[1].split('"', 1)[0] in content
