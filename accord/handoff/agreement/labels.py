"""People's names for the agreement's terms and sides, shared by the editor and the history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from accord.handoff import rules

FIELD_LABELS = {
    "mql_definition.scoring_profile": _("Scoring profile"),
    "mql_definition.min_score": _("MQL: minimum score"),
    "mql_definition.min_grade": _("MQL: minimum grade"),
    "mql_definition.fast_track": _("MQL: fast-track actions qualify"),
    "mql_definition.hot_min_score": _("Hot lead: score from"),
    "sales.accept_within_business_hours": _("Accept or reject within (business hours)"),
    "sales.first_attempt_within_minutes_hot": _("First attempt, hot leads (minutes)"),
    "sales.first_attempt_within_hours_other": _("First attempt, other leads (hours)"),
    "sales.attempts_before_recycle": _("Attempts before recycling"),
    "sales.attempt_window_days": _("Over how many days"),
    "marketing.quality_floor_accept_rate_pct": _("Quality floor: accepted MQLs (%)"),
    "escalation.warn_before_minutes": _("Warn the rep this many business minutes before"),
    "escalation.reassign_on_breach": _("Reassign to the next rep on a breach"),
    "marketing.rejection_alert_window_mqls": _(
        "Rejection alert: judge a campaign on its last N MQLs"
    ),
    "marketing.rejection_alert_rate_pct": _("Rejection alert: when more than this % are rejected"),
}
OPTIONAL_HELP = {
    "marketing.rejection_alert_window_mqls": _("Empty: the last 20 MQLs."),
    "marketing.rejection_alert_rate_pct": _("Empty: 100 minus the quality floor."),
}


SIDE_LABELS = {
    rules.MARKETING: _("marketing"),
    rules.SALES: _("sales"),
    rules.SHARED: _("shared"),
}


_LIST_LABELS = {
    "mql_definition.required_fields": _("MQL: required fields"),
    "rejection_reasons": _("Rejection reasons"),
}


def term_label(path: str) -> str:
    """The label of a changed term; a team's monthly target names the team."""
    if path.startswith("marketing.mqls_per_month."):
        team = path.removeprefix("marketing.mqls_per_month.")
        return str(_("MQLs per month: %(team)s")) % {"team": team}
    label = FIELD_LABELS.get(path) or _LIST_LABELS.get(path.split("[", 1)[0])
    return str(label) if label else path


@dataclass(frozen=True)
class ChangeShown:
    label: str
    side: str
    old: Any
    new: Any


def changes_shown(changes: list[rules.Change]) -> list[ChangeShown]:
    return [
        ChangeShown(term_label(c.path), str(SIDE_LABELS[c.side]), _plain(c.old), _plain(c.new))
        for c in changes
    ]


def _plain(value: Any) -> Any:
    """Lists (reasons, required fields) as readable text rather than Python reprs."""
    if isinstance(value, list):
        return "; ".join(
            str(item.get("label", item)) if isinstance(item, dict) else str(item) for item in value
        )
    return value
