"""Batch rescoring equals the pure rules lead by lead (random profiles and touches, the demo).

``rules.breakdown_compute`` is the specification: every stored score, grade, contribution
(with its touch), fast-track hit, warning and MQL criterion of ``batch.leads_rescore_all``
must be what the rules give for the same facts, touches and ``now``.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from accord.contacts.models import Lead, StageTransition
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.scoring import (
    batch,
    batch_as_of,
    batch_read,
    batch_sql,
    profiles,
    qualification,
    rules,
    selectors,
    services,
)
from accord.scoring.commands import scoring
from accord.scoring.models import LeadScore
from accord.scoring.tests.support import lead_with, spec, touch_add
from accord.tracking.models import Channel, Touchpoint, TouchType

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, 0, 250_000, tzinfo=UTC)
TITLES = ["CMO", "cmo ", "VP Sales", "Student assistant", "Engineer", "", None]
URLS = [
    "https://acme.example/pricing",
    "https://acme.example/Pricing/enterprise?x=1",
    "https://acme-pricing.example/",
    "pricing",
    "pricing/team",
    "/demo",
    "https://acme.example/demo-center",
    "https://acme.example/docs/integrations",
    "https://acme.example/docs/Integrations/",
    "https://acme.example/blog/lead-scoring-guide",
    "https://acme.example/pri\tcing",  # urlsplit drops the tab: this is /pricing
    "https://acme.example/caf\u00e9",
    "https://acme.example/\ufb01les",  # "ﬁ" casefolds to "fi"
    "",
]
CAMPAIGNS = ["", "spring", "Spring", "SPRING-2026", "\u017fpring", "summer_sale", "summer%sale"]
URL_PATTERNS = [
    "/pricing",
    "/Pricing/",
    "pricing",
    "/demo*",
    "*/docs/?ntegrations*",
    "/blog/*-guide",
    "/caf\u00e9",
    "/files",
    "/",
]
TYPES = ["page_view", "email_click", "webinar", "demo_request", "content_download"]


def _random_company(rng: random.Random, leads: int, touches: int) -> list[Lead]:
    made = []
    for _ in range(leads):
        account = AccountFactory(
            employees=rng.choice([None, 10, 51, 200, 1000, 1001, 5000]),
            industry=rng.choice(["Software", "software ", "Retail", ""]),
            properties=rng.choice([{}, {"tier": "gold"}, {"tier": 3}]),
        )
        contact = ContactFactory(job_title=rng.choice(TITLES) or "", account=account, properties={})
        properties = {
            "budget": rng.choice([None, 100, "1,200", "lots", 50.5, True, [1, 2]]),
            "use_case": rng.choice(["", "routing", None]),
        }
        made.append(LeadFactory(contact=contact, properties=properties))
    channels = [*list(Channel.objects.values_list("pk", flat=True)), None]
    base = NOW - timedelta(days=300)
    shared_at = base + timedelta(days=250)
    rows = []
    for _ in range(touches):
        lead = rng.choice(made)
        if rng.random() < 0.1:
            at = shared_at  # same instant: the touch id breaks the tie
        else:
            at = base + timedelta(
                days=rng.uniform(0, 310),  # some in the future of NOW
                microseconds=rng.choice([0, rng.randrange(1_000_000)]),
            )
            if rng.random() < 0.3:
                at = at.replace(microsecond=0)
        rows.append(
            Touchpoint(
                lead=lead,
                contact=lead.contact,
                at=at,
                type=rng.choice(TYPES),
                channel_id=rng.choice(channels),
                utm_campaign=rng.choice(CAMPAIGNS),
                url=rng.choice(URLS),
            )
        )
    Touchpoint.objects.bulk_create(rows)
    # A touch of no lead never counts.
    Touchpoint.objects.create(at=NOW, type="demo_request", url="https://acme.example/pricing")
    return made


def _random_profile(rng: random.Random) -> profiles.ProfileInput:
    """A random profile; its random MQL terms are put in force as the agreement would."""
    slugs = list(Channel.objects.values_list("slug", flat=True))
    fit = [
        {
            "kind": "fit",
            "name": "Leader",
            "field": "contact.job_title",
            "operator": "in",
            "value": ["CMO", "VP Sales"],
            "points": rng.randint(5, 40),
        },
        {
            "kind": "fit",
            "name": "Student",
            "field": "contact.job_title",
            "operator": "contains",
            "value": "student",
            "points": -rng.randint(1, 30),
        },
        {
            "kind": "fit",
            "name": "Size",
            "field": "account.employees",
            "operator": "range",
            "value": rng.choice([{"min": 51, "max": 1000}, {"min": 1001}, {"max": 50}]),
            "points": rng.randint(1, 30),
        },
        {
            "kind": "fit",
            "name": "Industry",
            "field": "account.industry",
            "operator": "equals",
            "value": "software",
            "points": rng.randint(1, 20),
        },
        {
            "kind": "fit",
            "name": "Budget",
            "field": "lead.properties.budget",
            "operator": "range",
            "value": {"min": 60},
            "points": rng.randint(1, 20),
        },
        {
            "kind": "fit",
            "name": "Budget in",
            "field": "lead.properties.budget",
            "operator": "in",
            "value": [100, "lots"],
            "points": 3,
        },
        {
            "kind": "fit",
            "name": "Use case",
            "field": "lead.properties.use_case",
            "operator": "is_set",
            "value": None,
            "points": 5,
        },
        {
            "kind": "fit",
            "name": "Tier",
            "field": "account.properties.tier",
            "operator": "equals",
            "value": 3,
            "points": 2,
        },
    ]
    engagement = []
    for i in range(rng.randint(1, 5)):
        rule = {"kind": "engagement", "name": f"Engagement {i}", "points": rng.randint(1, 20)}
        if rng.random() < 0.5:
            rule["touch_type"] = rng.choice(TYPES)
        if rng.random() < 0.2:
            rule["channel"] = rng.choice(slugs)
        if rng.random() < 0.3:
            rule["campaign"] = rng.choice(["spring", "SPRING", "summer%sale", "\u017fpring"])
        if rng.random() < 0.7:
            rule["url_pattern"] = rng.choice(URL_PATTERNS)
        if rng.random() < 0.8:
            rule["cap"] = rng.randint(1, 40)
        if rng.random() < 0.3:
            rule["half_life_days"] = rng.choice([0.5, 7.0, 45.0])
        engagement.append(rule)
    fast = []
    for i in range(rng.randint(0, 3)):
        rule = {"kind": "fast_track", "name": f"Fast {i}", "min_count": rng.randint(1, 3)}
        if rng.random() < 0.5:
            rule["touch_type"] = rng.choice(TYPES)
        else:
            rule["url_pattern"] = rng.choice(URL_PATTERNS)
        if rng.random() < 0.6:
            rule["within_days"] = rng.choice([0.01, 1.0, 7.0, 60.0])
        fast.append(rule)
    name = f"Random {rng.random()}"
    half_life_days = rng.choice([None, 3.0, 30.0])
    terms = qualification.Terms(
        min_score=rng.randint(10, 60),
        min_grade=rng.choice(["", "C"]),
        required_fields=tuple(rng.choice([[], ["contact.job_title"]])),
        fast_track=rng.random() < 0.7,
    )
    qualification.definition_publish(terms=terms, agreement_version=1)
    return profiles.ProfileInput(
        name=name,
        grade_a_min=40,
        grade_b_min=20,
        grade_c_min=5,
        half_life_days=half_life_days,
        rules=tuple(fit + engagement + fast),
        is_active=True,
    )


def _expected(active: selectors.ActiveProfile, now: datetime) -> dict[int, tuple]:
    """Each lead's row as the pure rules give it (the specification)."""
    ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    touches = selectors.touches_by_lead(ids)
    out = {}
    for lead in selectors.facts_by_lead(ids, active.profile):
        breakdown = rules.breakdown_compute(
            active.profile, facts=lead.facts, touches=touches.get(lead.lead_id, ()), now=now
        )
        decision = rules.mql_check(active.profile.mql, breakdown, lead.facts)
        out[lead.lead_id] = (
            breakdown.score,
            breakdown.grade,
            breakdown.fit_hundredths / 100,
            breakdown.engagement_hundredths / 100,
            services.breakdown_json(breakdown),
            [
                {"rule_id": h.rule_id, "rule": h.rule_name, "touch_ids": list(h.touch_ids)}
                for h in breakdown.fast_track
            ],
            list(breakdown.warnings),
            decision.criterion if decision else "",
        )
    return out


def _stored() -> dict[int, tuple]:
    return {
        row.lead_id: (
            row.score,
            row.grade,
            row.fit_points,
            row.engagement_points,
            row.breakdown,
            row.fast_track,
            row.warnings,
            row.qualifies,
        )
        for row in LeadScore.objects.all()
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_batch_rows_equal_the_rules_for_random_profiles_and_touches(seed):
    rng = random.Random(seed)
    _random_company(rng, leads=25, touches=400)
    profiles.profile_save(spec=_random_profile(rng))
    selectors.active_profile_forget()
    active = selectors.active_profile()
    result = batch.leads_rescore_all(active=active, now=NOW, qualify=False, chunk_size=7)
    expected = _expected(active, NOW)
    assert result.scored == len(expected) == 25
    assert _stored() == expected
    columns = dict(Lead.objects.values_list("pk", "score"))
    assert columns == {lead_id: row[0] for lead_id, row in expected.items()}
    assert any(row[4] for row in expected.values())  # the profile scored something


@pytest.mark.parametrize("seed", [11, 12])
def test_chunk_json_is_the_text_json_dumps_gives(seed):
    rng = random.Random(seed)
    _random_company(rng, leads=10, touches=200)
    profiles.profile_save(spec=_random_profile(rng))
    selectors.active_profile_forget()
    active = selectors.active_profile()
    scorer = batch.BatchScorer(active.profile, now=NOW)
    touches = batch_read.touches_read(scorer, workers=3, processes=False)
    one = batch_read.touches_read(batch.BatchScorer(active.profile, now=NOW), workers=1)
    assert (touches.id == one.id).all() and (touches.sig >= 0).all()
    low, high = Lead.objects.order_by("pk")[0].pk, Lead.objects.order_by("-pk")[0].pk
    rows = scorer.chunk_score(batch_read.facts_read(scorer.fields, low, high, False), touches)
    expected = _expected(active, NOW)
    for row in rows:
        want = expected[row.lead_id]
        assert row.breakdown == json.dumps(want[4])
        assert row.fast_track == json.dumps(want[5])


def test_the_touch_filter_lets_through_every_touch_a_rule_matches():
    rng = random.Random(5)
    _random_company(rng, leads=5, touches=300)
    for pattern in URL_PATTERNS:
        profile = rules.Profile(
            fit=(),
            engagement=(rules.EngagementRule(1, "x", rules.TouchMatch(url_pattern=pattern), 1),),
            fast_track=(),
            thresholds=rules.GradeThresholds(3, 2, 1),
            mql=rules.MqlDefinition(min_score=1),
        )
        where, params = batch_sql.touch_filter(profile)
        sql, params = batch_sql.touches_query(where, params, 0, 10**12)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            passed = {row[1] for row in cursor.fetchall()}
        matching = {
            pk
            for pk, url in Touchpoint.objects.filter(lead__isnull=False).values_list("pk", "url")
            if rules.url_matches(pattern, url)
        }
        assert matching <= passed, pattern
        assert len(passed) < Touchpoint.objects.count() or pattern == "/"


def test_batch_equals_the_rules_on_a_demo_company_with_the_default_profile():
    from accord.demo import loader

    loader.demo_load(seed=3, size="small", anchor=date(2026, 5, 1), leads=250)
    selectors.active_profile_forget()
    active = selectors.active_profile()
    assert active is not None and len(active.profile.engagement) == 5
    now = timezone.now()
    result = batch.leads_rescore_all(active=active, now=now, qualify=False, chunk_size=100)
    expected = _expected(active, now)
    assert result.scored == Lead.objects.count() == len(expected)
    assert _stored() == expected
    assert sum(1 for row in expected.values() if row[5]) > 0  # some fast-track hits


def test_batch_moves_qualifying_leads_to_mql_once():
    profiles.profile_save(spec=spec())
    leads = [lead_with() for _ in range(4)]
    touch_add(leads[0], type="demo_request", url="")
    for days in (1, 2, 3):
        touch_add(leads[1], days_ago=days)
    active = selectors.active_profile()
    first = batch.leads_rescore_all(active=active)
    again = batch.leads_rescore_all(active=active)
    assert (first.scored, first.moved_to_mql) == (4, 2)
    assert (again.scored, again.moved_to_mql) == (4, 0)
    moved = StageTransition.objects.filter(to_stage="mql")
    assert sorted(moved.values_list("lead_id", flat=True)) == [leads[0].pk, leads[1].pk]
    assert LeadScore.objects.get(lead=leads[0]).qualifies == "fast_track"


def test_rescore_command_open_only_scores_open_leads_and_keeps_the_others():
    profiles.profile_save(spec=spec())
    open_lead = lead_with()
    closed = lead_with(stage="lost", is_open=False)
    touch_add(closed, type="page_view")
    result = CliRunner().invoke(scoring, ["rescore", "--open-only", "--no-qualify"])
    assert result.exit_code == 0, result.output
    assert "Scored 1 leads" in result.output
    assert list(LeadScore.objects.values_list("lead_id", flat=True)) == [open_lead.pk]


def test_touch_types_used_here_exist():
    assert set(TYPES) <= set(TouchType.values)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_scores_as_of_equal_the_rules_seen_from_each_snapshot(seed):
    import numpy as np

    from accord.scoring.predictive.train import rule_scores_as_of

    rng = random.Random(seed)
    made = _random_company(rng, leads=30, touches=500)
    base = NOW - timedelta(days=300)
    for lead in made:  # creation spread over the touches' year, so snapshots cut them
        Lead.objects.filter(pk=lead.pk).update(
            created_at=base + timedelta(days=rng.uniform(0, 320), microseconds=rng.randrange(10**6))
        )
    profiles.profile_save(spec=_random_profile(rng))
    selectors.active_profile_forget()
    profile = selectors.active_profile().profile
    rows = list(Lead.objects.order_by("?").values_list("pk", "created_at"))
    ids = np.array([pk for pk, _ in rows], dtype=np.int64)
    created = np.array([c.replace(tzinfo=None) for _, c in rows], dtype="datetime64[us]")
    snapshot_days = rng.choice([0.5, 7.0, 30.0])
    expected = rule_scores_as_of(ids, created, profile, snapshot_days=snapshot_days, now=NOW)
    latest = np.datetime64(NOW.replace(tzinfo=None), "us")
    offset = np.timedelta64(int(snapshot_days * 86_400 * 1e6), "us")
    snapshots = np.minimum(created + offset, latest).astype(np.int64)
    got = batch_as_of.scores_as_of(profile, ids, snapshots)
    assert got.tolist() == expected.tolist()
    assert len(set(got.tolist())) > 2  # scores differ between leads: something was compared


def test_workers_inside_a_transaction_read_in_ranges_without_forking():
    rng = random.Random(31)
    _random_company(rng, leads=12, touches=300)
    profiles.profile_save(spec=_random_profile(rng))
    selectors.active_profile_forget()
    active = selectors.active_profile()
    # The test runs in a transaction: forked workers could not see its rows, so none fork.
    result = batch.leads_rescore_all(active=active, now=NOW, qualify=False, workers=2, chunk_size=5)
    assert result.scored == 12
    assert _stored() == _expected(active, NOW)


@pytest.mark.django_db(False)
def test_epoch_us_reads_stored_text_and_numbers_exactly():
    from accord.scoring.batch_read import epoch_us, epoch_us_of

    moments = [
        datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    expected = [epoch_us_of(m) for m in moments]
    # SQLite's stored text: fractions only when there are microseconds.
    stored = ["2026-03-01 12:00:00", "2026-03-01 12:00:00.000001", "1999-12-31 23:59:59.999999"]
    assert epoch_us(stored).tolist() == expected
    # Text with an offset goes through Python's parser, offset applied.
    offset = ["2026-03-01 15:00:00+03:00", "2026-03-01 12:00:00.000001+00:00"]
    assert epoch_us(offset).tolist() == expected[:2]
    assert epoch_us(expected).tolist() == expected  # PostgreSQL computes the numbers itself
    assert epoch_us([]).tolist() == []
