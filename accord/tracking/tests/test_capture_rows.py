"""The plain-row path for new people writes exactly what the ORM services write."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from accord.contacts.models import Contact, Lead, StageTransition
from accord.integrations.models import WebhookDelivery
from accord.integrations.webhooks.services import webhook_endpoint_create
from accord.privacy.models import ConsentEvent
from accord.tracking.capture import rows
from accord.tracking.capture.services import lead_submission_accept
from accord.tracking.capture.sites import site_get
from accord.tracking.capture.validation import lead_submission_parse
from accord.tracking.models import Campaign, Channel, Touchpoint
from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, site_make

pytestmark = pytest.mark.django_db

AT = timezone.now() - timedelta(hours=2)


def _accept(site, **fields):
    body = {
        "name": "Ada Lovelace",
        "company": "Engines",
        "job_title": "CTO",
        "phone": "020 7946 0958",
        "consent": True,
        "consent_version": "v3",
        "properties": {"plan": "pro", "seats": 3},
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "Spring",
        "utm_term": "crm",
        "landing_page": "https://www.example.com/pricing",
        "referrer": "https://www.google.com/",
        **fields,
    }
    submission = lead_submission_parse(body, is_form=False, default_region="GB")
    return lead_submission_accept(site=site_get(site.public_key), submission=submission, at=AT)


def _rows(accepted) -> dict:
    """Every stored column of the submission's rows, ids and write times aside."""
    volatile = {"id", "contact_id", "lead_id", "updated_at"}

    def values(instance) -> dict:
        names = [f.attname for f in type(instance)._meta.concrete_fields]
        return {name: getattr(instance, name) for name in names if name not in volatile}

    contact = Contact.objects.get(pk=accepted.contact_id)
    lead = Lead.objects.get(pk=accepted.lead_id)
    transition = StageTransition.objects.get(lead=lead)
    touch = Touchpoint.objects.get(pk=accepted.touchpoint_id)
    assert (lead.contact_id, touch.contact_id, touch.lead_id) == (contact.pk, contact.pk, lead.pk)
    contact_values = values(contact)
    contact_values.pop("email")
    contact_values.pop("phone")
    return {
        "contact": contact_values,
        "lead": values(lead),
        "transition": values(transition),
        "touch": values(touch),
    }


def test_new_person_rows_match_the_orm_path():
    site = site_make()
    Campaign.objects.create(name="Spring", utm_campaign="spring")
    assert rows.rows_usable()
    fast = _accept(site, email="fast@example.com", phone="020 7946 0958")

    def listener(**kwargs):
        pass

    # A save receiver sends the submission through the ORM services instead.
    post_save.connect(listener, sender=Touchpoint)
    try:
        assert not rows.rows_usable()
        slow = _accept(site, email="slow@example.com", phone="020 7946 0959")
    finally:
        post_save.disconnect(listener, sender=Touchpoint)
    assert (fast.contact_created, fast.lead_created) == (True, True)
    assert (slow.contact_created, slow.lead_created) == (True, True)
    fast_rows, slow_rows = _rows(fast), _rows(slow)
    assert fast_rows == slow_rows
    # Consent is a ledger row (accord.privacy), the same on both paths, not a property.
    assert "consent" not in fast_rows["contact"]["properties"]
    ledger = [
        ConsentEvent.objects.values("purpose", "granted", "text_version", "channel").get(
            contact_id=accepted.contact_id
        )
        for accepted in (fast, slow)
    ]
    assert ledger[0] == ledger[1] == {
        "purpose": "processing", "granted": True, "text_version": "v3", "channel": "form"
    }  # fmt: skip
    assert fast_rows["lead"]["source_campaign_id"] == Campaign.objects.get().pk
    assert fast_rows["touch"]["channel_id"] == Channel.objects.get(slug="paid-search").pk
    assert fast_rows["lead"]["created_at"] == AT
    assert Contact.objects.get(pk=fast.contact_id).phone == "+442079460958"


def test_a_known_email_or_phone_takes_the_general_path_and_writes_no_second_contact(client):
    site = site_make()
    first = _accept(site, email="ann@example.com", phone="020 7946 0958")
    again = _accept(site, email=" ANN@example.com ", phone="")
    by_phone = _accept(site, email="other@example.com", phone="+44 20 7946 0958")
    assert again.contact_id == by_phone.contact_id == first.contact_id
    assert (again.contact_created, again.lead_created) == (False, False)
    assert again.lead_id == first.lead_id
    assert Contact.objects.count() == 1
    assert Touchpoint.objects.filter(lead_id=first.lead_id).count() == 3


def test_new_person_emits_lead_created_to_an_active_endpoint(client, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    site = site_make()
    webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    response = client.post(
        LEAD_URL,
        json.dumps({"site": site.public_key, "email": "hook@example.com"}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 202, response.content
    lead = Lead.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.event_key) == ("lead.created", f"lead:{lead.pk}")
    assert json.loads(delivery.body)["data"]["lead"]["contact"]["email"] == "hook@example.com"
