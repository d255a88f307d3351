"""Relaying in the Wagtail admin: its URLs under ``/admin/relais/`` and its menu item."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from syndication import admin_views

admin_urls = (
    [
        path("", admin_views.dashboard, name="dashboard"),
        path(
            "plateformes/<int:partner_id>/activation/",
            admin_views.partner_toggle,
            name="partner_toggle",
        ),
        path(
            "plateformes/<int:partner_id>/reprendre/",
            admin_views.partner_resume_view,
            name="partner_resume",
        ),
        path(
            "envois/<int:delivery_id>/relancer/",
            admin_views.delivery_retry,
            name="retry",
        ),
    ],
    "syndication_admin",
)


@hooks.register("register_admin_urls")
def register_syndication_admin_urls():
    return [path("relais/", include(admin_urls))]


class SuperuserMenuItem(MenuItem):
    """The dashboard is for administrators: others would only meet "permission denied"."""

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@hooks.register("register_admin_menu_item")
def register_syndication_menu_item() -> MenuItem:
    return SuperuserMenuItem(
        _("Relais partenaires"),
        reverse("syndication_admin:dashboard"),
        name="relais-partenaires",
        icon_name="resubmit",
        order=900,
    )
