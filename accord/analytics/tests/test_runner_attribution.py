"""The attribution runner on the tiny company, with a few more touches counted by hand.

Journeys (cohort March 2025: leads A, B, C; D was created in February):

- A (won 04-10 10:00, 1000): email 02-25 09:00 (first), paid 03-01 09:30 (lead created
  03-01 10:00), paid 03-04 09:00 (seeded), email 03-10 09:00 (opportunity 03-10 10:00),
  paid 04-09 09:00 (close); an email touch on 04-11 comes after the win and never counts.
- B (never won; MQL 03-06 09:00): paid 03-05 08:00.
- C (never won; MQL 03-21 08:00): email 03-19 08:00.
"""

from __future__ import annotations

from datetime import date

import pytest

from accord.analytics.attribution.aggregate import ALL_MODELS
from accord.analytics.filters import ReportFilters
from accord.analytics.reports import report_rows, report_run
from accord.analytics.runners.attribution import (
    AttributionQuery,
    AttributionRunner,
)
from accord.analytics.tests.analytics_support import END, START, at, company_seed
from accord.core.errors import InvalidInput
from accord.tracking.models import Touchpoint

MARCH = ReportFilters(start=START, end=END)


def journeys_seed() -> dict:
    seeded = company_seed()
    leads, paid, email = seeded["leads"], seeded["paid"], seeded["email"]
    touches = [
        ("A", email, at(2, 25, 9)),
        ("A", paid, at(3, 1, 9, 30)),
        ("A", email, at(3, 10, 9)),
        ("A", paid, at(4, 9, 9)),
        ("A", email, at(4, 11, 9)),
        ("B", paid, at(3, 5, 8)),
        ("C", email, at(3, 19, 8)),
    ]
    for name, channel, when in touches:
        Touchpoint.objects.create(
            at=when, type="page_view", contact=leads[name].contact, channel=channel
        )
    return seeded


@pytest.fixture
def journeys(db, duckdb_file):
    from accord.analytics.sync import analytics_sync

    seeded = journeys_seed()
    analytics_sync()
    return seeded


def run(**kwargs):
    filters = kwargs.pop("filters", MARCH)
    return AttributionRunner(AttributionQuery(filters, **kwargs)).run()


def shares(result, model: str) -> dict[str, float]:
    return {r.label: round(r.conversions, 4) for r in result.model_credits(model).rows}


def test_won_revenue_by_every_model_known_answers(journeys):
    result = run()
    assert result.journeys == 3
    assert result.converted == 1
    assert (result.total_conversions, result.total_revenue) == (1.0, 1000.0)
    assert [m.model for m in result.models] == list(ALL_MODELS)
    expected = {
        "first_touch": {"email": 1.0, "paid-search": 0.0},
        "last_touch": {"email": 0.0, "paid-search": 1.0},
        "linear": {"email": 0.4, "paid-search": 0.6},
        # first 40% email, lead 40% paid, 20% over the other three touches.
        "u_shaped": {"email": round(0.4 + 0.2 / 3, 4), "paid-search": round(0.4 + 0.4 / 3, 4)},
        # first, lead, opportunity 30% each; 10% over the two others (both paid).
        "w_shaped": {"email": 0.6, "paid-search": 0.4},
        # first, lead, opportunity, close 22.5% each; 10% to the one other touch (paid).
        "full_path": {"email": 0.45, "paid-search": 0.55},
        # Both channels appear in the one converting journey: half each.
        "shapley": {"email": 0.5, "paid-search": 0.5},
    }
    for model, answer in expected.items():
        assert shares(result, model) == answer, model
    revenue = {r.label: r.revenue for r in result.model_credits("w_shaped").rows}
    assert revenue == pytest.approx({"email": 600.0, "paid-search": 400.0})


def test_time_decay_halves_per_half_life(journeys):
    result = run(model="time_decay", half_life_days=7)
    win = at(4, 10, 10).timestamp()
    ages = {  # days before the win
        "email": [(win - at(*t).timestamp()) / 86400 for t in ((2, 25, 9), (3, 10, 9))],
        "paid-search": [
            (win - at(*t).timestamp()) / 86400 for t in ((3, 1, 9, 30), (3, 4, 9), (4, 9, 9))
        ],
    }
    raw = {k: sum(2 ** (-a / 7) for a in v) for k, v in ages.items()}
    total = sum(raw.values())
    got = {r.label: r.conversions for r in result.model_credits("time_decay").rows}
    assert got == pytest.approx({k: v / total for k, v in raw.items()})


@pytest.mark.parametrize("conversion", ["won", "mql", "sql", "opportunity"])
def test_every_model_sums_to_the_totals(journeys, conversion):
    result = run(conversion=conversion)
    assert result.models
    for m in result.models:
        assert m.conversions == pytest.approx(result.total_conversions), m.model
        assert m.revenue == pytest.approx(result.total_revenue), m.model
        assert sum(r.conversions for r in m.rows) == pytest.approx(result.total_conversions)


def test_reaching_mql(journeys):
    result = run(conversion="mql")
    # A (email, paid before MQL), B (paid), C (email) all reached MQL.
    assert (result.converted, result.total_conversions) == (3, 3.0)
    # Revenue that followed: A's won deal.
    assert result.total_revenue == 1000.0
    assert shares(result, "first_touch") == {"email": 2.0, "paid-search": 1.0}
    assert shares(result, "last_touch") == {"email": 1.0, "paid-search": 2.0}
    first = {r.label: r.revenue for r in result.model_credits("first_touch").rows}
    assert first == {"email": 1000.0, "paid-search": 0.0}


def test_lookback_window_drops_older_touches(journeys):
    result = run(lookback_days=30)
    for m in result.models:
        # A's email of 03-10 is 31 days before the win. (Email still shows, with no credit:
        # C's path to nothing ends at its own last touch, an email, not at the day the
        # report runs.)
        assert shares(result, m.model) == {"email": 0.0, "paid-search": 1.0}, m.model


def test_conversion_without_touch_in_window_is_counted_apart(journeys):
    result = run(lookback_days=0.5)
    assert result.converted == 1
    assert result.unattributed_conversions == 1
    assert result.total_conversions == 0.0
    assert result.notes


def test_period_mode_takes_conversions_in_the_period(journeys):
    april = ReportFilters(start=date(2025, 4, 1), end=date(2025, 4, 30), mode="period")
    result = run(filters=april, model="linear")
    assert result.journeys == 1
    assert (result.total_conversions, result.total_revenue) == (1.0, 1000.0)


def test_single_model_and_filters(journeys):
    result = run(model="markov", filters=ReportFilters(start=START, end=END, channel="email"))
    assert [m.model for m in result.models] == ["markov"]
    assert result.converted == 0
    assert result.total_conversions == 0.0


def test_markov_credits_both_channels(journeys):
    result = run(model="markov")
    credited = {r.label: r.conversions for r in result.model_credits("markov").rows}
    assert sum(credited.values()) == pytest.approx(1.0)
    assert credited["email"] > 0 and credited["paid-search"] > 0


def test_bad_input_names_the_field():
    for kwargs, field in (
        ({"model": "nope"}, "model"),
        ({"conversion": "lunch"}, "conversion"),
        ({"lookback_days": 0}, "lookback"),
        ({"half_life_days": -1}, "half_life"),
        ({"markov_order": 9}, "order"),
        ({"group_by": "month"}, "group_by"),
    ):
        with pytest.raises(InvalidInput) as error:
            AttributionQuery(MARCH, **kwargs)
        assert error.value.field == field


def test_build_sql_is_pure():
    sql = AttributionRunner(AttributionQuery(MARCH, conversion="sql")).build_sql()
    # The first SQL entry, from the lead facts the sync keeps; no opportunity position.
    assert "l.sql_at AS conversion_at" in sql.touches
    assert "NULL AS opportunity_at" in sql.touches


def test_report_entry_point_and_rows(journeys):
    result = report_run("attribution", MARCH, model="linear", group_by="campaign")
    rows = report_rows(result)
    # Campaigns: the added touches have none.
    assert {r["group"] for r in rows} == {"(none)", "spring"}
    assert sum(r["conversions"] for r in rows) == pytest.approx(1.0)


def test_cli_and_api(journeys, client, sales_user):
    from click.testing import CliRunner

    from accord.analytics.commands import report

    args = ["--start", "2025-03-01", "--end", "2025-03-31"]
    cli = CliRunner().invoke(report, ["attribution", *args, "--model", "markov", "--format", "csv"])
    assert cli.exit_code == 0, cli.output
    assert cli.output.splitlines()[0] == "model,group,conversions,revenue,revenue_pct"
    assert {line.split(",")[1] for line in cli.output.splitlines()[1:]} == {"email", "paid-search"}
    bad = CliRunner().invoke(report, ["attribution", *args, "--model", "nope"])
    assert bad.exit_code == 2

    client.force_login(sales_user)
    response = client.get(
        "/api/v1/reports/attribution?start=2025-03-01&end=2025-03-31&conversion=mql"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_conversions"] == 3
    assert len(body["models"]) == 9
    bad = client.get("/api/v1/reports/attribution?lookback_days=0")
    assert bad.status_code == 422


@pytest.mark.parametrize("conversion", ["won", "mql"])
def test_touch_paths_and_the_touchpoint_join_agree(journeys, duckdb_file, conversion):
    """A copy from before the touch paths joins the touchpoints: same credits either way."""
    import duckdb

    def credits(result):
        return {
            (m.model, r.label): (round(r.conversions, 9), round(r.revenue, 6))
            for m in result.models
            for r in m.rows
        }

    # Two touches at the same moment keep their id order in both.
    leads = journeys["leads"]
    for channel in (journeys["email"], journeys["paid"]):
        Touchpoint.objects.create(
            at=at(3, 12, 9), type="page_view", contact=leads["A"].contact, channel=channel
        )
    from accord.analytics.sync import analytics_sync

    analytics_sync()
    with_paths = run(conversion=conversion, group_by="campaign"), run(conversion=conversion)
    con = duckdb.connect(str(duckdb_file))
    try:
        con.execute("DROP TABLE touch_paths")
    finally:
        con.close()
    joined = run(conversion=conversion, group_by="campaign"), run(conversion=conversion)
    for a, b in zip(with_paths, joined, strict=True):
        assert credits(a) == credits(b) and credits(a)
        assert (a.journeys, a.converted, a.total_revenue) == (
            b.journeys,
            b.converted,
            b.total_revenue,
        )


def test_non_converting_journeys_end_at_their_last_touch_not_the_day_the_report_runs(
    journeys,
):
    """The hole: a journey that did not convert ended "now", so with a lookback shorter than
    the time since its touches (these are from 2025) it silently dropped out of Markov."""
    result = run(model="markov", lookback_days=30)
    # A (converting, paid 04-09 in its window), B (paid 03-05) and C (email 03-19) all
    # have a touch within 30 days of their own end: all three journeys are included.
    assert (result.journeys, result.journeys_included, result.journeys_without_touch) == (
        3,
        3,
        0,
    )
    assert result.notes[0] == (
        "Journeys: 3 of 3 included (1 converting, 2 not); excluded: 0 converting with no "
        "touch in the 30-day lookback window, 0 not converting with no touch (a "
        "non-converting journey ends at its own last touch)."
    )
    # Before, B and C ended "now" (2026), more than 30 days after their touches: 1 of 3
    # journeys was included and the report did not say so. A's only touch in its window
    # is paid, so paid-search keeps the one conversion; email is on C's path to nothing.
    assert shares(result, "markov") == {"email": 0.0, "paid-search": 1.0}
    # Nothing in the SQL depends on the clock.
    sql = AttributionRunner(AttributionQuery(MARCH, model="markov")).build_sql()
    assert "now" not in " ".join(sql.params) and "open_end" not in sql.counts


def test_margin_is_credited_as_revenue_is(db, duckdb_file):
    """A's won deal gets one line (net 1000, cost 350): the models credit its margin, 650,
    by the same weights as its revenue; the rows name the column ``margin``."""
    from accord.analytics.sync import analytics_sync
    from accord.pipeline.models import Deal, DealLineItem, Product

    seeded = journeys_seed()
    deal = Deal.objects.get(lead=seeded["leads"]["A"])
    seat = Product.objects.create(sku="S", name="Seat", list_price=100, unit_cost=35)
    DealLineItem.objects.create(
        deal=deal, product=seat, quantity=10, currency=deal.currency, list_price=100,
        unit_cost=35, gross_amount=1000, net_amount=1000, cost_amount=350,
    )  # fmt: skip
    analytics_sync()
    result = run(model="w_shaped", value="margin")
    assert (result.total_conversions, result.total_revenue) == (1.0, 650.0)
    margin = {r.label: r.revenue for r in result.model_credits("w_shaped").rows}
    assert margin == pytest.approx({"email": 390.0, "paid-search": 260.0})
    rows = report_rows(report_run("attribution", MARCH, model="w_shaped", value="margin"))
    assert {r["group"]: r["margin"] for r in rows} == {"email": 390.0, "paid-search": 260.0}
    with pytest.raises(InvalidInput):
        run(value="profit")
