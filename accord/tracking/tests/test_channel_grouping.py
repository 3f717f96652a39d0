"""Channel grouping services against the real database, and the ChannelRule admin."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

# Registers the ChannelRule admin before the URLconf is first loaded (tracking/admin.py
# imports it too; importing twice is harmless).
import accord.tracking.channels.admin  # noqa: F401
from accord.core.errors import InvalidInput, NotFound
from accord.tracking.channels import GA4_DEFAULT_CHANNELS
from accord.tracking.channels.grouping import (
    channel_resolve,
    channel_resolver_load,
    channel_rule_create,
    channel_rule_delete,
    channel_rule_update,
)
from accord.tracking.channels.rules import RULE_FIELDS, RULE_OPERATORS
from accord.tracking.models import Channel, ChannelRule, ChannelRuleField, ChannelRuleOperator

pytestmark = pytest.mark.django_db


def ch(slug: str) -> Channel:
    return Channel.objects.get(slug=slug)


def test_model_choices_mirror_the_pure_vocabularies():
    assert tuple(ChannelRuleField.values) == RULE_FIELDS
    assert tuple(ChannelRuleOperator.values) == RULE_OPERATORS


def test_resolve_returns_the_seeded_channel_row():
    channel = channel_resolve(source="google", medium="cpc")
    assert (channel.slug, channel.name, channel.is_paid) == ("paid-search", "Paid Search", True)
    assert channel_resolve(referrer="https://l.facebook.com/").slug == "organic-social"
    assert channel_resolve().slug == "direct"


def test_every_default_slug_resolves_to_a_row():
    seeded = set(Channel.objects.values_list("slug", flat=True))
    assert {spec.slug for spec in GA4_DEFAULT_CHANNELS} <= seeded


def test_admin_rule_comes_before_defaults_and_follows_its_state():
    rule = channel_rule_create(
        field="source", operator="regex", value=r"^partner-\d+$", channel=ch("affiliates")
    )
    assert channel_resolve(source="Partner-7", medium="cpc").slug == "affiliates"

    channel_rule_update(rule_id=rule.pk, is_active=False)
    assert channel_resolve(source="Partner-7", medium="cpc").slug == "paid-other"

    channel_rule_update(rule_id=rule.pk, is_active=True)
    channel_rule_delete(rule_id=rule.pk)
    assert channel_resolve(source="Partner-7", medium="cpc").slug == "paid-other"
    assert not ChannelRule.objects.exists()


def test_rules_run_by_position_and_new_rules_go_last():
    first = channel_rule_create(
        field="medium", operator="exact", value="cpc", channel=ch("paid-other")
    )
    second = channel_rule_create(
        field="source", operator="exact", value="google", channel=ch("affiliates")
    )
    assert second.position > first.position
    assert channel_resolve(source="google", medium="cpc").slug == "paid-other"

    channel_rule_update(rule_id=second.pk, position=0)
    channel_rule_update(rule_id=first.pk, position=5)
    assert channel_resolve(source="google", medium="cpc").slug == "affiliates"


def test_rule_may_point_at_an_admin_channel():
    partners = Channel.objects.create(slug="partners", name="Partners", position=200)
    channel_rule_create(
        field="referrer_host", operator="in", value="a.example, www.b.example", channel=partners
    )
    assert channel_resolve(referrer="https://b.example/page") == partners


@pytest.mark.parametrize(
    ("kwargs", "bad_field"),
    [
        ({"operator": "regex", "value": "([unclosed"}, "value"),
        ({"field": "utm_term"}, "field"),
        ({"operator": "between"}, "operator"),
        ({"value": "  "}, "value"),
        ({"channel": None}, "channel"),
        ({"position": -1}, "position"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(kwargs, bad_field):
    data = {"field": "source", "operator": "exact", "value": "x", "channel": ch("email")}
    data.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        channel_rule_create(**data)
    assert caught.value.field == bad_field
    assert not ChannelRule.objects.exists()


def test_update_is_validated_as_a_whole_and_changes_nothing_when_bad():
    rule = channel_rule_create(
        field="campaign", operator="contains", value="([", channel=ch("display")
    )
    with pytest.raises(InvalidInput) as caught:
        channel_rule_update(rule_id=rule.pk, operator="regex")
    assert caught.value.field == "value"
    rule.refresh_from_db()
    assert (rule.operator, rule.value) == ("contains", "([")


def test_update_and_delete_of_a_missing_rule():
    with pytest.raises(NotFound):
        channel_rule_update(rule_id=987654, value="x")
    with pytest.raises(NotFound):
        channel_rule_delete(rule_id=987654)


def test_invalid_row_written_around_the_services_is_skipped():
    ChannelRule.objects.create(
        position=0, field="source", operator="regex", value="(", channel=ch("email")
    )
    assert channel_resolve(source="google", medium="cpc").slug == "paid-search"


def test_deleted_default_channel_is_restored_when_needed():
    Channel.objects.filter(slug="referral").delete()
    channel = channel_resolve(referrer="https://blog.example.org/")
    assert (channel.slug, channel.name) == ("referral", "Referral")


def test_own_hosts_setting_makes_internal_referrers_direct(settings):
    settings.ACCORD_OWN_HOSTS = ["accord.example"]
    assert channel_resolve(referrer="https://app.accord.example/x").slug == "direct"
    assert channel_resolve(referrer="https://other.example/x").slug == "referral"


def test_sites_file_setting_extends_the_lists(settings, tmp_path):
    extra = tmp_path / "sites.json"
    extra.write_text(json.dumps({"search": ["searchy"]}))
    settings.ACCORD_CHANNEL_SITES_FILE = str(extra)
    assert channel_resolve(source="searchy.io", medium="cpc").slug == "paid-search"


def test_loaded_resolver_classifies_without_queries(django_assert_num_queries):
    channel_rule_create(field="medium", operator="exact", value="partner", channel=ch("affiliates"))
    resolver = channel_resolver_load()
    with django_assert_num_queries(0):
        slugs = [
            resolver.resolve(source="google", medium="cpc").slug,
            resolver.resolve(source="x", medium="partner").slug,
            resolver.resolve(referrer="https://duckduckgo.com/").slug,
        ]
    assert slugs == ["paid-search", "affiliates", "organic-search"]


# --- Admin ------------------------------------------------------------------------------------


def admin_form(**overrides):
    data = {
        "position": "10",
        "field": "source",
        "operator": "regex",
        "value": "^partner",
        "channel": str(ch("affiliates").pk),
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_shows_a_bad_regex_on_the_value_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:tracking_channelrule_add"), admin_form(value="(x"))
    assert response.status_code == 200
    assert "Invalid regular expression" in str(response.context["adminform"].form.errors["value"])
    assert not ChannelRule.objects.exists()


def test_admin_creates_changes_and_deletes_through_the_services(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:tracking_channelrule_add"), admin_form())
    assert response.status_code == 302
    rule = ChannelRule.objects.get()
    assert (rule.field, rule.value, rule.channel.slug) == ("source", "^partner", "affiliates")

    change_url = reverse("admin:tracking_channelrule_change", args=[rule.pk])
    response = client.post(change_url, admin_form(operator="contains", value="affil"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.operator, rule.value) == ("contains", "affil")

    delete_url = reverse("admin:tracking_channelrule_delete", args=[rule.pk])
    response = client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not ChannelRule.objects.exists()


def test_admin_is_closed_to_non_staff(client, sales_user):
    client.force_login(sales_user)
    response = client.get(reverse("admin:tracking_channelrule_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
