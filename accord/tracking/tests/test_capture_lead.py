"""Lead capture: JSON and plain-form happy paths, dedupe, journeys, consent, follow-up."""

from __future__ import annotations

import json

import pytest

from accord.contacts.models import Contact, Lead
from accord.contacts.services import lead_transition
from accord.privacy.models import ConsentEvent
from accord.tracking.capture.jobs import submission_followup
from accord.tracking.models import Touchpoint, TouchType
from accord.tracking.tests.capture_support import (
    LEAD_URL,
    ORIGIN,
    followup_wake_ups,
    followups,
    row_counts,
    site_make,
)

pytestmark = pytest.mark.django_db


def post_json(client, body, **headers):
    return client.post(LEAD_URL, json.dumps(body), content_type="application/json", **headers)


def test_json_submission_creates_contact_lead_touchpoint_and_followup(client):
    site = site_make()
    response = post_json(
        client,
        {
            "site": site.public_key,
            "email": "  Ada@Example.COM ",
            "name": "Ada Lovelace",
            "company": "Analytical Engines",
            "job_title": "CTO",
            "properties": {"plan": "pro", "seats": 12, "trial": True},
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "spring",
            "landing_page": "https://www.example.com/pricing",
            "referrer": "https://www.google.com/",
        },
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "accepted"}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name, contact.job_title) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
        "CTO",
    )
    assert contact.properties == {
        "plan": "pro",
        "seats": 12,
        "trial": True,
        "company": "Analytical Engines",
    }
    lead = Lead.objects.get()
    touch = Touchpoint.objects.get()
    assert touch.type == TouchType.FORM_SUBMISSION
    assert (touch.contact_id, touch.lead_id) == (contact.pk, lead.pk)
    assert (touch.utm_source, touch.utm_medium, touch.utm_campaign) == ("google", "cpc", "spring")
    assert touch.url == "https://www.example.com/pricing"
    assert touch.channel.slug == "paid-search"
    assert lead.source_channel_id == touch.channel_id
    assert followups() == [(lead.pk, touch.pk)]


def test_a_followup_job_queued_before_the_outbox_runs_once_per_key(client):
    site = site_make()
    post_json(client, {"site": site.public_key, "email": "a@example.com"})
    touch = Touchpoint.objects.get()
    key = f"capture-followup:{touch.pk}"
    assert submission_followup(job_key=key, lead_id=touch.lead_id, touchpoint_id=touch.pk)
    assert submission_followup(job_key=key, lead_id=touch.lead_id, touchpoint_id=touch.pk) is None


def test_a_submission_queues_one_wake_up_and_its_followup_rescores_the_lead(
    client, django_capture_on_commit_callbacks
):
    """The follow-up does the rescoring, so the form touch queues no scoring job of its own."""
    from django_q.models import OrmQ

    from accord.integrations.tests.webhook_support import queued_jobs_run
    from accord.scoring.models import LeadScore

    site = site_make()
    post_json(client, {"site": site.public_key, "email": "a@example.com", "utm_source": "google"})
    touch = Touchpoint.objects.get()
    assert [q.task["func"] for q in OrmQ.objects.all()] == [
        "accord.tracking.capture.followups.followups_wake"
    ]
    assert not LeadScore.objects.filter(lead_id=touch.lead_id).exists()
    assert queued_jobs_run(django_capture_on_commit_callbacks) == 1
    assert LeadScore.objects.filter(lead_id=touch.lead_id).exists()
    assert followups() == []
    assert followup_wake_ups() == []


def test_utm_is_read_from_the_landing_page_when_not_sent(client):
    site = site_make()
    post_json(
        client,
        {
            "site": site.public_key,
            "email": "a@example.com",
            "landing_page": "https://www.example.com/?utm_source=newsletter&utm_medium=email",
        },
    )
    touch = Touchpoint.objects.get()
    assert (touch.utm_source, touch.utm_medium) == ("newsletter", "email")
    assert touch.channel.slug == "email"


def test_plain_form_gets_a_thank_you_page(client):
    site = site_make()
    response = client.post(
        f"{LEAD_URL}?site={site.public_key}",
        {
            "email": "bob@example.com",
            "phone": "020 7946 0018",
            "first_name": "Bob",
            "consent": "on",
            "consent_version": "2026-01",
            "properties[budget]": "10k",
            "submit": "Send",  # a form's button: ignored, not an error
        },
        HTTP_ACCEPT="text/html,application/xhtml+xml",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 200
    assert b"Thank you" in response.content
    contact = Contact.objects.get()
    assert contact.phone == "+442079460018"  # read in the site's default region (GB)
    assert contact.properties["budget"] == "10k"
    consent = ConsentEvent.objects.get(contact=contact)  # the ledger, not a property
    assert (consent.purpose, consent.granted, consent.text_version) == (
        "processing", True, "2026-01"
    )  # fmt: skip
    assert consent.channel == "form"
    assert "consent" not in contact.properties


def test_plain_form_is_redirected_to_an_allowed_page(client):
    site = site_make()
    response = client.post(
        LEAD_URL,
        {
            "site": site.public_key,
            "email": "c@example.com",
            "redirect": "https://www.example.com/thanks",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thanks"
    assert Contact.objects.count() == 1


def test_case_and_whitespace_variants_and_phone_formats_make_one_contact(client):
    site = site_make(default_phone_region="US")
    for email in ["ann@example.com", " ANN@example.com", "Ann@Example.Com  "]:
        assert post_json(client, {"site": site.public_key, "email": email}).status_code == 202
    for phone in ["+1 (202) 555-0143", "202-555-0143", "(202) 5550143"]:
        assert post_json(client, {"site": site.public_key, "phone": phone}).status_code == 202
    assert Contact.objects.count() == 2
    assert set(Contact.objects.values_list("phone", flat=True)) == {None, "+12025550143"}
    assert Lead.objects.count() == 2
    assert Touchpoint.objects.count() == 6
    for lead in Lead.objects.all():
        assert lead.touchpoints.count() == 3


def test_open_lead_gets_the_touch_and_closed_lead_makes_a_new_one(client):
    site = site_make()
    post_json(client, {"site": site.public_key, "email": "d@example.com"})
    post_json(client, {"site": site.public_key, "email": "D@example.com"})
    first = Lead.objects.get()
    assert first.touchpoints.count() == 2
    lead_transition(lead_id=first.pk, to_stage="disqualified", reason="Not a buyer")
    post_json(client, {"site": site.public_key, "email": "d@example.com"})
    assert Contact.objects.count() == 1
    second = Lead.objects.exclude(pk=first.pk).get()
    assert second.is_open
    assert second.touchpoints.count() == 1
    assert first.touchpoints.count() == 2


def test_honeypot_answers_like_success_and_writes_nothing(client):
    site = site_make()
    before = row_counts()
    response = post_json(
        client, {"site": site.public_key, "email": "bot@example.com", "_gotcha": "http://spam"}
    )
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    form = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "bot", "_gotcha": "x", "redirect": f"{ORIGIN}/ok"},
    )
    assert form.status_code == 303
    assert form["Location"] == f"{ORIGIN}/ok"
    assert row_counts() == before


def test_server_to_server_post_without_origin_is_accepted(client):
    site = site_make()
    response = post_json(client, {"site": site.public_key, "email": "s2s@example.com"})
    assert response.status_code == 202
    assert "Access-Control-Allow-Origin" not in response
    assert Contact.objects.filter(email="s2s@example.com").exists()
