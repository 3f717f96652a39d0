"""The reverse funnel's maths with exact numbers, its inverse (a property test), the gap's
causes, channel budgets, the ICP check and the refusals of impossible assumptions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.filters import SIZE_BANDS
from accord.core.errors import InvalidInput
from accord.planning import content, rules

RATES = {
    "visit_lead": 0.05,
    "lead_mql": 0.5,
    "mql_sal": 0.8,
    "sal_sql": 0.5,
    "sql_opportunity": 0.5,
    "opportunity_won": 0.25,
}
LAGS = {"visit": 3, "lead": 3, "mql": 2, "sal": 2, "sql": 1, "opportunity": 1}


def test_reverse_funnel_exact_numbers_and_cohort_lags():
    funnel = rules.reverse_funnel(
        revenue_by_month={"2026-06": 100_000.0},
        deal_size=10_000.0,
        rates=RATES,
        lags=LAGS,
    )
    # 10 won ← 40 opportunities ← 80 SQLs ← 160 SALs ← 200 MQLs ← 400 leads ← 8,000 visits.
    totals = {s.stage: s.total for s in funnel.stages}
    assert totals == pytest.approx(
        {"visit": 8000, "lead": 400, "mql": 200, "sal": 160, "sql": 80, "opportunity": 40,
         "won": 10}
    )  # fmt: skip
    # Leads needed in March for the deals in June; opportunities in May.
    assert funnel.stage("lead").by_month == pytest.approx({"2026-03": 400})
    assert funnel.stage("opportunity").by_month == pytest.approx({"2026-05": 40})
    assert funnel.stage("won").by_month == pytest.approx({"2026-06": 10})


def test_months_cross_the_year():
    assert rules.month_shift("2026-02", -3) == "2025-11"
    assert rules.period_months("2026-11", "quarter") == ["2026-11", "2026-12", "2027-01"]
    funnel = rules.reverse_funnel(
        revenue_by_month=rules.revenue_split(90.0, ["2026-01", "2026-02", "2026-03"]),
        deal_size=30.0,
        rates={k: 1.0 for k in rules.RATE_KEYS},
        lags=LAGS,
    )
    assert funnel.stage("lead").by_month == pytest.approx(
        {"2025-10": 1, "2025-11": 1, "2025-12": 1}
    )


month = st.sampled_from(["2025-11", "2025-12", "2026-01", "2026-06"])


@settings(max_examples=200, deadline=None)
@given(
    revenue=st.dictionaries(month, st.floats(1, 1e7), min_size=1, max_size=4),
    deal_size=st.floats(1, 1e6),
    rate_values=st.lists(st.floats(0.001, 1.0), min_size=6, max_size=6),
    lag_values=st.lists(st.integers(0, 6), min_size=6, max_size=6),
)
def test_forward_funnel_from_the_outputs_gives_back_the_target(
    revenue, deal_size, rate_values, lag_values
):
    rates = dict(zip(rules.RATE_KEYS, rate_values, strict=True))
    # Lags never grow down the funnel (lags_check); sorted descending from visit to opportunity.
    lags = dict(zip(rules.LAG_STAGES, sorted(lag_values, reverse=True), strict=True))
    rules.lags_check(lags)
    funnel = rules.reverse_funnel(
        revenue_by_month=revenue, deal_size=deal_size, rates=rates, lags=lags
    )
    back = rules.forward_funnel(
        visits_by_month=funnel.stage("visit").by_month, deal_size=deal_size, rates=rates, lags=lags
    )
    assert back.keys() == revenue.keys()
    for key, value in revenue.items():
        assert math.isclose(back[key], value, rel_tol=1e-9)


def test_channel_needs_and_scenario_outcome():
    channels = [
        rules.ChannelAssumption("paid-search", cpl=50.0, lead_mql=0.25, share=3),
        rules.ChannelAssumption("organic-search", cpl=None, lead_mql=0.5, share=1),
    ]
    needs = rules.channel_needs(mqls=200, channels=channels)
    assert [(n.slug, n.mqls, n.leads, n.budget) for n in needs] == [
        ("paid-search", 150, 600, 30_000),
        ("organic-search", 50, 100, None),
    ]
    outcome = rules.scenario_outcome(
        budgets={"paid-search": 20_000}, channels=channels, free_mqls=50, rates=RATES,
        deal_size=1000,
    )  # fmt: skip
    # 20,000 / 50 x 0.25 = 100 MQLs + 50 free = 150 → x0.8 x0.5 x0.5 x0.25 = 7.5 won.
    assert (outcome.mqls, outcome.won, outcome.revenue, outcome.spend) == pytest.approx(
        (150, 7.5, 7500, 20_000)
    )


def test_gap_causes_add_up_to_the_gap():
    causes = rules.gap_causes(
        planned_leads=400, planned_conversion=0.025, planned_deal_size=10_000,
        actual_leads=300, actual_won=9, actual_cohort_revenue=81_000, actual_revenue=95_000,
    )  # fmt: skip
    # Plan: 400 x 2.5 % x 10,000 = 100,000. Volume: -100 x 0.025 x 10,000 = -25,000.
    # Conversion: 300 x (3 % - 2.5 %) x 10,000 = 15,000. Deal size: 9 x (9,000 - 10,000).
    assert (causes.volume, causes.conversion, causes.deal_size, causes.timing) == pytest.approx(
        (-25_000, 15_000, -9_000, 14_000)
    )
    assert causes.total == pytest.approx(95_000 - 100_000)


def test_capacity_and_projection():
    capacity = rules.capacity_check(
        mqls_by_month={"2026-01": 80.2, "2026-02": 120.0}, rep_capacities=[60, 60]
    )
    assert (capacity.mqls_needed_peak, capacity.capacity, capacity.enough) == (120.0, 120, True)
    assert not rules.capacity_check(mqls_by_month={"x": 120.5}, rep_capacities=[60, 60]).enough
    assert rules.projection(revenue_to_date=50, open_pipeline=200, win_rate=0.25) == 100


def test_icp_divergence_against_the_fit_rules():
    fit = [
        {"field": "account.employees", "operator": "range", "value": {"min": 51, "max": 1000},
         "points": 20},
        {"field": "account.industry", "operator": "in", "value": ["Software", "Telecom"],
         "points": 10},
    ]  # fmt: skip
    found = rules.icp_divergence(
        size_bands=["51-200", "1-10"], industries=["Software", "Retail"], fit_rules=fit,
        band_bounds=SIZE_BANDS,
    )  # fmt: skip
    assert [(d.kind, d.segment, d.points) for d in found] == [
        ("targeted_low", "1-10", 0),
        ("targeted_low", "Retail", 0),
        ("favoured_untargeted", "Telecom", 10),
    ]


def _valid() -> dict:
    return {
        "revenue_target": 100_000,
        "deal_size": 10_000,
        "rates": dict(RATES),
        "lags": dict(LAGS),
        "channels": {"paid-search": {"budget": 1000, "cpl": 50, "lead_mql": 0.3, "share": 1}},
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rates": {**RATES, "mql_sal": 1.2}}, "rates.mql_sal"),
        ({"rates": {**RATES, "lead_mql": 0}}, "rates.lead_mql"),
        ({"deal_size": 0}, "deal_size"),
        ({"revenue_target": -5}, "revenue_target"),
        ({"revenue_target": "lots"}, "revenue_target"),
        (
            {"channels": {"paid-search": {"budget": -1, "cpl": 50, "lead_mql": 0.3}}},
            "channels.paid-search.budget",
        ),
        (
            {"channels": {"paid-search": {"budget": 1, "cpl": 0, "lead_mql": 0.3}}},
            "channels.paid-search.cpl",
        ),
        ({"lags": {**LAGS, "lead": 1}}, "lags.lead"),
        ({"lags": {**LAGS, "visit": 2.5}}, "lags.visit"),
        ({"key_channels": ["events"]}, "key_channels"),
        ({"icp": {"size_bands": ["huge"]}}, "icp.size_bands"),
    ],
)
def test_impossible_assumptions_name_the_field(change, field):
    with pytest.raises(InvalidInput) as error:
        content.content_validate({**_valid(), **change})
    assert error.value.field == field


def test_valid_content_is_normalised():
    cleaned = content.content_validate(_valid())
    assert cleaned["rates"] == RATES and cleaned["icp"]["size_bands"] == []
