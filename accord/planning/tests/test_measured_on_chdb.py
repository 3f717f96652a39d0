"""Issue 18's parity for planning: the assumptions a plan measures from the funnel (rates per
step and month, deal size, lags, channels) are the same read from ClickHouse (chDB) as from
DuckDB, on the parity test's company."""

from __future__ import annotations

import dataclasses

from accord.analytics.sync import analytics_sync
from accord.analytics.tests.test_clickhouse_parity import (
    END,
    START,
    _plain,
    company_load,
    differences,
)
from accord.planning.measured import measured_assumptions


def test_measured_assumptions_are_the_same_on_chdb(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    settings.ANALYTICS_CLICKHOUSE_URL = ""
    company_load()
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()  # the DuckDB copy, mirrored into chDB
    answers = {}
    for engine in ("duckdb", "clickhouse"):
        settings.ANALYTICS_ENGINE = engine
        measured = measured_assumptions(window_start=START, window_end=END)
        assert dataclasses.is_dataclass(measured)
        answers[engine] = _plain(measured)
        # When, not what: the DuckDB snapshot and the ClickHouse feed note their own times.
        answers[engine].pop("data_as_of")
    found = differences(answers["duckdb"], answers["clickhouse"])
    assert not found, "\n".join(found[:10])
    # Not vacuous: the window's funnel measured rates, a deal size and channels.
    measured = answers["duckdb"]
    assert measured["deal_size"]["value"] and measured["channels"]
    assert all(rate["value"] is not None for rate in measured["rates"].values())
