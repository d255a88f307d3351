"""CMS hooks of the accounts app: the second-factor reset button in the user listing."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets.button import Button


@hooks.register("register_user_listing_buttons")
def second_factor_reset_button(user, request_user):
    if not request_user.is_superuser:
        return []
    return [
        Button(
            _("Réinitialiser la double authentification"),
            reverse("accounts_admin:reset_second_factor", args=[user.pk]),
            priority=60,
        )
    ]
