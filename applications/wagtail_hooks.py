"""Applications in the Wagtail admin: the evaluators' URLs and the "Candidatures" menu."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from applications import admin_views
from applications.admin_templates import DecisionTemplateViewSet, OrganisationTemplatePolicy
from applications.models import DecisionTemplate
from applications.permissions import is_evaluator

# Registered before anything asks Wagtail for the model's policy (which would create
# the default, Django-permission one).
register_permission_policy(DecisionTemplate, OrganisationTemplatePolicy(DecisionTemplate))

admin_urls = (
    [
        path("", admin_views.call_list, name="calls"),
        path("appels/<int:call_id>/", admin_views.call_applications, name="call"),
        path("appels/<int:call_id>/export.csv", admin_views.export_csv, name="export_csv"),
        path("appels/<int:call_id>/export.xlsx", admin_views.export_xlsx, name="export_xlsx"),
        path(
            "appels/<int:call_id>/pieces.zip",
            admin_views.export_attachments,
            name="export_attachments",
        ),
        path("<uuid:public_id>/", admin_views.application_detail, name="detail"),
        path("<uuid:public_id>/evaluation/", admin_views.application_evaluate, name="evaluate"),
        path("<uuid:public_id>/decision/", admin_views.application_decide_view, name="decide"),
        path(
            "<uuid:public_id>/pieces/<uuid:attachment_id>/",
            admin_views.attachment_download,
            name="attachment",
        ),
    ],
    "applications_admin",
)


@hooks.register("register_admin_urls")
def register_applications_admin_urls():
    return [path("candidatures/", include(admin_urls))]


decision_templates = DecisionTemplateViewSet()


@hooks.register("register_admin_viewset")
def register_decision_templates():
    return decision_templates


class EvaluatorMenuItem(MenuItem):
    """Shown to those who evaluate for an organisation; the others would meet only 404s."""

    def is_shown(self, request: HttpRequest) -> bool:
        return is_evaluator(request.user)


@hooks.register("register_admin_menu_item")
def register_applications_menu_item() -> MenuItem:
    submenu = Menu(
        items=[
            EvaluatorMenuItem(
                _("Candidatures reçues"),
                reverse("applications_admin:calls"),
                name="candidatures-recues",
                icon_name="form",
                order=100,
            ),
            EvaluatorMenuItem(
                _("Messages de décision"),
                reverse("decision_templates:index"),
                name="messages-de-decision",
                icon_name="mail",
                order=200,
            ),
        ]
    )
    # A submenu is shown when one of its items is.
    return SubmenuMenuItem(
        _("Candidatures"), submenu, name="candidatures", icon_name="form", order=250
    )
