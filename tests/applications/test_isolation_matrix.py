"""Roles × objects × actions: nobody reaches what is not theirs, on any URL.

The world: a call issued by organisation X, to which company A (two members) and
company B each submitted an application, with a file, plus a draft of company A;
an applicant question on the call. Every URL of the applicant-facing apps and of the
evaluators' and answerers' admin that names one of these objects is requested by
every role. The expectation table says who may; everybody else must get a refusal
(404, or a redirect to a login page), never the page, and a refused POST must change
nothing. A URL added later without an entry in the table fails the guard test, so
the matrix keeps covering every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import Application, ApplicationStatus, Attachment, StatusChange
from companies.models import Invitation
from qanda.models import Question
from tests.factories import (
    CompanyFactory,
    UserFactory,
    applicant,
    create_call,
    editor_of,
    evaluator_of,
    log_in_as,
    reviewer_of,
)

pytestmark = pytest.mark.django_db

# Namespaces whose views show or change applicants' data.
NAMESPACES = ("applications", "companies", "accounts", "qanda", "applications_admin", "qanda_admin")

ROLES = (
    "anonymous",
    "applicant_a",
    "colleague_a",
    "applicant_b",
    "evaluator_x",
    "reviewer_x",
    "editor_x",
    "evaluator_y",
    "superuser",
)
COMPANY_A = {"applicant_a", "colleague_a"}
ORGANISATION_X_JUDGES = {"evaluator_x", "reviewer_x", "superuser"}
ORGANISATION_X_PEOPLE = ORGANISATION_X_JUDGES | {"editor_x"}

# URL name → (who may GET it, who may POST to it). Only URLs that name an object.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "applications:detail": (COMPANY_A, set()),
    "applications:withdraw": (COMPANY_A, COMPANY_A),
    "applications:reopen": (COMPANY_A, COMPANY_A),
    # The issuer's evaluators may follow a file link from the applicant's page too.
    "applications:attachment": (COMPANY_A | ORGANISATION_X_JUDGES, set()),
    "applications_admin:call": (ORGANISATION_X_JUDGES, set()),
    "applications_admin:export_csv": (ORGANISATION_X_JUDGES, set()),
    "applications_admin:export_xlsx": (ORGANISATION_X_JUDGES, set()),
    "applications_admin:export_attachments": (ORGANISATION_X_JUDGES, set()),
    "applications_admin:detail": (ORGANISATION_X_JUDGES, set()),
    "applications_admin:evaluate": (ORGANISATION_X_JUDGES, ORGANISATION_X_JUDGES),
    "applications_admin:decide": (ORGANISATION_X_JUDGES, ORGANISATION_X_JUDGES),
    "applications_admin:attachment": (ORGANISATION_X_JUDGES, set()),
    "qanda_admin:answer": (ORGANISATION_X_PEOPLE, ORGANISATION_X_PEOPLE),
    # Company A's invitation goes to an address none of the roles has: nobody may use it.
    "companies:invitation": (set(), set()),
    "companies:invitation_accept": (set(), set()),
    "companies:invitation_decline": (set(), set()),
    # Only company A's owner acts on its invitations and members (colleague_a's membership).
    "companies:invitation_cancel": (set(), {"applicant_a"}),
    "companies:member_role": (set(), {"applicant_a"}),
    "companies:member_remove": (set(), {"applicant_a"}),
}
# Object URLs that are public or act only on the requester's own data.
NOT_OBJECT_SCOPED = {
    "applications:apply",  # slug of a public call: each company gets its own application
    "applications:follow",
    "qanda:ask",
}


@dataclass
class World:
    users: dict[str, object]
    call: object
    application_a: Application
    draft_a: Application
    application_b: Application
    attachment_a: Attachment
    question: Question
    invitation: Invitation


def _submitted(call, company, user, reference: str) -> Application:
    application = Application.objects.create(
        call=call,
        company=company,
        created_by=user,
        status=ApplicationStatus.RECEIVED,
        reference=reference,
        solution_name=f"Solution de {company.legal_name}",
        description="Une description.",
        submitted_at=timezone.now(),
    )
    StatusChange.objects.create(
        application=application, from_status="draft", to_status="received", changed_by=user
    )
    return application


@pytest.fixture
def world(metropole, cci, settings, tmp_path) -> World:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    company_a, company_b = CompanyFactory(), CompanyFactory()
    users = {
        "anonymous": None,
        "applicant_a": applicant(company_a),
        "colleague_a": applicant(company_a, role="member"),
        "applicant_b": applicant(company_b),
        "evaluator_x": evaluator_of(metropole),
        "reviewer_x": reviewer_of(metropole),
        "editor_x": editor_of(metropole),
        "evaluator_y": evaluator_of(cci),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }
    call = create_call(metropole)
    other_call = create_call(metropole)
    application_a = _submitted(call, company_a, users["applicant_a"], "AMP-A-1")
    application_b = _submitted(call, company_b, users["applicant_b"], "AMP-B-1")
    draft_a = Application.objects.create(
        call=other_call, company=company_a, created_by=users["applicant_a"]
    )
    attachment_a = Attachment(
        application=application_a,
        original_name="offre.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=users["applicant_a"],
    )
    attachment_a.file.save("offre.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    question = Question.objects.create(
        call=call, asked_by=users["applicant_a"], question="Le budget est-il ferme ?"
    )
    invitation = Invitation.objects.create(
        company=company_a,
        email="invitee@example.test",
        invited_by=users["applicant_a"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    return World(
        users, call, application_a, draft_a, application_b, attachment_a, question, invitation
    )


def _patterns(resolver: URLResolver, namespace: str | None = None):
    """(qualified name, parameter names) of every named URL under the resolver."""
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from _patterns(item, item.namespace or namespace)
        elif isinstance(item, URLPattern) and item.name and namespace in NAMESPACES:
            yield f"{namespace}:{item.name}", set(item.pattern.converters)


def object_urls() -> dict[str, set[str]]:
    return {name: params for name, params in _patterns(get_resolver()) if params and name}


def _kwargs(params: set[str], world: World, application: Application) -> dict:
    values = {
        "public_id": application.public_id,
        "attachment_id": world.attachment_a.public_id,
        "call_id": world.call.pk,
        "question_id": world.question.pk,
        "slug": world.call.slug,
        "token": world.invitation.token,
        "invitation_id": world.invitation.pk,
        "membership_id": world.users["colleague_a"].membership.pk,
    }
    return {name: values[name] for name in params}


def _client_for(client, user):
    client.logout()
    if user is not None:
        log_in_as(client, user)
    return client


def _refused(response) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302:
        return "connexion" in response["Location"] or "login" in response["Location"]
    return False


def _state(world: World) -> tuple:
    applications = Application.objects.order_by("pk").values_list("pk", "status")
    return (
        tuple(applications),
        StatusChange.objects.count(),
        world.question.__class__.objects.filter(is_published=True).count(),
        Question.objects.exclude(answer="").count(),
        sum(a.evaluations.count() for a in Application.objects.all()),
    )


def test_every_object_url_is_in_the_matrix():
    names = set(object_urls())
    assert "applications:detail" in names, "the walk finds the applicant URLs"
    assert "applications_admin:detail" in names, "the walk finds the admin URLs"
    missing = names - set(EXPECTED) - NOT_OBJECT_SCOPED
    assert not missing, f"URLs that name an object but are not in the isolation matrix: {missing}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_only_the_expected_roles_get_through(client, world, name):
    params = object_urls()[name]
    url = reverse(name, kwargs=_kwargs(params, world, world.application_a))
    may_get, may_post = EXPECTED[name]
    leaks = []
    for role in ROLES:
        _client_for(client, world.users[role])
        response = client.get(url)
        if role in may_get:
            if response.status_code not in (200, 302, 405):
                leaks.append(f"{role} GET {url}: {response.status_code}, expected access")
        elif not _refused(response):
            leaks.append(f"{role} GET {url}: {response.status_code} (leak)")
        if role not in may_post:
            before = _state(world)
            response = client.post(url, {"reason": "x", "decision": "admissible"})
            if not _refused(response) or _state(world) != before:
                leaks.append(f"{role} POST {url}: {response.status_code}, state changed or leak")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("applications_admin:detail", "get"),
        ("applications_admin:evaluate", "post"),
        ("applications_admin:decide", "post"),
    ],
)
def test_a_draft_is_invisible_to_the_issuer(client, world, name, method):
    url = reverse(name, kwargs={"public_id": world.draft_a.public_id})
    before = _state(world)
    for role in ORGANISATION_X_JUDGES:
        _client_for(client, world.users[role])
        response = getattr(client, method)(url, {"reason": "x", "decision": "admissible"})
        assert response.status_code == 404, f"{role} reaches a draft ({method})"
    assert _state(world) == before


def test_one_company_never_sees_another_companys_application_or_file(client, world):
    _client_for(client, world.users["applicant_b"])
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert world.application_b.reference in dashboard or "Solution de" in dashboard
    assert world.application_a.reference not in dashboard
    assert world.application_a.solution_name not in dashboard
    b_detail = reverse("applications:detail", kwargs={"public_id": world.application_b.public_id})
    assert client.get(b_detail).status_code == 200
    # B's own application with A's attachment id: still not A's file.
    crossed = reverse(
        "applications:attachment",
        kwargs={
            "public_id": world.application_b.public_id,
            "attachment_id": world.attachment_a.public_id,
        },
    )
    assert client.get(crossed).status_code == 404


def test_the_evaluator_lists_show_only_their_organisations_applications(client, world):
    _client_for(client, world.users["evaluator_y"])
    listing = client.get(reverse("applications_admin:calls"))
    assert listing.status_code == 200
    assert world.call.title not in listing.content.decode()
    questions = client.get(reverse("qanda_admin:list"))
    assert world.question.question not in questions.content.decode()

    _client_for(client, world.users["evaluator_x"])
    listing = client.get(reverse("applications_admin:call", kwargs={"call_id": world.call.pk}))
    page = listing.content.decode()
    assert world.application_a.reference in page and world.application_b.reference in page


def test_private_files_have_no_public_address(world, settings):
    assert not str(world.attachment_a.file.path).startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        world.attachment_a.file.url  # noqa: B018 — no base URL, so no public link at all
