"""Organisations: SIRET validation, provisioning, public pages."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import GroupPagePermission, WorkflowPage

from calls.models import CallFolderPage
from organisations.models import Organisation
from organisations.provisioning import organisation_provision
from organisations.validators import validate_siret
from tests.factories import create_call


@pytest.mark.parametrize(
    "siret",
    ["73282932000074", "732 829 320 00074", "35600000000048", "35600000049837"],
)
def test_valid_sirets_including_la_poste(siret):
    validate_siret(siret.replace(" ", ""))


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("73282932000075", "somme de contrôle"),
        ("7328293200007", "14 chiffres"),
        ("7328293200007A", "que des chiffres"),
    ],
)
def test_invalid_sirets_get_a_french_message(siret, message):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert message in error.value.messages[0]


@pytest.mark.django_db
def test_full_clean_normalises_the_siret():
    organisation = Organisation(name="Port", siret="732 829 320 00074")
    organisation.full_clean()
    assert organisation.siret == "73282932000074"
    assert organisation.slug == "port"


@pytest.mark.django_db
def test_provisioning_creates_folder_groups_permissions_and_workflow():
    organisation = organisation_provision(Organisation.objects.create(name="Hôpital Nord"))
    folder = CallFolderPage.objects.get(organisation=organisation)
    assert folder.get_parent().slug == "appels"
    editor_perms = set(
        GroupPagePermission.objects.filter(
            group=organisation.editors_group, page=folder
        ).values_list("permission__codename", flat=True)
    )
    reviewer_perms = set(
        GroupPagePermission.objects.filter(
            group=organisation.reviewers_group, page=folder
        ).values_list("permission__codename", flat=True)
    )
    assert "publish_page" not in editor_perms and "change_page" in editor_perms
    assert "publish_page" in reviewer_perms
    workflow = WorkflowPage.objects.get(page=folder).workflow
    task = workflow.tasks.get().specific
    assert list(task.groups.all()) == [organisation.reviewers_group]
    # Idempotent: running it again adds nothing.
    organisation_provision(organisation)
    assert CallFolderPage.objects.filter(organisation=organisation).count() == 1
    assert GroupPagePermission.objects.filter(page=folder).count() == len(editor_perms) + len(
        reviewer_perms
    )


@pytest.mark.django_db
def test_organisation_page_lists_its_calls_only(client, metropole, cci):
    create_call(metropole, title="Appel de la Métropole")
    create_call(cci, title="Appel de la CCI")
    response = client.get(metropole.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Appel de la Métropole" in content
    assert "Appel de la CCI" not in content
    assert client.get("/organisations/inconnue/").status_code == 404


@pytest.mark.django_db
def test_organisation_folder_is_not_a_public_page(client, metropole):
    folder = CallFolderPage.objects.get(organisation=metropole)
    assert client.get(f"/appels/{folder.slug}/").status_code == 404
