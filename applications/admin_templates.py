"""Decision e-mail templates in the Wagtail admin, each organisation editing its own.

``DecisionTemplate`` rows are managed by a ``ModelViewSet`` whose permission policy
answers from ``evaluated_organisations``: the people who decide for an organisation
write what it tells applicants; they never see another organisation's templates
(404), and superusers see all.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.panels import ObjectList
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic import models as generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import BasePermissionPolicy

from applications.admin_forms import DecisionTemplateForm
from applications.decisions import default_decision_message
from applications.models import DECISIONS, ApplicationStatus, DecisionTemplate
from applications.permissions import evaluated_organisations, is_evaluator


class OrganisationTemplatePolicy(BasePermissionPolicy):
    """Whoever evaluates for an organisation may manage that organisation's templates."""

    def user_has_permission(self, user, action) -> bool:
        return is_evaluator(user)

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        return evaluated_organisations(user).filter(pk=instance.organisation_id).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        return DecisionTemplate.objects.filter(organisation__in=evaluated_organisations(user))

    def users_with_any_permission(self, actions):
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True)
                | Q(groups__evaluated_organisation__isnull=False)
                | Q(groups__reviewed_organisation__isnull=False),
                is_active=True,
            )
            .distinct()
        )


class OwnTemplatesMixin:
    """Another organisation's template does not exist for the user."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        policy = OrganisationTemplatePolicy(DecisionTemplate)
        if not policy.user_has_permission_for_instance(self.request.user, "change", instance):
            raise Http404
        return instance


class TemplateIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .filter(organisation__in=evaluated_organisations(self.request.user))
            .select_related("organisation")
        )

    def get_header_buttons(self):
        return [
            *super().get_header_buttons(),
            HeaderButton(
                _("Messages par défaut"),
                url=reverse("decision_templates:defaults"),
                icon_name="view",
            ),
        ]


class TemplateEditView(OwnTemplatesMixin, generic.EditView):
    pass


class TemplateDeleteView(OwnTemplatesMixin, generic.DeleteView):
    pass


class TemplateHistoryView(OwnTemplatesMixin, history.HistoryView):
    pass


class TemplateUsageView(OwnTemplatesMixin, usage.UsageView):
    pass


class DefaultMessagesView(WagtailAdminTemplateMixin, TemplateView):
    """The platform's default message for each decision, rendered with a sample application."""

    template_name = "applications/admin/decision_defaults.html"
    page_title = gettext_lazy("Messages de décision par défaut")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not is_evaluator(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("decision_templates:index"), "label": _("Messages de décision")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statuses = sorted({s for targets in DECISIONS.values() for s in targets}, key=_order)
        context["default_messages"] = [
            (
                ApplicationStatus(status).label,
                default_decision_message(status, _sample_values(status)),
            )
            for status in statuses
        ]
        return context


def _order(status: str) -> int:
    return list(ApplicationStatus).index(ApplicationStatus(status))


def _sample_values(status: str) -> dict[str, str]:
    """Example values, so that the preview reads as a real message."""
    return {
        "entreprise": _("Raison sociale du candidat"),
        "appel": _("Titre de l'appel"),
        "identifiant_appel": "AMP-2026-0001",
        "reference": "AMP-2026-0001-C001",
        "decision": str(ApplicationStatus(status).label),
        "motif": _("Le motif que vous indiquez avec la décision."),
        "lien": "https://…/espace/",
        "organisation": _("Votre organisation"),
    }


class DecisionTemplateViewSet(ModelViewSet):
    model = DecisionTemplate
    icon = "mail"
    menu_label = gettext_lazy("Messages de décision")
    add_to_admin_menu = False
    url_prefix = "candidatures/messages"
    name = "decision_templates"
    index_view_class = TemplateIndexView
    edit_view_class = TemplateEditView
    delete_view_class = TemplateDeleteView
    history_view_class = TemplateHistoryView
    usage_view_class = TemplateUsageView
    copy_view_enabled = False
    list_display = ["organisation", "status", "subject"]
    edit_handler = ObjectList(DecisionTemplate.panels, base_form_class=DecisionTemplateForm)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("par-defaut/", DefaultMessagesView.as_view(), name="defaults"),
        ]
