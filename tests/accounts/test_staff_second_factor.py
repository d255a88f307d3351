"""Staff reach the CMS only after a second factor; a superuser can reset a colleague's."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils import timezone

from tests.accounts.conftest import log_in, page_text
from tests.factories import (
    PASSWORD,
    UserFactory,
    editor_of,
    enrol_totp,
    evaluator_of,
    staff_login,
    totp_code,
)

pytestmark = pytest.mark.django_db


def test_staff_without_a_factor_are_sent_to_enrol_and_then_get_in(client, metropole):
    """Old code: a password was enough for the CMS."""
    editor = editor_of(metropole)
    enrol_totp(editor)  # a verified address...
    Authenticator.objects.filter(user=editor).delete()  # ...and no factor
    log_in(client, editor.username, PASSWORD)
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/securite/totp/activer/?next=%2Fadmin%2Fpages%2F"
    assert client.get("/admin/").status_code == 302
    activation = client.get(response["Location"])
    assert activation.status_code == 200, "right after the login, no second password prompt"
    assert "L'accès à l'administration demande une double authentification" in page_text(activation)
    secret = client.session["mfa.totp.secret"]
    enrolled = client.post(response["Location"], {"code": pyotp.TOTP(secret).now()})
    assert enrolled.status_code == 302, enrolled.content.decode()[-3000:]
    assert client.get("/admin/").status_code == 200


def test_a_first_factor_long_after_the_login_needs_the_password_again(client, metropole):
    editor = editor_of(metropole)
    enrol_totp(editor)
    Authenticator.objects.filter(user=editor).delete()
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        log_in(client, editor.username, PASSWORD)
    activation = client.get("/compte/securite/totp/activer/")
    assert activation.status_code == 302
    assert activation["Location"].startswith("/compte/reauthentification/")


def test_adding_a_factor_next_to_one_needs_re_authentication(client, metropole):
    """Only a first factor skips the password prompt: a second one could lock the owner out."""
    editor = editor_of(metropole)
    staff_login(client, editor)
    Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).delete()
    Authenticator.objects.create(
        user=editor, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    activation = client.get("/compte/securite/totp/activer/")
    assert activation.status_code == 302
    assert "reauthentification" in activation["Location"]


def test_a_password_only_session_of_enrolled_staff_must_give_the_code(client, metropole):
    evaluator = evaluator_of(metropole)
    secret = enrol_totp(evaluator)
    client.force_login(evaluator)  # a session that never saw the factor
    response = client.get("/admin/")
    assert response["Location"] == "/compte/securite/reauthentification/?next=%2Fadmin%2F"
    client.post(response["Location"], {"code": "000000"})
    assert client.get("/admin/").status_code == 302
    client.post(response["Location"], {"code": totp_code(secret, evaluator)})
    assert client.get("/admin/").status_code == 200


def test_a_password_only_session_of_passkey_only_staff_is_asked_for_the_passkey(client, metropole):
    """Old code: the TOTP code form, where a passkey is only an 'alternative option'.

    The key itself is exercised in a browser (tests/accounts/test_passkeys_browser.py);
    here only the redirect is checked, so a row of type webauthn is enough.
    """
    editor = editor_of(metropole)
    client.force_login(editor)
    Authenticator.objects.create(user=editor, type=Authenticator.Type.WEBAUTHN, data={})
    response = client.get("/admin/pages/")
    assert (
        response["Location"] == "/compte/securite/cles/reauthentification/?next=%2Fadmin%2Fpages%2F"
    )
    enrol_totp(editor)  # with a TOTP too, the code form (which offers the passkey as well)
    assert client.get("/admin/")["Location"].startswith("/compte/securite/reauthentification/")


def test_staff_with_a_factor_get_in_after_the_code(client, metropole):
    editor = editor_of(metropole)
    secret = enrol_totp(editor)
    response = log_in(client, editor.username, PASSWORD)
    assert response["Location"] == "/compte/securite/code/"
    assert client.get("/admin/")["Location"].startswith("/compte/connexion/")
    client.post("/compte/securite/code/", {"code": totp_code(secret, editor)})
    assert client.get("/admin/").status_code == 200


def test_applicants_are_not_asked_for_a_factor_and_stay_out_of_the_cms(client):
    from tests.factories import applicant

    client.force_login(applicant())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/securite/" not in response["Location"]


def test_a_superuser_resets_a_colleagues_factor(client, metropole, caplog):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    editor = editor_of(metropole)
    enrol_totp(editor)
    staff_login(client, root)
    listing = client.get("/admin/securite/").content.decode()
    url = f"/admin/securite/{editor.pk}/reinitialiser/"
    assert f'href="{url}"' in listing, "the staff list links to the reset"
    assert '"/admin/securite/"' in client.get("/admin/").content.decode(), "in the menu"
    assert "Réinitialiser" in client.get(url).content.decode()
    assert Authenticator.objects.filter(user=editor).exists(), "GET only asks to confirm"
    with caplog.at_level("WARNING", logger="accounts.views.staff"):
        response = client.post(url)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=editor).exists()
    assert f"second factor of user {editor.pk}" in caplog.text

    colleague = type(client)()
    log_in(colleague, editor.username, PASSWORD)
    response = colleague.get("/admin/")
    assert response["Location"].startswith("/compte/securite/totp/activer/")


def test_only_a_superuser_may_reset(client, metropole):
    editor, other = editor_of(metropole), editor_of(metropole, username="autre")
    enrol_totp(other)
    staff_login(client, editor)
    assert client.post(f"/admin/securite/{other.pk}/reinitialiser/").status_code == 403
    assert client.get("/admin/securite/").status_code == 403
    assert Authenticator.objects.filter(user=other).exists()


def test_the_enforcement_is_on_in_the_settings_under_test():
    assert "accounts.middleware.StaffSecondFactorMiddleware" in settings.MIDDLEWARE
