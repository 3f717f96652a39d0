"""The agreement's life: drafts, each side's edits, dual approval, history; and calendars."""

from __future__ import annotations

import copy

import pytest

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory
from accord.core.errors import InvalidInput, PermissionDenied
from accord.handoff import defaults
from accord.handoff.agreement import services
from accord.handoff.models import AgreementVersion, BusinessCalendar, VersionStatus
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head, sales_head

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]


def _active():
    return AgreementVersion.objects.get(status=VersionStatus.ACTIVE)


def test_the_seeded_agreement_is_active_and_matches_the_defaults():
    active = _active()
    assert active.number == 1
    assert active.content == defaults.CONTENT
    assert BusinessCalendar.objects.get(is_default=True).working_hours == defaults.WORKING_HOURS


def test_a_version_becomes_active_only_with_both_approvals():
    marketing, sales = marketing_head(), sales_head()
    draft = services.agreement_draft_create(user=sales, note="Faster acceptance")
    content = copy.deepcopy(draft.content)
    content["sales"]["accept_within_business_hours"] = 2
    changes = services.agreement_draft_edit(user=sales, version_id=draft.pk, content=content)
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("sales.accept_within_business_hours", 4, 2)
    ]
    services.agreement_submit(user=sales, version_id=draft.pk)

    services.agreement_approve(user=sales, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PENDING
    assert _active().number == 1
    with pytest.raises(InvalidInput):
        services.agreement_approve(user=sales, version_id=draft.pk)  # same side twice

    services.agreement_approve(user=marketing, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.ACTIVE
    assert (draft.marketing_approved_by, draft.sales_approved_by) == (marketing, sales)
    first = AgreementVersion.objects.get(number=1)
    assert first.status == VersionStatus.SUPERSEDED and first.superseded_at == draft.activated_at
    assert _active().content["sales"]["accept_within_business_hours"] == 2


def test_approval_without_the_role_is_refused_and_writes_nothing(make_user, admin_user):
    sales = sales_head()
    draft = services.agreement_draft_create(user=sales)
    services.agreement_submit(user=sales, version_id=draft.pk)
    rep = make_user(username="rep", role=Role.SALES, department=Department.SALES)
    marketer = make_user(username="mkt", role=Role.MARKETING, department=Department.MARKETING)
    boss = make_user(username="ceo", role=Role.MANAGER, department=Department.LEADERSHIP)
    for user in (rep, marketer, boss, admin_user):
        with pytest.raises(PermissionDenied):
            services.agreement_approve(user=user, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PENDING
    assert draft.marketing_approved_by is None and draft.sales_approved_by is None


def test_neither_side_changes_the_others_commitments():
    marketing, sales = marketing_head(), sales_head()
    draft = services.agreement_draft_create(user=marketing)
    raid = copy.deepcopy(draft.content)
    raid["sales"]["first_attempt_within_minutes_hot"] = 5
    with pytest.raises(PermissionDenied) as error:
        services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=raid)
    assert error.value.field == "sales.first_attempt_within_minutes_hot"
    raid = copy.deepcopy(draft.content)
    raid["marketing"]["mqls_per_month"] = {"Inside sales": 500}
    with pytest.raises(PermissionDenied) as error:
        services.agreement_draft_edit(user=sales, version_id=draft.pk, content=raid)
    assert error.value.field == "marketing.mqls_per_month.Inside sales"
    draft.refresh_from_db()
    assert draft.content == defaults.CONTENT

    # Each side's own terms, and the shared ones, are theirs to change.
    own = copy.deepcopy(draft.content)
    own["marketing"]["mqls_per_month"] = {"Inside sales": 150}
    own["mql_definition"]["min_score"] = 75
    services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=own)
    own["sales"]["attempts_before_recycle"] = 8
    services.agreement_draft_edit(user=sales, version_id=draft.pk, content=own)
    draft.refresh_from_db()
    assert draft.content["marketing"]["mqls_per_month"] == {"Inside sales": 150}
    assert draft.content["sales"]["attempts_before_recycle"] == 8


def test_invalid_content_and_closed_versions_are_refused():
    sales = sales_head()
    draft = services.agreement_draft_create(user=sales)
    bad = copy.deepcopy(draft.content)
    bad["sales"]["attempt_window_days"] = 0
    with pytest.raises(InvalidInput) as error:
        services.agreement_draft_edit(user=sales, version_id=draft.pk, content=bad)
    assert error.value.field == "sales.attempt_window_days"
    with pytest.raises(InvalidInput) as error:
        services.agreement_draft_create(user=sales)  # one open version at a time
    assert error.value.field == "agreement"
    with pytest.raises(InvalidInput):
        services.agreement_draft_edit(user=sales, version_id=_active().pk, content=draft.content)
    services.agreement_submit(user=sales, version_id=draft.pk)
    with pytest.raises(InvalidInput):
        services.agreement_draft_edit(user=sales, version_id=draft.pk, content=draft.content)


def test_withdrawing_drops_approvals(sales_user):
    marketing, sales = marketing_head(), sales_head()
    draft = services.agreement_draft_create(user=marketing)
    services.agreement_submit(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=marketing, version_id=draft.pk)
    services.agreement_withdraw(user=sales, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and draft.marketing_approved_by is None
    with pytest.raises(PermissionDenied):
        services.agreement_draft_create(user=sales_user)


def test_calendar_validation_names_the_field_and_saves_nothing(manager_user, sales_user):
    before = BusinessCalendar.objects.count()
    cases = [
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
        ({"working_hours": {"mon": [["09:00", "12:00"], ["10:00", "11:00"]]}}, "working_hours.mon"),
        ({"working_hours": {"mon": []}}, "working_hours"),
        ({"working_hours": {"mon": [["17:00", "09:00"]]}}, "working_hours.mon[0]"),
        ({"holidays": ["31/12/2026"]}, "holidays[0]"),
        ({"name": "  "}, "name"),
    ]
    for override, field in cases:
        fields = {"name": "Berlin office", "time_zone": "Europe/Berlin",
                  "working_hours": defaults.WORKING_HOURS, "holidays": []} | override  # fmt: skip
        with pytest.raises(InvalidInput) as error:
            services.calendar_create(user=manager_user, **fields)
        assert error.value.field == field
    with pytest.raises(PermissionDenied):
        services.calendar_create(
            user=sales_user, name="x", time_zone="UTC", working_hours=defaults.WORKING_HOURS
        )
    assert BusinessCalendar.objects.count() == before


def test_calendar_per_team_and_one_default(manager_user):
    team = TeamFactory(name="EMEA")
    berlin = services.calendar_create(
        user=manager_user, name="Berlin", time_zone="Europe/Berlin",
        working_hours={"mon": [["09:00", "17:00"]]}, holidays=["2026-12-25"], team_id=team.pk,
    )  # fmt: skip
    assert berlin.team == team and berlin.holidays == ["2026-12-25"]
    with pytest.raises(InvalidInput) as error:
        services.calendar_create(
            user=manager_user, name="Berlin 2", time_zone="UTC",
            working_hours={"mon": [["09:00", "17:00"]]}, team_id=team.pk,
        )  # fmt: skip
    assert error.value.field == "team"
    services.calendar_update(
        user=manager_user, calendar_id=berlin.pk, name="Berlin", time_zone="Europe/Berlin",
        working_hours={"mon": [["08:00", "16:00"]]}, team_id=team.pk, is_default=True,
    )  # fmt: skip
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [berlin]
