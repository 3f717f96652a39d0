"""Plan vs actual and the measured assumptions on the hand-built company of the analytics
tests (``analytics_support``: March 2025, leads A-D, A won 1,000 on 04-10, C's deal of 500
open). Every expected number is counted from those rows."""

from __future__ import annotations

from datetime import date

import pytest

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.planning import actuals, measured, selectors
from accord.planning.tests.planning_support import plan_seed

HALF = dict.fromkeys(
    ("visit_lead", "lead_mql", "mql_sal", "sal_sql", "sql_opportunity", "opportunity_won"), 0.5
)
LAGS = {"visit": 1, "lead": 1, "mql": 1, "sal": 1, "sql": 1, "opportunity": 0}
CHANNELS = {
    "paid-search": {"budget": 300, "cpl": 150, "lead_mql": 0.5, "share": 1},
    "email": {"budget": 0, "cpl": None, "lead_mql": 0.5, "share": 1},
}


@pytest.fixture
def head(db):
    return UserFactory(username="head", role=Role.MANAGER, department=Department.MARKETING)


def test_plan_vs_actual_on_hand_built_data(company, head):
    plan = plan_seed(
        user=head, start_month="2025-04", revenue_target=3000, deal_size=1000, rates=HALF,
        lags=LAGS, channels=CHANNELS,
    )  # fmt: skip
    plan.window_start = date(2025, 1, 1)
    worked = selectors.plan_worked(plan)
    result = actuals.plan_vs_actual(worked, today=date(2025, 4, 30))
    # Planned: 1 won a month Apr-Jun, so 2 opportunities a month from April and 4 SQLs, 8 SALs,
    # 16 MQLs and 32 leads a month from March (lag 1). March and April have passed.
    gaps = {stage: pair for stage, pair in result.stage_gaps.items() if stage != "visit"}
    assert gaps == {
        "lead": (64, 3),
        "mql": (32, 4),
        "sal": (16, 3),
        "sql": (8, 1),
        "opportunity": (2, 1),
        "won": (1, 1),
        "revenue": (1000, 1000),
    }
    assert [(m.month, m.actual.get("won"), m.actual.get("revenue")) for m in result.months] == [
        ("2025-03", 0, 0.0),
        ("2025-04", 1, 1000.0),
        ("2025-05", None, None),
        ("2025-06", None, None),
    ]
    assert [(g.slug, g.planned_mqls, g.actual_mqls) for g in result.channel_gaps] == [
        ("email", 16, 2),
        ("paid-search", 16, 2),
    ]
    # Won 1,000; C's open deal of 500 at the planned 50 % win rate.
    assert (result.revenue_to_date, result.open_pipeline, result.projected) == (1000, 500, 1250)
    # April's deal came from March's leads (A, B, C: 3 leads, 1 won for 1,000) against 32
    # planned leads converting at 1/32: volume and conversion cancel out, no deal-size gap.
    causes = result.causes
    assert causes is not None
    assert (causes.volume, causes.conversion, causes.deal_size, causes.timing) == pytest.approx(
        (-906.25, 906.25, 0, 0)
    )


def test_measured_assumptions_over_march(company):
    found = measured.measured_assumptions(
        window_start=date(2025, 3, 1), window_end=date(2025, 3, 31)
    )
    # Cohort of March: 3 leads, 3 MQLs, 2 SALs, 1 SQL, 1 opportunity, 1 won; 4 visits.
    assert {k: m.value for k, m in found.rates.items()} == pytest.approx(
        {"visit_lead": 0.75, "lead_mql": 1, "mql_sal": 2 / 3, "sal_sql": 0.5,
         "sql_opportunity": 1, "opportunity_won": 1}
    )  # fmt: skip
    # One month: the spread is that month.
    assert (found.rates["mql_sal"].low, found.rates["mql_sal"].high) == pytest.approx(
        (2 / 3, 2 / 3)
    )
    assert found.deal_size.value == 1000
    assert {c.slug: (c.leads, c.mqls, c.cpl) for c in found.channels} == {
        "email": (1, 1, None),
        "paid-search": (2, 2, 150),
    }
    content = measured.content_from_measured(found, revenue_target=5000, months=3)
    assert content["channels"]["paid-search"]["budget"] == 900  # 300 a month, for 3 months
