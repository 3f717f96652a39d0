"""Lead quality per channel or campaign: MQL→SAL acceptance, MQL→SQL, rejection reasons
(Pareto), quality ratings, and the volume-vs-quality quadrant.

Scope: the MQLs of the report — cohort mode: leads created in the period that became MQL;
period mode: leads whose (first) MQL move happened in the period. Acceptance counts those
MQLs that reached SAL (at any time after), MQL→SQL those that reached SQL. A rejection is a
move from MQL or SAL to recycled or disqualified; its reason is the transition's reason.
The quadrant splits groups at the median MQL volume and the median acceptance rate.
Quality ratings are sales' 1-5 ratings of handed-off leads (``handoff.QualityRating``; one per
rater, so a lead may have several): per group their count and average over the report's MQLs,
and overall how many ratings gave each score. Where two people or more rated the same lead,
their agreement (``analytics.agreement``: quadratic-weighted kappa) says per group how far
its ratings can be trusted; a group whose raters disagree is flagged untrusted.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.agreement import Agreement, agreement_of
from accord.analytics.filters import COHORT, ReportFilters, where
from accord.analytics.runners.base import (
    GROUP_CAMPAIGN,
    GROUP_CHANNEL,
    group_labels,
    label_of,
    ratio,
    run_read,
)
from accord.analytics.runners.velocity import scope_conditions
from accord.core.errors import InvalidInput

GROUPS = (GROUP_CHANNEL, GROUP_CAMPAIGN)
REJECTED_STAGES = ("recycled", "disqualified")
HIGH_HIGH, HIGH_LOW, LOW_HIGH, LOW_LOW = (
    "high volume, high quality",
    "high volume, low quality",
    "low volume, high quality",
    "low volume, low quality",
)


@dataclass(frozen=True)
class QualityQuery:
    filters: ReportFilters
    group_by: str = GROUP_CHANNEL

    def __post_init__(self) -> None:
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")


@dataclass(frozen=True)
class QualityRow:
    key: Any
    label: str
    mqls: int
    accepted: int
    sqls: int
    rejected: int
    acceptance_rate: float | None
    mql_to_sql: float | None
    quadrant: str
    #: Ratings given to these MQLs, and their average (None without ratings).
    ratings: int = 0
    average_rating: float | None = None
    #: How far the raters of these MQLs agree (None: no lead was rated twice).
    agreement: Agreement | None = None

    @property
    def rating_trusted(self) -> bool | None:
        """False when the raters disagree too much to trust ``average_rating``."""
        if self.agreement is None or self.agreement.trust == "too_few":
            return None
        return self.agreement.trust == "trusted"


@dataclass(frozen=True)
class RatingCount:
    rating: int
    count: int


@dataclass(frozen=True)
class RejectionReason:
    reason: str
    count: int
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class QualityResult:
    query: QualityQuery
    rows: tuple[QualityRow, ...]
    reasons: tuple[RejectionReason, ...]
    #: How many ratings gave each score 1..5 (zeros included), over every group.
    ratings: tuple[RatingCount, ...]
    data_as_of: datetime | None
    #: Where the quadrant splits: median MQL volume and median acceptance rate.
    volume_cut: float = 0
    quality_cut: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class QualitySql:
    rows: str
    reasons: str
    ratings: str
    params: dict[str, Any]
    #: Per group and lead rated twice or more: the list of its ratings.
    agreement: str = ""


class QualityRunner:
    def __init__(self, query: QualityQuery):
        self.query = query

    def build_sql(self) -> QualitySql:
        f = self.query.filters
        conditions, params = scope_conditions(f)
        column = (
            "source_channel_id" if self.query.group_by == GROUP_CHANNEL else "source_campaign_id"
        )
        # The lead facts of the copy (``sync.LEAD_FACTS``): the first MQL, and the last SAL,
        # SQL and rejection, so "reached after the first MQL" is a comparison on one row.
        conditions.append("l.mql_at IS NOT NULL")
        if f.mode != COHORT:
            conditions.append("l.mql_at >= $since AND l.mql_at < $until")
        mqls = f"mqls AS (SELECT l.* FROM leads l WHERE {where(conditions)})"
        rejected_in = ", ".join(f"'{s}'" for s in REJECTED_STAGES)
        rows = f"""
WITH {mqls},
rated AS (
    SELECT q.lead_id, count(*) AS n, sum(q.rating) AS total
    FROM quality_ratings q GROUP BY q.lead_id
)
SELECT m.{column} AS g, count(*),
    count(*) FILTER (WHERE m.sal_last_at >= m.mql_at),
    count(*) FILTER (WHERE m.sql_last_at >= m.mql_at),
    count(*) FILTER (WHERE m.rejected_last_at >= m.mql_at),
    coalesce(sum(q.n), 0), sum(q.total)
FROM mqls m LEFT JOIN rated q ON q.lead_id = m.id
GROUP BY ALL
"""
        reasons = f"""
WITH {mqls}
SELECT coalesce(nullif(t.reason, ''), '(no reason)') AS reason, count(*) AS n
FROM stage_transitions t JOIN mqls m ON m.id = t.lead_id AND t."at" >= m.mql_at
WHERE t.from_stage IN ('mql', 'sal') AND t.to_stage IN ({rejected_in})
GROUP BY ALL ORDER BY n DESC, reason
"""
        ratings = f"""
WITH {mqls}
SELECT q.rating, count(*) FROM quality_ratings q JOIN mqls m ON m.id = q.lead_id
GROUP BY ALL
"""
        agreement = f"""
WITH {mqls}
SELECT m.{column} AS g, list(q.rating ORDER BY q.by_id) AS given
FROM quality_ratings q JOIN mqls m ON m.id = q.lead_id
GROUP BY m.{column}, q.lead_id HAVING count(*) >= 2
"""
        return QualitySql(
            rows=rows, reasons=reasons, ratings=ratings, params=params, agreement=agreement
        )

    def run(self) -> QualityResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> QualityResult:
        sql = self.build_sql()
        labels = group_labels(con, self.query.group_by)
        raw = _fetch(con, sql.rows, sql.params)
        rates = [ratio(r[2], r[1]) or 0.0 for r in raw]
        volume_cut = statistics.median([r[1] for r in raw]) if raw else 0
        rate_cut = statistics.median(rates) if raw else 0.0
        twice: dict[Any, list[list[int]]] = {}
        for g, given in _fetch(con, sql.agreement, sql.params):
            twice.setdefault(g, []).append([int(v) for v in given])
        rows = []
        for (g, mqls, accepted, sqls, rejected, rated, total), rate in zip(raw, rates, strict=True):
            high_volume, high_quality = mqls >= volume_cut, rate >= rate_cut
            quadrant = {
                (True, True): HIGH_HIGH,
                (True, False): HIGH_LOW,
                (False, True): LOW_HIGH,
                (False, False): LOW_LOW,
            }[(high_volume, high_quality)]
            rows.append(
                QualityRow(
                    key=g,
                    label=label_of(labels, self.query.group_by, g),
                    mqls=mqls,
                    accepted=accepted,
                    sqls=sqls,
                    rejected=rejected,
                    acceptance_rate=ratio(accepted, mqls),
                    mql_to_sql=ratio(sqls, mqls),
                    quadrant=quadrant,
                    ratings=rated,
                    average_rating=ratio(total, rated),
                    agreement=agreement_of(twice[g]) if g in twice else None,
                )
            )
        rows.sort(key=lambda r: (-r.mqls, str(r.label)))
        reason_rows = _fetch(con, sql.reasons, sql.params)
        total = sum(n for _, n in reason_rows)
        reasons, running = [], 0
        for reason, n in reason_rows:
            running += n
            reasons.append(
                RejectionReason(
                    reason=reason, count=n, share=n / total, cumulative_share=running / total
                )
            )
        given = dict(_fetch(con, sql.ratings, sql.params))
        return QualityResult(
            query=self.query,
            rows=tuple(rows),
            reasons=tuple(reasons),
            ratings=tuple(RatingCount(r, int(given.get(r, 0))) for r in range(1, 6)),
            data_as_of=as_of,
            volume_cut=volume_cut,
            quality_cut=rate_cut,
        )


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall()
