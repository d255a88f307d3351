"""Login attempts are rate-limited per address; a success clears the count."""

import pytest
from django.core.cache import cache

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    cache.clear()


def login(client, password):
    return client.post("/admin/login/", {"username": "lea", "password": password})


def test_too_many_failures_block_even_the_right_password(client):
    UserFactory(username="lea", is_staff=True, is_superuser=True)
    for _ in range(3):
        response = login(client, "mauvais")
        assert response.status_code == 200, "wrong password: the form again"
    response = login(client, "mot-de-passe-de-test")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_a_success_clears_the_failures(client):
    UserFactory(username="lea", is_staff=True, is_superuser=True)
    login(client, "mauvais")
    login(client, "mauvais")
    assert login(client, "mot-de-passe-de-test").status_code == 302
    client.logout()
    login(client, "mauvais")
    login(client, "mauvais")
    assert login(client, "mot-de-passe-de-test").status_code == 302


def test_other_addresses_are_not_blocked(client):
    UserFactory(username="lea", is_staff=True, is_superuser=True)
    for _ in range(3):
        login(client, "mauvais")
    response = client.post(
        "/admin/login/",
        {"username": "lea", "password": "mot-de-passe-de-test"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302
