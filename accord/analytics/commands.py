"""``accord analytics sync`` and ``accord report <name>``.

Exit codes: 0 done, 2 a usage or domain error (bad filter, copy not built yet).
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, timedelta

import click

from accord.analytics.filters import MODES, ReportFilters

FORMATS = ("table", "csv", "json")


@click.group("analytics")
def analytics() -> None:
    """The analytics copy (DuckDB) behind every report."""


@analytics.command("sync")
@click.option("--full", is_flag=True, help="Rebuild the copy from scratch.")
def sync_command(full: bool) -> None:
    """Bring the analytics copy up to date now (the worker does it every minute)."""
    from accord.analytics.sync import analytics_sync

    report = analytics_sync(full=full, progress=lambda name: click.echo(f"  {name}", err=True))
    written = ", ".join(f"{name} {n:,}" for name, n in report.rows.items() if n)
    click.echo(
        f"{'Full' if report.full else 'Incremental'} sync in {report.seconds:.2f} s; "
        f"rows written: {written or 'none'}."
    )


@analytics.command("feed")
@click.option("--full", is_flag=True, help="Reload every table instead of sending changes.")
def feed_command(full: bool) -> None:
    """Feed ClickHouse from the DuckDB copy now (every sync does it when the engine is
    ClickHouse); --full reloads every table (recovery)."""
    from accord.analytics import clickhouse, engine
    from accord.analytics.sync.publishing import copy_writing

    if clickhouse.engine_name() != clickhouse.CLICKHOUSE:
        raise click.UsageError("ACCORD_ANALYTICS_ENGINE is not clickhouse: nothing to feed.")
    if not engine.duckdb_path().exists():
        raise click.UsageError("The analytics copy is not built yet: run `accord analytics sync`.")
    with copy_writing() as write:
        report = clickhouse.mirror(write.con, engine.duckdb_path(), full=full)
    click.echo(
        f"{'Full' if report.full else 'Incremental'} feed in {report.seconds:.2f} s; "
        f"rows sent: {sum(report.rows.values()):,}; tables reloaded: {len(report.reloaded)}."
    )


def _echo_table(rows: list[dict]) -> None:
    if not rows:
        click.echo("(no rows)")
        return
    columns = list(rows[0])
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _report_print(name: str, options: dict) -> None:
    """Run the report the options describe and print it as a table, CSV or JSON."""
    from accord.analytics.reports import report_dict, report_rows, report_run

    if name == "forecast":
        # The periods around today: three behind (forecast vs actual), the next one ahead.
        end = options["end"] or date.today() + timedelta(days=92)
        start = options["start"] or date.today() - timedelta(days=273)
    elif name == "promotions":
        # Deals take months to close: a year by default.
        end = options["end"] or date.today()
        start = options["start"] or end - timedelta(days=364)
    else:
        end = options["end"] or date.today()
        start = options["start"] or end - timedelta(days=89)
    filters = ReportFilters(
        start=start,
        end=end,
        mode=options["mode"],
        channel=options["channel"],
        campaign=options["campaign"],
        team=options["team"],
        rep=options["rep"],
        segment=options["segment"],
    )
    result = report_run(
        name,
        filters,
        group_by=options.get("group_by"),
        model=options.get("model"),
        sla_hours=options.get("sla_hours"),
        conversion=options.get("conversion"),
        value=options.get("value"),
        lookback_days=options.get("lookback_days"),
        half_life_days=options.get("half_life_days"),
        markov_order=options.get("markov_order"),
        **{
            k: options[k]
            for k in ("period", "pipeline", "seed", "simulations", "min_closed")
            if options.get(k)
        },
    )
    fmt = options["fmt"]
    if fmt == "json":
        click.echo(json.dumps(report_dict(result), indent=2, default=str))
        return
    rows = report_rows(result)
    if fmt == "csv":
        if rows:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return
    as_of = result.data_as_of.strftime("%Y-%m-%d %H:%M UTC") if result.data_as_of else "never"
    click.echo(f"{name}: {start} .. {end} ({options['mode']}); data as of {as_of}")
    _echo_table(rows)
    for note in getattr(result, "notes", ()):
        click.echo(f"note: {note}")
    sections = None
    if name == "forecast":
        from accord.analytics.forecast.rows import forecast_sections

        sections = forecast_sections(result)
    elif name == "promotions":
        from accord.analytics.promotions.rows import promotion_sections

        sections = promotion_sections(result)
    for title, section in sections or ():
        click.echo(f"\n{title}")
        _echo_table(section)


def _common_options() -> list[click.Parameter]:
    """The period, mode, filters and output format every report takes."""
    return [
        click.Option(
            ["--start"],
            type=click.DateTime(["%Y-%m-%d"]),
            callback=lambda c, p, v: v.date() if v else None,
            help="First day (default: 89 days before --end).",
        ),
        click.Option(
            ["--end"],
            type=click.DateTime(["%Y-%m-%d"]),
            callback=lambda c, p, v: v.date() if v else None,
            help="Last day (default: today).",
        ),
        click.Option(
            ["--mode"],
            type=click.Choice(MODES),
            default="cohort",
            show_default=True,
            help="cohort: leads created in the period; period: what happened in it.",
        ),
        click.Option(["--channel"], help="Channel slug, e.g. paid-search."),
        click.Option(["--campaign"], help="UTM campaign."),
        click.Option(["--team"], help="Team name."),
        click.Option(["--rep"], help="Rep username."),
        click.Option(["--segment"], help="size:<band> or <property>=<value>."),
        click.Option(
            ["--format", "fmt"], type=click.Choice(FORMATS), default="table", show_default=True
        ),
    ]


def _attribution_options() -> list[click.Parameter]:
    from accord.analytics.attribution.aggregate import ALL_MODELS
    from accord.analytics.runners.attribution import CONVERSIONS, VALUES

    return [
        click.Option(["--model"], type=click.Choice(ALL_MODELS), help="One model (default: all)."),
        click.Option(
            ["--conversion"],
            type=click.Choice(CONVERSIONS),
            help="What is attributed (default: won revenue).",
        ),
        click.Option(
            ["--value"],
            type=click.Choice(VALUES),
            help="What the models credit: the won deals' revenue (default) or margin.",
        ),
        click.Option(
            ["--lookback-days"],
            type=click.FloatRange(min=0, min_open=True),
            help="Touches this many days before the conversion count (default 90).",
        ),
        click.Option(
            ["--half-life-days"],
            type=click.FloatRange(min=0, min_open=True),
            help="Time-decay half-life (default 7).",
        ),
        click.Option(
            ["--markov-order"],
            type=click.IntRange(1, 4),
            help="Markov chain order (default 1).",
        ),
    ]


def _forecast_options() -> list[click.Parameter]:
    return [
        click.Option(
            ["--period"],
            type=click.Choice(("quarter", "month")),
            default="quarter",
            show_default=True,
            help="Periods of the close date.",
        ),
        click.Option(["--pipeline"], help="Pipeline key (default: every pipeline)."),
        click.Option(
            ["--seed"], type=int, help="Seed of the simulation (same seed, same P10-P90)."
        ),
        click.Option(
            ["--simulations"], type=click.IntRange(100, 100_000), help="Simulated periods."
        ),
    ]


def _promotion_options() -> list[click.Parameter]:
    return [
        click.Option(["--pipeline"], help="Pipeline key (default: every pipeline)."),
        click.Option(
            ["--min-closed"],
            type=click.IntRange(1, 10_000),
            help="Groups with fewer closed deals are flagged too small to compare (default 30).",
        ),
    ]


def _report_command(name: str, group_choices: tuple[str, ...] | None) -> click.Command:
    def run(**options) -> None:
        _report_print(name, options)

    params = _common_options()
    if group_choices:
        params.append(
            click.Option(["--by", "group_by"], type=click.Choice(group_choices), help="Split by.")
        )
    if name in ("velocity", "reps"):
        params.append(
            click.Option(
                ["--sla-hours"],
                type=click.FloatRange(min=0, min_open=True),
                help="First-contact SLA threshold in hours.",
            )
        )
    if name == "attribution":
        params += _attribution_options()
    if name == "forecast":
        params += _forecast_options()
    if name == "promotions":
        params += _promotion_options()
    return click.Command(
        name, callback=run, params=params, help=f"The {name} report over the analytics copy."
    )


@click.group("report")
def report() -> None:
    """Reports: funnel, velocity, kpis, attribution, quality, reps, forecast, promotions."""


for _name, _groups in (
    ("funnel", ("none", "channel", "campaign")),
    ("velocity", None),
    ("kpis", ("none", "channel", "campaign", "month", "pipeline")),
    ("attribution", ("channel", "campaign")),
    ("quality", ("channel", "campaign")),
    ("reps", None),
    ("forecast", ("owner", "team", "pipeline", "none")),
    ("promotions", None),
):
    report.add_command(_report_command(_name, _groups))
