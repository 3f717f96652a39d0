"""The deals list (``/deals/list/``): the board's filters plus stage, server-side paging,
whitelisted sorting, saved views (the workspace's, page ``deals``) and a CSV/XLSX export of
every deal the filters find that the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.money import money_format
from accord.integrations.exporting import FORMATS, export_response
from accord.pipeline.board.filters import FILTER_NAMES, DealFilterForm, deal_filter, person_name
from accord.pipeline.board.labels import pipeline_name, stage_name
from accord.pipeline.board.views import deals_seen
from accord.pipeline.models import Deal, PipelineStage
from accord.privacy.audit import audit_record
from accord.ui.paging import paged
from accord.workspace import pages
from accord.workspace.models import ListPage
from accord.workspace.sorting import DEAL_SORTS, ordering

PER_PAGE = 50
DEAL_COLUMNS: list[tuple[str | Promise, str]] = [
    (_("Name"), "name"),
    (_("Account"), "account"),
    (_("Pipeline"), ""),
    (_("Stage"), "stage"),
    (_("Amount"), "amount"),
    (_("Weighted"), ""),
    (_("Owner"), "owner"),
    (_("Close date"), "close"),
    (_("Created"), "created"),
]


def _stage_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for key, name in PipelineStage.objects.order_by("pipeline__order", "order").values_list(
        "key", "name"
    ):
        seen.setdefault(key, stage_name(key, name))
    return [("", str(_("Any stage"))), *seen.items()]


def _pipeline_label(pipeline: Any) -> str:
    return pipeline_name(pipeline.name)


class DealListForm(DealFilterForm):
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pipeline = self.fields["pipeline"]
        assert isinstance(pipeline, forms.ModelChoiceField)
        pipeline.empty_label = _("Any pipeline")
        pipeline.label_from_instance = _pipeline_label  # type: ignore[method-assign,assignment]
        self.fields["stage"].choices = _stage_choices()  # type: ignore[attr-defined]
        self.fields["sort"].choices = (  # type: ignore[attr-defined]
            [("", "")] + [(k, k) for k in DEAL_SORTS] + [(f"-{k}", f"-{k}") for k in DEAL_SORTS]
        )


def deal_rows(user: Any, data: dict[str, Any]) -> QuerySet[Deal]:
    deals = deal_filter(deals_seen(user), data)
    if data.get("pipeline"):
        deals = deals.filter(pipeline=data["pipeline"])
    if data.get("stage"):
        deals = deals.filter(stage=data["stage"])
    return deals.order_by(*ordering(data.get("sort") or "", DEAL_SORTS))


@dataclass(frozen=True)
class DealRow:
    id: int
    name: str
    url: str
    account: str
    account_url: str
    pipeline: str
    stage: str
    amount: str
    weighted: str
    owner: str
    close: Any
    created: Any


def _probabilities() -> dict[tuple[int, str], tuple[Decimal, str]]:
    return {
        (s.pipeline_id, s.key): (s.probability, stage_name(s.key, s.name))
        for s in PipelineStage.objects.all()
    }


def _row(deal: Deal, stages: dict[tuple[int, str], tuple[Decimal, str]]) -> DealRow:

    locale = to_locale(get_language() or "en")
    probability, name = stages.get((deal.pipeline_id or 0, deal.stage), (Decimal(0), deal.stage))
    weighted = (deal.amount * probability).quantize(Decimal("0.01"))
    return DealRow(
        id=deal.pk,
        name=deal.name,
        url=reverse("deals:deal_detail", args=[deal.pk]),
        account=deal.account.name if deal.account else "",
        account_url=reverse("workspace:account_detail", args=[deal.account_id])
        if deal.account_id
        else "",
        pipeline=pipeline_name(deal.pipeline.name),
        stage=name,
        amount=money_format(deal.amount, deal.currency, locale),
        weighted=money_format(weighted, deal.currency, locale),
        owner=person_name(deal.owner),
        close=deal.expected_close,
        created=deal.created_at,
    )


@policy.page_required("deals")
def deal_list(request: PageRequest) -> HttpResponse:
    form = DealListForm(request.GET)
    valid = form.is_valid()
    sort = form.cleaned_data.get("sort", "") if valid else ""
    listed = None
    rows: list[DealRow] = []
    if valid:
        deals = deal_rows(request.user, form.cleaned_data).select_related(
            "pipeline", "owner", "account"
        )
        listed = paged(request, deals, per_page=PER_PAGE)
        stages = _probabilities()
        rows = [_row(deal, stages) for deal in listed.rows]
    query = pages.list_query(request.GET)
    context = {
        "form": form,
        "listed": listed,
        "rows": rows,
        "columns": pages.columns(request.GET, sort, DEAL_COLUMNS),
        "filtered": any(request.GET.get(n) for n in (*FILTER_NAMES, "stage", "pipeline")),
        "more_filters": bool(form.errors)
        or any(request.GET.get(n) for n in ("channel", "campaign", "amount_min", "amount_max")),
        "saved": pages.saved_views(request.user, ListPage.DEALS),
        "query": query,
        "page_name": ListPage.DEALS,
        "formats": FORMATS,
    }
    return render(request, "workspace/deal_list.html", context)


EXPORT_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("pipeline", "pipeline"),
    ("stage", "stage"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("weighted_amount", "weighted_amount"),
    ("owner", "owner"),
    ("account", "account"),
    ("expected_close", "expected_close"),
    ("closed_at", "closed_at"),
    ("lost_reason", "lost_reason"),
    ("lead_id", "lead_id"),
    ("source_channel", "source_channel"),
    ("source_campaign", "source_campaign"),
    ("created_at", "created_at"),
]


def export_rows(deals: QuerySet[Deal]) -> Any:
    probability = {(s.pipeline_id, s.key): s.probability for s in PipelineStage.objects.all()}
    rows = deals.select_related(
        "pipeline", "owner", "account", "lead__source_channel", "lead__source_campaign"
    )
    for deal in rows.iterator(chunk_size=2000):
        lead = deal.lead
        weight = probability.get((deal.pipeline_id or 0, deal.stage), Decimal(0))
        yield {
            "id": deal.pk,
            "name": deal.name,
            "pipeline": deal.pipeline.key,
            "stage": deal.stage,
            "amount": deal.amount,
            "currency": deal.currency,
            "weighted_amount": (deal.amount * weight).quantize(Decimal("0.01")),
            "owner": deal.owner.username if deal.owner else "",
            "account": deal.account.name if deal.account else "",
            "expected_close": deal.expected_close,
            "closed_at": deal.closed_at,
            "lost_reason": deal.lost_reason,
            "lead_id": deal.lead_id,
            "source_channel": lead.source_channel.slug if lead and lead.source_channel else "",
            "source_campaign": lead.source_campaign.utm_campaign
            if lead and lead.source_campaign
            else "",
            "created_at": deal.created_at,
        }


@policy.page_required("deals")
def deal_export(request: PageRequest) -> HttpResponse:
    form = DealListForm(request.GET)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS or not form.is_valid():
        return HttpResponse(
            _("Fix the filters (or the format: csv or xlsx) before exporting."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    deals = deal_rows(request.user, form.cleaned_data)
    audit_record(
        action="export.written",
        actor=request.user,
        target="deals",
        details={"format": fmt, "query": pages.list_query(request.GET)},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return export_response(export_rows(deals), EXPORT_COLUMNS, fmt, f"deals-{stamp}")
