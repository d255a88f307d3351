"""Template helpers shared by the public pages."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (keeps filters when paging)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def url_path(url: str) -> str:
    """The path of an absolute URL: links stay on the host the visitor is using."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
