from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QandaConfig(AppConfig):
    name = "qanda"
    verbose_name = _("Questions-réponses")

    def ready(self) -> None:
        # The applications' purge runs ours with it, without importing this app.
        from applications.purge import register_purge_contributor
        from qanda.purge import QUESTIONS_PURGE

        register_purge_contributor(QUESTIONS_PURGE)
