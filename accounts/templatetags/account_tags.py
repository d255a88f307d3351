"""Template helpers of the account pages and the header links."""

from django import template

from accounts import navigation

register = template.Library()


@register.simple_tag
def dashboard_url() -> str:
    return navigation.dashboard_url()
