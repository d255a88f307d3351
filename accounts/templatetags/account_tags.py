"""Template helpers of the account pages and the header links."""

from django import template

from accounts import navigation

register = template.Library()


@register.simple_tag
def dashboard_url() -> str:
    return navigation.dashboard_url()


@register.simple_tag
def consent_version() -> str:
    """The version of the consent text shown at sign-up (recorded on the account)."""
    from django.conf import settings

    return settings.ACCOUNT_CONSENT_VERSION


@register.simple_tag
def retention_months() -> int:
    from django.conf import settings

    return settings.APPLICATION_RETENTION_MONTHS
