"""The call edit page's panel that tells editors where their call stands on each partner."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from syndication.selectors import call_partner_statuses


class SyndicationPanel(Panel):
    """Read-only: state per partner, the error in plain words, and "retry now" for publishers."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "syndication/admin/call_panel.html"

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict:
            context = super().get_context_data(parent_context)
            call = self.instance
            can_publish = bool(
                call.pk and call.permissions_for_user(self.request.user).can_publish()
            )
            edit_url = reverse("wagtailadmin_pages:edit", args=[call.pk]) if call.pk else ""
            context.update(
                call=call,
                statuses=call_partner_statuses(call),
                can_retry=can_publish,
                next_url=edit_url,
            )
            return context

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("heading", _("Relais vers les plateformes partenaires"))
        super().__init__(**kwargs)
