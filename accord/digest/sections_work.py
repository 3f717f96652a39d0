"""The digest's sections about the teams' work: promotion results, intel still waiting for
acknowledgement, audit results and forecast movement, as plain JSON.

``promotion_results`` is the one place the digest reads promotion figures: deals closed with
and without a promotion, win rate and margin. When the promotion report lands, point this
function at it; the snapshot's shape stays the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum

from accord.intel import selectors as intel
from accord.intel.models import AckRequest, Post
from accord.pipeline.models import Deal, DealStage, ForecastSubmission
from accord.pipeline.products.selectors import deal_figures
from accord.quality.models import Audit, AuditResult

LIST_MAX = 5


def _win_rate(won: int, lost: int) -> float | None:
    return round(won / (won + lost), 3) if won + lost else None


def promotion_results(start: datetime, end: datetime) -> dict[str, Any]:
    """Deals closed in [start, end) with a promotion (flag, code or a linked promotion) and
    without: won, lost, win rate, won revenue and the won deals' average margin (%)."""
    closed = Deal.objects.filter(
        stage__in=(DealStage.WON, DealStage.LOST), closed_at__gte=start, closed_at__lt=end
    ).exclude(lead__is_test=True)
    promo = Q(is_promotion=True) | ~Q(promotion_code="") | Q(promotion_links__isnull=False)
    groups = {"with": closed.filter(promo).distinct(), "without": closed.exclude(promo)}
    out = {}
    for name, deals in groups.items():
        won = deals.filter(stage=DealStage.WON)
        margins = [
            f.margin_percent
            for f in (deal_figures(pk) for pk in won.values_list("pk", flat=True))
            if f.margin_percent is not None
        ]
        n_won, n_lost = won.count(), deals.filter(stage=DealStage.LOST).count()
        out[name] = {
            "won": n_won,
            "lost": n_lost,
            "win_rate": _win_rate(n_won, n_lost),
            "revenue": float(won.aggregate(s=Sum("amount"))["s"] or 0),
            "margin_pct": (
                round(float(sum(margins, Decimal(0)) / len(margins)), 1) if margins else None
            ),
        }
    return out


def intel_pending(end: datetime) -> dict[str, Any]:
    """Posts (up to ``end``) whose acknowledgement some asked person still owes."""
    posts = Post.objects.filter(
        pk__in=AckRequest.objects.values("post_id"), created_at__lt=end
    ).order_by("-created_at", "-pk")
    rows = []
    for post in posts:
        teams = intel.ack_summary(post)
        total = sum(t.total for t in teams)
        acked = sum(t.acknowledged for t in teams)
        if acked < total:
            rows.append(
                {
                    "id": post.pk,
                    "title": post.title,
                    "kind": post.kind,
                    "teams": [[t.team, t.acknowledged, t.total] for t in teams],
                    "acknowledged": acked,
                    "asked": total,
                }
            )
    return {"posts": rows[:LIST_MAX], "waiting": len(rows)}


def audit_results(start: datetime, end: datetime) -> dict[str, Any]:
    """Audits recorded in the week: how many, the average score, each rep's average, and the
    checklist items failed most."""
    audits = Audit.objects.filter(at__gte=start, at__lt=end)
    summary = audits.aggregate(n=Count("pk"), avg=Avg("score"))
    reps = audits.values("rep__username").annotate(avg=Avg("score"), n=Count("pk")).order_by("avg")
    failed = Counter(
        AuditResult.objects.filter(audit__in=audits, outcome=AuditResult.Outcome.FAIL).values_list(
            "item__label", flat=True
        )
    )
    return {
        "count": summary["n"],
        "average": None if summary["avg"] is None else round(summary["avg"], 1),
        "by_rep": [[r["rep__username"], round(r["avg"], 1), r["n"]] for r in reps],
        "failing": sorted(failed.items(), key=lambda i: (-i[1], i[0]))[:LIST_MAX],
    }


def _calls(week: date) -> dict[tuple[str, date], dict[str, float]]:
    rows = (
        ForecastSubmission.objects.filter(week_start=week)
        .values("period_kind", "period_start")
        .annotate(
            commit=Sum("commit"), best_case=Sum("best_case"), closed=Sum("closed"), n=Count("pk")
        )
    )
    return {
        (r["period_kind"], r["period_start"]): {
            "commit": float(r["commit"]),
            "best_case": float(r["best_case"]),
            "closed": float(r["closed"]),
            "reps": r["n"],
        }
        for r in rows
    }


def forecast_movement(week: date) -> dict[str, Any]:
    """The reps' submitted calls this week against last week's, per forecast period."""
    now, before = _calls(week), _calls(week - timedelta(days=7))
    rows = []
    for (kind, period), figures in sorted(now.items()):
        last = before.get((kind, period))
        rows.append(
            {
                "period": f"{kind} {period.isoformat()}",
                **figures,
                "commit_change": None if last is None else figures["commit"] - last["commit"],
                "best_case_change": (
                    None if last is None else figures["best_case"] - last["best_case"]
                ),
            }
        )
    return {"rows": rows}
