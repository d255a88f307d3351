"""Carry verified addresses and second factors over to allauth, so nobody notices.

- an applicant whose address was verified gets a verified, primary ``EmailAddress``;
  one not verified yet gets an unverified one (allauth sends a new link at login);
- staff (no ``Account``) get a verified, primary ``EmailAddress``: administrators
  entered it, and allauth's mandatory verification would otherwise stop their login;
- an enabled TOTP secret becomes an allauth TOTP ``Authenticator``, encrypted like the
  ones allauth creates (accounts.mfa), so the same authenticator app keeps working.
Passwords stay in auth_user, untouched.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.mfa import encrypt_secret

    User = apps.get_model("auth", "User")
    Account = apps.get_model("accounts", "Account")
    EmailAddress = apps.get_model("account", "EmailAddress")
    Authenticator = apps.get_model("mfa", "Authenticator")
    accounts = {a.user_id: a for a in Account.objects.all()}
    for user in User.objects.exclude(email="").iterator():
        account = accounts.get(user.pk)
        verified = account is None or account.email_verified_at is not None
        if not EmailAddress.objects.filter(email__iexact=user.email).exists():
            EmailAddress.objects.create(
                user_id=user.pk, email=user.email.lower(), verified=verified, primary=True
            )
    for account in accounts.values():
        if account.totp_enabled_at and account.totp_secret:
            Authenticator.objects.get_or_create(
                user_id=account.user_id,
                type="totp",
                defaults={"data": {"secret": encrypt_secret(account.totp_secret)}},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
