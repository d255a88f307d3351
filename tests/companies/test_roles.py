"""Owners manage the company; members see it and may leave; it never stays without an owner."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction

from applications.models import Application, Attachment
from applications.storage import private_storage
from companies.models import Company, Membership
from companies.services import LastOwner, member_leave
from tests.accounts.conftest import page_text
from tests.applications.applying import private_media  # noqa: F401 (fixture)
from tests.factories import CompanyFactory, applicant, create_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(company):
    return applicant(company=company, role="member", email="paul@example.test")


def set_role(client, user, role: str):
    return client.post(f"/espace/entreprise/membres/{user.membership.pk}/role/", {"role": role})


def role_of(user) -> str:
    return Membership.objects.get(user=user).role


def test_a_member_cannot_remove_or_change_roles(client, owner, member):
    colleague = applicant(company=owner.membership.company, role="member")
    client.force_login(member)
    target = colleague.membership.pk
    removed = client.post(f"/espace/entreprise/membres/{target}/retirer/")
    assert removed.status_code == 403
    promoted = client.post(
        f"/espace/entreprise/membres/{member.membership.pk}/role/", {"role": "owner"}
    )
    assert promoted.status_code == 403
    assert "Seuls les responsables" in page_text(promoted)
    assert role_of(member) == "member"
    assert Membership.objects.filter(user=colleague).exists()
    page = page_text(client.get("/espace/entreprise/"))
    assert "Retirer" not in page and "Nommer responsable" not in page, "no buttons"


def test_an_owner_removes_a_member(client, owner, member):
    client.force_login(owner)
    response = client.post(f"/espace/entreprise/membres/{member.membership.pk}/retirer/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member).exists()


def test_an_owner_cannot_act_on_another_companys_member(client, owner):
    stranger = applicant(company=CompanyFactory(), role="member")
    client.force_login(owner)
    response = client.post(f"/espace/entreprise/membres/{stranger.membership.pk}/retirer/")
    assert response.status_code == 404
    assert "ne fait pas partie de votre entreprise" in page_text(response)
    assert Membership.objects.filter(user=stranger).exists()


def test_a_member_leaves(client, owner, member):
    client.force_login(member)
    assert "Quitter" in page_text(client.get("/espace/entreprise/quitter/"))
    response = client.post("/espace/entreprise/quitter/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    assert "Vous avez quitté l'entreprise Capteurs du Vieux-Port" in page_text(
        client.get(response["Location"])
    )


def test_the_last_owner_cannot_leave_but_hands_over_then_leaves(client, owner, member):
    client.force_login(owner)
    page = page_text(client.get("/espace/entreprise/quitter/"))
    assert "seul responsable" in page
    refused = client.post("/espace/entreprise/quitter/")
    assert refused.status_code == 400
    assert "au moins un responsable" in page_text(refused)
    assert role_of(owner) == "owner"

    demote = client.post(
        f"/espace/entreprise/membres/{owner.membership.pk}/role/", {"role": "member"}
    )
    assert demote.status_code == 302
    assert role_of(owner) == "owner", "the last owner cannot step down either"

    handed = client.post(
        f"/espace/entreprise/membres/{member.membership.pk}/role/", {"role": "owner"}
    )
    assert handed.status_code == 302
    assert role_of(member) == "owner"
    assert client.post("/espace/entreprise/quitter/").status_code == 302
    assert not Membership.objects.filter(user=owner).exists()
    assert role_of(member) == "owner"


def application_with_file(call, company, user) -> Application:
    application = Application.objects.create(
        call=call, company=company, created_by=user, solution_name="AirPort"
    )
    Attachment.objects.create(
        application=application,
        file=ContentFile(b"%PDF-1.4 offre", name="offre.pdf"),
        original_name="Offre technique.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        uploaded_by=user,
    )
    return application


@pytest.mark.usefixtures("private_media")
def test_an_owner_deletes_the_company_and_its_applications(
    client, owner, member, metropole, django_capture_on_commit_callbacks
):
    company = owner.membership.company
    call = create_call(metropole, title="Capteurs pour le Vieux-Port")
    mine = application_with_file(call, company, owner)
    stored = mine.attachments.get().file.name
    other = application_with_file(call, CompanyFactory(), applicant())
    client.force_login(owner)
    confirm = page_text(client.get("/espace/entreprise/supprimer/"))
    assert "Supprimer Capteurs du Vieux-Port" in confirm
    assert "sa candidature (1)" in confirm, "says what goes"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/espace/entreprise/supprimer/")
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert list(Application.objects.all()) == [other]
    assert not private_storage.exists(stored), "the files go too"
    assert not Membership.objects.filter(user__in=[owner, member]).exists()
    assert type(member).objects.filter(pk=member.pk).exists(), "accounts stay"


def test_a_member_cannot_delete_the_company(client, owner, member):
    client.force_login(member)
    assert client.get("/espace/entreprise/supprimer/").status_code == 403
    assert client.post("/espace/entreprise/supprimer/").status_code == 403
    assert Company.objects.filter(pk=owner.membership.company_id).exists()
    assert "Supprimer l'entreprise" not in page_text(client.get("/espace/entreprise/"))


def test_the_last_owners_account_deletion_hands_over(owner, member):
    owner.delete()
    assert role_of(member) == "owner"


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner():
    """The second departure waits for the first's lock, then sees it is the last owner."""
    company = CompanyFactory()
    first = applicant(company=company, role="owner")
    second = applicant(company=company, role="owner")
    first_left, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def leave_first():
        try:
            with transaction.atomic():
                member_leave(first)
                first_left.set()
                release.wait(10)
        finally:
            connection.close()

    def leave_second():
        try:
            member_leave(second)
            outcome["second"] = "left"
        except LastOwner:
            outcome["second"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=leave_first), threading.Thread(target=leave_second)]
    threads[0].start()
    assert first_left.wait(10)
    threads[1].start()
    time.sleep(0.5)  # the second departure now waits on the company's lock
    assert "second" not in outcome, "it waits for the first one's lock"
    release.set()
    for thread in threads:
        thread.join(10)
    assert outcome["second"] == "refused"
    assert list(Membership.objects.filter(company=company).values_list("role", flat=True)) == [
        "owner"
    ]
