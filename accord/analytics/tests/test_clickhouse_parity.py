"""Parity: every runner gives the same answer on ClickHouse (chDB) as on DuckDB.

One small simulated company (the demo generator, 300 leads), one sync (which mirrors the
copy into chDB), then every runner once per engine; answers compared field by field, floats
to a relative 1e-9. The server test runs the same on a real ClickHouse and is skipped unless
``ACCORD_TEST_CLICKHOUSE_URL`` names one (it only differs from chDB in the connection).
"""

from __future__ import annotations

import dataclasses
import math
import os
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.attribution import AttributionQuery, AttributionRunner
from accord.analytics.runners.forecast import ForecastQuery, ForecastRunner
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.analytics.runners.promotions import PromotionsQuery, PromotionsRunner
from accord.analytics.runners.quality import QualityQuery, QualityRunner
from accord.analytics.runners.reps import RepsQuery, RepsRunner
from accord.analytics.runners.speed import SpeedQuery, SpeedRunner
from accord.analytics.runners.summary import SummaryQuery, SummaryRunner
from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
from accord.analytics.sync import analytics_sync
from accord.demo import loader
from accord.demo.deal_lines import sales_mix_write

ANCHOR = date(2026, 3, 1)
START, END = ANCHOR - timedelta(days=365), ANCHOR
COHORT = ReportFilters(START, END)
PERIOD = ReportFilters(START, END, mode="period")
NOW = datetime(2026, 3, 1, 12, 0)
#: A period without data: aggregates over no rows (NULL in DuckDB; 0, NaN or [] in ClickHouse).
EMPTY = ReportFilters(date(2001, 1, 1), date(2001, 1, 31))

RUNNERS = {
    "funnel": lambda: FunnelRunner(FunnelQuery(COHORT, group_by="channel")),
    "funnel-period-campaign": lambda: FunnelRunner(FunnelQuery(PERIOD, group_by="campaign")),
    "kpis": lambda: KpisRunner(KpisQuery(COHORT, group_by="channel")),
    "kpis-period-month": lambda: KpisRunner(KpisQuery(PERIOD, group_by="month")),
    "velocity": lambda: VelocityRunner(VelocityQuery(COHORT)),
    "velocity-period": lambda: VelocityRunner(VelocityQuery(PERIOD)),
    "quality": lambda: QualityRunner(QualityQuery(COHORT)),
    "reps": lambda: RepsRunner(RepsQuery(COHORT)),
    "reps-period": lambda: RepsRunner(RepsQuery(PERIOD)),
    # All nine models side by side (rule-based, Markov, Shapley), by channel and campaign.
    "attribution": lambda: AttributionRunner(AttributionQuery(COHORT)),
    "attribution-campaign": lambda: AttributionRunner(
        AttributionQuery(PERIOD, group_by="campaign", markov_order=2)
    ),
    "summary": lambda: SummaryRunner(SummaryQuery(START, END)),
    "speed": lambda: SpeedRunner(SpeedQuery(COHORT, group_by="channel")),
    "speed-mql-rep": lambda: SpeedRunner(SpeedQuery(PERIOD, group_by="rep", start="mql")),
    "forecast": lambda: ForecastRunner(ForecastQuery(COHORT, now=NOW, simulations=200)),
    "promotions": lambda: PromotionsRunner(PromotionsQuery(COHORT, min_closed=5)),
    "promotions-period": lambda: PromotionsRunner(PromotionsQuery(PERIOD, pipeline="new_business")),
    "empty-kpis": lambda: KpisRunner(KpisQuery(EMPTY)),
    "empty-velocity": lambda: VelocityRunner(VelocityQuery(EMPTY)),
    "empty-quality": lambda: QualityRunner(QualityQuery(EMPTY)),
    "empty-reps": lambda: RepsRunner(RepsQuery(EMPTY)),
    "empty-speed": lambda: SpeedRunner(SpeedQuery(EMPTY)),
    "empty-attribution": lambda: AttributionRunner(AttributionQuery(EMPTY)),
    "empty-promotions": lambda: PromotionsRunner(PromotionsQuery(EMPTY)),
}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def differences(duck: Any, click: Any, where: str = "") -> list[str]:
    """Where two answers differ (floats to a relative 1e-9)."""
    if isinstance(duck, dict) and isinstance(click, dict):
        if duck.keys() != click.keys():
            return [f"{where}: keys {sorted(duck, key=str)} != {sorted(click, key=str)}"]
        return [d for k in duck for d in differences(duck[k], click[k], f"{where}.{k}")]
    if isinstance(duck, list) and isinstance(click, list):
        if len(duck) != len(click):
            return [f"{where}: {len(duck)} rows != {len(click)} rows"]
        return [d for i, (a, b) in enumerate(zip(duck, click, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]  # fmt: skip
    numbers = (int, float)
    if isinstance(duck, numbers) and isinstance(click, numbers) and not isinstance(duck, bool):
        if math.isclose(duck, click, rel_tol=1e-9, abs_tol=1e-9):
            return []
    elif duck == click:
        return []
    return [f"{where}: duckdb {duck!r} != clickhouse {click!r}"]


def answers(settings, engine: str) -> dict[str, Any]:
    settings.ANALYTICS_ENGINE = engine
    return {name: _plain(make().run()) for name, make in RUNNERS.items()}


def company_load() -> None:
    """The demo's company at 300 leads, with its sales mix (an upsell pipeline, line items,
    promotions) as ``accord demo`` writes it."""
    loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=300)
    sales_mix_write(seed=7, today=ANCHOR)


@pytest.fixture
def company(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    company_load()
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()  # writes the DuckDB copy and mirrors it into ClickHouse


def parity_check(settings) -> None:
    duck, click = answers(settings, "duckdb"), answers(settings, "clickhouse")
    found = {name: differences(duck[name], click[name], name) for name in RUNNERS}
    report = [
        f"{name} ({len(d)} differences): " + "; ".join(d[:3]) for name, d in found.items() if d
    ]
    assert not report, "\n".join(report)
    # Not vacuous: the company has leads, conversions and attributed revenue.
    assert duck["funnel"]["total"]["steps"][0]["count"] > 100
    assert duck["attribution"]["converted"] > 0
    assert duck["promotions"]["deals"] > 0  # (promotions used: test_runner_promotions)


def test_every_runner_answers_the_same_on_chdb(company, settings):
    settings.ANALYTICS_CLICKHOUSE_URL = ""
    parity_check(settings)


@pytest.mark.skipif(
    not os.environ.get("ACCORD_TEST_CLICKHOUSE_URL"),
    reason="no ClickHouse server configured (set ACCORD_TEST_CLICKHOUSE_URL to run)",
)
def test_every_runner_answers_the_same_on_a_clickhouse_server(db, settings, tmp_path):
    settings.ANALYTICS_CLICKHOUSE_URL = os.environ["ACCORD_TEST_CLICKHOUSE_URL"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    company_load()
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()
    parity_check(settings)
