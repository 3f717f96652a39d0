"""The deals board (``/deals/``) and its moves: thin views over the filter form, the board's
columns and pipe-core's ``deal_move`` (every move states the version its card was drawn
with, so a move made on a stale card is refused and the board shows the deal as it is)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.core.errors import DomainError, PermissionDenied
from accord.pipeline.board.columns import board_columns
from accord.pipeline.board.filters import FILTER_NAMES, DealFilterForm, deal_filter
from accord.pipeline.board.forms import MoveForm, close_form
from accord.pipeline.board.labels import pipeline_name, stage_name
from accord.pipeline.inputs import DealChanges
from accord.pipeline.models import ChangeSource, Deal, Pipeline, PipelineStage, StageOutcome
from accord.pipeline.selectors import deals_visible
from accord.pipeline.services import deal_move, deal_update

PAGE = "deals"


@dataclass(frozen=True)
class Notice:
    text: str
    level: str  # success | error


@dataclass(frozen=True)
class Closing:
    """The won/lost dialog open on the board for one deal."""

    deal: Deal
    stage_key: str
    stage_name: str
    form: MoveForm

    @property
    def won(self) -> bool:
        return self.stage_key == StageOutcome.WON


@dataclass(frozen=True)
class PipelineLink:
    name: str
    url: str
    current: bool


def deals_seen(user: User):
    """Every deal ``user`` may see (the policy's rule, as the API reads it)."""
    return deals_visible(user=policy.rep_scope(user, "deals"))


def _pipeline_chosen(form: DealFilterForm, valid: bool) -> Pipeline | None:
    chosen = form.cleaned_data.get("pipeline") if valid else None
    if chosen is not None:
        return chosen
    live = Pipeline.objects.filter(is_archived=False)
    return live.filter(is_default=True).first() or live.order_by("order", "pk").first()


def _filters_query(query: QueryDict) -> str:
    """The board's parameters a move keeps (filters and pipeline; not the dialog's)."""
    params = query.copy()
    for name in ("close", "to", "page", "sort"):
        params.pop(name, None)
    return params.urlencode()


def board_context(
    user: User,
    query: QueryDict,
    *,
    notices: list[Notice] | None = None,
    closing: Closing | None = None,
    moved: int | None = None,
) -> dict[str, Any]:
    form = DealFilterForm(query)
    valid = form.is_valid()
    pipeline = _pipeline_chosen(form, valid)
    columns = []
    if pipeline is not None and valid:
        deals = deal_filter(deals_seen(user).filter(pipeline=pipeline), form.cleaned_data)
        columns = board_columns(pipeline, deals, user)
    others = query.copy()
    others.pop("pipeline", None)
    for name in ("close", "to"):
        others.pop(name, None)
    base = reverse("deals:board")
    switcher = [
        PipelineLink(
            pipeline_name(p.name),
            f"{base}?{urlencode({'pipeline': p.key})}"
            + (f"&{others.urlencode()}" if others else ""),
            pipeline is not None and p.pk == pipeline.pk,
        )
        for p in Pipeline.objects.filter(is_archived=False).order_by("order", "pk")
    ]
    kept = QueryDict(_filters_query(query), mutable=True)
    if pipeline is not None:
        kept["pipeline"] = pipeline.key
    filters_query = kept.urlencode()
    list_base = reverse("workspace:deals")
    for column in columns:
        column.more_url = f"{list_base}?{filters_query}&stage={column.key}".replace("?&", "?")
    return {
        "form": form,
        "pipeline": pipeline,
        "pipeline_label": pipeline_name(pipeline.name) if pipeline else "",
        "switcher": switcher,
        "columns": columns,
        "open_columns": [c for c in columns if c.outcome == StageOutcome.OPEN],
        "closed_columns": [c for c in columns if c.outcome != StageOutcome.OPEN],
        "stage_options": [(c.key, c.name) for c in columns],
        "query": filters_query,
        "filtered": any(query.get(name) for name in FILTER_NAMES),
        "more_filters": bool(form.errors)
        or any(query.get(n) for n in ("channel", "campaign", "amount_min", "amount_max")),
        "notices": notices or [],
        "closing": closing,
        "moved": moved,
    }


def _closing_from_query(user: User, query: QueryDict) -> Closing | None:
    """``?close=<deal>&to=won|lost``: the dialog drawn by a page load (no htmx)."""
    deal_id, to = query.get("close", ""), query.get("to", "")
    if not deal_id.isdigit() or to not in (StageOutcome.WON, StageOutcome.LOST):
        return None
    deal = deals_seen(user).filter(pk=int(deal_id)).select_related("pipeline").first()
    if deal is None or not policy.deal_change_allowed(user, deal):
        return None
    stage = deal.pipeline.stages.filter(key=to).first()
    if stage is None:
        return None
    form = close_form(deal, to, _filters_query(query))
    return Closing(deal, stage.key, stage_name(stage.key, stage.name), form)


@policy.page_required(PAGE)
def board(request: PageRequest) -> HttpResponse:
    context = board_context(
        request.user, request.GET, closing=_closing_from_query(request.user, request.GET)
    )
    return render(request, "pipeline/board/board.html", context)


def _move(user: User, deal: Deal, form: MoveForm) -> tuple[list[Notice], Closing | None, bool]:
    """Try the move the form asks for: (notices, the dialog to show, moved?)."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        text = f"{label}: {errors[0]}" if label else str(errors[0])
        if field == "version":
            text = _("This card is out of date; the board shows the deal as it is now.")
        return [Notice(text, "error")], None, False
    data = form.cleaned_data
    stage: PipelineStage | None = deal.pipeline.stages.filter(key=form.target).first()
    if stage is None:
        return [Notice(_("Choose a stage of this deal's pipeline."), "error")], None, False
    name = stage_name(stage.key, stage.name)
    closes = stage.outcome != StageOutcome.OPEN
    if closes and not data.get("confirm"):
        dialog = close_form(deal, stage.key, data.get("query") or "")
        return [], Closing(deal, stage.key, name, dialog), False
    try:
        _move_write(user, deal, stage, data)
    except DomainError as error:
        if error.code == "conflict":
            current = Deal.objects.filter(pk=deal.pk).select_related("pipeline").first()
            now_in = ""
            if current is not None:
                at = current.pipeline.stages.filter(key=current.stage).first()
                now_in = stage_name(at.key, at.name) if at else current.stage
            text = _(
                "Someone else changed “%(deal)s” first: it is now in %(stage)s. "
                "Nothing was moved; the board shows it as it is now."
            ) % {"deal": deal.name, "stage": now_in}
            return [Notice(text, "error")], None, False
        asked = Closing(deal, stage.key, name, form) if closes else None
        return [Notice(_field_message(error), "error")], asked, False
    text = _("“%(deal)s” moved to %(stage)s.") % {"deal": deal.name, "stage": name}
    return [Notice(text, "success")], None, True


def _field_message(error: DomainError) -> str:
    """The service's refusal in the reader's language where the board knows the field."""
    known = {
        "lost_reason": _("Choose why the deal was lost."),
        "close_date": _("A won deal needs a close date."),
        "amount": _("A won deal needs an amount above zero."),
    }
    return known.get(error.field or "", error.message)


def _move_write(user: User, deal: Deal, stage: PipelineStage, data: dict[str, Any]) -> None:
    """One write through the deal service, stating the version the card was drawn with. A
    win at another amount than the deal's changes both in one write (``deal_update`` moves
    as ``deal_move`` does and records the amount change too)."""
    won, lost = stage.outcome == StageOutcome.WON, stage.outcome == StageOutcome.LOST
    amount = data.get("amount") if won else None
    if amount is not None and amount != deal.amount:
        deal_update(
            deal_id=deal.pk,
            changes=DealChanges(amount=amount, stage=stage.key, close_date=data.get("close_date")),
            by=user,
            source=ChangeSource.BOARD,
            expected_version=data["version"],
        )
        return
    deal_move(
        deal_id=deal.pk,
        to_stage=stage.key,
        expected_version=data["version"],
        by=user,
        close_date=data.get("close_date") if won or lost else None,
        lost_reason=(data.get("lost_reason") or None) if lost else None,
        competitor=(data.get("competitor") or None) if lost else None,
        source=ChangeSource.BOARD,
    )


@require_POST
@policy.page_required(PAGE)
def move(request: PageRequest, deal_id: int) -> HttpResponse:
    deal = deals_seen(request.user).filter(pk=deal_id).select_related("pipeline").first()
    if deal is None:
        raise Http404
    if not policy.deal_change_allowed(request.user, deal):
        raise PermissionDenied(_("You may not move this deal."))
    form = MoveForm(request.POST)
    notices, closing, _moved = _move(request.user, deal, form)
    query = QueryDict(request.POST.get("query", ""))
    if request.htmx:
        context = board_context(
            request.user, query, notices=notices, closing=closing, moved=deal.pk
        )
        return render(request, "pipeline/board/_board.html", context)
    for notice in notices:
        (messages.success if notice.level == "success" else messages.error)(request, notice.text)
    target = reverse("deals:board")
    params = query.copy()
    if closing is not None:
        params["close"], params["to"] = str(deal.pk), closing.stage_key
    return redirect(f"{target}?{params.urlencode()}" if params else target)
