"""Site-wide pages."""

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """The home page: open calls, those closing soon, and calls by sector."""

    intro = models.TextField(
        _("accroche"),
        blank=True,
        help_text=_("Une ou deux phrases qui disent à quoi sert la plateforme."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["calls.CallIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict[str, Any]:
        from calls.selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(timezone.now()))
        return context
