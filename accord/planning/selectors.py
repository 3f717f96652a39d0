"""Reads of joint plans: the plan worked out (reverse funnel, channel needs, scenarios, ICP
against the fit rules, capacity) and its history with each step's changes in people's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.accounts.models import Role, User
from accord.analytics.filters import SIZE_BANDS
from accord.handoff.agreement.labels import SIDE_LABELS
from accord.handoff.rules import version_diff
from accord.planning import rules
from accord.planning.content import change_label
from accord.planning.models import Plan, PlanRevision, PlanScenario
from accord.scoring.models import RuleKind, ScoringProfile


@dataclass(frozen=True)
class ChangeShown:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryRow:
    revision: PlanRevision
    changes: list[ChangeShown]
    side: str


@dataclass(frozen=True)
class ScenarioRow:
    scenario: PlanScenario | None  # None: the plan's own budgets
    name: str
    budgets: dict[str, float]
    outcome: rules.ScenarioOutcome
    #: Revenue the mix delivers over the target (negative: short of it).
    versus_target: float


@dataclass(frozen=True)
class PlanWorked:
    plan: Plan
    months: list[str]
    funnel: rules.ReverseFunnel
    channels: list[rules.ChannelAssumption]
    channel_needs: list[rules.ChannelNeed]
    scenarios: list[ScenarioRow]
    capacity: rules.Capacity
    divergences: list[rules.Divergence]
    fit_rules: list[dict[str, Any]]
    profile_name: str | None


def plans_visible() -> list[Plan]:
    return list(Plan.objects.select_related("marketing_approved_by", "sales_approved_by"))


def plan_get(plan_id: int) -> Plan | None:
    return (
        Plan.objects.select_related("marketing_approved_by", "sales_approved_by", "created_by")
        .filter(pk=plan_id)
        .first()
    )


def channel_assumptions(content: dict[str, Any]) -> list[rules.ChannelAssumption]:
    return [
        rules.ChannelAssumption(slug, item["cpl"], item["lead_mql"], item["share"])
        for slug, item in sorted(content.get("channels", {}).items())
    ]


def active_fit_rules() -> tuple[str | None, list[dict[str, Any]]]:
    profile = ScoringProfile.objects.filter(is_active=True).first()
    if profile is None:
        return None, []
    rows = profile.rules.filter(kind=RuleKind.FIT).order_by("position", "pk")
    return profile.name, [
        {
            "name": r.name,
            "field": r.field,
            "operator": r.operator,
            "value": r.value,
            "points": r.points,
        }
        for r in rows
    ]


def rep_capacities() -> list[int]:
    reps = User.objects.filter(role=Role.SALES, is_active=True, is_out_of_office=False)
    return list(reps.values_list("monthly_capacity", flat=True))


def _free_mqls(content: dict[str, Any], needs: list[rules.ChannelNeed]) -> float:
    paid = {slug for slug, item in content["channels"].items() if item["cpl"]}
    return sum(n.mqls for n in needs if n.slug not in paid)


def plan_worked(plan: Plan) -> PlanWorked:
    content = plan.content
    months = rules.period_months(plan.start_month, plan.period_kind)
    funnel = rules.reverse_funnel(
        revenue_by_month=rules.revenue_split(content["revenue_target"], months),
        deal_size=content["deal_size"],
        rates=content["rates"],
        lags=content["lags"],
    )
    channels = channel_assumptions(content)
    needs = rules.channel_needs(mqls=funnel.stage("mql").total, channels=channels)
    free = _free_mqls(content, needs)
    mixes: list[tuple[PlanScenario | None, str, dict[str, float]]] = [
        (None, "", {slug: item["budget"] for slug, item in content["channels"].items()})
    ]
    mixes += [(s, s.name, s.budgets) for s in plan.scenarios.all()]
    scenarios = []
    for scenario, name, budgets in mixes:
        outcome = rules.scenario_outcome(
            budgets=budgets,
            channels=channels,
            free_mqls=free,
            rates=content["rates"],
            deal_size=content["deal_size"],
        )
        scenarios.append(
            ScenarioRow(
                scenario, name, budgets, outcome, outcome.revenue - content["revenue_target"]
            )
        )
    profile_name, fit_rules = active_fit_rules()
    icp = content.get("icp", {})
    divergences = (
        rules.icp_divergence(
            size_bands=icp.get("size_bands", []),
            industries=icp.get("industries", []),
            fit_rules=fit_rules,
            band_bounds=SIZE_BANDS,
        )
        if fit_rules
        else []
    )
    return PlanWorked(
        plan=plan,
        months=months,
        funnel=funnel,
        channels=channels,
        channel_needs=needs,
        scenarios=scenarios,
        capacity=rules.capacity_check(
            mqls_by_month=funnel.stage("mql").by_month, rep_capacities=rep_capacities()
        ),
        divergences=divergences,
        fit_rules=fit_rules,
        profile_name=profile_name,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return value


def history_rows(plan: Plan) -> list[HistoryRow]:
    """Every step of the plan, newest first, each with what it changed."""
    revisions = list(plan.revisions.select_related("actor").order_by("at", "pk"))
    rows = []
    before: dict[str, Any] = {}
    for revision in revisions:
        changes = (
            [
                ChangeShown(change_label(c.path), _plain(c.old), _plain(c.new))
                for c in version_diff(before, revision.content)
            ]
            if before
            else []
        )
        side = str(SIDE_LABELS.get(revision.side, revision.side)) if revision.side else ""
        rows.append(HistoryRow(revision, changes, side))
        before = revision.content
    return rows[::-1]
