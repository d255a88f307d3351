from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Appels")

    def ready(self) -> None:
        from calls import signals  # noqa: F401  (connects the Wagtail signal handlers)
