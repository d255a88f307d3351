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
    from accounts.models import Account
    from companies.models import Membership

    n = next(_sequence)
    email = email or f"candidat{n}@example.test"
    user = UserFactory(username=email, email=email)
    Account.objects.create(
        user=user,
        consent_at=timezone.now(),
        consent_version="test",
        email_verified_at=timezone.now() if verified else None,
    )
    if company is not False:
        Membership.objects.create(user=user, company=company or CompanyFactory(), role=role)
    return user
