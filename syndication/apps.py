from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_partners(**kwargs) -> None:
    from syndication.partners import sync_partners

    sync_partners()


class SyndicationConfig(AppConfig):
    name = "syndication"
    verbose_name = _("Relais vers les partenaires")

    def ready(self) -> None:
        post_migrate.connect(_sync_partners, sender=self)
