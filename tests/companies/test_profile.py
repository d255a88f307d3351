"""The company profile: create, edit, SIRET checks, one company per SIRET."""

from __future__ import annotations

import pytest

from calls.models import Sector
from companies.models import Company, Membership
from tests.accounts.conftest import page_text
from tests.factories import CompanyFactory, applicant

# Sectors come from migrations; a transactional test elsewhere may have flushed them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_structure")]

VALID_SIRET = "73282932000074"
LA_POSTE_SIRET = "35600000098761"  # La Poste's own rule; fails the usual Luhn check
SECTORS = ["maritime_logistique", "sante"]


def profile_data(**changes) -> dict:
    data = {
        "legal_name": "Capteurs du Vieux-Port SAS",
        "siret": "732 829 320 00074",
        "size": "tpe",
        "sectors": [str(s.pk) for s in Sector.objects.filter(code__in=SECTORS)],
        "commune": "Marseille",
        "departement": "13",
        "website": "https://capteurs.example",
        "pitch": "Des capteurs de qualité de l'air pour les ports.",
    }
    data.update(changes)
    return data


@pytest.fixture
def newcomer(client):
    user = applicant(company=False, email="lea@example.test")
    client.force_login(user)
    return user


def test_create_the_company_profile(client, newcomer):
    page = client.get("/espace/entreprise/")
    assert page.status_code == 200
    assert "Le profil de votre entreprise" in page.content.decode()

    response = client.post("/espace/entreprise/", profile_data())
    assert response.status_code == 302
    company = Company.objects.get()
    assert company.siret == VALID_SIRET, "spaces are removed"
    assert company.legal_name == "Capteurs du Vieux-Port SAS"
    assert sorted(company.sectors.values_list("code", flat=True)) == SECTORS
    membership = Membership.objects.get(user=newcomer)
    assert (membership.company, membership.role) == (company, "owner")

    page = client.get("/espace/entreprise/").content.decode()
    assert "Mon entreprise : Capteurs du Vieux-Port SAS" in page
    assert "lea@example.test" in page, "members are listed"


def test_an_owner_edits_the_company_profile(client):
    company = CompanyFactory(legal_name="Ancien nom")
    client.force_login(applicant(company=company, role="owner"))
    response = client.post(
        "/espace/entreprise/", profile_data(legal_name="Nouveau nom", siret=company.siret)
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.legal_name == "Nouveau nom"
    assert Company.objects.count() == 1


def test_a_member_sees_the_profile_but_cannot_edit_it(client):
    company = CompanyFactory(legal_name="Ancien nom", commune="Aubagne")
    applicant(company=company, role="owner", email="lea@example.test")
    client.force_login(applicant(company=company, role="member"))
    page = page_text(client.get("/espace/entreprise/"))
    assert "Aubagne" in page and "lea@example.test" in page, "the company and its members"
    assert 'name="legal_name"' not in page, "no form"
    assert "Seuls les responsables" in page
    response = client.post(
        "/espace/entreprise/", profile_data(legal_name="Nouveau nom", siret=company.siret)
    )
    assert response.status_code == 403
    assert "Seuls les responsables" in page_text(response)
    company.refresh_from_db()
    assert company.legal_name == "Ancien nom"


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("732 829 320 00075", "somme de contrôle incorrecte"),
        ("35600000098762", "somme de contrôle incorrecte"),
        ("7328293200007", "14 chiffres"),
        ("7328293200007A", "que des chiffres"),
    ],
)
def test_invalid_sirets_are_refused_in_french_and_the_form_is_kept(
    client, newcomer, siret, message
):
    response = client.post("/espace/entreprise/", profile_data(siret=siret))
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    assert 'id="id_siret_error"' in text
    assert 'aria-describedby="id_siret_helptext id_siret_error"' in text
    assert 'value="Capteurs du Vieux-Port SAS"' in text, "what was typed is kept"
    assert not Company.objects.exists()


def test_la_poste_establishments_are_accepted(client, newcomer):
    response = client.post("/espace/entreprise/", profile_data(siret="356 000 000 98761"))
    assert response.status_code == 302
    assert Company.objects.get().siret == LA_POSTE_SIRET


def test_a_siret_already_registered_does_not_attach_the_user(client, newcomer):
    existing = CompanyFactory(siret=VALID_SIRET, legal_name="Déjà là")
    applicant(company=existing)
    response = client.post("/espace/entreprise/", profile_data())
    assert response.status_code == 200
    text = page_text(response)
    assert "Cette entreprise a déjà un compte sur la plateforme" in text
    assert "de vous inviter" in text
    assert "Déjà là" not in text, "nothing about the other company is shown"
    assert not Membership.objects.filter(user=newcomer).exists()
    assert Company.objects.count() == 1


def test_a_member_cannot_take_another_companys_siret(client):
    CompanyFactory(siret=VALID_SIRET)
    mine = CompanyFactory()
    client.force_login(applicant(company=mine))
    response = client.post("/espace/entreprise/", profile_data())
    assert "Cette entreprise a déjà un compte" in page_text(response)
    mine.refresh_from_db()
    assert mine.siret != VALID_SIRET


def test_departement_is_checked_and_normalised(client, newcomer):
    wrong = client.post("/espace/entreprise/", profile_data(departement="99"))
    assert "Indiquez un numéro de département" in page_text(wrong)
    client.post("/espace/entreprise/", profile_data(departement="2a", commune=" Ajaccio "))
    company = Company.objects.get()
    assert (company.departement, company.commune) == ("2A", "Ajaccio")


def test_required_fields_are_said_in_french(client, newcomer):
    response = client.post("/espace/entreprise/", {})
    text = page_text(response)
    assert text.count("Champ requis.") >= 5
    assert "Le formulaire contient des erreurs" in text
