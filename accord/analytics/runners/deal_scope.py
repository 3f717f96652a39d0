"""The conditions on ``deals d`` that every deal report shares (pure string builders):
the team, rep, pipeline and caller scopes, and the lead filters (channel, campaign,
segment) through the deal's originating lead."""

from __future__ import annotations

from typing import Any

from accord.analytics.filters import ReportFilters, lead_conditions, where


def deal_conditions(
    filters: ReportFilters, *, pipeline: str | None, scope_user_id: int | None
) -> tuple[list[str], dict[str, Any]]:
    """Conditions on ``deals d`` and their parameters; the caller adds its period."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if filters.team:
        conditions.append(
            "d.owner_id IN (SELECT u2.id FROM users u2 JOIN teams t ON t.id = u2.team_id "
            "WHERE t.name = $f_team)"
        )
        params["f_team"] = filters.team
    if filters.rep:
        conditions.append("d.owner_id IN (SELECT id FROM users WHERE username = $f_rep)")
        params["f_rep"] = filters.rep
    if scope_user_id is not None:
        conditions.append("d.owner_id = $scope_user")
        params["scope_user"] = scope_user_id
    if pipeline:
        conditions.append("d.pipeline_id IN (SELECT id FROM pipelines WHERE key = $f_pipeline)")
        params["f_pipeline"] = pipeline
    lead_only = ReportFilters(
        start=filters.start,
        end=filters.end,
        channel=filters.channel,
        campaign=filters.campaign,
        segment=filters.segment,
    )
    lead_where, lead_params = lead_conditions(lead_only)
    if lead_where:
        conditions.append(f"d.lead_id IN (SELECT l.id FROM leads l WHERE {where(lead_where)})")
        params.update(lead_params)
    return conditions, params
