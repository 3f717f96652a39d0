"""Competitor pages: the list of competitors with how fresh their battlecards are, and one
competitor's battlecard (its posts, the deals lost to it, the win rate against it)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.intel import selectors
from accord.intel.models import TagKind
from accord.intel.rules import STALE_AFTER_DAYS
from accord.pipeline.selectors import deals_visible
from accord.ui.paging import paged

PAGE = "intel"


@policy.page_required(PAGE)
def competitor_list(request: PageRequest) -> HttpResponse:
    now = timezone.now()
    cards = [selectors.battlecard(tag, now=now) for tag in selectors.competitors()]
    return render(
        request, "intel/competitors.html", {"cards": cards, "stale_after": STALE_AFTER_DAYS}
    )


@policy.page_required(PAGE)
def competitor_detail(request: PageRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(selectors.competitors(), pk=tag_id, kind=TagKind.COMPETITOR)
    card = selectors.battlecard(tag)
    # The counts are aggregates (like reports); the rows are the deals this person may open.
    lost = selectors.deals_lost_to(tag).filter(
        pk__in=deals_visible(user=policy.rep_scope(request.user, "deals")).values("pk")
    ).select_related("account", "owner").order_by("-closed_at", "-pk")
    posts = selectors.posts_filtered(user=request.user, competitor=tag.name)
    return render(
        request,
        "intel/competitor.html",
        {
            "card": card,
            "stale": card.days_since_update is None or card.days_since_update > STALE_AFTER_DAYS,
            "lost": paged(request, lost, param="lost", per_page=10),
            "posts": paged(request, posts, param="page", per_page=10),
        },
    )
