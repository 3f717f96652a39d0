"""The promotion report on the hand-built quarter of ``promotions_support`` (numbers counted
there): SPRING30 raises the win rate, lowers the pocket margin, brings smaller customers,
and its measured lift against matched full-price deals falls short of break-even."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.promotions import PromotionsQuery, PromotionsRunner
from accord.analytics.runners.promotions_stats import wilson
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.promotions_support import END, START, promotions_seed
from accord.contacts.models import Lead
from accord.pipeline.models import Deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(duckdb_file):
    data = promotions_seed()
    analytics_sync()
    return data


def test_promotion_wins_more_but_keeps_less_and_brings_smaller_customers(seeded):
    result = PromotionsRunner(PromotionsQuery(ReportFilters(START, END), min_closed=5)).run()
    groups = {g.key: g for g in result.groups}
    spring = str(seeded["promotion"].pk)
    assert set(groups) == {"full_price", "any_promotion", spring}
    full, promo = groups["full_price"], groups[spring]
    assert groups["any_promotion"].pocket_margin == promo.pocket_margin
    # Win rate up, with Wilson intervals.
    assert (full.closed, full.won, promo.closed, promo.won) == (8, 3, 6, 5)
    assert (promo.win_rate_low, promo.win_rate_high) == wilson(5, 6)
    assert full.win_rate_low == pytest.approx(0.1368, abs=1e-4)
    assert (full.cycle_days, promo.cycle_days) == (60, 30)
    assert (full.avg_discount, promo.avg_discount) == (0, pytest.approx(0.3))
    # The waterfall of the won deals (F1 in EUR at the rate of its close day, 1.1).
    assert (full.list_amount, full.discounts, full.promotion_costs, full.cost) == (
        pytest.approx(3100), 0, 0, pytest.approx(1240))  # fmt: skip
    assert full.pocket_margin == pytest.approx(1860)
    # 5 x (1000 list - 300 off - (50 + 300 / 5) promotion - 400 cost) = 5 x 190.
    assert (promo.list_amount, promo.discounts, promo.promotion_costs, promo.revenue) == (
        5000, 1500, pytest.approx(550), 3500)  # fmt: skip
    assert promo.pocket_margin == pytest.approx(950)
    assert (full.pocket_margin_rate, promo.pocket_margin_rate) == (
        pytest.approx(0.6), pytest.approx(0.19))  # fmt: skip
    assert (full.pocket_margin_per_closed, promo.pocket_margin_per_closed) == (
        pytest.approx(232.5), pytest.approx(950 / 6))  # fmt: skip
    assert not result.too_small
    # Matched: large cells 2/2 vs 2/4, small 3/4 vs 1/4: control (2 x .5 + 4 x .25) / 6.
    matched = {m.key: m for m in result.matched}[spring]
    assert (matched.matched_deals, matched.control_deals) == (6, 8)
    assert matched.control_win_rate == pytest.approx(1 / 3)
    assert matched.measured_lift == pytest.approx(2.5)
    assert matched.raw_lift == pytest.approx((5 / 6) / (3 / 8))
    assert (matched.margin_rate, matched.give_away_rate) == (
        pytest.approx(0.6), pytest.approx(0.41))  # fmt: skip
    assert matched.break_even_lift == pytest.approx(0.6 / 0.19)
    assert matched.pays is False
    # The mix of customers won: a third small at full price, three fifths on the promotion.
    mix = {(m.group, m.dimension, m.value): m.share for m in result.mix}
    assert mix[("full_price", "size", "small")] == pytest.approx(1 / 3)
    assert mix[(spring, "size", "small")] == pytest.approx(0.6)
    assert mix[(spring, "grade", "C")] == pytest.approx(0.6)
    assert mix[(spring, "industry", "Retail")] == pytest.approx(0.6)


def test_the_mix_reads_the_grade_at_hand_off(seeded):
    """Every lead re-scored to A after the sale: the won customers stay in the segment they
    were sold in; a deal whose lead had no grade at hand-off (P4) stays "not known"."""
    now = timezone.now()
    Lead.objects.update(grade="A", updated_at=now)
    Deal.objects.filter(name="P4").update(handoff_grade="", updated_at=now)
    analytics_sync()
    result = PromotionsRunner(PromotionsQuery(ReportFilters(START, END), min_closed=5)).run()
    mix = {(m.group, m.dimension, m.value): m.share for m in result.mix}
    spring = str(seeded["promotion"].pk)
    assert mix[(spring, "grade", "C")] == pytest.approx(0.4)
    assert mix[(spring, "grade", "A")] == pytest.approx(0.4)
    assert mix[(spring, "grade", "")] == pytest.approx(0.2)
    assert mix[("full_price", "grade", "C")] == pytest.approx(1 / 3)


def test_bands_retention_approvals_reps_and_currency(seeded):
    result = PromotionsRunner(PromotionsQuery(ReportFilters(START, END))).run()
    bands = {b.key: (b.closed, b.won) for b in result.bands}
    assert bands == {"0%": (8, 3), "0-10%": (0, 0), "10-20%": (0, 0), "20-30%": (6, 5),
                     "30%+": (0, 0)}  # fmt: skip
    assert result.too_small  # fewer than 30 closed deals a group
    retention = {r.group: r for r in result.retention}
    full, promo = retention["full_price"], retention["any_promotion"]
    assert (full.customers, full.with_later_deals, full.repeat, full.churned) == (3, 1, 1, 0)
    assert (promo.customers, promo.with_later_deals, promo.repeat, promo.churned) == (5, 2, 1, 1)
    assert (promo.repeat_rate, promo.churn_rate) == (0.2, 0.5)
    approvals = {a.level: a for a in result.approvals}
    manager = approvals["manager"]
    assert (manager.requests, manager.approved, manager.avg_requested_pct,
            manager.avg_approved_pct) == (2, 2, 32.5, 30)  # fmt: skip
    assert (approvals["admin"].rejected, approvals["all"].approval_rate) == (
        1, pytest.approx(2 / 3))  # fmt: skip
    assert [r.label for r in result.reps] == ["bob", "ann"]  # deepest discount first
    assert result.reps[1].pocket_margin_per_closed == pytest.approx(232.5)
    # G1 (GBP, no rate) is left out and said so.
    assert (result.deals, result.deals_without_rate) == (14, 1)
    assert any("GBP" in n or "exchange rate" in n for n in result.notes)


def test_the_same_answer_on_chdb(seeded, settings):
    """Issue 18's parity on the hand-built quarter: exchange rates as of each deal's day
    (ASOF join), a currency without a rate, approvals, retention, the matched cells."""
    from accord.analytics.tests.test_clickhouse_parity import _plain, differences

    settings.ANALYTICS_CLICKHOUSE_URL = ""
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()  # feeds chDB (its first feed: a full reload)
    queries = (
        PromotionsQuery(ReportFilters(START, END), min_closed=5),
        PromotionsQuery(ReportFilters(START, END, mode="period")),
    )
    answers = {}
    for engine in ("duckdb", "clickhouse"):
        settings.ANALYTICS_ENGINE = engine
        answers[engine] = [_plain(PromotionsRunner(query).run()) for query in queries]
        for answer in answers[engine]:
            # When, not what: the DuckDB snapshot notes the later sync that found it current.
            answer.pop("data_as_of")
    found = differences(answers["duckdb"], answers["clickhouse"])
    assert not found, "\n".join(found[:10])
    assert answers["clickhouse"][0]["deals"] == 14 and answers["clickhouse"][0]["promotions"]


def test_cli_api_and_page_in_both_languages(seeded, client):
    from click.testing import CliRunner

    from accord.accounts.models import Role, User
    from accord.analytics.commands import report

    args = ["promotions", "--start", "2026-01-01", "--end", "2026-03-31", "--min-closed", "5"]
    table = CliRunner().invoke(report, args)
    assert table.exit_code == 0, table.output
    assert "Spring 30" in table.output and "Matched comparison" in table.output
    as_csv = CliRunner().invoke(report, [*args, "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("group,deals,closed,won,win_rate_pct")
    head = User.objects.create(username="head", role=Role.MANAGER)
    client.force_login(head)
    api = client.get("/api/v1/reports/promotions?start=2026-01-01&end=2026-03-31&min_closed=5")
    assert api.status_code == 200, api.content
    matched = {m["label"]: m for m in api.json()["matched"]}
    assert matched["Spring 30"]["pays"] is False
    page = client.get("/reports/promotions/?start=2026-01-01&end=2026-03-31&min_closed=5")
    assert page.status_code == 200
    assert b"it does not pay" in page.content and b"figure-price-waterfall" in page.content
    client.cookies["django_language"] = "ru"
    ru = client.get("/reports/promotions/?start=2026-01-01&end=2026-03-31&min_closed=5")
    assert "Окупается ли каждая акция?" in ru.content.decode()
    empty = client.get("/reports/promotions/?start=2020-01-01&end=2020-03-31")
    assert b'data-empty="promotions"' in empty.content
