"""Paging for pages: one ``Paged`` per list, so a page with several lists pages each on its
own parameter and keeps the others (and the filters) in its links.

The template include ``web/includes/pagination.html`` renders it (``with paged=...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 25


@dataclass(frozen=True)
class Paged:
    page: Page
    #: The query parameter holding this list's page number.
    param: str
    #: The request's other parameters, URL-encoded (filters, other lists' pages).
    query: str
    #: More rows matched than were counted (``paged_capped``): the total reads "N+".
    capped: bool = False

    @property
    def rows(self) -> Sequence[Any]:
        return list(self.page.object_list)

    def link(self, number: int) -> str:
        return f"?{self.query}&{self.param}={number}" if self.query else f"?{self.param}={number}"

    @property
    def previous_link(self) -> str | None:
        return self.link(self.page.previous_page_number()) if self.page.has_previous() else None

    @property
    def next_link(self) -> str | None:
        return self.link(self.page.next_page_number()) if self.page.has_next() else None


def paged(
    request: HttpRequest, items: Any, *, param: str = "page", per_page: int = PER_PAGE
) -> Paged:
    """Page ``items`` (an ordered queryset or a list) by ``request.GET[param]``; a page number
    that is not one shows the first or last page rather than an error."""
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return Paged(page=page, param=param, query=query.urlencode())


#: How many matches a search lists and counts exactly; past it the total reads "10,000+" (as
#: HubSpot's and Salesforce's list views do).
SEARCH_CAP = 10_000


def paged_capped(
    request: HttpRequest,
    ids: Any,
    *,
    cap: int | None = None,
    param: str = "page",
    per_page: int = PER_PAGE,
) -> Paged:
    """Page an ordered queryset of ids read once, at most ``cap`` + 1 of them.

    Why: a search's cost is finding its matches, and ``paged`` finds them twice (the count,
    then the page); one read of the ordered ids answers both, and a term that matches half
    the database stops at the cap instead of counting it all."""
    cap = SEARCH_CAP if cap is None else cap
    found = list(ids[: cap + 1])
    listed = paged(request, found[:cap], param=param, per_page=per_page)
    return Paged(page=listed.page, param=listed.param, query=listed.query, capped=len(found) > cap)
