"""The deal page's view model: summary, people, the stage and amount history (time in each
stage), activities, and where the deal came from — the originating lead's source channel and
campaign, its score and grade when it was handed to sales and the agreement version it
qualified under (as the scoring service recorded them on the lead's move to MQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Contact, Lead, StageTransition
from accord.contacts.selectors import leads_visible
from accord.core.lifecycle import Stage
from accord.core.money import money_format
from accord.pipeline.board.filters import person_name
from accord.pipeline.board.labels import lost_reason_label, pipeline_name, stage_name
from accord.pipeline.models import (
    Activity,
    Deal,
    DealAmountChange,
    DealLostReason,
    DealStageChange,
    ForecastCategory,
    PipelineStage,
    StageOutcome,
)

ROWS = 50


def _money(amount: Decimal, currency: str) -> str:
    return money_format(amount, currency, to_locale(get_language() or "en"))


def duration_text(span: timedelta) -> str:
    """``3 days 4 h`` / ``5 h 10 min`` / ``12 min``: time in a stage, for people."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        return f"{text} {hours} {_('h')}" if hours else text
    if hours:
        return f"{hours} {_('h')} {minutes} {_('min')}"
    return f"{minutes} {_('min')}"


@dataclass(frozen=True)
class StageStep:
    stage: str
    at: datetime
    by: str
    time_in_stage: str
    current: bool


@dataclass(frozen=True)
class AmountStep:
    at: datetime
    old: str
    new: str
    by: str


@dataclass(frozen=True)
class ActivityRow:
    at: datetime
    kind: str
    outcome: str
    by: str
    notes: str


@dataclass(frozen=True)
class Person:
    name: str
    url: str
    email: str
    job_title: str


@dataclass
class Origin:
    """The lead the deal was opened from, and how it stood when handed to sales."""

    name: str
    url: str  # blank when the reader may not open the lead
    stage: str
    channel: str
    campaign: str
    score: Any = None
    grade: str = ""
    agreement_version: int | None = None
    qualified_at: datetime | None = None


@dataclass
class DealPage:
    deal: Deal
    facts: list[tuple[str | Promise, str]] = field(default_factory=list)
    contact: Person | None = None
    account_name: str = ""
    account_url: str = ""
    account_people: list[Person] = field(default_factory=list)
    stages: list[StageStep] = field(default_factory=list)
    amounts: list[AmountStep] = field(default_factory=list)
    activities: list[ActivityRow] = field(default_factory=list)
    origin: Origin | None = None
    stage_name: str = ""
    can_change: bool = False
    board_url: str = ""


def _stage_names(deal: Deal) -> dict[str, PipelineStage]:
    return {s.key: s for s in PipelineStage.objects.filter(pipeline=deal.pipeline)}


def _name_of(stages: dict[str, PipelineStage], key: str) -> str:
    stage = stages.get(key)
    return stage_name(key, stage.name) if stage else key


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _facts(deal: Deal, stages: dict[str, PipelineStage]) -> list[tuple[str | Promise, str]]:
    stage = stages.get(deal.stage)
    probability = stage.probability if stage else Decimal(0)
    category = deal.forecast_category or (stage.forecast_category if stage else "")
    category_text = str(ForecastCategory(category).label) if category else "—"
    if not deal.forecast_category and category:
        category_text = _("%(category)s (from the stage)") % {"category": category_text}
    facts: list[tuple[str | Promise, str]] = [
        (_("Pipeline"), pipeline_name(deal.pipeline.name)),
        (_("Stage"), _name_of(stages, deal.stage)),
        (_("Amount"), _money(deal.amount, deal.currency)),
        (
            _("Weighted"),
            _money((deal.amount * probability).quantize(Decimal("0.01")), deal.currency),
        ),
        (_("Owner"), person_name(deal.owner) or str(_("Unassigned"))),
        (_("Close date"), _when(deal.expected_close)),
        (_("Forecast category"), category_text),
        (_("In stage since"), _when(deal.stage_entered_at)),
    ]
    if deal.stage == StageOutcome.LOST and deal.lost_reason:
        reason = DealLostReason.objects.filter(key=deal.lost_reason).first()
        label = lost_reason_label(reason.key, reason.label) if reason else deal.lost_reason
        facts.append((_("Lost because"), str(label)))
        if deal.competitor:
            facts.append((_("Competitor"), deal.competitor))
    if deal.closed_at:
        facts.append((_("Closed"), _when(deal.closed_at)))
    return facts


def _stage_steps(deal: Deal, stages: dict[str, PipelineStage]) -> list[StageStep]:
    changes = list(
        DealStageChange.objects.filter(deal=deal).select_related("by").order_by("at", "pk")
    )
    now = timezone.now()
    steps = []
    for index, change in enumerate(changes):
        last = index + 1 == len(changes)
        until = now if last else changes[index + 1].at
        closed = change.to_stage in (StageOutcome.WON, StageOutcome.LOST)
        steps.append(
            StageStep(
                stage=_name_of(stages, change.to_stage),
                at=change.at,
                by=person_name(change.by),
                time_in_stage="" if last and closed else duration_text(until - change.at),
                current=last,
            )
        )
    return list(reversed(steps))[:ROWS]


def _amount_steps(deal: Deal) -> list[AmountStep]:
    return [
        AmountStep(
            at=c.at,
            old=_money(c.old_amount, deal.currency),
            new=_money(c.new_amount, deal.currency),
            by=person_name(c.by),
        )
        for c in DealAmountChange.objects.filter(deal=deal)
        .select_related("by")
        .order_by("-at", "-pk")[:ROWS]
    ]


def _activities(deal: Deal) -> list[ActivityRow]:
    return [
        ActivityRow(
            at=a.at,
            kind=str(a.get_kind_display()),
            outcome=str(a.get_outcome_display()) if a.outcome else "",
            by=person_name(a.user),
            notes=a.notes,
        )
        for a in Activity.objects.filter(deal=deal).select_related("user").order_by("-at")[:ROWS]
    ]


def _person(contact: Contact) -> Person:
    return Person(
        name=str(contact),
        url=reverse("workspace:contact_detail", args=[contact.pk]),
        email=contact.email or "",
        job_title=contact.job_title,
    )


def lead_origin(user: User, deal: Deal) -> Origin | None:
    lead: Lead | None = deal.lead
    if lead is None:
        return None
    visible = leads_visible(user=policy.rep_scope(user)).filter(pk=lead.pk).exists()
    origin = Origin(
        name=str(lead.contact),
        url=reverse("leads:lead_detail", args=[lead.pk]) if visible else "",
        stage=str(Stage(lead.stage).label) if lead.stage in Stage.values else lead.stage,
        channel=lead.source_channel.name if lead.source_channel else "",
        campaign=lead.source_campaign.name if lead.source_campaign else "",
    )
    # The hand-off: the lead's move to MQL (the latest one before the deal was opened).
    mql = StageTransition.objects.filter(lead_id=lead.pk, to_stage=Stage.MQL)
    handed = (
        mql.filter(at__lte=deal.created_at).order_by("-at", "-id").first()
        or mql.order_by("-at", "-id").first()
    )
    if handed is not None:
        details = handed.details if isinstance(handed.details, dict) else {}
        origin.qualified_at = handed.at
        origin.score = details.get("score")
        origin.grade = str(details.get("grade") or "")
        version = details.get("agreement_version")
        origin.agreement_version = version if isinstance(version, int) else None
    # The grade the deal kept (the promotion report's mix reads the same one).
    origin.grade = deal.handoff_grade or origin.grade
    return origin


def deal_page(user: User, deal: Deal) -> DealPage:
    stages = _stage_names(deal)
    page = DealPage(
        deal=deal,
        facts=_facts(deal, stages),
        stages=_stage_steps(deal, stages),
        amounts=_amount_steps(deal),
        activities=_activities(deal),
        origin=lead_origin(user, deal),
        stage_name=_name_of(stages, deal.stage),
        can_change=policy.deal_change_allowed(user, deal),
        board_url=f"{reverse('deals:board')}?pipeline={deal.pipeline.key}",
    )
    contact = deal.lead.contact if deal.lead else None
    if contact is not None:
        page.contact = _person(contact)
    account = deal.account or (contact.account if contact else None)
    if account is not None:
        page.account_name = account.name
        page.account_url = reverse("workspace:account_detail", args=[account.pk])
        others = Contact.objects.filter(account=account).order_by("last_name", "pk")
        if contact is not None:
            others = others.exclude(pk=contact.pk)
        page.account_people = [_person(c) for c in others[:10]]
    return page
