"""Who may do what with an organisation's calls in the Wagtail admin.

Organisation A (the Métropole) owns a published call and a draft; organisation B
(the CCI) owns a call of its own. Each cell of the matrix is one role doing one
action on one of A's calls, through the real admin views; an allowed action must
have its effect in the database, a refused one must leave the database untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from calls.constants import CallStatus
from calls.models import CallEvent, CallFolderPage, CallIndexPage, CallPage
from organisations.models import Organisation
from tests.factories import UserFactory, create_call, editor_of, log_in_as, reviewer_of

pytestmark = pytest.mark.django_db

ROLES = ["editor_a", "reviewer_a", "editor_b", "reviewer_b", "admin", "nobody", "anonymous"]
OBJECTS = ["published", "draft"]

# Who can see and edit organisation A's calls, and who can publish them.
EDITS_A = {"editor_a", "reviewer_a", "admin"}
PUBLISHES_A = {"reviewer_a", "admin"}
OTHER_ORGANISATION = {"editor_b", "reviewer_b"}
NO_ADMIN_ACCESS = {"nobody", "anonymous"}

SECRET = "Zéphyrine"  # a word only organisation A's call titles contain


def call_form_data(call: CallPage, **overrides) -> dict:
    """What the edit form posts for ``call``, as a browser would send it."""

    def iso(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    data = nested_form_data(
        {
            "title": call.title,
            "slug": call.slug,
            "call_type": call.call_type,
            "summary": call.summary,
            "body": streamfield([("context", rich_text("<p>Contexte de l'appel.</p>"))]),
            "documents": inline_formset([]),
            "questions": inline_formset([]),
            "form_questions": inline_formset([]),
            "evaluation_criteria": inline_formset([]),
            "comments": inline_formset([]),
            "opens_at": iso(call.opens_at),
            "closes_at": iso(call.closes_at),
            "selection_date": "",
            "co_issuer": "",
            "keywords": "",
            "location": call.location,
            "budget": call.budget,
            "contact_name": call.contact_name,
            "contact_email": call.contact_email,
            "source_url": call.source_url,
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data["sectors"] = [str(pk) for pk in call.sectors.values_list("pk", flat=True)]
    data.update(overrides)
    return data


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    folder_a: CallFolderPage
    folder_b: CallFolderPage
    published: CallPage
    draft: CallPage
    call_b: CallPage
    users: dict


@pytest.fixture
def world(metropole, cci) -> World:
    users = {
        "editor_a": editor_of(metropole),
        "reviewer_a": reviewer_of(metropole),
        "editor_b": editor_of(cci),
        "reviewer_b": reviewer_of(cci),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
        "nobody": UserFactory(username="sans-groupe"),
        "anonymous": None,
    }
    return World(
        org_a=metropole,
        org_b=cci,
        folder_a=CallFolderPage.objects.get(organisation=metropole),
        folder_b=CallFolderPage.objects.get(organisation=cci),
        published=create_call(metropole, title=f"Appel publié {SECRET}"),
        draft=create_call(metropole, publish=False, title=f"Brouillon confidentiel {SECRET}"),
        call_b=create_call(cci, title="Appel de la CCI sur la logistique portuaire"),
        users=users,
    )


def client_as(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        log_in_as(client, user)
    return client


def state(call: CallPage) -> dict:
    """Everything an admin action could change about a call."""
    call = CallPage.objects.get(pk=call.pk)
    revisions = Revision.page_revisions.filter(object_id=str(call.pk))
    return {
        "revisions": revisions.count(),
        "latest_revision": call.latest_revision_id,
        "live_revision": call.live_revision_id,
        "live": call.live,
        "title": call.title,
        "call_id": call.call_id,
        "version": call.version,
        "status": call.status,
        "closed_early_at": call.closed_early_at,
        "closure_reason": call.closure_reason,
        "withdrawn_at": call.withdrawn_at,
        "withdrawal_reason": call.withdrawal_reason,
        "events": list(CallEvent.objects.filter(page=call).values_list("version", "kind")),
        "workflow_states": call.workflow_states.count(),
    }


def assert_redirects_to_login(response):
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(settings.WAGTAILADMIN_LOGIN_URL + "?next=")


def assert_redirects_to_dashboard(response):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("wagtailadmin_home")


def assert_refused(role: str, response):
    """The admin's two ways of saying no: log in first, or not for you."""
    if role in NO_ADMIN_ACCESS:
        assert_redirects_to_login(response)
    else:
        assert_redirects_to_dashboard(response)


def titles_of_a(world: World) -> list[str]:
    return [world.published.title, world.draft.title]


def _form_errors(response) -> str:
    """The form errors of a re-rendered edit view, to explain a failed assertion."""
    context = getattr(response, "context", None)
    if not context or "form" not in context:
        return f"status {response.status_code}"
    form = context["form"]
    errors = dict(form.errors)
    for name, formset in getattr(form, "formsets", {}).items():
        if formset.errors or formset.non_form_errors():
            errors[name] = [formset.errors, formset.non_form_errors()]
    return repr(errors)


# --- Explorer listing of organisation A's folder ------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_explorer_listing_of_a_folder(client, world, role):
    client_as(client, world, role)
    response = client.get(reverse("wagtailadmin_explore", args=[world.folder_a.pk]))
    if role in EDITS_A:
        assert response.status_code == 200
        content = response.content.decode()
        for title in titles_of_a(world):
            assert title in content
    elif role in OTHER_ORGANISATION:
        # Wagtail sends people outside the folder back to their own part of the tree.
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_explore", args=[world.folder_b.pk])
        followed = client.get(response["Location"])
        assert followed.status_code == 200
        assert world.call_b.title in followed.content.decode()
        assert SECRET not in followed.content.decode()
    else:
        assert_redirects_to_login(response)


# --- Edit view --------------------------------------------------------------------------


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_open_edit_view(client, world, role, obj):
    call = getattr(world, obj)
    client_as(client, world, role)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[call.pk]))
    if role in EDITS_A:
        assert response.status_code == 200
        assert call.title in response.content.decode()
    else:
        assert_refused(role, response)
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_save_draft(client, world, role, obj):
    call = getattr(world, obj)
    before = state(call)
    client_as(client, world, role)
    new_title = f"Titre retravaillé {SECRET}"
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[call.pk]), call_form_data(call, title=new_title)
    )
    after = state(call)
    if role in EDITS_A:
        assert response.status_code == 302, _form_errors(response)
        assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[call.pk])
        assert after["revisions"] == before["revisions"] + 1
        latest = CallPage.objects.get(pk=call.pk).get_latest_revision()
        assert latest.user == world.users[role]
        assert latest.as_object().title == new_title
        # Saving is not publishing: the live state and the events do not move.
        assert after["live"] == before["live"]
        assert after["live_revision"] == before["live_revision"]
        assert after["events"] == before["events"]
        assert after["call_id"] == before["call_id"]
        if obj == "published":
            assert after["title"] == before["title"], "the public title must not change"
        else:
            assert after["title"] == new_title
    else:
        assert_refused(role, response)
        assert after == before


# --- Publish ----------------------------------------------------------------------------


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_publish(client, world, role, obj):
    call = getattr(world, obj)
    before = state(call)
    client_as(client, world, role)
    new_title = f"Titre publié {SECRET}"
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[call.pk]),
        call_form_data(call, title=new_title, **{"action-publish": "action-publish"}),
    )
    after = state(call)
    if role in PUBLISHES_A:
        assert response.status_code == 302, _form_errors(response)
        assert after["live"] is True
        assert after["title"] == new_title
        assert after["live_revision"] == after["latest_revision"] != before["latest_revision"]
        year = timezone.localtime().year
        if obj == "published":
            assert after["call_id"] == before["call_id"]
            assert after["events"] == [(1, "call.published"), (2, "call.updated")]
        else:
            assert after["call_id"] == f"AMP-{year}-0003"  # A's call, B's call, then this one
            assert after["events"] == [(1, "call.published")]
    elif role == "editor_a":
        # An editor cannot publish: the button is not theirs, the post only saves a draft.
        assert response.status_code == 302, _form_errors(response)
        assert after["revisions"] == before["revisions"] + 1
        assert after["live"] == before["live"]
        assert after["live_revision"] == before["live_revision"]
        assert after["events"] == before["events"]
        assert after["call_id"] == before["call_id"]
        latest = CallPage.objects.get(pk=call.pk).get_latest_revision_as_object()
        assert latest.title == new_title
        if obj == "published":
            assert after["title"] == before["title"], "the public title must not change"
    else:
        assert_refused(role, response)
        assert after == before


def test_editor_sees_submit_for_moderation_not_publish(client, world):
    log_in_as(client, world.users["editor_a"])
    content = client.get(reverse("wagtailadmin_pages:edit", args=[world.draft.pk])).content
    assert b'name="action-submit"' in content
    assert b'name="action-publish"' not in content
    log_in_as(client, world.users["reviewer_a"])
    content = client.get(reverse("wagtailadmin_pages:edit", args=[world.draft.pk])).content
    assert b'name="action-publish"' in content


# --- Close early and withdraw -----------------------------------------------------------

EXPECTED_EFFECT = {
    "close": ("closed_early_at", "closure_reason", "call.closed", CallStatus.CLOSED),
    "withdraw": ("withdrawn_at", "withdrawal_reason", "call.withdrawn", CallStatus.WITHDRAWN),
}


@pytest.mark.parametrize("action", ["close", "withdraw"])
@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_close_and_withdraw(client, world, role, obj, action):
    call = getattr(world, obj)
    before = state(call)
    client_as(client, world, role)
    url = reverse("calls_admin:action", args=[call.pk, action])
    reason = "Le besoin a été couvert par un marché existant."
    response = client.post(url, {"reason": reason})
    after = state(call)
    if role in PUBLISHES_A and obj == "published":
        date_field, reason_field, kind, status = EXPECTED_EFFECT[action]
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[call.pk])
        assert after[date_field] is not None
        assert after[reason_field] == reason
        assert after["status"] == status
        assert after["events"] == [*before["events"], (2, kind)]
    elif role in PUBLISHES_A:
        # A draft has nothing to close or withdraw: the form says so, nothing changes.
        assert response.status_code == 200
        assert "Seul un appel publié" in response.content.decode()
        assert after == before
    else:
        assert_refused(role, response)
        assert after == before


@pytest.mark.parametrize("action", ["close", "withdraw"])
@pytest.mark.parametrize("role", ROLES)
def test_action_form_is_shown_only_to_publishers(client, world, role, action):
    client_as(client, world, role)
    response = client.get(reverse("calls_admin:action", args=[world.published.pk, action]))
    if role in PUBLISHES_A:
        assert response.status_code == 200
        assert world.published.title in response.content.decode()
    else:
        assert_refused(role, response)
        assert SECRET not in response.content.decode()


def test_unknown_action_is_not_found(client, world):
    log_in_as(client, world.users["admin"])
    before = state(world.published)
    url = reverse("calls_admin:action", args=[world.published.pk, "delete"])
    assert client.post(url, {"reason": "Pourquoi pas."}).status_code == 404
    assert state(world.published) == before


@pytest.mark.parametrize("role", sorted(EDITS_A))
def test_lifecycle_buttons_only_for_publishers(client, world, role):
    """The header and the lifecycle panel offer close/withdraw to those who may use them.

    (The others cannot open the edit view at all: see ``test_open_edit_view``.)
    """
    client_as(client, world, role)
    content = client.get(reverse("wagtailadmin_pages:edit", args=[world.published.pk]))
    content = content.content.decode()
    close_url = reverse("calls_admin:action", args=[world.published.pk, "close"])
    withdraw_url = reverse("calls_admin:action", args=[world.published.pk, "withdraw"])
    assert (close_url in content) == (role in PUBLISHES_A)
    assert (withdraw_url in content) == (role in PUBLISHES_A)


# --- Organisations admin ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_organisations_admin(client, world, role):
    client_as(client, world, role)
    index = client.get("/admin/organisations/")
    edit = client.get(f"/admin/organisations/edit/{world.org_a.pk}/")
    count = Organisation.objects.count()
    create = client.post(
        "/admin/organisations/new/", {"name": "Port de Marseille-Fos", "kind": "collectivite"}
    )
    if role == "admin":
        assert index.status_code == 200
        assert world.org_a.name in index.content.decode()
        assert edit.status_code == 200
        assert create.status_code == 302
        created = Organisation.objects.get(name="Port de Marseille-Fos")
        # Creating an organisation through the admin provisions it.
        assert CallFolderPage.objects.filter(organisation=created).exists()
        assert created.editors_group is not None and created.reviewers_group is not None
    else:
        for response in (index, edit, create):
            assert_refused(role, response)
        assert Organisation.objects.count() == count


# --- Nothing of A's leaks to B through search, the explorer or the choosers ------------


@pytest.mark.parametrize("role", ["editor_b", "reviewer_b"])
def test_admin_search_does_not_reveal_other_organisations_calls(client, world, role):
    client_as(client, world, role)
    response = client.get(reverse("wagtailadmin_pages:search"), {"q": SECRET})
    assert response.status_code == 200
    content = response.content.decode()
    for title in titles_of_a(world):
        assert title not in content
    assert reverse("wagtailadmin_pages:edit", args=[world.draft.pk]) not in content
    assert reverse("wagtailadmin_pages:edit", args=[world.published.pk]) not in content
    # Control: the same search finds B's own call.
    response = client.get(reverse("wagtailadmin_pages:search"), {"q": "logistique"})
    assert world.call_b.title in response.content.decode()


@pytest.mark.parametrize("role", ["editor_a", "reviewer_a", "admin"])
def test_admin_search_finds_own_calls(client, world, role):
    """Control for the test above: the search does find A's calls for A's people."""
    client_as(client, world, role)
    response = client.get(reverse("wagtailadmin_pages:search"), {"q": SECRET})
    assert response.status_code == 200
    for title in titles_of_a(world):
        assert title in response.content.decode()


@pytest.mark.parametrize("role", ["editor_b", "reviewer_b"])
def test_explorer_of_calls_index_does_not_reveal_other_organisations(client, world, role):
    client_as(client, world, role)
    index_page = CallIndexPage.objects.get()
    response = client.get(reverse("wagtailadmin_explore", args=[index_page.pk]), follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert world.call_b.title in content
    assert SECRET not in content
    assert world.org_a.name not in content
    # Searching the whole tree from the explorer is filtered the same way.
    for url in (
        reverse("wagtailadmin_explore", args=[world.folder_b.pk]),
        reverse("wagtailadmin_explore_results", args=[world.folder_b.pk]),
    ):
        response = client.get(url, {"q": SECRET, "search_all": "1"})
        assert response.status_code == 200
        for title in titles_of_a(world):
            assert title not in response.content.decode()


@pytest.mark.parametrize("role", ["editor_b", "reviewer_b"])
def test_page_chooser_does_not_reveal_other_organisations_drafts(client, world, role):
    """The link chooser may offer A's published call (it is public), never A's draft."""
    client_as(client, world, role)
    folder_listing = client.get(reverse("wagtailadmin_choose_page_child", args=[world.folder_a.pk]))
    search = client.get(reverse("wagtailadmin_choose_page_search"), {"q": SECRET})
    for response in (folder_listing, search):
        assert response.status_code == 200
        content = response.content.decode()
        if response["Content-Type"] == "application/json":  # the browse step feeds a modal
            content = response.json()["html"]
        assert world.draft.title not in content
        assert world.published.title in content


@pytest.mark.parametrize("role", ["editor_a", "reviewer_a", "admin"])
def test_page_chooser_still_offers_own_drafts(client, world, role):
    """Control for the test above: A's people do see A's draft in the chooser."""
    client_as(client, world, role)
    response = client.get(reverse("wagtailadmin_choose_page_search"), {"q": SECRET})
    assert response.status_code == 200
    for title in titles_of_a(world):
        assert title in response.content.decode()


@pytest.mark.parametrize(
    "view", ["history", "revisions_view", "workflow_history", "view_draft", "usage"]
)
@pytest.mark.parametrize("role", ["editor_b", "reviewer_b", "nobody", "anonymous"])
def test_other_page_views_are_closed_to_outsiders(client, world, role, view):
    client_as(client, world, role)
    args = [world.draft.pk]
    if view == "revisions_view":
        args.append(world.draft.latest_revision_id)
    response = client.get(reverse(f"wagtailadmin_pages:{view}", args=args))
    assert_refused(role, response)
    assert SECRET not in response.content.decode()


def test_outsiders_cannot_add_a_call_to_a_folder(client, world):
    log_in_as(client, world.users["editor_b"])
    count = Page.objects.count()
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["calls", "callpage", world.folder_a.pk]),
        call_form_data(world.call_b, title="Intrus", slug="intrus"),
    )
    assert_redirects_to_dashboard(response)
    assert Page.objects.count() == count


@pytest.mark.parametrize(
    "report", ["workflow", "workflow_tasks", "site_history", "aging_pages", "locked_pages"]
)
@pytest.mark.parametrize("role", ["editor_b", "reviewer_b", "reviewer_a"])
def test_reports_do_not_reveal_other_organisations_calls(client, world, role, report):
    # Give the reports something to show: A's draft in moderation, A's published call locked.
    editor_a, reviewer_a = world.users["editor_a"], world.users["reviewer_a"]
    world.draft.get_workflow().start(world.draft, editor_a)
    CallPage.objects.filter(pk=world.published.pk).update(
        locked=True, locked_by=reviewer_a, locked_at=timezone.now()
    )
    client_as(client, world, role)
    response = client.get(reverse(f"wagtailadmin_reports:{report}"))
    if role == "reviewer_a":  # control: the report does list A's calls to A's reviewer
        assert response.status_code == 200
        assert SECRET in response.content.decode()
    else:
        assert response.status_code in (200, 302)
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", ["editor_b", "reviewer_b", "editor_a"])
def test_admin_api_does_not_reveal_other_organisations_calls(client, world, role):
    """The admin's page API (explorer menu) is filtered like the explorer itself."""
    client_as(client, world, role)
    listing = client.get("/admin/api/main/pages/", {"child_of": world.folder_a.pk})
    detail = client.get(f"/admin/api/main/pages/{world.draft.pk}/")
    if role == "editor_a":  # control
        assert listing.status_code == 200 and detail.status_code == 200
        titles = {item["title"] for item in listing.json()["items"]}
        assert set(titles_of_a(world)) <= titles
        assert detail.json()["title"] == world.draft.title
    else:
        # A's folder does not exist for B's people, nor do A's calls.
        assert listing.status_code == 400
        assert listing.json() == {"message": "parent page doesn't exist"}
        assert detail.status_code == 404
        assert SECRET not in detail.content.decode()
        search = client.get("/admin/api/main/pages/", {"search": SECRET})
        assert search.status_code == 200
        assert search.json()["items"] == []
        own = client.get("/admin/api/main/pages/", {"search": "logistique"})
        assert [item["title"] for item in own.json()["items"]] == [world.call_b.title]


@pytest.mark.parametrize("role", ["editor_b", "reviewer_b", "editor_a", "reviewer_a"])
def test_documents_stay_in_their_organisations_collection(client, world, role, settings, tmp_path):
    """Provisioning gives each organisation a collection that only its people see."""
    settings.MEDIA_ROOT = tmp_path
    document = get_document_model().objects.create(
        title=f"Cahier des charges {SECRET}",
        file=ContentFile(b"%PDF-1.4 test", name="cahier.pdf"),
        collection=Collection.objects.get(name=world.org_a.name),
    )
    client_as(client, world, role)
    listings = [
        client.get(reverse("wagtaildocs:index")),
        client.get(reverse("wagtaildocs_chooser:choose")),
        client.get(reverse("wagtaildocs_chooser:choose_results"), {"q": SECRET}),
    ]
    edit = client.get(reverse("wagtaildocs:edit", args=[document.pk]))
    for response in listings:
        assert response.status_code == 200
        content = response.content.decode()
        if response["Content-Type"] == "application/json":
            content = response.json()["html"]
        assert (document.title in content) == (role in EDITS_A)
    if role in EDITS_A:
        assert edit.status_code == 200
    else:
        assert_redirects_to_dashboard(edit)


@pytest.mark.parametrize("role", ["editor_a", "reviewer_a"])
def test_an_organisation_cannot_delete_move_or_edit_its_own_folder(client, world, role):
    folder = world.folder_a
    client_as(client, world, role)
    for view in ("delete", "unpublish", "edit", "move", "copy"):
        response = client.post(reverse(f"wagtailadmin_pages:{view}", args=[folder.pk]))
        assert_refused(role, response)
    folder.refresh_from_db()
    assert folder.live and CallFolderPage.objects.filter(pk=folder.pk).exists()
    # ...while the organisation still works inside it.
    tester = folder.permissions_for_user(world.users[role])
    assert tester.can_add_subpage()
    assert world.published.permissions_for_user(world.users[role]).can_edit()


def test_administrators_keep_control_of_folders(world):
    tester = world.folder_a.permissions_for_user(world.users["admin"])
    assert tester.can_edit() and tester.can_delete() and tester.can_move()
