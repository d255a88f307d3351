"""The data migration to allauth: same passwords, verified addresses, the same TOTP app."""

from __future__ import annotations

import pyotp
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.mfa import decrypt_secret

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0003_drop_fields_moved_to_allauth")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_users_keep_their_login_address_and_factor():
    old = migrate(BEFORE)
    User, Account = old.get_model("auth", "User"), old.get_model("accounts", "Account")
    now = timezone.now()
    secret = pyotp.random_base32()
    with_factor = User.objects.create(username="lea@example.test", email="lea@example.test")
    Account.objects.create(
        user=with_factor,
        consent_at=now,
        consent_version="v1",
        email_verified_at=now,
        totp_secret=secret,
        totp_enabled_at=now,
    )
    pending = User.objects.create(username="paul@example.test", email="paul@example.test")
    Account.objects.create(user=pending, consent_at=now, consent_version="v1")
    staff = User.objects.create(username="redactrice", email="Redactrice@example.test")
    password_hash = with_factor.password = "md5$salt$abc"
    with_factor.save()
    try:
        new = migrate(AFTER)
    finally:
        migrate(AFTER)  # leave the schema as the other tests expect it
    EmailAddress = new.get_model("account", "EmailAddress")
    Authenticator = new.get_model("mfa", "Authenticator")
    verified = dict(EmailAddress.objects.values_list("user_id", "verified"))
    assert verified == {with_factor.pk: True, pending.pk: False, staff.pk: True}
    assert EmailAddress.objects.get(user_id=staff.pk).email == "redactrice@example.test"
    totp = Authenticator.objects.get(user_id=with_factor.pk)
    assert totp.type == "totp"
    assert secret not in str(totp.data)
    assert decrypt_secret(totp.data["secret"]) == secret
    assert new.get_model("auth", "User").objects.get(pk=with_factor.pk).password == password_hash
