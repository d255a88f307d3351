"""Template helpers of the applicant's pages."""

from __future__ import annotations

from django import template

from applications.selectors import call_actions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def call_actions(context, call) -> dict:
    """What the call page's action box offers the visitor (see ``selectors``)."""
    request = context.get("request")
    if request is None:
        return {"authenticated": False}
    return call_actions_for(request.user, call)
