"""Notifications (bell count, email through the job) and feedback to marketing."""

from __future__ import annotations

import pytest
from django.core import mail

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.inbox import actions
from accord.handoff.inbox.feedback import campaign_rejections_check, feedback_by, lead_rate
from accord.handoff.models import AgreementVersion, Notification
from accord.handoff.notifications import (
    emails_send_pending,
    notifications_mark_read,
    notify,
    unread_count,
)
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.integrations.tests.webhook_support import queued_jobs_run
from accord.tracking.models import Campaign, Channel

pytestmark = pytest.mark.django_db


def test_in_app_unread_count_and_mark_read(sales_user):
    notify(user_id=sales_user.pk, kind="x", title="One", key="k1", email=False)
    notify(user_id=sales_user.pk, kind="x", title="Two", key="k2", email=False)
    assert notify(user_id=sales_user.pk, kind="x", title="Again", key="k1") is None
    assert unread_count(user_id=sales_user.pk) == 2
    first = Notification.objects.get(key="k1")
    assert notifications_mark_read(user_id=sales_user.pk, notification_id=first.pk) == 1
    assert unread_count(user_id=sales_user.pk) == 1
    notifications_mark_read(user_id=sales_user.pk)
    assert unread_count(user_id=sales_user.pk) == 0


def test_assignment_emails_the_rep_once_through_the_job(django_capture_on_commit_callbacks):
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Ada", last_name="Lovelace")
    lead_route(lead_id=lead.pk)
    assert mail.outbox == []  # the email is a job: nothing is sent inside the routing
    queued_jobs_run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reps[0].email]
    assert "Ada Lovelace" in mail.outbox[0].subject
    notification = Notification.objects.get(user=reps[0])
    assert (notification.email_pending, notification.emailed_at is not None) == (False, True)
    assert emails_send_pending() == 0
    assert len(mail.outbox) == 1  # never twice
    assert unread_count(user_id=reps[0].pk) == 1


def _campaign_with_rejections(owner, *, mqls: int, rejected: int, rep):
    channel = Channel.objects.get_or_create(slug="paid-social", defaults={"name": "Paid Social"})[0]
    campaign = Campaign.objects.create(
        name="Spring", utm_campaign="spring", owner=owner, channel=channel
    )
    leads = [mql_lead(campaign=campaign, channel=channel) for _ in range(mqls)]
    for lead in leads:
        lead_route(lead_id=lead.pk)
    for lead in leads[:rejected]:
        actions.lead_reject(lead_id=lead.pk, by=rep, reason_code="not_a_fit")
    return campaign, leads


def test_campaign_owner_is_alerted_once_when_rejections_exceed_the_agreement():
    version = AgreementVersion.objects.get(status="active")
    version.content["marketing"]["rejection_alert_window_mqls"] = 5
    version.content["marketing"]["rejection_alert_rate_pct"] = 50
    version.save()
    marketer = UserFactory(username="camp-owner", role=Role.MARKETING)
    _, reps = team_with_reps(reps=1)
    campaign, _ = _campaign_with_rejections(marketer, mqls=5, rejected=3, rep=reps[0])
    alerts = Notification.objects.filter(user=marketer, kind="campaign.rejections")
    assert alerts.count() == 1  # 2/5 was fine, 3/5 = 60% > 50% alerted, once
    check = campaign_rejections_check(campaign_id=campaign.pk)
    assert (check.rejected, check.window, check.notified) == (3, 5, False)


def test_feedback_aggregates_per_campaign_and_channel():
    marketer = UserFactory(username="camp-owner", role=Role.MARKETING)
    _, reps = team_with_reps(reps=1)
    campaign, leads = _campaign_with_rejections(marketer, mqls=4, rejected=1, rep=reps[0])
    lead_rate(lead_id=leads[1].pk, by=reps[0], rating=4)
    lead_rate(lead_id=leads[2].pk, by=reps[0], rating=2)
    mql_lead()  # no campaign
    rows = {row.key: row for row in feedback_by(group="campaign")}
    spring = rows[campaign.pk]
    assert (spring.mqls, spring.rejected, spring.rejection_pct) == (4, 1, 25.0)
    assert spring.reasons == {"not_a_fit": 1}
    assert (spring.ratings, spring.rating_avg) == (2, 3.0)
    assert rows[None].mqls == 1
    channels = {row.name: row for row in feedback_by(group="channel")}
    assert channels["Paid Social"].rejected == 1
