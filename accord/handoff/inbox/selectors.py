"""Reads behind the sales inbox, the manager's view, the marketing view and the lead
timeline. Each returns plain rows computed here, so templates only render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, User
from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage, stage_label
from accord.handoff.agreement.terms import version_active
from accord.handoff.lead.basis import touch_words
from accord.handoff.models import (
    AgreementVersion,
    Assignment,
    QualityRating,
    RoutingWarning,
    SlaClock,
    SlaEvent,
)
from accord.handoff.routing.assignment import QUOTA_WINDOW, REP_ROLES
from accord.handoff.routing.rules import DAYS_PER_MONTH
from accord.handoff.sla.shown import SlaShown, sla_shown
from accord.pipeline.models import Activity
from accord.tracking.models import Touchpoint

INBOX_STAGES = (Stage.MQL, Stage.SAL, Stage.SQL)
LAST_TOUCHES = 3


@dataclass
class InboxRow:
    lead: Lead
    touches: list[Touchpoint]
    due_at: datetime | None
    clock_kind: str
    is_breached: bool
    can_accept: bool
    can_reject: bool
    #: Hot: score at or above the agreement's ``hot_min_score``, or qualified by a
    #: fast-track action (a demo request…): the agreement's shorter first-attempt clock.
    is_hot: bool = False
    sla: SlaShown | None = None


@dataclass(frozen=True)
class InboxFilters:
    hot_only: bool = False
    sla_state: str = ""  # "" | ok | warning | breached | none
    channel_id: int | None = None


def _running_clocks() -> Prefetch:
    return Prefetch(
        "sla_clocks",
        queryset=SlaClock.objects.filter(stopped_at__isnull=True)
        .select_related("calendar")
        .order_by("due_at"),
        to_attr="running_clocks",
    )


def _last_touches() -> Prefetch:
    return Prefetch(
        "touchpoints",
        queryset=Touchpoint.objects.select_related("channel").order_by("-at", "-id")[:LAST_TOUCHES],
        to_attr="last_touches",
    )


def hot_min_score() -> int | None:
    """The score from which the agreement in force calls a lead hot (None: no agreement)."""
    version = version_active()
    if version is None:
        return None
    value = ((version.content or {}).get("mql_definition") or {}).get("hot_min_score")
    return int(value) if isinstance(value, int) else None


def _hot_condition(hot_from: int | None) -> Q:
    """Hot: the score reaches the agreement's ``hot_min_score`` (what gives the lead the
    agreement's shorter first-attempt clock), or a fast-track action (a demo request, a
    trial sign-up…) made it an MQL (the criterion recorded on its move to MQL)."""
    fast = Q(
        Exists(
            StageTransition.objects.filter(
                lead_id=OuterRef("pk"), to_stage=Stage.MQL, details__criterion="fast_track"
            )
        )
    )
    return fast | Q(score__gte=hot_from) if hot_from is not None else fast


def lead_is_hot(lead_id: int) -> bool:
    return Lead.objects.filter(pk=lead_id).filter(_hot_condition(hot_min_score())).exists()


def inbox_row(lead: Lead, now: datetime | None = None) -> InboxRow:
    now = now or timezone.now()
    clocks = getattr(lead, "running_clocks", None)
    if clocks is None:
        clocks = list(
            lead.sla_clocks.filter(stopped_at__isnull=True)
            .select_related("calendar")
            .order_by("due_at")
        )
    touches = getattr(lead, "last_touches", None)
    if touches is None:
        touches = list(lead.touchpoints.order_by("-at", "-id")[:LAST_TOUCHES])
    first = clocks[0] if clocks else None
    is_hot = getattr(lead, "is_hot", None)
    if is_hot is None:
        is_hot = lead_is_hot(lead.pk)
    return InboxRow(
        lead=lead,
        touches=touches,
        due_at=first.due_at if first else None,
        clock_kind=first.get_kind_display() if first else "",
        is_breached=bool(first and first.due_at < now),
        can_accept=lead.stage == Stage.MQL,
        can_reject=lead.stage in (Stage.MQL, Stage.SAL),
        is_hot=bool(is_hot),
        sla=sla_shown(first, now=now) if first else None,
    )


def inbox_queryset(*, user: User, filters: InboxFilters | None = None, now: datetime | None = None):
    """The rep's open leads being worked, hot first, then the nearest SLA deadline, then the
    highest score: an ordered queryset, so the inbox pages it."""
    filters = filters or InboxFilters()
    now = now or timezone.now()
    running = Q(sla_clocks__stopped_at__isnull=True)
    leads = (
        Lead.objects.filter(owner=user, is_open=True, stage__in=INBOX_STAGES)
        .annotate(
            is_hot=Case(
                When(_hot_condition(hot_min_score()), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            next_due=Min("sla_clocks__due_at", filter=running),
            next_warn=Min("sla_clocks__warn_at", filter=running),
        )
        .select_related("contact__account", "source_channel", "source_campaign")
        .prefetch_related(_running_clocks(), _last_touches())
    )
    if filters.hot_only:
        leads = leads.filter(is_hot=True)
    if filters.channel_id is not None:
        leads = leads.filter(source_channel_id=filters.channel_id)
    if filters.sla_state == "breached":
        leads = leads.filter(next_due__lt=now)
    elif filters.sla_state == "warning":
        leads = leads.filter(next_due__gte=now, next_warn__lte=now)
    elif filters.sla_state == "ok":
        leads = leads.filter(next_due__gte=now).exclude(next_warn__lte=now)
    elif filters.sla_state == "none":
        leads = leads.filter(next_due__isnull=True)
    return leads.order_by(F("is_hot").desc(), F("next_due").asc(nulls_last=True), "-score", "pk")


def inbox_rows(leads: Any, now: datetime | None = None) -> list[InboxRow]:
    now = now or timezone.now()
    return [inbox_row(lead, now) for lead in leads]


def inbox_leads(*, user: User) -> list[InboxRow]:
    """Every row of the rep's inbox, in the inbox's order (hot first)."""
    return inbox_rows(inbox_queryset(user=user))


def inbox_lead(*, lead_id: int) -> InboxRow | None:
    lead = (
        Lead.objects.filter(pk=lead_id)
        .select_related("contact__account", "source_channel", "source_campaign")
        .prefetch_related(_running_clocks(), _last_touches())
        .first()
    )
    return inbox_row(lead) if lead else None


# --- Manager ------------------------------------------------------------------------------


@dataclass
class RepRow:
    user: User
    open_leads: int
    received_24h: int
    daily_quota: int
    capacity: int


def _team_scope(manager: User) -> int | None:
    """A manager with a team sees that team; administrators and team-less managers see all."""
    if manager.is_superuser or manager.role == Role.ADMIN:
        return None
    return manager.team_id


def manager_overview(*, manager: User) -> dict[str, Any]:
    team_id = _team_scope(manager)
    now = timezone.now()
    waiting = Lead.objects.filter(stage=Stage.MQL, owner__isnull=True, is_open=True)
    warnings = RoutingWarning.objects.filter(resolved_at__isnull=True)
    clocks = SlaClock.objects.filter(stopped_at__isnull=True)
    reps = User.objects.filter(role__in=REP_ROLES)
    if team_id is not None:
        waiting = waiting.filter(Q(team_id=team_id) | Q(team__isnull=True))
        warnings = warnings.filter(Q(team_id=team_id) | Q(team__isnull=True))
        clocks = clocks.filter(lead__team_id=team_id)
        reps = reps.filter(team_id=team_id)
    # Breached first (oldest deadline first), then those inside their warning window.
    attention = (
        clocks.filter(Q(due_at__lt=now) | Q(warn_at__lte=now))
        .select_related("lead__contact", "owner", "calendar")
        .annotate(breached=Case(When(due_at__lt=now, then=True), default=False))
        .order_by("due_at", "pk")
    )
    received = dict(
        Assignment.objects.filter(to_user__in=reps, at__gte=now - QUOTA_WINDOW)
        .exclude(lead__is_test=True)  # test leads take none of the quota
        .values("to_user")
        .annotate(n=Count("pk"))
        .values_list("to_user", "n")
    )
    open_counts = dict(
        Lead.objects.filter(owner__in=reps, is_open=True, stage__in=INBOX_STAGES)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    rep_rows = [
        RepRow(
            user=rep,
            open_leads=open_counts.get(rep.pk, 0),
            received_24h=received.get(rep.pk, 0),
            daily_quota=rep.monthly_capacity // DAYS_PER_MONTH,
            capacity=rep.monthly_capacity,
        )
        for rep in reps.select_related("team").order_by("team__name", "username")
    ]
    team_leads = (
        Lead.objects.filter(is_open=True, stage__in=INBOX_STAGES, owner__isnull=False)
        .select_related("contact", "owner")
        .prefetch_related(_running_clocks())
        .order_by("-score", "pk")
    )
    if team_id is not None:
        team_leads = team_leads.filter(Q(team_id=team_id) | Q(owner__team_id=team_id))
    # Querysets, not lists: the page shows a page of each (``inbox_rows`` for the leads).
    return {
        "waiting": waiting.select_related("contact", "team").order_by("stage_changed_at", "pk"),
        "warnings": warnings.select_related("lead__contact", "team").order_by("-created_at", "pk"),
        "attention": attention,
        "reps": rep_rows,
        "team_leads": team_leads,
        "assignees": list(
            User.objects.filter(is_active=True, role__in=(Role.SALES, Role.MANAGER)).order_by(
                "username"
            )
        ),
    }


# --- Lead timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # touch | stage | assignment | sla | activity | rating
    title: str
    detail: str = ""


def _joined(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


#: Why scoring made a lead an MQL (``details.criterion`` of the move), in people's words.
CRITERION_WORDS = {
    "score_and_grade": _("qualified by score and grade"),
    "fast_track": _("qualified by a fast-track action"),
}


def _when(at: datetime) -> str:
    return formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def lead_timeline(lead_id: int, *, touches: int = 50) -> list[TimelineEntry]:
    """Everything that happened to a lead in one list, newest first: touches (in people's
    words), stage changes, assignments, SLA events, activities and notes, quality ratings.
    Each fact appears once: the clocks one assignment started are one entry."""

    entries: list[TimelineEntry] = []
    recent = Touchpoint.objects.filter(lead_id=lead_id).select_related("channel", "campaign")
    for touch in recent.order_by("-at", "-id")[:touches]:
        detail = _joined(touch.channel, touch.campaign or touch.utm_campaign, touch.url)
        entries.append(TimelineEntry(touch.at, "touch", touch_words(touch.type), detail))
    for t in StageTransition.objects.filter(lead_id=lead_id).select_related("actor"):
        title = stage_label(t.to_stage)
        if t.from_stage:
            title = f"{stage_label(t.from_stage)} → {title}"
        criterion = (t.details or {}).get("criterion") if isinstance(t.details, dict) else None
        why = CRITERION_WORDS.get(str(criterion), criterion) if criterion else ""
        entries.append(TimelineEntry(t.at, "stage", title, _joined(t.actor, t.reason, why)))
    for a in Assignment.objects.filter(lead_id=lead_id).select_related("to_user", "by", "team"):
        who = str(a.to_user) if a.to_user else str(_("nobody (queue)"))
        title = str(_("Assigned to %(who)s")) % {"who": who}
        detail = _joined(a.get_kind_display(), a.team, a.by, a.reason)
        entries.append(TimelineEntry(a.at, "assignment", title, detail))
    # The clocks one assignment starts (or one action stops) share a moment: one entry each.
    grouped: dict[tuple[datetime, str], list[SlaEvent]] = {}
    events = SlaEvent.objects.filter(clock__lead_id=lead_id).select_related("clock")
    for event in events.order_by("at", "pk"):
        grouped.setdefault((event.at, event.kind), []).append(event)
    for (at, kind), same in grouped.items():
        clocks = ", ".join(str(e.clock.get_kind_display()) for e in same)
        title = str(_("SLA %(event)s: %(clocks)s")) % {
            "event": str(same[0].get_kind_display()).lower(),
            "clocks": clocks,
        }
        detail = ""
        if kind == "started":
            detail = _joined(
                *(
                    str(_("%(clock)s due %(at)s"))
                    % {"clock": e.clock.get_kind_display(), "at": _when(e.clock.due_at)}
                    for e in same
                )
            )
        entries.append(TimelineEntry(at, "sla", title, detail))
    for act in Activity.objects.filter(lead_id=lead_id).select_related("user"):
        outcome = act.get_outcome_display() if act.outcome else ""
        detail = _joined(outcome, act.user, act.notes)
        kind = "note" if act.kind == "note" else "activity"
        entries.append(TimelineEntry(act.at, kind, str(act.get_kind_display()), detail))
    for rating in QualityRating.objects.filter(lead_id=lead_id).select_related("by"):
        title = str(_("Quality rated %(n)s/5")) % {"n": rating.rating}
        detail = _joined(rating.by, rating.comment)
        entries.append(TimelineEntry(rating.created_at, "rating", title, detail))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


@dataclass(frozen=True)
class LeadAgreement:
    """Which agreement versions bear on a lead: the one in force now, the one whose MQL
    definition qualified it (a number recorded on its MQL transition), and the one its SLA
    clocks started under (clocks keep the deadlines they started with)."""

    in_force: AgreementVersion | None
    qualified_under: int | None
    clocks_under: AgreementVersion | None


def lead_agreement(lead_id: int) -> LeadAgreement:
    clock = (
        SlaClock.objects.filter(lead_id=lead_id).select_related("agreement_version").order_by("-started_at").first()
    )  # fmt: skip
    qualified = (
        StageTransition.objects.filter(lead_id=lead_id, to_stage=Stage.MQL)
        .order_by("-at", "-id")
        .values_list("details", flat=True)
        .first()
    )
    number = (qualified or {}).get("agreement_version") if isinstance(qualified, dict) else None
    return LeadAgreement(
        in_force=version_active(),
        qualified_under=number if isinstance(number, int) else None,
        clocks_under=clock.agreement_version if clock else None,
    )
