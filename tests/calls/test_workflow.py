"""Moderation end to end through the admin views, and the close/withdraw forms.

An organisation's editors write and submit; only that organisation's reviewers
approve, which publishes the call, numbers it and records ``call.published``.
"""

from __future__ import annotations

import html

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from calls.models import CallEvent, CallFolderPage, CallPage, Sector
from tests.factories import create_call, editor_of, log_in_as, reviewer_of

pytestmark = pytest.mark.django_db

TITLE = "Capteurs de qualité de l'air dans les écoles"
SLUG = "capteurs-qualite-air-ecoles"


def new_call_data(**overrides) -> dict:
    """What the "add a call" form posts when an editor fills it in."""
    now = timezone.localtime()
    data = nested_form_data(
        {
            "title": TITLE,
            "slug": SLUG,
            "call_type": "appel_a_solutions",
            "summary": "Mesurer la qualité de l'air dans vingt écoles de la Métropole.",
            "body": streamfield(
                [
                    ("context", rich_text("<p>Vingt écoles pilotes.</p>")),
                    ("problem", rich_text("<p>Des mesures trop rares.</p>")),
                ]
            ),
            "documents": inline_formset([]),
            "questions": inline_formset([]),
            "form_questions": inline_formset([]),
            "evaluation_criteria": inline_formset([]),
            "comments": inline_formset([]),
            "opens_at": (now - timezone.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
            "closes_at": (now + timezone.timedelta(days=45)).strftime("%Y-%m-%d %H:%M:%S"),
            "selection_date": "",
            "co_issuer": "",
            "keywords": "air, écoles",
            "location": "Marseille (13)",
            "budget": "",
            "contact_name": "",
            "contact_email": "",
            "source_url": "",
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data["sectors"] = [str(Sector.objects.get(code="sante").pk)]
    data.update(overrides)
    return data


def add_url(organisation) -> str:
    folder = CallFolderPage.objects.get(organisation=organisation)
    return reverse("wagtailadmin_pages:add", args=["calls", "callpage", folder.pk])


def approve_url(call: CallPage, task_state: TaskState, action: str = "approve") -> str:
    return reverse("wagtailadmin_pages:workflow_action", args=[call.pk, action, task_state.pk])


def form_errors(response) -> str:
    context = getattr(response, "context", None)
    if not context or "form" not in context:
        return f"status {response.status_code}"
    return repr(dict(context["form"].errors))


def text_of(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def client_for(user) -> Client:
    """A browser of its own per person, so that one's messages never show on another's page."""
    client = Client()
    log_in_as(client, user)
    return client


@pytest.fixture
def people(metropole, cci):
    return {
        "editor_a": editor_of(metropole),
        "reviewer_a": reviewer_of(metropole),
        "reviewer_b": reviewer_of(cci),
    }


def submit_new_call(client, editor, organisation, **overrides) -> CallPage:
    log_in_as(client, editor)
    response = client.post(
        add_url(organisation), new_call_data(**{"action-submit": "action-submit", **overrides})
    )
    assert response.status_code == 302, form_errors(response)
    return CallPage.objects.get(slug=SLUG)


# --- Submit, refuse to outsiders, approve ---------------------------------------------


def test_editor_submits_and_only_own_reviewer_approves(client, metropole, cci, people):
    call = submit_new_call(client, people["editor_a"], metropole)

    # Submitted, not published: no number, no event.
    assert call.live is False
    assert call.call_id is None
    assert not CallEvent.objects.exists()
    assert call.issuer == metropole
    workflow_state = call.current_workflow_state
    assert workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert workflow_state.requested_by == people["editor_a"]
    task_state = call.current_workflow_task_state
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert list(task_state.task.specific.groups.all()) == [metropole.reviewers_group]

    # The editor cannot approve their own call, B's reviewer cannot approve A's call.
    for outsider in (people["editor_a"], people["reviewer_b"]):
        response = client_for(outsider).post(approve_url(call, task_state), {"comment": "Oui."})
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
        call.refresh_from_db()
        task_state.refresh_from_db()
        assert call.live is False
        assert task_state.status == TaskState.STATUS_IN_PROGRESS
        assert not CallEvent.objects.exists()

    # B's reviewer is not even told that A's call awaits review.
    dashboard = client_for(people["reviewer_b"]).get(reverse("wagtailadmin_home"))
    assert dashboard.status_code == 200
    assert TITLE not in html.unescape(dashboard.content.decode())

    # A's reviewer finds it on the dashboard, and approves it.
    reviewer = client_for(people["reviewer_a"])
    dashboard = reviewer.get(reverse("wagtailadmin_home")).content.decode()
    assert TITLE in html.unescape(dashboard)
    assert approve_url(call, task_state) in dashboard
    response = reviewer.post(approve_url(call, task_state), {"comment": "Parfait."})
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[call.pk])

    call.refresh_from_db()
    task_state.refresh_from_db()
    workflow_state.refresh_from_db()
    assert call.live is True
    assert call.live_revision_id == task_state.revision_id
    assert task_state.status == TaskState.STATUS_APPROVED
    assert task_state.finished_by == people["reviewer_a"]
    assert task_state.comment == "Parfait."
    assert workflow_state.status == WorkflowState.STATUS_APPROVED
    year = timezone.localtime().year
    assert call.call_id == f"AMP-{year}-0001"
    events = list(CallEvent.objects.filter(page=call).values_list("call_id", "version", "kind"))
    assert events == [(f"AMP-{year}-0001", 1, "call.published")]
    assert CallEvent.objects.count() == 1
    # The public page is there, at /appels/<slug>/.
    assert Client().get(f"/appels/{SLUG}/").status_code == 200


def test_reviewer_requests_changes_and_nothing_is_published(client, metropole, people):
    call = submit_new_call(client, people["editor_a"], metropole)
    task_state = call.current_workflow_task_state
    log_in_as(client, people["reviewer_a"])
    response = client.post(
        approve_url(call, task_state, "reject"), {"comment": "Précisez le budget."}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    task_state.refresh_from_db()
    assert call.live is False
    assert call.call_id is None
    assert task_state.status == TaskState.STATUS_REJECTED
    assert call.workflow_states.get().status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not CallEvent.objects.exists()


def test_editor_cannot_publish_a_new_call_directly(client, metropole, people):
    log_in_as(client, people["editor_a"])
    response = client.post(
        add_url(metropole), new_call_data(**{"action-publish": "action-publish"})
    )
    assert response.status_code == 302, form_errors(response)
    call = CallPage.objects.get(slug=SLUG)
    assert call.live is False
    assert call.call_id is None
    assert not CallEvent.objects.exists()
    assert call.current_workflow_state is None


def test_reviewer_publishes_a_new_call_directly(client, metropole, people):
    log_in_as(client, people["reviewer_a"])
    response = client.post(
        add_url(metropole), new_call_data(**{"action-publish": "action-publish"})
    )
    assert response.status_code == 302, form_errors(response)
    call = CallPage.objects.get(slug=SLUG)
    assert call.live is True
    assert call.call_id == f"AMP-{timezone.localtime().year}-0001"
    assert list(CallEvent.objects.values_list("kind", flat=True)) == ["call.published"]


# --- The issuer is the folder's organisation ------------------------------------------


def test_issuer_is_the_folders_organisation_whatever_is_posted(client, metropole, cci, people):
    call = submit_new_call(client, people["editor_a"], metropole, issuer=str(cci.pk))
    assert call.issuer == metropole
    # Approved and published, the relayed issuer is still A.
    log_in_as(client, people["reviewer_a"])
    client.post(approve_url(call, call.current_workflow_task_state), {"comment": ""})
    call.refresh_from_db()
    assert call.live and call.issuer == metropole
    event = CallEvent.objects.get(page=call)
    assert event.snapshot["issuer"]["name"] == metropole.name


def test_issuer_cannot_be_changed_through_the_edit_form(client, metropole, cci, people):
    call = create_call(metropole)
    log_in_as(client, people["reviewer_a"])
    data = new_call_data(
        title=call.title,
        slug=call.slug,
        issuer=str(cci.pk),
        **{"action-publish": "action-publish"},
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[call.pk]), data)
    assert response.status_code == 302, form_errors(response)
    call.refresh_from_db()
    assert call.issuer == metropole
    assert CallPage.objects.get(pk=call.pk).get_latest_revision_as_object().issuer == metropole


def test_editor_cannot_add_a_call_to_another_organisations_folder(client, metropole, cci, people):
    count = Page.objects.count()
    log_in_as(client, people["editor_a"])
    response = client.post(add_url(cci), new_call_data(**{"action-submit": "action-submit"}))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert Page.objects.count() == count


# --- Close and withdraw forms ----------------------------------------------------------

ACTIONS = {
    "close": {
        "done": "L'appel « {title} » est clôturé.",
        "status": "Clôturé",
        "panel": "Clôturé le",
        "kind": "call.closed",
        "reason_field": "closure_reason",
    },
    "withdraw": {
        "done": "L'appel « {title} » est retiré.",
        "status": "Retiré",
        "panel": "Retiré le",
        "kind": "call.withdrawn",
        "reason_field": "withdrawal_reason",
    },
}


@pytest.fixture
def published_call(metropole):
    return create_call(metropole, title="Navettes maritimes électriques")


def action_url(call: CallPage, action: str) -> str:
    return reverse("calls_admin:action", args=[call.pk, action])


def reason_field(response):
    """The reason field's container: its textarea and the errors shown with it."""
    soup = BeautifulSoup(response.content, "html.parser")
    textarea = soup.find("textarea", attrs={"name": "reason"})
    assert textarea is not None
    return textarea.find_parent(attrs={"data-field": True}), textarea


def events_of(call: CallPage) -> list[str]:
    return list(CallEvent.objects.filter(page=call).values_list("kind", flat=True))


@pytest.mark.parametrize("action", ["close", "withdraw"])
@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_reason_is_required(client, metropole, published_call, action, reason):
    log_in_as(client, reviewer_of(metropole))
    response = client.post(action_url(published_call, action), {"reason": reason})
    assert response.status_code == 200
    field, textarea = reason_field(response)
    errors = field.find(attrs={"data-field-errors": True})
    assert errors is not None and "Indiquez le motif." in errors.get_text()
    assert textarea.get("aria-invalid") == "true"
    call = CallPage.objects.get(pk=published_call.pk)
    assert call.closed_early_at is None and call.withdrawn_at is None
    assert events_of(call) == ["call.published"]


@pytest.mark.parametrize("action", ["close", "withdraw"])
def test_a_rejected_reason_is_kept_in_the_form(client, metropole, published_call, action):
    log_in_as(client, reviewer_of(metropole))
    reason = "Motif beaucoup trop long. " * 100  # 2,600 characters, more than 2,000
    response = client.post(action_url(published_call, action), {"reason": reason})
    assert response.status_code == 200
    field, textarea = reason_field(response)
    errors = field.find(attrs={"data-field-errors": True})
    assert errors is not None and "2000" in errors.get_text().replace("\u202f", "")
    assert textarea.get_text().strip() == reason.strip()
    assert events_of(published_call) == ["call.published"]


def test_an_impossible_action_explains_why_and_keeps_the_reason(client, metropole, published_call):
    log_in_as(client, reviewer_of(metropole))
    client.post(action_url(published_call, "close"), {"reason": "Besoin couvert."})
    response = client.post(action_url(published_call, "close"), {"reason": "Une seconde fois."})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    alert = soup.find(attrs={"role": "alert"})
    assert alert is not None and "Cet appel est déjà clôturé ou retiré." in alert.get_text()
    assert soup.find("textarea", attrs={"name": "reason"}).get_text().strip() == (
        "Une seconde fois."
    )
    assert events_of(published_call) == ["call.published", "call.closed"]
    assert CallPage.objects.get(pk=published_call.pk).closure_reason == "Besoin couvert."


@pytest.mark.parametrize("action", ["close", "withdraw"])
def test_action_succeeds_and_the_editor_sees_it(client, metropole, published_call, action):
    expected = ACTIONS[action]
    log_in_as(client, reviewer_of(metropole))
    form = client.get(action_url(published_call, action))
    assert form.status_code == 200
    reason = "Le besoin est couvert par un marché existant."
    response = client.post(action_url(published_call, action), {"reason": reason}, follow=True)
    assert response.redirect_chain == [
        (reverse("wagtailadmin_pages:edit", args=[published_call.pk]), 302)
    ]
    page_text = text_of(response)
    assert expected["done"].format(title=published_call.title) in page_text
    lifecycle = BeautifulSoup(response.content, "html.parser").find("dl", class_="call-lifecycle")
    lifecycle_text = " ".join(lifecycle.get_text(" ").split())
    assert f"Statut {expected['status']}" in lifecycle_text
    assert expected["panel"] in lifecycle_text and reason in lifecycle_text

    call = CallPage.objects.get(pk=published_call.pk)
    assert getattr(call, expected["reason_field"]) == reason
    assert events_of(call) == ["call.published", expected["kind"]]
    event = CallEvent.objects.get(page=call, kind=expected["kind"])
    assert event.version == 2 and event.call_id == call.call_id
