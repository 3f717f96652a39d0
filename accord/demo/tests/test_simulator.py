"""The pure simulator: deterministic for a seed, and its funnel matches B2B benchmarks."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date

import pytest

from accord.core.lifecycle import ALLOWED_TRANSITIONS, OFF_PATH_STAGES, Stage
from accord.demo import catalog
from accord.demo.simulator import SIZES, DemoRefs, DemoSpec, simulate
from accord.tracking.channels import GA4_DEFAULT_CHANNELS

ANCHOR = date(2026, 3, 1)
REFS = DemoRefs(
    channel_ids={spec.slug: i for i, spec in enumerate(GA4_DEFAULT_CHANNELS, start=1)},
    rep_ids=(11, 12, 13, 14, 15, 16),
    enterprise_rep_ids=(15, 16),
    smb_team_id=1,
    enterprise_team_id=2,
    marketer_id=10,
)


def _tables(seed: int, leads: int = SIZES["small"]) -> dict[str, list[tuple]]:
    tables: dict[str, list[tuple]] = defaultdict(list)
    for batch in simulate(DemoSpec(seed=seed, leads=leads, anchor=ANCHOR), REFS):
        for label, rows in batch.items():
            tables[label].extend(rows.rows)
    return tables


@pytest.fixture(scope="module")
def small() -> dict[str, list[tuple]]:
    return _tables(seed=42)


def test_same_seed_same_company(small):
    again = _tables(seed=42)
    assert again.keys() == small.keys()
    for label in small:
        assert again[label] == small[label], label


def test_another_seed_another_company(small):
    other = _tables(seed=43, leads=SIZES["small"])
    assert other["contacts.Lead"] != small["contacts.Lead"]
    assert other["tracking.Touchpoint"] != small["tracking.Touchpoint"]


def test_exact_lead_count_over_twelve_months(small):
    leads = small["contacts.Lead"]
    assert len(leads) == SIZES["small"]
    created = sorted(row[1] for row in leads)
    assert created[0] >= "2025-03-01" and created[-1] < "2026-03-01"
    # Every month of the year brings leads.
    assert len({stamp[:7] for stamp in created}) == 12


def _rates(transitions: list[tuple], leads: int) -> dict[tuple[str, str], float]:
    """Stage-to-stage rates, each over the journeys that have left the earlier stage.

    Lead -> MQL is over all leads (a lead that is not qualified mostly stays in nurture).
    Later rates count only decided moves, so leads still open at the window's end (the
    last weeks' leads, deals still in negotiation) do not dilute them.
    """
    moves = Counter((row[2], row[3]) for row in transitions)
    mql_leads = len({row[1] for row in transitions if row[3] == "mql"})
    rates = {("lead", "mql"): mql_leads / leads}
    for stage, next_stage in list(catalog.STAGE_RATES)[1:]:
        left = sum(count for (src, _), count in moves.items() if src == stage)
        rates[(stage, next_stage)] = moves[(stage, next_stage)] / left
    return rates


def test_stage_rates_within_twenty_percent_of_the_targets(small):
    rates = _rates(small["contacts.StageTransition"], len(small["contacts.Lead"]))
    for move, target in catalog.STAGE_RATES.items():
        assert abs(rates[move] - target) <= 0.2 * target, (move, rates[move], target)
    targets = {
        # 22%, not 30%: a year of leads at a pace the reps' quotas can take (issue 14 part 9).
        ("lead", "mql"): 0.22,
        ("mql", "sal"): 0.60,
        ("sal", "sql"): 0.55,
        ("sql", "opportunity"): 0.60,
        ("opportunity", "customer"): 0.25,
    }
    assert targets == catalog.STAGE_RATES


def test_visitor_to_lead_between_one_and_five_percent(small):
    visits = sum(row[9] for row in small["tracking.SpendEntry"])
    assert 0.01 <= len(small["contacts.Lead"]) / visits <= 0.05


def test_paths_follow_the_lifecycle_table(small):
    by_lead: dict[int, list[tuple]] = defaultdict(list)
    for row in small["contacts.StageTransition"]:
        by_lead[row[1]].append(row)
    leads = {row[0]: row for row in small["contacts.Lead"]}
    assert by_lead.keys() == leads.keys()
    for lead_id, path in by_lead.items():
        assert (path[0][2], path[0][3]) == ("", "lead")
        for before, after in itertools.pairwise(path):
            assert after[2] == before[3]
            assert Stage(after[3]) in ALLOWED_TRANSITIONS[Stage(after[2])], after
            assert after[4] >= before[4]
            if Stage(after[3]) in OFF_PATH_STAGES:
                assert after[6].strip()
        lead = leads[lead_id]
        assert (lead[4], lead[5]) == (path[-1][3], path[-1][4])  # stage, stage_changed_at


def test_journeys_are_multi_touch_across_channels(small):
    touches = small["tracking.Touchpoint"]
    per_lead_channels: dict[int, set[int]] = defaultdict(set)
    for row in touches:
        if row[5] is not None:
            per_lead_channels[row[5]].add(row[6])
    multi = sum(1 for channels in per_lead_channels.values() if len(channels) >= 2)
    assert multi / len(small["contacts.Lead"]) > 0.8
    assert len({row[6] for row in touches}) >= 8
    assert any(row[5] is None and row[3] for row in touches)  # anonymous visitors
    assert 15 <= len(touches) / len(small["contacts.Lead"]) <= 25


def test_most_hand_offs_answered_within_an_hour_some_breach(small):
    from datetime import UTC, datetime

    def seconds(stamp: str) -> float:
        return datetime.fromisoformat(stamp + "+00:00").timestamp()

    mql_at = {
        row[1]: seconds(row[4]) for row in small["contacts.StageTransition"] if row[3] == "mql"
    }
    first: dict[int, float] = {}
    for row in small["pipeline.Activity"]:
        at = seconds(row[6])
        if row[1] in mql_at and at >= mql_at[row[1]] and at < first.get(row[1], float("inf")):
            first[row[1]] = at

    def in_business_hours(at: float) -> bool:
        moment = datetime.fromtimestamp(at, UTC)
        return moment.weekday() < 5 and 9 <= moment.hour < 17

    hours = [
        (first[lead] - mql_at[lead]) / 3600 for lead in first if in_business_hours(mql_at[lead])
    ]
    within_hour = sum(1 for h in hours if h <= 1) / len(hours)
    assert 0.5 < within_hour < 0.9
    assert max(hours) > 24
