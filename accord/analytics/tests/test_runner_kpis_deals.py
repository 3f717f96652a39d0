"""The KPIs of deals: win rate, average deal size, sales cycle, margin and average discount,
in total and per pipeline, on hand-made deals (period mode: March 2025).

New business: W1 won (10 days; one line 10 x 100 at 20% off, cost 30 each: net 800, cost
300), W2 won (20 days; no lines: 500 after a 100 discount), L1 lost. Upsell: W3 won (30 days;
2 x 100, cost 60), L2 and L3 lost, O1 open 700."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.reports import report_rows
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.analytics.tests.analytics_support import END, START
from accord.pipeline.models import Deal, DealLineItem, Pipeline, Product, pipeline_default_id
from accord.pipeline.services.pipelines import pipeline_create


def _at(day: int) -> datetime:
    return datetime(2025, 3, day, tzinfo=UTC)


def _deal(pipeline: Pipeline, stage: str, amount: int, opened: int, closed: int | None, **kw):
    return Deal.objects.create(
        name=f"{stage} {amount}", pipeline=pipeline, stage=stage, amount=Decimal(amount),
        created_at=_at(opened), closed_at=_at(closed) if closed else None, **kw,
    )  # fmt: skip


def _line(deal: Deal, product: Product, quantity: int, percent: int) -> None:
    gross = Decimal(quantity * 100)
    net = gross * (100 - percent) / 100
    DealLineItem.objects.create(
        deal=deal, product=product, quantity=quantity, currency=deal.currency,
        list_price=100, discount_percent=percent, unit_cost=product.unit_cost,
        gross_amount=gross, net_amount=net, cost_amount=quantity * product.unit_cost,
    )  # fmt: skip


@pytest.fixture
def deals(db, duckdb_file):
    from accord.analytics.sync import analytics_sync

    new = Pipeline.objects.get(pk=pipeline_default_id())
    upsell = pipeline_create(name="Upsell")
    seat = Product.objects.create(sku="SEAT", name="Seat", list_price=100, unit_cost=30)
    _line(_deal(new, "won", 800, 1, 11), seat, 10, 20)
    _deal(new, "won", 500, 5, 25, discount_amount=Decimal(100))
    _deal(new, "lost", 900, 2, 20)
    _line(_deal(upsell, "won", 200, 1, 31), seat, 2, 0)
    _deal(upsell, "lost", 300, 3, 15)
    _deal(upsell, "lost", 300, 4, 16)
    _deal(upsell, "qualification", 700, 10, None)
    # Left out: two deals in another currency (counted apart), one won after the period.
    _deal(new, "won", 4000, 2, 12, currency="EUR")
    _deal(upsell, "qualification", 5000, 3, None, currency="EUR")
    Deal.objects.create(
        name="won in April", pipeline=new, stage="won", amount=Decimal(6000),
        created_at=_at(20), closed_at=datetime(2025, 4, 10, tzinfo=UTC),
    )  # fmt: skip
    analytics_sync()
    return new, upsell


def test_deal_kpis_in_total_and_per_pipeline(deals):
    new, upsell = deals
    filters = ReportFilters(START, END, mode="period")
    total = KpisRunner(KpisQuery(filters)).run()
    t = total.total
    assert (t.won_deals, t.lost_deals, t.revenue, t.pipeline) == (3, 3, 1500, 700)
    assert total.other_currency_rows == 2
    assert (t.win_rate, t.average_deal_size, t.sales_cycle_days) == (0.5, 500, 20)
    # Margin of the won deals with lines: (800 - 300) + (200 - 60) over their net 1000.
    assert (t.margin, t.margin_rate, t.won_without_lines) == (640, 0.64, 1)
    # Discounts over list: (200 + 100 + 0) / (1000 + 600 + 200).
    assert t.average_discount == pytest.approx(300 / 1800)

    result = KpisRunner(KpisQuery(filters, group_by="pipeline")).run()
    by = {r.key: r for r in result.rows}
    n, u = by[new.pk], by[upsell.pk]
    assert (n.label, n.won_deals, n.lost_deals, n.revenue, n.pipeline) == (
        "New business", 2, 1, 1300, 0,
    )  # fmt: skip
    assert (n.win_rate, n.average_deal_size, n.sales_cycle_days) == (pytest.approx(2 / 3), 650, 15)
    assert (n.margin, n.margin_rate, n.average_discount) == (500, 0.625, 0.1875)
    assert (u.label, u.won_deals, u.lost_deals, u.pipeline, u.sales_cycle_days) == (
        "Upsell", 1, 2, 700, 30,
    )  # fmt: skip
    assert (u.margin, u.margin_rate, u.average_discount) == (140, 0.7, 0)
    assert result.total.margin == 640  # the groups add up to the total
    # The table by pipeline has the deals' columns, without the leads' and spend's row.
    table = report_rows(result)
    assert [r["group"] for r in table] == ["New business", "Upsell"] and "spend" not in table[0]
    row = table[0]
    assert (row["win_rate_pct"], row["margin_pct"], row["average_discount_pct"]) == (
        66.7, 62.5, 18.8,
    )  # fmt: skip
