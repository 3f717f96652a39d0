""" "Where are my MQLs?": every lead that became an MQL in a period, and where each is now.

The counts are exact aggregates over all of the period's MQLs (not over the page shown), so
they add up to the funnel's MQL figure for the same period and filters (period mode: the
leads that entered MQL in it, each once). Statuses follow the lead's current stage:
unassigned or waiting (still an MQL), accepted (SAL or SQL), deal (opportunity or later),
rejected (sent back by sales with a reason), closed (left the funnel otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.handoff.agreement.terms import rejection_reasons

#: The default period: the last 12 months, today included (as the dashboard).
DEFAULT_PERIOD_DAYS = 364
PAGE_SIZE = 50

STATUS_LABELS = {
    "unassigned": _("Unassigned"),
    "waiting": _("Waiting for acceptance"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "deal": _("Deal"),
    "closed": _("Closed"),
}
DEAL_STAGES = (Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.LOST)


@dataclass(frozen=True)
class MqlFilters:
    start: date
    end: date
    channel_id: int | None = None
    campaign_id: int | None = None
    owner_id: int | None = None
    status: str | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """[since, until) of whole days start..end in the current time zone."""
        zone = timezone.get_current_timezone()
        since = datetime.combine(self.start, time.min, tzinfo=zone)
        until = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return since, until


@dataclass(frozen=True)
class MqlRow:
    lead: Lead
    status: str
    status_label: str
    became_mql_at: datetime
    #: How long a waiting or unassigned MQL has waited (None for the others).
    waiting_for: timedelta | None
    reason: str = ""
    comment: str = ""


@dataclass(frozen=True)
class MqlStatus:
    total: int
    counts: dict[str, int]
    #: The MQLs listed (of the chosen status, if one is), newest MQL first; the page pages it
    #: and ``mql_rows`` describes the rows shown.
    listed: QuerySet[Any]


def _status_expression() -> Case:
    rejected = StageTransition.objects.filter(
        lead_id=OuterRef("pk"), details__has_key="rejection_reason"
    )
    return Case(
        When(stage__in=DEAL_STAGES, then=Value("deal")),
        When(stage__in=(Stage.SAL, Stage.SQL), then=Value("accepted")),
        When(stage=Stage.MQL, owner__isnull=True, then=Value("unassigned")),
        When(stage=Stage.MQL, then=Value("waiting")),
        When(Exists(rejected), then=Value("rejected")),
        default=Value("closed"),
    )


def mqls_of(filters: MqlFilters) -> QuerySet[Lead]:
    """The leads that entered MQL in the period (each once), with their status and when."""
    since, until = filters.bounds()
    entered = StageTransition.objects.filter(to_stage=Stage.MQL, at__gte=since, at__lt=until)
    last_entry = entered.filter(lead_id=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
    leads = Lead.objects.filter(pk__in=entered.values("lead_id"))
    narrowing = {
        "source_channel_id": filters.channel_id,
        "source_campaign_id": filters.campaign_id,
        "owner_id": filters.owner_id,
    }
    leads = leads.filter(**{name: value for name, value in narrowing.items() if value})
    return leads.annotate(status=_status_expression(), became_mql_at=Subquery(last_entry))


def mql_status(filters: MqlFilters) -> MqlStatus:
    # Any: the stubs do not know the annotations (status, became_mql_at) mqls_of adds.
    leads: QuerySet[Any] = mqls_of(filters)
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for row in leads.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    shown = leads.filter(status=filters.status) if filters.status in STATUS_LABELS else leads
    shown = shown.select_related("contact", "owner", "source_channel", "source_campaign")
    listed = shown.order_by("-became_mql_at", "-pk")
    return MqlStatus(total=sum(counts.values()), counts=counts, listed=listed)


def mql_rows(leads: Sequence[Lead]) -> list[MqlRow]:
    """The rows shown for ``leads`` (from ``MqlStatus.listed``): one query for the reasons."""
    reasons = {reason.code: reason.label for reason in rejection_reasons()}
    rejections: dict[int, dict[str, Any]] = {}
    for transition in StageTransition.objects.filter(
        lead_id__in=[lead.pk for lead in leads], details__has_key="rejection_reason"
    ).order_by("at", "pk"):
        rejections[transition.lead_id] = transition.details
    now = timezone.now()
    rows = []
    for lead in leads:
        status: str = lead.status  # type: ignore[attr-defined]  # annotated in mqls_of
        rejection = rejections.get(lead.pk) if status == "rejected" else None
        code = (rejection or {}).get("rejection_reason", "")
        rows.append(
            MqlRow(
                lead=lead,
                status=status,
                status_label=str(STATUS_LABELS[status]),
                became_mql_at=lead.became_mql_at,  # type: ignore[attr-defined]
                waiting_for=now - lead.stage_changed_at
                if status in ("waiting", "unassigned")
                else None,
                reason=reasons.get(code, code),
                comment=(rejection or {}).get("comment", ""),
            )
        )
    return rows
