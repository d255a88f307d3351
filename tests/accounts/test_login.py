"""Public login and logout: e-mail as login, safe ``next``, POST-only logout, header links."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import PASSWORD
from tests.factories import CompanyFactory, UserFactory, applicant

pytestmark = pytest.mark.django_db


def set_password(user, password: str = PASSWORD):
    user.set_password(password)
    user.save()
    return user


def log_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/compte/connexion/", {"username": email, "password": password, **extra})


def test_a_wrong_password_is_refused_in_french(client):
    user = set_password(applicant(email="lea@example.test"))
    response = log_in(client, user.email, "pas le bon mot de passe")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()
    assert 'value="lea@example.test"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_applicant_with_a_company_goes_to_the_dashboard_and_without_to_the_profile(client):
    with_company = set_password(applicant(email="avec@example.test"))
    response = log_in(client, "avec@example.test")
    assert response.status_code == 302
    assert response["Location"] != "/espace/entreprise/"
    client.post("/compte/deconnexion/")

    set_password(applicant(company=False, email="sans@example.test"))
    response = log_in(client, "sans@example.test")
    assert response["Location"] == "/espace/entreprise/"
    assert with_company.membership.company


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/espace/entreprise/inviter/", "/espace/entreprise/inviter/"),
        ("https://pirate.example/", "/espace/entreprise/"),
        ("//pirate.example/espace/", "/espace/entreprise/"),
        ("/\\pirate.example", "/espace/entreprise/"),
    ],
)
def test_next_is_followed_only_on_this_site(client, next_url, expected):
    set_password(applicant(company=False, email="lea@example.test"))
    response = log_in(client, "lea@example.test", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_pages_for_applicants_send_visitors_to_the_public_login(client):
    response = client.get("/espace/entreprise/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=/espace/entreprise/"
    form = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/espace/entreprise/"' in form


def test_the_cms_keeps_its_own_login(client, site_structure):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    UserFactory(username="lea", is_staff=True, is_superuser=True)
    login = client.post("/admin/login/", {"username": "lea", "password": "mot-de-passe-de-test"})
    assert login.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_without_applicant_account_cannot_use_the_applicant_pages(client):
    staff = UserFactory(username="redaction")
    client.force_login(staff)
    response = client.get("/espace/entreprise/")
    assert response.status_code == 403
    assert "réservée aux comptes candidats" in response.content.decode()


def test_logout_is_post_only(client):
    user = applicant()
    client.force_login(user)
    assert client.get("/compte/deconnexion/").status_code == 405
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_header_links_follow_the_visitor(client, site_structure):
    home = client.get("/").content.decode()
    assert 'href="/compte/connexion/"' in home
    assert 'href="/compte/inscription/"' in home
    assert "Se déconnecter" not in home

    client.force_login(applicant(company=CompanyFactory()))
    home = client.get("/").content.decode()
    assert "Mon espace" in home
    assert 'action="/compte/deconnexion/"' in home
    assert 'name="csrfmiddlewaretoken"' in home
    assert 'href="/compte/connexion/"' not in home


def test_a_logged_in_visitor_of_the_login_page_goes_on(client):
    client.force_login(applicant(company=False))
    for url in ("/compte/connexion/", "/compte/connexion/?next=/compte/connexion/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/espace/entreprise/"
