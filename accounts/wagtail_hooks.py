"""CMS hooks of the accounts app: where administrators reset a colleague's second factor."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def staff_second_factors_menu_item():
    return SuperuserMenuItem(
        _("Double authentification"),
        reverse("accounts_admin:staff_second_factors"),
        icon_name="key",
        order=650,
    )


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
