"""Attribution: which channels (or campaigns) earned a chosen conversion, under nine models.

One journey per lead in scope: the touches of the lead's contact inside the lookback window
before the conversion, in time order. The conversion is a won deal (value: the won amount)
or the first entry into MQL, SQL or opportunity (value: the lead's won revenue, so revenue
credit follows the leads that reached the stage). With ``value="margin"`` the value credited
is the won deals' margin instead (net - cost of their line items; a won deal without line
items has no known cost and credits no margin): the result's ``revenue`` fields then hold
margin. Three touches hold named positions: the
last touch at or before the lead was created, before the opportunity was opened (first
deal or first entry into ``opportunity``) and before the deal was won. A position after
the conversion does not exist for that conversion (an MQL has no opportunity touch yet).

Scope follows the report filters: cohort mode takes the leads created in the period (their
conversion at any time); period mode takes the conversions in the period, and the leads
created in it that did not convert (the paths to nothing that Markov needs).

Markov and Shapley are counted on the engine (``attribution_paths``): each journey's path in
its window, counted by path, turned into Markov's transitions and Shapley's coalitions; only
those small tables come back, for the exact solves (``attribution.paths``). They also give
the journey counts of the result. The rule-based models read the converting journeys'
touches in order from the copy's per-contact touch lists (``build_sql``;
``sync.TOUCH_PATHS``); numpy flags the named positions and applies the models
(``accord.analytics.attribution.aggregate``). For every model the credits sum to the
attributable totals: the converting journeys with at least one touch in the window;
converting leads without one are counted apart (``unattributed_conversions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from accord.analytics.attribution import aggregate, paths
from accord.analytics.attribution.aggregate import ALL_MODELS, MARKOV, SHAPLEY
from accord.analytics.attribution.positions import DEFAULT_HALF_LIFE_DAYS, SECONDS_PER_DAY
from accord.analytics.attribution.shapley import MAX_CHANNEL_ID
from accord.analytics.filters import COHORT, ReportFilters, lead_conditions, where
from accord.analytics.runners import attribution_paths
from accord.analytics.runners.base import GROUP_CAMPAIGN, GROUP_CHANNEL, group_labels, run_read
from accord.analytics.runners.journey_arrays import (
    epoch_times,
    fetch_numpy,
    in_journey_order,
    last_at_or_before,
    table_exists,
)
from accord.analytics.sync import TOUCH_PATHS
from accord.core.errors import InvalidInput

WON = "won"
CONVERSIONS = (WON, "mql", "sql", "opportunity")
#: What the models credit: the won deals' amount or their margin.
VALUES = ("revenue", "margin")
GROUPS = (GROUP_CHANNEL, GROUP_CAMPAIGN)
DEFAULT_LOOKBACK_DAYS = 90.0
MAX_LOOKBACK_DAYS = 3650.0
MAX_MARKOV_ORDER = 4
#: The key of touches without a channel (or campaign).
NO_KEY = -1
#: The journeys of one run, numbered in lead-id order, as the touch-paths query reads them.
PATH_JOURNEYS = "attribution_journeys"


@dataclass(frozen=True)
class AttributionQuery:
    filters: ReportFilters
    #: One model, or None for all nine side by side.
    model: str | None = None
    conversion: str = WON
    group_by: str = GROUP_CHANNEL
    lookback_days: float = DEFAULT_LOOKBACK_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    markov_order: int = 1
    value: str = "revenue"

    def __post_init__(self) -> None:
        if self.value not in VALUES:
            raise InvalidInput(f"The value must be one of {', '.join(VALUES)}.", field="value")
        if self.model is not None and self.model not in ALL_MODELS:
            raise InvalidInput(
                f"Unknown model {self.model!r}; use one of {', '.join(ALL_MODELS)}.",
                field="model",
            )
        if self.conversion not in CONVERSIONS:
            raise InvalidInput(
                f"The conversion must be one of {', '.join(CONVERSIONS)}.", field="conversion"
            )
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")
        if not 0 < self.lookback_days <= MAX_LOOKBACK_DAYS:
            raise InvalidInput(
                f"The lookback window must be between 0 and {MAX_LOOKBACK_DAYS:g} days.",
                field="lookback",
            )
        if not self.half_life_days > 0:
            raise InvalidInput(
                "The half-life must be a positive number of days.", field="half_life"
            )
        if not 1 <= self.markov_order <= MAX_MARKOV_ORDER:
            raise InvalidInput(
                f"The Markov order must be between 1 and {MAX_MARKOV_ORDER}.", field="order"
            )

    @property
    def models(self) -> tuple[str, ...]:
        return ALL_MODELS if self.model is None else (self.model,)


@dataclass(frozen=True)
class CreditRow:
    key: int | None
    label: str
    conversions: float
    revenue: float


@dataclass(frozen=True)
class ModelCredits:
    model: str
    #: One row per channel (or campaign) that had a touch, by label.
    rows: tuple[CreditRow, ...]
    conversions: float
    revenue: float

    def row(self, label: str) -> CreditRow:
        return next(r for r in self.rows if r.label == label)


@dataclass(frozen=True)
class AttributionResult:
    query: AttributionQuery
    models: tuple[ModelCredits, ...]
    #: What every model's credits sum to: converting journeys with a touch in the window.
    total_conversions: float
    total_revenue: float
    journeys: int
    converted: int
    #: Converting leads with no touch in the window: no channel to credit.
    unattributed_conversions: int
    data_as_of: datetime | None
    #: Journeys with at least one touch in their window (converting or not): what the
    #: models saw. Markov needs the non-converting ones, each ending at its last touch.
    journeys_included: int = 0
    #: Non-converting journeys with no touch at all (no path to learn from).
    journeys_without_touch: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def model_credits(self, model: str) -> ModelCredits:
        return next(m for m in self.models if m.model == model)

    def as_rows(self) -> list[dict[str, Any]]:
        """One row per model and channel (what ``--format table|csv`` prints); the credited
        value's columns are named after it (``revenue`` or ``margin``)."""
        value = self.query.value
        return [
            {
                "model": m.model,
                "group": r.label,
                "conversions": round(r.conversions, 3),
                value: round(r.revenue, 2),
                f"{value}_pct": round(r.revenue / m.revenue * 100, 1) if m.revenue else None,
            }
            for m in self.models
            for r in m.rows
        ]


@dataclass(frozen=True)
class AttributionSql:
    #: The converting journeys' touches from the touchpoints (a copy without touch paths).
    touches: str
    #: The converting journeys (what the rule-based models credit), by lead id.
    counts: str
    params: dict[str, Any]
    #: ``touches`` from the touch paths: ``journey`` (row of ``counts``), key, ts.
    touch_paths: str = ""
    #: The journeys CTEs, for the path counts of Markov and Shapley (``attribution_paths``).
    journeys: str = ""
    #: The touch paths' column of group keys.
    path_keys: str = "channel_ids"


class AttributionRunner:
    def __init__(self, query: AttributionQuery):
        self.query = query

    def build_sql(self) -> AttributionSql:
        q = self.query
        f = q.filters
        since, until = f.bounds()
        lead_where, params = lead_conditions(f, "l")
        params = {
            **params,
            "since": since,
            "until": until,
            "lookback": q.lookback_days * SECONDS_PER_DAY,
        }
        journeys = self._journeys_sql(lead_where)
        key = "t.channel_id" if q.group_by == GROUP_CHANNEL else "t.campaign_id"
        # Touches in journey and time order; which touch holds a named position (the last
        # one at or before the lead's creation, the opportunity, the close) is found in
        # numpy from the journey's times (``last_at_or_before``): three window passes
        # over millions of touches cost more than the join that selects them.
        touches = f"""
WITH {journeys}
SELECT j.lead_id, coalesce({key}, {NO_KEY}) AS key, epoch(t."at") AS ts
FROM journeys j JOIN touchpoints t ON t.contact_id = j.contact_id
WHERE j.converted AND t."at" <= j.end_at AND epoch(t."at") > epoch(j.end_at) - $lookback
ORDER BY j.lead_id, t."at", t.id
"""
        # The same touches from the copy's per-contact touch lists (``sync.TOUCH_PATHS``):
        # a join of the journeys to one row per contact, already in time order, instead of
        # to every touchpoint and a sort of the result. The journeys are the rows of
        # ``counts`` (the converting ones: Markov and Shapley count the others on the
        # engine), handed back as ``PATH_JOURNEYS`` (contact_id, end_ts, journey; not
        # computed twice); unnesting keeps each list's order. (Without the ORDER BY a
        # parallel plan splits long lists between threads: sorting them back costs more
        # than the sort of one row per journey.)
        paths = "channel_ids" if q.group_by == GROUP_CHANNEL else "campaign_ids"
        touch_paths = f"""
WITH picked AS (
    SELECT j.journey, j.end_ts, p.ts, p.{paths} AS keys
    FROM {PATH_JOURNEYS} j JOIN {TOUCH_PATHS} p ON p.contact_id = j.contact_id
    ORDER BY j.journey
),
flat AS (SELECT journey, end_ts, unnest(ts) AS ts, unnest(keys) AS key FROM picked)
SELECT journey, key, ts FROM flat WHERE ts <= end_ts AND ts > end_ts - $lookback
"""
        counts = f"""
WITH {journeys}
SELECT lead_id, contact_id, converted, credited_value AS value, epoch(end_at) AS end_ts,
    epoch(created_at) AS created_ts,
    epoch(CAST(opportunity_at AS TIMESTAMP)) AS opportunity_ts,
    epoch(CAST(close_at AS TIMESTAMP)) AS close_ts
FROM journeys WHERE converted ORDER BY lead_id
"""
        return AttributionSql(
            touches=touches,
            counts=counts,
            params=params,
            touch_paths=touch_paths,
            journeys=journeys,
            path_keys=paths,
        )

    def _journeys_sql(self, lead_where: list[str]) -> str:
        """The ``won``, ``opened`` … ``journeys`` CTEs: one row per lead in scope with its
        conversion (or not), credited value, named positions and the end of its path."""
        q = self.query
        f = q.filters
        # A journey that did not convert ends with its own last touch (in period mode, the
        # last one before the period ends): its path to nothing. Not "now": a report on
        # the same data must not change with the day it runs (with a lookback shorter than
        # the time since their last touch, old journeys silently dropped out). Journeys
        # with no touch at all keep their creation as end; they have no path either way.
        last_cap = "" if f.mode == COHORT else 'AND t."at" < $until'

        if f.mode == COHORT:
            lead_where.append("l.created_at >= $since AND l.created_at < $until")
        if q.conversion == WON:
            converted_at = "w.won_at"
            close_at = "w.won_at"
        else:
            # The lead facts of the copy (``sync.LEAD_FACTS``): first entry into the stage.
            converted_at = f"l.{q.conversion}_at"
            close_at = "NULL"
        # The opportunity touch exists only for conversions at or after the opportunity.
        opportunity_at = (
            "NULL" if q.conversion in ("mql", "sql") else "least(o.opened_at, l.opportunity_at)"
        )
        in_scope = (
            "TRUE"
            if f.mode == COHORT
            else "(conversion_at >= $since AND conversion_at < $until) OR "
            "(conversion_at IS NULL AND created_at >= $since AND created_at < $until)"
        )
        won_value, won_join = "amount", ""
        if self.query.value == "margin":
            won_value = "coalesce(li.margin, 0.0)"
            won_join = (
                "LEFT JOIN (SELECT deal_id, sum(net_amount - cost_amount) AS margin "
                "FROM deal_line_items GROUP BY deal_id) li ON li.deal_id = d.id"
            )
        journeys = f"""
won AS (
    SELECT lead_id, min(closed_at) AS won_at, sum({won_value}) AS revenue
    FROM deals d {won_join}
    WHERE stage = 'won' AND closed_at IS NOT NULL AND lead_id IS NOT NULL
    GROUP BY lead_id
),
opened AS (
    SELECT lead_id, min(created_at) AS opened_at FROM deals WHERE lead_id IS NOT NULL
    GROUP BY lead_id
),
candidates AS (
    SELECT l.id AS lead_id, l.contact_id, l.created_at,
        {converted_at} AS conversion_at,
        coalesce(w.revenue, 0.0) AS value,
        {opportunity_at} AS opportunity_at,
        {close_at} AS close_at
    FROM leads l
    LEFT JOIN won w ON w.lead_id = l.id
    LEFT JOIN opened o ON o.lead_id = l.id
    WHERE {where(lead_where)}
),
scoped AS (SELECT * FROM candidates WHERE {in_scope}),
last_touch AS (
    SELECT t.contact_id, max(t."at") AS last_at FROM touchpoints t
    WHERE t.contact_id IN (SELECT contact_id FROM scoped WHERE conversion_at IS NULL)
        {last_cap}
    GROUP BY t.contact_id
),
journeys AS (
    SELECT s.*, s.conversion_at IS NOT NULL AS converted,
        CASE WHEN s.conversion_at IS NULL THEN 0.0 ELSE s.value END AS credited_value,
        CASE WHEN s.conversion_at IS NOT NULL THEN s.conversion_at
            ELSE coalesce(lt.last_at, s.created_at) END AS end_at
    FROM scoped s LEFT JOIN last_touch lt ON lt.contact_id = s.contact_id
)"""
        return journeys

    def run(self) -> AttributionResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> AttributionResult:
        q = self.query
        sql = self.build_sql()
        rule_models = tuple(m for m in q.models if m not in (MARKOV, SHAPLEY))
        counted = attribution_paths.engine_counts(
            con,
            sql.journeys,
            sql.path_keys,
            sql.params,
            markov_order=q.markov_order if MARKOV in q.models else None,
            shapley=SHAPLEY in q.models,
        )
        totals = counted.totals
        keys = totals.keys
        notes: list[str] = []
        credits: dict[str, aggregate.Credits] = {}
        if rule_models:
            credits.update(self._rule_credits(con, sql, totals, rule_models))
        if counted.moves is not None:
            credits[MARKOV] = paths.markov_from_moves(counted.moves, totals, order=q.markov_order)
        if counted.coalitions is not None and SHAPLEY in q.models:
            if keys.size > MAX_CHANNEL_ID + 1:
                if q.model == SHAPLEY:
                    raise InvalidInput(
                        "Shapley attribution supports at most 64 channels or campaigns; "
                        "filter to fewer.",
                        field="model",
                    )
                notes.append("Shapley is left out: it supports at most 64 groups.")
            else:
                credits[SHAPLEY] = paths.shapley_from_coalitions(counted.coalitions, totals)
        labels = group_labels(con, q.group_by)
        names = ["(none)" if k == NO_KEY else str(labels.get(int(k), k)) for k in keys.tolist()]
        models = tuple(
            _model_credits(model, credits[model], keys, names)
            for model in q.models
            if model in credits
        )
        notes += attribution_paths.journey_notes(totals, q.lookback_days)
        return AttributionResult(
            query=q,
            models=models,
            total_conversions=float(totals.conversions),
            total_revenue=totals.revenue,
            journeys=totals.journeys,
            converted=totals.converted,
            unattributed_conversions=totals.untouched_converted,
            journeys_included=totals.included,
            journeys_without_touch=totals.untouched_other,
            data_as_of=as_of,
            notes=tuple(notes),
        )

    def _rule_credits(
        self,
        con: duckdb.DuckDBPyConnection,
        sql: AttributionSql,
        totals: paths.PathTotals,
        models: tuple[str, ...],
    ) -> dict[str, aggregate.Credits]:
        """The rule-based models on the converting journeys' touches (only they carry
        credit), their groups numbered as the path totals number them."""
        journeys = fetch_numpy(con, sql.counts, sql.params)
        lead_ids = journeys["lead_id"].astype(np.int64)
        journey, ts, key = self._touches(con, sql, journeys, lead_ids)
        columns = aggregate.journeys_from_columns(
            journey=journey,
            channel=np.searchsorted(totals.keys, key),
            time=ts,
            is_lead=last_at_or_before(journey, ts, epoch_times(journeys["created_ts"])),
            is_opportunity=last_at_or_before(journey, ts, epoch_times(journeys["opportunity_ts"])),
            is_close=last_at_or_before(journey, ts, epoch_times(journeys["close_ts"])),
            converted=journeys["converted"].astype(bool),
            value=journeys["value"].astype(np.float64),
            conversion_time=journeys["end_ts"].astype(np.float64),
            n_channels=totals.n_channels,
        )
        return aggregate.rule_based_credits(
            columns, models=models, half_life_days=self.query.half_life_days
        )

    def _touches(
        self,
        con: duckdb.DuckDBPyConnection,
        sql: AttributionSql,
        journeys: dict,
        lead_ids: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each journey's touches in time order: (journey index, epoch seconds, group key)."""
        # A copy from before the touch paths, not synced since: from the touchpoints.
        if not table_exists(con, TOUCH_PATHS):
            touches = fetch_numpy(con, sql.touches, sql.params)
            # Dense ids: journeys by lead id (both sorted).
            journey = np.searchsorted(lead_ids, touches["lead_id"].astype(np.int64))
            return journey, touches["ts"].astype(np.float64), touches["key"].astype(np.int64)
        numbered = pd.DataFrame(
            {
                "contact_id": np.ma.filled(journeys["contact_id"], -1).astype(np.int64),
                "end_ts": journeys["end_ts"].astype(np.float64),
                "journey": np.arange(lead_ids.size, dtype=np.int32),
            }
        )
        con.register(PATH_JOURNEYS, numbered)
        try:
            touches = fetch_numpy(con, sql.touch_paths, sql.params)
        finally:
            con.unregister(PATH_JOURNEYS)
        # ``copy=False``: ts and key come as float64 and int64 (a copy of 3M rows costs
        # ~0.05 s each); journey comes as INTEGER, narrower to fetch.
        return in_journey_order(
            touches["journey"].astype(np.int64),
            touches["ts"].astype(np.float64, copy=False),
            touches["key"].astype(np.int64, copy=False),
        )


def _model_credits(
    model: str, credits: aggregate.Credits, keys: np.ndarray, names: list[str]
) -> ModelCredits:
    rows = sorted(
        (
            CreditRow(
                key=None if int(k) == NO_KEY else int(k),
                label=names[i],
                conversions=float(credits.conversions[i]),
                revenue=float(credits.revenue[i]),
            )
            for i, k in enumerate(keys.tolist())
        ),
        key=lambda r: (r.key is None, r.label),
    )
    return ModelCredits(
        model=model,
        rows=tuple(rows),
        conversions=float(credits.conversions.sum()),
        revenue=float(credits.revenue.sum()),
    )


def report_run(
    filters: ReportFilters,
    *,
    group_by: str | None = None,
    model: str | None = None,
    conversion: str = WON,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    markov_order: int = 1,
    value: str = "revenue",
) -> AttributionResult:
    """The entry point of ``accord.analytics.reports`` (CLI and API)."""
    query = AttributionQuery(
        filters,
        model=model or None,
        conversion=conversion,
        group_by=group_by or GROUP_CHANNEL,
        lookback_days=lookback_days,
        half_life_days=half_life_days,
        markov_order=markov_order,
        value=value,
    )
    return AttributionRunner(query).run()
