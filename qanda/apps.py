from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QandaConfig(AppConfig):
    name = "qanda"
    verbose_name = _("Questions-réponses")
