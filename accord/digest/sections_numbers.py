"""The digest's figures of the funnel and the channels, over plain ORM aggregates of one week
(or of the trailing weeks the caller gives, to rank channels), as plain JSON.

Test leads (``contacts.Lead.is_test``) are left out everywhere, except that a test lead whose
audit says it counts in the rep's SLA statistics (``quality.Audit.counts_in_sla``) counts in
the SLA breaches (the rule: ``handoff.sla.counting``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Sum

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.handoff.models import QualityRating, SlaClock
from accord.handoff.sla.counting import in_sla_statistics
from accord.pipeline.models import Deal, DealStage
from accord.planning import selectors as plans
from accord.planning.models import Plan, PlanStatus
from accord.tracking.models import Channel, SpendEntry

#: The funnel rows: (plan stage, lifecycle stage reached).
FUNNEL = (
    ("lead", Stage.LEAD),
    ("mql", Stage.MQL),
    ("sal", Stage.SAL),
    ("sql", Stage.SQL),
    ("opportunity", Stage.OPPORTUNITY),
    ("won", Stage.CUSTOMER),
)
TOP = 3


def _reached(stage: str, start: datetime, end: datetime) -> int:
    if stage == Stage.LEAD:
        return Lead.objects.filter(is_test=False, created_at__gte=start, created_at__lt=end).count()
    return (
        StageTransition.objects.filter(
            to_stage=stage, at__gte=start, at__lt=end, lead__is_test=False
        )
        .values("lead_id")
        .distinct()
        .count()
    )


def _plan_of(month: str) -> tuple[list[str], dict[str, float]]:
    """What the approved plans need of each stage in ``month``, and their names. A stage's
    need falls before the deals it feeds (the cycle's lags), so November's MQLs may be next
    quarter's plan's while November's won deals are this quarter's: the needs are summed over
    the approved plans (the latest approved one per period)."""
    names: list[str] = []
    needs: dict[str, float] = {}
    periods: set[tuple[str, str]] = set()
    for plan in Plan.objects.filter(status=PlanStatus.APPROVED).order_by("-approved_at", "-pk"):
        if (plan.start_month, plan.period_kind) in periods:
            continue
        periods.add((plan.start_month, plan.period_kind))
        found = False
        for stage in plans.plan_worked(plan).funnel.stages:
            if month in stage.by_month:
                needs[stage.stage] = needs.get(stage.stage, 0.0) + stage.by_month[month]
                found = True
        if found:
            names.append(plan.name)
    return sorted(names), needs


def funnel_vs_plan(start: datetime, end: datetime, month_start: datetime) -> dict[str, Any]:
    """Each stage: reached this week, month to date, and the plan's need for the month."""
    month = f"{month_start:%Y-%m}"
    names, needs = _plan_of(month)
    rows = []
    for name, stage in FUNNEL:
        mtd = _reached(stage, month_start, end)
        need = needs.get(name)
        rows.append(
            {
                "stage": name,
                "week": _reached(stage, start, end),
                "month_to_date": mtd,
                "plan_month": None if need is None else round(need, 1),
                "share_of_plan": None if not need else round(mtd / need, 3),
            }
        )
    return {"month": month, "plan": ", ".join(names) or None, "rows": rows}


def _romi(revenue: float, spend: float) -> float | None:
    return round((revenue - spend) / spend, 3) if spend else None


def channels(start: datetime, end: datetime) -> dict[str, Any]:
    """Per channel over [start, end): spend, won revenue, ROMI, average rating (1-5) of its
    leads rated in the window; the best and worst by ROMI and by lead quality."""
    spend = dict(
        SpendEntry.objects.filter(date__gte=start.date(), date__lt=end.date())
        .values("channel_id")
        .annotate(s=Sum("cost"))
        .values_list("channel_id", "s")
    )
    won = dict(
        Deal.objects.filter(stage=DealStage.WON, closed_at__gte=start, closed_at__lt=end)
        .exclude(lead__is_test=True)
        .values("lead__source_channel_id")
        .annotate(r=Sum("amount"))
        .values_list("lead__source_channel_id", "r")
    )
    quality = {
        row["lead__source_channel_id"]: (row["avg"], row["n"])
        for row in QualityRating.objects.filter(
            created_at__gte=start, created_at__lt=end, lead__is_test=False
        )
        .values("lead__source_channel_id")
        .annotate(avg=Avg("rating"), n=Count("pk"))
    }
    rows = []
    for channel in Channel.objects.filter(pk__in={*spend, *won, *quality}).order_by("name"):
        cost, revenue = float(spend.get(channel.pk) or 0), float(won.get(channel.pk) or 0)
        avg, n = quality.get(channel.pk, (None, 0))
        rows.append(
            {
                "channel": channel.name,
                "spend": round(cost, 2),
                "revenue": round(revenue, 2),
                "romi": _romi(revenue, cost),
                "quality": None if avg is None else round(float(avg), 2),
                "rated": n,
            }
        )
    by_romi = sorted((r for r in rows if r["romi"] is not None), key=lambda r: -r["romi"])
    by_quality = sorted((r for r in rows if r["quality"] is not None), key=lambda r: -r["quality"])
    return {
        "rows": rows,
        "best_romi": [r["channel"] for r in by_romi[:TOP]],
        "worst_romi": [r["channel"] for r in by_romi[::-1][:TOP]],
        "best_quality": [r["channel"] for r in by_quality[:TOP]],
        "worst_quality": [r["channel"] for r in by_quality[::-1][:TOP]],
    }


def sla_breaches(start: datetime, end: datetime) -> dict[str, Any]:
    """SLA clocks that breached in the week: by clock kind, by how they ended (still running,
    or the stop reason) and by rep. Test leads count only when their audit says so."""
    clocks = SlaClock.objects.filter(
        in_sla_statistics("lead"), breached_at__gte=start, breached_at__lt=end
    )
    rows = list(clocks.values_list("kind", "stop_reason", "stopped_at", "owner__username"))
    by_reason = Counter(
        (reason or "stopped") if stopped else "still_running" for _k, reason, stopped, _o in rows
    )
    return {
        "total": len(rows),
        "by_kind": sorted(Counter(k for k, *_ in rows).items(), key=lambda i: (-i[1], i[0])),
        "by_reason": sorted(by_reason.items(), key=lambda i: (-i[1], i[0])),
        "by_rep": sorted(Counter(o or "—" for *_x, o in rows).items(), key=lambda i: (-i[1], i[0]))[
            :5
        ],
    }


def rejections(start: datetime, end: datetime) -> dict[str, Any]:
    """Why sales turned leads back this week: recycled and disqualified moves by reason."""
    moves = StageTransition.objects.filter(
        to_stage__in=(Stage.RECYCLED, Stage.DISQUALIFIED),
        at__gte=start,
        at__lt=end,
        lead__is_test=False,
    )
    counts = Counter((reason or "—") for reason in moves.values_list("reason", flat=True))
    return {
        "total": sum(counts.values()),
        "top": sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5],
    }
