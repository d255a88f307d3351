"""Invitations: a link token and an expiry; accepted invitations are no longer kept.

Accepted rows only kept the invitee's address (GDPR): they are deleted. Pending rows
get a fresh token and expire ``INVITATION_MAX_AGE_DAYS`` after they were sent.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models

import companies.models


def tokens_and_expiries(apps, schema_editor):
    invitation_model = apps.get_model("companies", "Invitation")
    invitation_model.objects.filter(accepted_at__isnull=False).delete()
    age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    for invitation in invitation_model.objects.all():
        invitation.token = companies.models.invitation_token()
        invitation.expires_at = invitation.created_at + age
        invitation.save(update_fields=["token", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expire le"),
        ),
        migrations.RunPython(tokens_and_expiries, migrations.RunPython.noop),
        migrations.RemoveField(model_name="invitation", name="accepted_at"),
        migrations.AlterField(
            model_name="invitation",
            name="token",
            field=models.CharField(
                default=companies.models.invitation_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="expires_at",
            field=models.DateTimeField(db_index=True, verbose_name="expire le"),
        ),
    ]
