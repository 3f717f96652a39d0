"""SLA clocks start with an assignment, in the team's business time, and stop on actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput
from accord.handoff.agreement import services
from accord.handoff.models import (
    AgreementVersion,
    SlaClock,
    SlaEvent,
    VersionStatus,
)
from accord.handoff.sla import clocks
from accord.handoff.tests.sla_support import handoff_defaults, rep_and_lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]
BERLIN = ZoneInfo("Europe/Berlin")


def _by_kind(started):
    return {clock.kind: clock for clock in started}


def test_clocks_start_in_the_default_calendar(manager_user):
    rep, lead = rep_and_lead(score=10)
    friday = datetime(2026, 1, 9, 17, 55, tzinfo=UTC)
    started = _by_kind(clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=friday))
    accept = started["accept"]
    # 4 business hours from Friday 17:55 in Mon-Fri 09:00-18:00 UTC: Monday 12:55.
    assert accept.due_at == datetime(2026, 1, 12, 12, 55, tzinfo=UTC)
    assert accept.warn_at == datetime(2026, 1, 12, 12, 25, tzinfo=UTC)
    assert accept.owner == rep and accept.agreement_version.number == 1
    assert started["first_attempt"].due_at == datetime(2026, 1, 12, 16, 55, tzinfo=UTC)
    assert SlaEvent.objects.filter(kind="started").count() == 2


def test_clocks_use_the_teams_calendar_and_hot_leads_get_the_short_first_attempt(manager_user):
    rep, lead = rep_and_lead(score=95, team_name="EMEA")
    services.calendar_create(
        user=manager_user, name="Berlin", time_zone="Europe/Berlin",
        working_hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays=["2026-03-30"], team_id=lead.team_id,
    )  # fmt: skip
    # Friday 27 March 2026 16:50 CET; Monday 30 is a holiday; DST began on Sunday 29.
    start = datetime(2026, 3, 27, 16, 50, tzinfo=BERLIN)
    started = _by_kind(clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=start))
    assert started["first_attempt"].due_at == datetime(2026, 3, 31, 9, 5, tzinfo=BERLIN)
    assert started["accept"].due_at == datetime(2026, 3, 31, 12, 50, tzinfo=BERLIN)
    assert started["accept"].calendar.name == "Berlin"


def test_actions_stop_the_clocks_they_satisfy():
    rep, lead = rep_and_lead()
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=at)
    assert (
        clocks.sla_clocks_stop(lead_id=lead.pk, reason="accepted", at=at + timedelta(hours=1)) == 1
    )
    running = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True)
    assert [c.kind for c in running] == ["first_attempt"]
    assert clocks.sla_clocks_stop(lead_id=lead.pk, reason="accepted", at=at) == 0
    stopped = clocks.sla_clocks_stop(
        lead_id=lead.pk, reason="attempt", kinds=("first_attempt",), at=at + timedelta(hours=2)
    )
    assert stopped == 1
    assert not SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).exists()
    assert sorted(
        SlaEvent.objects.filter(kind="stopped").values_list("details__reason", flat=True)
    ) == [
        "accepted",
        "attempt",
    ]
    with pytest.raises(InvalidInput) as error:
        clocks.sla_clocks_stop(lead_id=lead.pk, reason="because")
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput) as error:
        clocks.sla_clocks_stop(lead_id=lead.pk, reason="x", kinds=("coffee",))
    assert error.value.field == "kinds"


def test_a_new_owner_gets_fresh_clocks_and_the_old_ones_stop():
    rep, lead = rep_and_lead()
    other = UserFactory(role="sales", team=rep.team)
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=at)
    later = at + timedelta(hours=1)
    clocks.sla_clocks_start(lead_id=lead.pk, owner_id=other.pk, at=later)
    running = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True)
    assert {(c.kind, c.owner_id, c.started_at) for c in running} == {
        ("accept", other.pk, later),
        ("first_attempt", other.pk, later),
    }
    assert set(SlaClock.objects.filter(owner=rep).values_list("stop_reason", flat=True)) == {
        "reassigned"
    }


def test_no_active_agreement_starts_no_clock():
    AgreementVersion.objects.update(status=VersionStatus.SUPERSEDED)
    rep, lead = rep_and_lead()
    assert clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk) == []
    assert not SlaClock.objects.exists()
