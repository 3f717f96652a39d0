"""152-FZ: breach incidents with their 24 h / 72 h timers and reminders; webhook payloads
and exports mask people who have not consented to transfer to third parties."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from accord.cli import cli
from accord.contacts.models import Contact, Lead
from accord.handoff.models import Notification
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks.payloads import lead_created_emit
from accord.privacy.consent import consent_record
from accord.privacy.incidents import incident_reminders_send, incident_timers
from accord.privacy.models import Incident, Purpose

pytestmark = pytest.mark.django_db


def test_incident_timers_and_overdue_flags():
    now = timezone.now()
    fresh = Incident.objects.create(title="Laptop lost", detected_at=now - timedelta(hours=1))
    close = Incident.objects.create(title="Leak", detected_at=now - timedelta(hours=20))
    late = Incident.objects.create(
        title="Dump", detected_at=now - timedelta(hours=80), reported_at=now - timedelta(hours=70)
    )
    fresh_timers = incident_timers(fresh, now=now)
    assert (fresh_timers.report_state, fresh_timers.overdue) == ("running", False)
    assert incident_timers(close, now=now).report_state == "due_soon"
    timers = incident_timers(late, now=now)
    assert (timers.report_state, timers.follow_up_state, timers.overdue) == (
        "done", "overdue", True
    )  # fmt: skip


def test_admins_are_reminded_once_per_timer_that_is_close_or_overdue(admin_user, sales_user):
    now = timezone.now()
    Incident.objects.create(title="Leak", detected_at=now - timedelta(hours=20))
    Incident.objects.create(title="Calm", detected_at=now - timedelta(hours=1))
    assert incident_reminders_send(now=now) == 1
    assert incident_reminders_send(now=now) == 0  # the notification key holds
    notification = Notification.objects.get()
    assert notification.user == admin_user and "24-hour report" in notification.title


def test_incident_page_shows_overdue_timers_to_admins_only(client, admin_user, sales_user):
    Incident.objects.create(title="Dump", detected_at=timezone.now() - timedelta(hours=30))
    client.force_login(sales_user)
    assert client.get("/privacy/incidents/").status_code == 403
    client.force_login(admin_user)
    response = client.get("/privacy/incidents/")
    assert response.status_code == 200
    assert b"OVERDUE" in response.content and b"Dump" in response.content


@pytest.fixture
def webhook_lead(db):
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/", secret="s", events=["lead.created"]
    )
    contact = Contact.objects.create(
        email="ru@example.com", first_name="Ivan", phone="+79161234567"
    )
    return Lead.objects.create(contact=contact)


def _sent_contact() -> dict:
    body = json.loads(WebhookDelivery.objects.order_by("-id").first().body)
    return body["data"]["lead"]["contact"]


def test_webhook_payload_masks_a_person_without_transfer_consent(settings, webhook_lead):
    settings.PRIVACY_REQUIRE_TRANSFER_CONSENT = True
    lead_created_emit(lead=webhook_lead)
    sent = _sent_contact()
    assert (sent["email"], sent["phone"], sent["first_name"]) == ("[masked]",) * 3
    assert sent["id"] == webhook_lead.contact_id


def test_webhook_payload_is_whole_with_transfer_consent_or_without_the_setting(
    settings, webhook_lead
):
    lead_created_emit(lead=webhook_lead)
    assert _sent_contact()["email"] == "ru@example.com"  # the setting is off by default
    settings.PRIVACY_REQUIRE_TRANSFER_CONSENT = True
    consent_record(
        contact=webhook_lead.contact, purpose=Purpose.TRANSFER, granted=True, channel="form"
    )
    WebhookDelivery.objects.all().delete()
    lead_created_emit(lead=webhook_lead)
    assert _sent_contact()["email"] == "ru@example.com"


def test_export_masks_people_without_transfer_consent(settings, tmp_path):
    settings.PRIVACY_REQUIRE_TRANSFER_CONSENT = True
    yes = Contact.objects.create(email="yes@example.com", first_name="Yana")
    Contact.objects.create(email="no@example.com", first_name="Nikolai")
    consent_record(contact=yes, purpose=Purpose.TRANSFER, granted=True, channel="form")
    output = tmp_path / "contacts.csv"
    result = CliRunner().invoke(cli, ["export", "contacts", "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8-sig")
    assert "yes@example.com" in text and "Yana" in text
    assert "no@example.com" not in text and "Nikolai" not in text and "[masked]" in text
