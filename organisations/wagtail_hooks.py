"""Organisations in the Wagtail admin: administrators manage them; creating one provisions it."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from organisations.models import Organisation
from organisations.provisioning import organisation_provision


class OrganisationCreateView(generic.CreateView):
    def save_instance(self):
        instance = super().save_instance()
        organisation_provision(instance)
        return instance


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    add_to_admin_menu = True
    menu_order = 300
    add_view_class = OrganisationCreateView
    list_display = ["name", "kind", "siret", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "siret"]


organisation_viewset = OrganisationViewSet("organisations")


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return organisation_viewset
