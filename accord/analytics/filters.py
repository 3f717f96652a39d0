"""The filters every report takes, and the SQL they turn into over the analytics copy.

Two modes (``mode``):

- ``cohort``: the leads created in the period, and what they became (at any time since);
- ``period``: what happened in the period (leads created, stages entered, deals won in it).

Dimensions name things the way people do: a channel by slug, a campaign by its UTM campaign,
a team by name, a rep by username. A segment is ``size:<band>`` (the account's employee
band, one of ``SIZE_BANDS``) or ``<property>=<value>`` (a lead custom property). Team, rep
and segment describe leads, not ads: spend and anonymous traffic cannot be split by them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import duckdb
from django.utils import timezone

from accord.core.errors import InvalidInput

COHORT = "cohort"
PERIOD = "period"
MODES = (COHORT, PERIOD)

#: Account size bands by employees (inclusive bounds; None: no upper bound).
SIZE_BANDS: dict[str, tuple[int, int | None]] = {
    "1-10": (1, 10),
    "11-50": (11, 50),
    "51-200": (51, 200),
    "201-1000": (201, 1000),
    "1001+": (1001, None),
}
_PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date
    mode: str = COHORT
    channel: str | None = None
    campaign: str | None = None
    team: str | None = None
    rep: str | None = None
    segment: str | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidInput("The start date is after the end date.", field="start")
        if self.mode not in MODES:
            raise InvalidInput(f"The mode must be one of {', '.join(MODES)}.", field="mode")
        if self.segment is not None:
            segment_parse(self.segment)

    @property
    def has_lead_dimensions(self) -> bool:
        """Team, rep or segment set: spend and anonymous traffic do not apply."""
        return bool(self.team or self.rep or self.segment)

    def bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC [since, until) of whole days start..end in the current time zone."""
        tz = timezone.get_current_timezone()
        since = datetime.combine(self.start, time.min, tzinfo=tz)
        until = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)
        return (
            since.astimezone(UTC).replace(tzinfo=None),
            until.astimezone(UTC).replace(tzinfo=None),
        )


def segment_parse(segment: str) -> tuple[str, str, Any]:
    """``("size", band, bounds)`` or ``("property", key, value)``; InvalidInput otherwise."""
    if segment.startswith("size:"):
        band = segment.removeprefix("size:")
        if band not in SIZE_BANDS:
            raise InvalidInput(
                f"Unknown size band {band!r}; use one of {', '.join(SIZE_BANDS)}.",
                field="segment",
            )
        return "size", band, SIZE_BANDS[band]
    key, sep, value = segment.partition("=")
    if not sep or not _PROPERTY_KEY.match(key):
        raise InvalidInput(
            "A segment is size:<band> or <property>=<value> (a lead custom property).",
            field="segment",
        )
    return "property", key, value


def lead_conditions(filters: ReportFilters, alias: str = "l") -> tuple[list[str], dict[str, Any]]:
    """WHERE conditions on a ``leads`` row for the dimension filters (not the dates)."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if filters.channel:
        conditions.append(
            f"{alias}.source_channel_id IN (SELECT id FROM channels WHERE slug = $f_channel)"
        )
        params["f_channel"] = filters.channel
    if filters.campaign:
        conditions.append(
            f"{alias}.source_campaign_id IN "
            "(SELECT id FROM campaigns WHERE utm_campaign = $f_campaign)"
        )
        params["f_campaign"] = filters.campaign
    if filters.team:
        conditions.append(f"{alias}.team_id IN (SELECT id FROM teams WHERE name = $f_team)")
        params["f_team"] = filters.team
    if filters.rep:
        conditions.append(f"{alias}.owner_id IN (SELECT id FROM users WHERE username = $f_rep)")
        params["f_rep"] = filters.rep
    if filters.segment:
        kind, key, value = segment_parse(filters.segment)
        if kind == "size":
            low, high = value
            bound = "" if high is None else " AND a.employees <= $f_size_high"
            conditions.append(
                f"{alias}.contact_id IN (SELECT c.id FROM contacts c JOIN accounts a "
                f"ON a.id = c.account_id WHERE a.employees >= $f_size_low{bound})"
            )
            params["f_size_low"] = low
            if high is not None:
                params["f_size_high"] = high
        else:
            conditions.append(
                f"json_extract_string({alias}.properties, $f_prop_path) = $f_prop_value"
            )
            params["f_prop_path"] = f"$.{key}"
            params["f_prop_value"] = value
    return conditions, params


def spend_conditions(filters: ReportFilters, alias: str = "s") -> tuple[list[str], dict[str, Any]]:
    """Spend (and anonymous traffic) split only by channel and campaign."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if filters.channel:
        conditions.append(
            f"{alias}.channel_id IN (SELECT id FROM channels WHERE slug = $f_channel)"
        )
        params["f_channel"] = filters.channel
    if filters.campaign:
        conditions.append(
            f"{alias}.campaign_id IN (SELECT id FROM campaigns WHERE utm_campaign = $f_campaign)"
        )
        params["f_campaign"] = filters.campaign
    return conditions, params


def where(conditions: list[str]) -> str:
    return " AND ".join(conditions) if conditions else "TRUE"


def filters_validate(con: duckdb.DuckDBPyConnection, filters: ReportFilters) -> None:
    """Name the filter whose value does not exist, rather than answer with zeros."""
    checks = (
        ("channel", filters.channel, "SELECT count(*) FROM channels WHERE slug = ?"),
        ("campaign", filters.campaign, "SELECT count(*) FROM campaigns WHERE utm_campaign = ?"),
        ("team", filters.team, "SELECT count(*) FROM teams WHERE name = ?"),
        ("rep", filters.rep, "SELECT count(*) FROM users WHERE username = ?"),
    )
    for field, value, sql in checks:
        if value and not con.execute(sql, [value]).fetchall()[0][0]:
            raise InvalidInput(f"There is no {field} {value!r}.", field=field)
