"""An admin panel that shows an editor where a call stands: number, version, status, events."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class CallLifecyclePanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "calls/admin/lifecycle_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            call = self.instance
            context.update(
                call=call,
                events=list(call.events.order_by("-version")[:10]) if call.pk else [],
                can_act=bool(
                    call.pk
                    and call.live
                    and call.permissions_for_user(self.request.user).can_publish()
                ),
            )
            return context

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Cycle de vie de l'appel"))
        super().__init__(**kwargs)
