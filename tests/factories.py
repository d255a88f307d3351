"""Test data built through the real code paths (provisioning, revisions, publication)."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from calls.models import CallFolderPage, CallPage, Sector
from organisations.models import Organisation, OrganisationKind
from organisations.provisioning import organisation_provision

_sequence = count(1)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.COLLECTIVITE

    @factory.post_generation
    def provisioned(obj, create, extracted, **kwargs):
        if create:
            organisation_provision(obj)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("mot-de-passe-de-test")

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(*extracted)


def editor_of(organisation: Organisation, username: str | None = None):
    return UserFactory(
        username=username or f"editor-{organisation.slug}", groups=[organisation.editors_group]
    )


def reviewer_of(organisation: Organisation, username: str | None = None):
    return UserFactory(
        username=username or f"reviewer-{organisation.slug}", groups=[organisation.reviewers_group]
    )


def build_call(organisation: Organisation, **fields) -> CallPage:
    """An unsaved call with sensible defaults: open now, closing in 30 days."""
    n = next(_sequence)
    now = timezone.now()
    defaults = {
        "title": f"Appel de test numéro {n}",
        "slug": f"appel-de-test-{n}",
        "summary": "Un appel pour tester la plateforme.",
        "call_type": "appel_a_solutions",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=30),
        "issuer": organisation,
        "body": [{"type": "context", "value": "<p>Contexte de l'appel.</p>"}],
    }
    defaults.update(fields)
    sectors = defaults.pop("sectors", ["sante"])
    call = CallPage(**defaults)
    call.sectors = list(Sector.objects.filter(code__in=sectors))
    return call


def create_call(
    organisation: Organisation, *, publish: bool = True, user=None, **fields
) -> CallPage:
    """A call saved in its organisation's folder, with a revision, published if asked."""
    call = build_call(organisation, **fields)
    call.live = False
    CallFolderPage.objects.get(organisation=organisation).add_child(instance=call)
    revision = call.save_revision(user=user)
    if publish:
        revision.publish(user=user)
    call.refresh_from_db()
    return call


def edit_call(call: CallPage, *, publish: bool = True, user=None, **fields) -> CallPage:
    """Save a new revision of ``call`` with ``fields`` changed, as the admin does."""
    latest = call.get_latest_revision_as_object()
    sectors = fields.pop("sectors", None)
    for name, value in fields.items():
        setattr(latest, name, value)
    if sectors is not None:
        latest.sectors = list(Sector.objects.filter(code__in=sectors))
    revision = latest.save_revision(user=user)
    if publish:
        revision.publish(user=user)
    call.refresh_from_db()
    return call


def evaluator_of(organisation: Organisation, username: str | None = None):
    return UserFactory(
        username=username or f"evaluator-{organisation.slug}",
        groups=[organisation.evaluators_group],
    )


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "companies.Company"
        django_get_or_create = ("siret",)

    legal_name = factory.Sequence(lambda n: f"Entreprise {n}")
    # Valid SIRETs: La Poste's SIREN with establishment numbers (their own checksum
    # rule: the digits sum to a multiple of 5) are easy to generate.
    siret = factory.Sequence(lambda n: _la_poste_siret(n))
    size = "pme"
    commune = "Marseille"
    departement = "13"


def _la_poste_siret(n: int) -> str:
    """A valid SIRET of La Poste (SIREN 356000000), numbered ``n``."""
    for suffix in range(n * 10, n * 10 + 10):
        candidate = f"356000000{suffix:05d}"
        if sum(int(d) for d in candidate) % 5 == 0:
            return candidate
    raise AssertionError("unreachable: one in five suffixes has a valid checksum")


def applicant(
    company=None, *, email: str | None = None, verified: bool = True, role: str = "owner"
):
    """A verified applicant account acting for ``company`` (a new one by default)."""
    from allauth.account.models import EmailAddress

    from accounts.models import Account
    from companies.models import Membership

    n = next(_sequence)
    email = email or f"candidat{n}@example.test"
    user = UserFactory(username=email, email=email)
    Account.objects.create(
        user=user,
        consent_at=timezone.now(),
        consent_version="test",
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if company is not False:
        Membership.objects.create(user=user, company=company or CompanyFactory(), role=role)
    return user


# --- Logging staff in as production does: password, then a second factor -------------

#: The password UserFactory gives every user.
PASSWORD = "mot-de-passe-de-test"
_login_addresses = count(1)


def enrol_totp(user, secret: str | None = None) -> str:
    """Give ``user`` a verified address and a TOTP authenticator; return its secret.

    Staff must have both to reach the CMS (accounts.middleware); the authenticator is
    created as allauth's activation does, with the secret encrypted (accounts.mfa).
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from accounts.mfa import decrypt_secret, encrypt_secret

    if user.email and not EmailAddress.objects.filter(user=user, verified=True).exists():
        EmailAddress.objects.update_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
        )
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None and secret is None:
        return decrypt_secret(existing.data["secret"])
    secret = secret or generate_totp_secret()
    Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt_secret(secret)}},
    )
    return secret


def totp_code(secret: str, user=None) -> str:
    """The current code of ``secret``.

    allauth refuses a code used before (replay protection, in the cache); tests log the
    same user in several times within 30 seconds, so the marker of this user's current
    code is dropped first.
    """
    import pyotp
    from allauth.core.internal.cryptokit import normalize_user_code
    from django.core.cache import cache

    code = pyotp.TOTP(secret).now()
    if user is not None:
        cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={normalize_user_code(code)}")
    return code


def staff_login(client, user, password: str = PASSWORD) -> None:
    """Log ``user`` in through the login form and a TOTP code, as production does.

    Each call comes from an address of its own (TEST-NET-2), so that a test that logs
    many people in does not hit allauth's per-address limit on login requests.
    """
    secret = enrol_totp(user)
    n = next(_login_addresses)
    address = {"REMOTE_ADDR": f"198.51.{n // 250 % 250}.{n % 250 + 1}"}
    client.logout()
    response = client.post(
        "/compte/connexion/", {"login": user.get_username(), "password": password}, **address
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/compte/securite/code/"), response["Location"]
    response = client.post("/compte/securite/code/", {"code": totp_code(secret, user)}, **address)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session.get("_auth_user_id") == str(user.pk)


def staff_login_browser(page, base_url: str, user, next: str = "/admin/", password=PASSWORD):
    """The same through a real browser, from the CMS's login address to ``next``."""
    secret = enrol_totp(user)
    page.goto(f"{base_url}/admin/login/?next={next}")
    page.fill("input[name=login]", user.get_username())
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/compte/securite/code/**")
    page.fill("input[name=code]", totp_code(secret, user))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"**{next}")


def log_in_as(client, user) -> None:
    """Staff through the login form and the second factor; anyone else with force_login."""
    if user.has_perm("wagtailadmin.access_admin"):
        staff_login(client, user)
    else:
        client.force_login(user)
