"""Routing rules in the web UI: who may list and change them, the editor's errors (each on
its field, nothing saved), reordering and deleting; and the services under the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput, PermissionDenied
from accord.handoff.models import RoutingRule
from accord.handoff.routing import rule_editing as routing_admin
from accord.handoff.routing.assignment import rules_active
from accord.web.navigation import nav_items_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.handoff.tests.urls_mounted")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def teams():
    return Team.objects.create(name="Enterprise"), Team.objects.create(name="SMB")


@pytest.fixture
def three_rules(teams, admin_user):
    enterprise, smb = teams
    return [
        routing_admin.routing_rule_create(user=admin_user, name=name, team_id=team.pk)
        for name, team in (("First", enterprise), ("Second", smb), ("Third", smb))
    ]


def _order() -> list[str]:
    return list(RoutingRule.objects.order_by("position", "pk").values_list("name", flat=True))


def _form(team, *, name="DACH enterprise", conditions=()):
    data = {
        "name": name,
        "team": team.pk if team else "",
        "is_active": "on",
        "conditions-TOTAL_FORMS": str(max(len(conditions), 1)),
        "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "1000",
    }
    for index, (field, operator, value) in enumerate(conditions):
        data[f"conditions-{index}-field"] = field
        data[f"conditions-{index}-operator"] = operator
        data[f"conditions-{index}-value"] = value
    return data


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.SALES, False), (Role.MARKETING, False), (Role.MANAGER, True), (Role.ADMIN, True)],
)
def test_who_may_see_and_change_routing_rules(client, three_rules, teams, role, allowed):
    user = UserFactory(username=f"routing-{role}", role=role)
    client.force_login(user)
    first = three_rules[0]
    expected = 200 if allowed else 403
    assert client.get(reverse("handoff:routing_list")).status_code == expected
    assert client.get(reverse("handoff:routing_create")).status_code == expected
    assert client.get(reverse("handoff:routing_edit", args=[first.pk])).status_code == expected
    created = client.post(reverse("handoff:routing_create"), _form(teams[0], name="By role"))
    moved = client.post(reverse("handoff:routing_move", args=[first.pk, "down"]))
    deleted = client.post(reverse("handoff:routing_delete", args=[three_rules[2].pk]))
    if allowed:
        assert {created.status_code, moved.status_code, deleted.status_code} == {302}
        assert _order() == ["Second", "First", "By role"]
    else:
        assert {created.status_code, moved.status_code, deleted.status_code} == {403}
        assert _order() == ["First", "Second", "Third"]
    # Routing is a card of the settings hub (the header keeps one Settings entry).
    assert "Settings" in [str(link.label) for link in nav_items_for(user, None)]
    cards = [str(card.title) for card in client.get(reverse("settings:hub")).context["cards"]]
    assert ("Routing" in cards) is allowed


def test_create_a_rule_with_conditions_through_the_page(client, manager_user, teams):
    enterprise, _smb = teams
    client.force_login(manager_user)
    conditions = [
        ("lead.country", "in", "DE, AT, CH"),
        ("lead.score", "range", "80.."),
        ("lead.segment", "equals", "enterprise"),
        ("lead.source_campaign", "equals", "spring-webinar"),
    ]
    data = _form(enterprise, conditions=conditions)
    response = client.post(reverse("handoff:routing_create"), data)
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.team == enterprise and rule.is_active
    assert rule.conditions == [
        {"field": "lead.country", "operator": "in", "value": ["DE", "AT", "CH"]},
        {"field": "lead.score", "operator": "range", "value": {"min": 80, "max": None}},
        {"field": "lead.segment", "operator": "equals", "value": "enterprise"},
        {"field": "lead.source_campaign", "operator": "equals", "value": "spring-webinar"},
    ]
    # Routing reads it back as a valid rule.
    assert [r.id for r in rules_active()] == [rule.pk]
    page = client.get(reverse("handoff:routing_list")).content.decode()
    assert "lead.country in DE, AT, CH" in page and f'data-rule="{rule.pk}"' in page


@pytest.mark.parametrize(
    ("team", "conditions", "field", "message"),
    [
        (True, [("lead.shoe_size", "equals", "42")], "field", "Unknown field"),
        (True, [("lead.country", "", "DE")], "operator", "Unknown operator"),
        (True, [("lead.score", "range", "lots")], "value", "range"),
        (False, [("lead.country", "equals", "DE")], "team", "Choose the team"),
    ],
)
def test_editor_errors_name_the_field_and_save_nothing(
    client, manager_user, teams, team, conditions, field, message
):
    client.force_login(manager_user)
    data = _form(teams[0] if team else None, conditions=conditions)
    response = client.post(reverse("handoff:routing_create"), data)
    assert response.status_code == 200
    assert RoutingRule.objects.count() == 0
    if field == "team":
        errors = response.context["form"].errors["team"]
    else:
        errors = response.context["formset"].forms[0].errors[field]
    assert any(message in str(error) for error in errors)
    assert "Nothing was saved" in response.content.decode()


def test_edit_keeps_the_place_and_a_bad_edit_changes_nothing(
    client, admin_user, three_rules, teams
):
    client.force_login(admin_user)
    second = three_rules[1]
    url = reverse("handoff:routing_edit", args=[second.pk])
    page = client.get(url)
    assert page.context["form"].initial["name"] == "Second"
    bad = _form(teams[0], name="Renamed", conditions=[("lead.grade", "sort_of", "A")])
    assert client.post(url, bad).status_code == 200
    second.refresh_from_db()
    assert second.name == "Second" and second.conditions == []
    good = _form(teams[0], name="Renamed", conditions=[("lead.grade", "in", "A, B")])
    good.pop("is_active")
    assert client.post(url, good).status_code == 302
    second.refresh_from_db()
    assert (second.name, second.team, second.is_active) == ("Renamed", teams[0], False)
    assert second.conditions == [{"field": "lead.grade", "operator": "in", "value": ["A", "B"]}]
    assert _order() == ["First", "Renamed", "Third"]


def test_reorder_with_htmx_answers_the_table(client, manager_user, three_rules):
    client.force_login(manager_user)
    third = three_rules[2]
    response = client.post(reverse("handoff:routing_move", args=[third.pk, "up"]), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="routing-rules">')
    assert _order() == ["First", "Third", "Second"]
    assert body.index("Third") < body.index("Second")
    # Moving the first rule up changes nothing; an unknown direction is refused.
    client.post(reverse("handoff:routing_move", args=[three_rules[0].pk, "up"]), **HTMX)
    refused = client.post(reverse("handoff:routing_move", args=[third.pk, "sideways"]), **HTMX)
    assert "Move a rule up or down" in refused.content.decode()
    assert _order() == ["First", "Third", "Second"]
    positions = list(RoutingRule.objects.order_by("position").values_list("position", flat=True))
    assert positions == [10, 20, 30]


def test_services_refuse_people_without_the_role_and_bad_input(three_rules, sales_user, teams):
    first = three_rules[0]
    with pytest.raises(PermissionDenied):
        routing_admin.routing_rule_move(user=sales_user, rule_id=first.pk, direction="down")
    with pytest.raises(PermissionDenied):
        routing_admin.routing_rule_delete(user=None, rule_id=first.pk)
    manager = UserFactory(username="routing-head", role=Role.MANAGER)
    cases = [
        ({"name": "", "team_id": teams[0].pk}, "name"),
        ({"name": "x", "team_id": 10**9}, "team"),
        ({"name": "x", "team_id": teams[0].pk, "conditions": "lead.score > 5"}, "conditions"),
        (
            {"name": "x", "team_id": teams[0].pk, "conditions": [{"field": "lead.score"}]},
            "conditions[0].operator",
        ),
        (
            {
                "name": "x",
                "team_id": teams[0].pk,
                "conditions": [
                    {"field": "lead.grade", "operator": "in", "value": ["A"]},
                    {"field": "lead.grade", "operator": "in", "value": "A"},
                ],
            },
            "conditions[1].value",
        ),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as refused:
            routing_admin.routing_rule_create(user=manager, **fields)
        assert refused.value.field == field
    assert _order() == ["First", "Second", "Third"]
