"""``accord report`` output formats and ``accord analytics sync``, through click."""

import csv
import io
import json

from click.testing import CliRunner

from accord.analytics.commands import analytics, report

ARGS = ["--start", "2025-03-01", "--end", "2025-03-31"]


def test_sync_command(company):
    result = CliRunner().invoke(analytics, ["sync"])
    assert result.exit_code == 0, result.output
    assert "Incremental sync" in result.output


def test_funnel_table_csv_json(company):
    runner = CliRunner()
    table = runner.invoke(report, ["funnel", *ARGS])
    assert table.exit_code == 0, table.output
    assert "data as of" in table.output and "customer" in table.output
    as_csv = runner.invoke(report, ["funnel", *ARGS, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(r["stage"], r["count"]) for r in rows[:2]] == [("lead", "3"), ("mql", "3")]
    as_json = json.loads(runner.invoke(report, ["funnel", *ARGS, "--format", "json"]).output)
    assert [s["count"] for s in as_json["total"]["steps"]] == [3, 3, 2, 1, 1, 1]


def test_every_report_runs(company):
    for name in ("velocity", "kpis", "quality", "reps"):
        result = CliRunner().invoke(report, [name, *ARGS, "--mode", "period", "--format", "csv"])
        assert result.exit_code == 0, (name, result.output)
        assert result.output.count("\n") >= 2


def test_bad_filter_is_a_domain_error(company):
    from accord.core.errors import InvalidInput

    result = CliRunner().invoke(report, ["kpis", *ARGS, "--channel", "nope"])
    assert isinstance(result.exception, InvalidInput) and result.exception.field == "channel"
