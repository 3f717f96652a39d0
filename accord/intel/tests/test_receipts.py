"""Seen and acknowledged: the per-team counts, reminders exactly once per interval, and an
acknowledgement asked of an empty team refused naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Team
from accord.core.errors import InvalidInput, PermissionDenied
from accord.handoff.models import Notification
from accord.intel.jobs import ack_reminders_sweep
from accord.intel.models import AckRequest, Post
from accord.intel.receipts import (
    ack_reminders_send,
    ack_request,
    post_acknowledge,
    post_seen,
)
from accord.intel.selectors import ack_summary
from accord.intel.tests.factories import post_about, team_with


@pytest.fixture
def asked(marketing_user):
    sales, people = team_with("Sales", 9)
    post = post_about(marketing_user, competitor="Rival", title="New rival prices")
    ack_request(post=post, user=marketing_user, team_ids=[sales.pk])
    return post, people


def test_counts_per_team(asked):
    post, people = asked
    for person in people[:7]:
        post_acknowledge(post=post, user=person)
    post_seen(post=post, user=people[7])
    [team] = ack_summary(post)
    assert (team.team, team.acknowledged, team.total, team.seen) == ("Sales", 7, 9, 8)
    statuses = {p.user_id: p for p in team.people}
    assert statuses[people[7].pk].seen_at is not None
    assert statuses[people[7].pk].acknowledged_at is None
    assert statuses[people[8].pk].seen_at is None


def test_asking_notifies_each_member_once(asked, marketing_user):
    post, people = asked
    assert Notification.objects.filter(kind="intel.ack").count() == 9
    ack_request(post=post, user=marketing_user, team_ids=[people[0].team_id])
    assert Notification.objects.filter(kind="intel.ack").count() == 9
    assert AckRequest.objects.count() == 1


def test_the_post_page_records_seen_and_the_button_acknowledges(client, asked):
    post, people = asked
    client.force_login(people[0])
    page = client.get(reverse("intel:post_detail", args=[post.pk]))
    assert "Sales: 0 of 9 acknowledged" in page.content.decode()
    [team] = ack_summary(post)
    assert team.seen == 1
    answer = client.post(reverse("intel:acknowledge", args=[post.pk]), HTTP_HX_REQUEST="true")
    assert "Sales: 1 of 9 acknowledged" in answer.content.decode()
    assert ack_summary(post)[0].acknowledged == 1


def test_expanding_a_post_in_the_feed_marks_it_seen(client, asked):
    post, people = asked
    client.force_login(people[1])
    assert client.post(reverse("intel:post_seen", args=[post.pk])).status_code == 204
    assert ack_summary(post)[0].seen == 1
    assert ack_summary(post)[0].acknowledged == 0


def test_reminders_go_once_per_interval_to_those_who_have_not_acknowledged(asked, settings):
    settings.INTEL_ACK_REMIND_HOURS = 24
    post, people = asked
    for person in people[:7]:
        post_acknowledge(post=post, user=person)
    asked_at = AckRequest.objects.get().created_at
    # Before an interval has passed: nobody.
    assert ack_reminders_send(now=asked_at + timedelta(hours=23)) == 0
    # After one: the two who have not acknowledged, once, however often the sweep runs.
    assert ack_reminders_send(now=asked_at + timedelta(hours=25)) == 2
    assert ack_reminders_send(now=asked_at + timedelta(hours=30)) == 0
    reminded = set(
        Notification.objects.filter(kind="intel.ack_reminder").values_list("user_id", flat=True)
    )
    assert reminded == {people[7].pk, people[8].pk}
    # One acknowledges; the next interval reminds only the other.
    post_acknowledge(post=post, user=people[7])
    assert ack_reminders_send(now=asked_at + timedelta(hours=49)) == 1
    assert ack_reminders_send(now=asked_at + timedelta(hours=49, minutes=15)) == 0
    assert Notification.objects.filter(kind="intel.ack_reminder", user=people[8]).count() == 2
    assert Notification.objects.filter(kind="intel.ack_reminder", user=people[7]).count() == 1


def test_the_scheduled_sweep_reminds_and_is_idempotent(asked, settings):
    settings.INTEL_ACK_REMIND_HOURS = 1
    AckRequest.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=5))
    assert ack_reminders_sweep() == 9
    assert ack_reminders_sweep() == 0


def test_the_sweep_is_scheduled(db):
    from django_q.models import Schedule

    assert Schedule.objects.filter(name="intel.ack_reminders").exists()


def test_an_empty_team_is_refused_naming_the_field(marketing_user):
    empty = Team.objects.create(name="Nobody here")
    post = post_about(marketing_user, title="X")
    with pytest.raises(InvalidInput) as refused:
        ack_request(post=post, user=marketing_user, team_ids=[empty.pk])
    assert refused.value.field == "team_ids"
    assert "Nobody here" in refused.value.message
    assert AckRequest.objects.count() == 0
    assert Notification.objects.count() == 0


def test_an_empty_team_on_the_new_post_page_saves_nothing(client, marketing_user):
    empty = Team.objects.create(name="Empty team")
    client.force_login(marketing_user)
    response = client.post(
        reverse("intel:post_create"),
        {"kind": "product_news", "title": "Launch", "teams": [empty.pk]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Empty team" in body and "Ask these teams to acknowledge" in body
    assert Post.objects.count() == 0


def test_only_the_author_or_a_manager_asks(asked, sales_user, manager_user):
    post, people = asked
    with pytest.raises(PermissionDenied):
        ack_request(post=post, user=sales_user, team_ids=[people[0].team_id])
    ack_request(post=post, user=manager_user, team_ids=[people[0].team_id])
