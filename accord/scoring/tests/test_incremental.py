"""The one-lead rescoring path's prepared statements give what the ORM reads and writes."""

from __future__ import annotations

import pytest

from accord.contacts.models import Lead
from accord.contacts.services import lead_transition
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.scoring import incremental, profiles, rules, selectors, services
from accord.scoring.models import LeadScore
from accord.scoring.tests.support import spec, touch_add
from accord.tracking.models import Channel

pytestmark = pytest.mark.django_db

#: A fit rule on every model field and on each entity's custom properties.
EVERY_FIELD = rules.Profile(
    fit=tuple(
        rules.FitRule(id=i, name=name, field=name, operator="is_set", value=None, points=1)
        for i, name in enumerate(
            [
                *sorted(rules.MODEL_FIELDS),
                "lead.properties.plan",
                "contact.properties.shoe",
                "account.properties.tier",
            ]
        )
    ),
    engagement=(),
    fast_track=(),
    thresholds=rules.GradeThresholds(a=3, b=2, c=1),
    mql=rules.MqlDefinition(min_score=1),
)


def _lead(**lead_fields) -> Lead:
    account = AccountFactory(
        industry="Software", employees=120, country="DE", properties={"tier": "gold"}
    )
    contact = ContactFactory(
        job_title="CMO", phone="+4930123456", account=account, properties={"shoe": 42}
    )
    return LeadFactory(contact=contact, **lead_fields)


def test_facts_one_reads_what_the_bulk_selector_reads():
    channel = Channel.objects.first()
    lead = _lead(properties={"plan": "pro", "seats": "12"}, source_channel=channel)
    bare = LeadFactory(contact=ContactFactory(account=None))
    for one in (lead, bare):
        (expected,) = selectors.facts_by_lead([one.pk], EVERY_FIELD)
        found, reached = incremental.facts_one(one.pk, EVERY_FIELD)
        assert found == expected and reached is False
    (expected,) = selectors.facts_by_lead([lead.pk], EVERY_FIELD)
    assert expected.facts["contact.properties.shoe"] == 42
    assert expected.facts["lead.source_channel"] == channel.slug
    assert incremental.facts_one(-1, EVERY_FIELD) is None


def test_facts_one_and_the_locked_state_see_a_past_mql_move():
    lead = _lead()
    assert incremental.mql_state_locked(lead.pk) == ("lead", False)
    lead_transition(lead_id=lead.pk, to_stage="mql")
    lead_transition(lead_id=lead.pk, to_stage="recycled", reason="later")
    assert incremental.facts_one(lead.pk, EVERY_FIELD)[1] is True
    assert incremental.mql_state_locked(lead.pk) == ("recycled", True)


def test_score_upsert_inserts_then_replaces_one_row():
    profiles.profile_save(spec=spec())
    lead = _lead()
    first = services.lead_score(lead_id=lead.pk, qualify=False)
    touch_add(lead)
    second = services.lead_score(lead_id=lead.pk, qualify=False)
    assert second.score == first.score + 10  # the pricing touch
    stored = LeadScore.objects.get(lead=lead)  # one row, the second write's
    assert (stored.score, stored.grade, stored.engagement_points) == (second.score, "A", 10.0)
    assert {c["rule"] for c in stored.breakdown} == {"Leader", "Mid-market", "Pricing"}
    assert stored.computed_at == second.computed_at
    lead.refresh_from_db()
    assert (lead.score, lead.grade) == (second.score, second.grade)
