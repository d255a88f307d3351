"""Page numbers from the query string, read so that no value a visitor types answers 500.

Every listing of the site pages through here, so that they all treat a bad ``page``
the same way: an empty or malformed value (``abc``, ``1e9``) shows the first page, a
number out of range (``0``, ``-3``, ``99999999999999999999``) the last one, as
Django's ``Paginator.get_page`` does. Listings backed by the search engine need the
number before they know how many pages there are; passing a huge number on to the
engine made a SQL OFFSET past the bigint range, hence :func:`paginate_search`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

#: No listing has this many pages; a number past it is treated as "past the end".
MAX_PAGE = 10_000


class Counted(Protocol):
    count: int


def page_number(raw: str | None) -> int | None:
    """The page asked for: 1 when empty or malformed, None when out of range (the last)."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):  # ValueError too for numbers of over 4 300 digits
        return 1
    return number if 1 <= number <= MAX_PAGE else None


def paginate(object_list: Sequence | QuerySet, raw: str | None, per_page: int) -> Page:
    """The page of ``object_list`` (a queryset or a list) that ``raw`` asks for."""
    paginator = Paginator(object_list, per_page)
    number = page_number(raw)
    return paginator.get_page(number if number is not None else paginator.num_pages)


def paginate_search[ResultsT: Counted](
    search: Callable[[int], ResultsT], raw: str | None, per_page: int
) -> tuple[Page, ResultsT]:
    """Run ``search(page)`` for the page ``raw`` asks for, or for the last page past the end.

    The page's ``object_list`` holds positions only: the caller shows the results' hits.
    """
    wanted = page_number(raw)
    results = search(wanted or 1)
    paginator = Paginator(range(results.count), per_page)
    page = paginator.get_page(wanted or paginator.num_pages)
    if page.number != (wanted or 1):  # past the last page: search the last one
        results = search(page.number)
    return page, results
