"""The deal page (``/deals/<id>/``): a rep opens their own and unassigned deals (another
rep's answers 404, as in the API); every other role opens any deal."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.pipeline.board.views import PAGE, deals_seen
from accord.pipeline.deal_page.page import deal_page
from accord.pipeline.products.views_lines import line_items_panel
from accord.pipeline.tasks.panel import record_work


@policy.page_required(PAGE)
def deal_detail(request: PageRequest, deal_id: int) -> HttpResponse:
    deal = (
        deals_seen(request.user)
        .select_related(
            "pipeline",
            "owner",
            "account",
            "lead__contact__account",
            "lead__source_channel",
            "lead__source_campaign",
        )
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404
    context = {
        "page": deal_page(request.user, deal),
        "deal": deal,
        # pipe-tasks' activities and tasks panel, pipe-products' line items (with margin).
        "work": record_work(user=request.user, deal_id=deal.pk),
        "panel": line_items_panel(user=request.user, deal=deal),
    }
    return render(request, "pipeline/deal_page/deal.html", context)
