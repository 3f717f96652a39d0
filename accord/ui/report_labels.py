"""Runner results renamed for people: channel and campaign names, reps' full names.

The runners label groups with machine names (a channel's slug, a campaign's UTM name, a
rep's username) because the CLI and the API answer with them. A page shows what people
call things, so ``result_named`` returns the same result with those labels replaced.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from accord.analytics import pickers
from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.funnel import FunnelResult
from accord.analytics.runners.kpis import KpisResult
from accord.analytics.runners.quality import QualityResult
from accord.analytics.runners.reps import RepsResult

ALL = "all"
NONE = "(none)"
UNASSIGNED = "(unassigned)"


def month_label(month: str) -> str:
    """``2026-03`` as people read it in the active language (``Mar 2026`` in English)."""
    try:
        year, number = (int(part) for part in month.split("-", 1))
        return formats.date_format(date(year, number, 1), "M Y")
    except ValueError:
        return month


def _names(group_by: str | None) -> dict[str, str]:
    if group_by == "channel":
        names = pickers.channel_names()
        names[NONE] = _("No channel")
    elif group_by == "campaign":
        names = pickers.campaign_names()
        names[NONE] = _("No campaign")
    elif group_by == "pipeline":
        names = {NONE: _("Leads and spend (no pipeline)")}
    else:
        names = {}
    names[ALL] = _("All leads")
    return names


def _relabel(items: tuple[Any, ...], names: dict[str, str]) -> tuple[Any, ...]:
    return tuple(dataclasses.replace(i, label=names.get(i.label, i.label)) for i in items)


def result_named(result: Any, group_by: str | None) -> Any:
    """``result`` with people's names in its labels (the numbers untouched)."""
    if isinstance(result, RepsResult):
        users = pickers.user_names()
        users[UNASSIGNED] = _("Unassigned")
        rows = tuple(
            dataclasses.replace(r, username=users.get(r.username, r.username)) for r in result.rows
        )
        return dataclasses.replace(result, rows=rows)
    names = _names(group_by)
    if isinstance(result, KpisResult) and group_by == "month":
        names.update({r.label: month_label(r.label) for r in result.rows})
    if isinstance(result, FunnelResult):
        return dataclasses.replace(
            result,
            total=_relabel((result.total,), names)[0],
            groups=_relabel(result.groups, names),
        )
    if isinstance(result, KpisResult):
        return dataclasses.replace(
            result, total=_relabel((result.total,), names)[0], rows=_relabel(result.rows, names)
        )
    if isinstance(result, QualityResult):
        return dataclasses.replace(result, rows=_relabel(result.rows, names))
    if isinstance(result, AttributionResult):
        models = tuple(dataclasses.replace(m, rows=_relabel(m.rows, names)) for m in result.models)
        return dataclasses.replace(result, models=models)
    return result
