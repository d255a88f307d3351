"""Passkeys (WebAuthn) in a real browser, with Chromium's virtual authenticator.

The DevTools protocol gives the page a platform authenticator that holds resident
keys and verifies the user at once, so the site's own pages (allauth's scripts under
the site's Content-Security-Policy) create and use real credentials that the server
checks with python-fido2. ``http://localhost`` is a secure context for the browser and
for fido2, so origin checks stay on (no ``MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from tests.conftest import assert_accessible
from tests.factories import PASSWORD, applicant, editor_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/work/shots")


@pytest.fixture
def base_url(live_server) -> str:
    """The live server on ``localhost``: browsers refuse WebAuthn on ``127.0.0.1`` (http)."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    assert url.startswith("http://localhost:"), url
    return url


@pytest.fixture
def console(page) -> list[str]:
    """The page's console errors and warnings (a CSP refusal shows up here)."""
    messages: list[str] = []

    def keep(message) -> None:
        favicon = message.location.get("url", "").endswith("/favicon.ico")
        if message.type in ("error", "warning") and not favicon:
            messages.append(f"{message.type}: {message.text}")

    page.on("console", keep)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    return messages


@pytest.fixture
def authenticator(page) -> dict:
    """A virtual platform authenticator: resident keys, user verified without a prompt."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    created = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return {"cdp": cdp, "id": created["authenticatorId"]}


def credentials(authenticator) -> list[dict]:
    return authenticator["cdp"].send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["id"]}
    )["credentials"]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"passkey_{name}.png", full_page=True)


def password_login(page, base_url: str, login: str, next_path: str = "") -> None:
    page.goto(base_url + "/compte/connexion/" + (f"?next={next_path}" if next_path else ""))
    page.locator("#id_login").fill(login)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


def add_passkey(page, base_url: str, name: str) -> None:
    """From the security page, through the password prompt, to a passwordless passkey."""
    page.goto(base_url + "/compte/securite/")
    keys = page.locator("section", has=page.get_by_role("heading", name="Clés de sécurité"))
    keys.get_by_role("link", name="Ajouter").click()
    page.wait_for_url("**/compte/reauthentification/**")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/compte/securite/cles/ajouter/")
    assert_accessible(page)
    shot(page, "add")
    page.get_by_label("Nom de la clé").fill(name)
    page.get_by_label("Sans mot de passe").check()
    page.get_by_role("button", name="Ajouter").click()
    page.get_by_text("Clé de sécurité ajoutée.").wait_for()


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("link", name="Se connecter").wait_for()


def test_an_applicant_adds_a_passkey_and_logs_in_with_it(
    page, base_url, site_structure, authenticator, console
):
    """Added behind the password prompt, listed, then used alone and as a second factor."""
    user = applicant()
    password_login(page, base_url, user.email)
    add_passkey(page, base_url, "Ordinateur du bureau")
    [credential] = credentials(authenticator)
    assert credential["isResidentCredential"], "a passwordless key lives on the authenticator"
    assert credential["rpId"] == "localhost"
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Ordinateur du bureau"
    assert key.wrap().is_passwordless is True

    page.goto(base_url + "/compte/securite/cles/")
    row = page.get_by_role("row", name="Ordinateur du bureau")
    assert row.get_by_role("cell", name="Ordinateur du bureau Clé d'accès").is_visible()
    assert row.get_by_text("Jamais utilisée.").is_visible()
    assert_accessible(page)
    shot(page, "list")

    log_out(page)
    page.goto(base_url + "/compte/connexion/")
    assert_accessible(page)
    shot(page, "login")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()
    assert "/compte/connexion/" not in page.url
    assert credentials(authenticator)[0]["signCount"] == 2, "the key signed the login"
    key.refresh_from_db()
    assert key.last_used_at is not None
    page.goto(base_url + "/compte/securite/cles/")
    assert page.get_by_text("Dernière utilisation").is_visible()

    # The password alone is no longer enough: the key is asked for as a second factor.
    log_out(page)
    page.goto(base_url + "/compte/connexion/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url("**/compte/securite/code/")
    assert_accessible(page)
    shot(page, "second_factor")
    page.get_by_role("button", name="Utiliser ma clé d’accès").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()
    assert credentials(authenticator)[0]["signCount"] == 3
    assert console == [], console


def test_staff_with_only_a_passkey_reach_the_cms_after_using_it(
    page, base_url, metropole, authenticator, console
):
    """Old code sent passkey-only staff to the TOTP code form instead of the passkey prompt."""
    editor = editor_of(metropole)
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    password_login(page, base_url, editor.username)
    add_passkey(page, base_url, "Clé du poste")
    assert not Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists()

    # Adding the key is no proof this session used it: the CMS asks for it first.
    page.goto(base_url + "/admin/")
    page.wait_for_url("**/compte/securite/cles/reauthentification/?next=%2Fadmin%2F")
    assert_accessible(page)
    shot(page, "staff_reauthenticate")
    page.get_by_role("button", name="Utiliser ma clé d’accès").click()
    page.wait_for_url(base_url + "/admin/")
    shot(page, "staff_admin")

    # A new session that logs in with the passkey alone goes straight in.
    page.context.clear_cookies()
    page.goto(base_url + "/compte/connexion/?next=/admin/")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.wait_for_url(base_url + "/admin/")
    assert console == [], console
