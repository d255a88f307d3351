"""Calls in the Wagtail admin: lifecycle actions and their buttons."""

from django.db.models import Q
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.permissions import page_permission_policy

from calls import admin_views
from calls.constants import CallStatus
from calls.models import CallPage

admin_urls = (
    [path("<int:page_id>/<str:action>/", admin_views.call_action, name="action")],
    "calls_admin",
)


@hooks.register("register_admin_urls")
def register_call_admin_urls():
    return [path("appels/", include(admin_urls))]


def _lifecycle_buttons(page, user):
    page = page.specific
    if not isinstance(page, CallPage) or not page.live:
        return
    if not page.permissions_for_user(user).can_publish():
        return
    status = page.current_status
    if status in (CallStatus.OPEN, CallStatus.UPCOMING):
        yield Button(
            _("Clôturer maintenant"),
            reverse("calls_admin:action", args=[page.pk, "close"]),
            icon_name="lock",
            priority=80,
        )
    if status != CallStatus.WITHDRAWN:
        yield Button(
            _("Retirer l'appel"),
            reverse("calls_admin:action", args=[page.pk, "withdraw"]),
            icon_name="cross",
            priority=85,
        )


@hooks.register("register_page_header_buttons")
def call_header_buttons(page, user, view_name=None, next_url=None):
    yield from _lifecycle_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def call_listing_buttons(page, user, next_url=None):
    yield from _lifecycle_buttons(page, user)


@hooks.register("construct_page_chooser_queryset")
def hide_other_organisations_drafts(pages, request):
    """The link chooser lists every page; an unpublished one only to those who may explore it.

    Without this, an organisation's editors would read the titles (and edit links) of
    the other organisations' drafts in the link chooser.
    """
    explorable = page_permission_policy.explorable_instances(request.user)
    return pages.filter(Q(live=True) | Q(pk__in=explorable.values_list("pk", flat=True)))
