from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Entreprises candidates")

    def ready(self) -> None:
        from companies import signals  # noqa: F401  (invitations and owners follow deletions)
