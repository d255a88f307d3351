"""Helpers of the company tests: a company with its owner, inviting, the link of a mail."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import (
    empty_counters,  # noqa: F401 (autouse: rate-limit counters start empty)
    last_mail_to,
    link_in_mail,
)
from tests.factories import CompanyFactory, applicant

PASSWORD = "mot-de-passe-de-test"  # tests.factories.UserFactory's


@pytest.fixture
def company(db):
    return CompanyFactory(legal_name="Capteurs du Vieux-Port")


@pytest.fixture
def owner(company):
    return applicant(company=company, email="lea@example.test", role="owner")


def invite(client, inviter, email: str):
    client.force_login(inviter)
    return client.post("/espace/entreprise/inviter/", {"email": email})


def invitation_link(address: str) -> str:
    """The path of the invitation page in the last mail to ``address``."""
    return link_in_mail(last_mail_to(address), "/espace/entreprise/invitations/")
