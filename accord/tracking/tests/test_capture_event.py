"""Page views from the snippet, identity stitching, and serving t.js."""

from __future__ import annotations

import json

import pytest

from accord.contacts.models import Lead
from accord.tracking.models import Touchpoint, TouchType
from accord.tracking.tests.capture_support import (
    EVENT_URL,
    LEAD_URL,
    ORIGIN,
    row_counts,
    site_make,
)

pytestmark = pytest.mark.django_db
VISITOR = "3f9a1c0e5b7d4e21"


def beacon(client, site, **fields):
    """What navigator.sendBeacon sends: JSON as text/plain, from the page's origin."""
    body = {"site": site.public_key, "visitor_id": VISITOR, **fields}
    return client.post(
        EVENT_URL, json.dumps(body), content_type="text/plain;charset=UTF-8", HTTP_ORIGIN=ORIGIN
    )


def test_page_view_is_an_anonymous_touch_with_utm_from_the_url(client):
    site = site_make()
    response = beacon(
        client,
        site,
        url="https://www.example.com/?utm_source=facebook&utm_medium=paid_social&utm_campaign=x",
        referrer="https://m.facebook.com/",
        title="Home",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    touch = Touchpoint.objects.get()
    assert touch.type == TouchType.PAGE_VIEW
    assert (touch.contact_id, touch.lead_id, touch.visitor_id) == (None, None, VISITOR)
    assert (touch.utm_source, touch.utm_medium, touch.utm_campaign) == (
        "facebook",
        "paid_social",
        "x",
    )
    assert touch.channel.slug == "paid-social"


def test_form_submission_stitches_earlier_page_views_to_the_person(client):
    site = site_make()
    beacon(client, site, url="https://www.example.com/blog", referrer="https://www.google.com/")
    beacon(client, site, url="https://www.example.com/pricing")
    beacon(client, site, url="https://www.example.com/x", visitor_id="someone-else-123")
    response = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "eve@example.com", "visitor_id": VISITOR},
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 202
    lead = Lead.objects.get()
    journey = list(lead.touchpoints.order_by("at", "id").values_list("type", "url"))
    assert journey == [
        ("page_view", "https://www.example.com/blog"),
        ("page_view", "https://www.example.com/pricing"),
        ("form_submission", ""),
    ]
    # The journey starts at the first visit: its channel is the lead's source.
    assert lead.source_channel.slug == "organic-search"
    assert Touchpoint.objects.get(visitor_id="someone-else-123").contact_id is None
    # Later page views of a known visitor go straight to the person and the open journey.
    beacon(client, site, url="https://www.example.com/docs")
    latest = Touchpoint.objects.order_by("-id").first()
    assert (latest.contact_id, latest.lead_id) == (lead.contact_id, lead.pk)


def test_custom_event(client):
    site = site_make()
    response = beacon(client, site, type="event", name="signup_click", url=ORIGIN + "/")
    assert response.status_code == 204
    assert Touchpoint.objects.get().type == TouchType.EVENT


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "https://www.example.com/", "visitor_id": ""}, "visitor_id"),
        ({"url": "https://www.example.com/", "visitor_id": "bad id!"}, "visitor_id"),
        ({}, "url"),
        ({"url": "ftp://example.com/file"}, "url"),
        ({"url": "https://www.example.com/", "type": "purchase"}, "type"),
        ({"url": "https://www.example.com/", "title": 5}, "title"),
        ({"url": "https://www.example.com/", "extra": 1}, "extra"),
    ],
)
def test_bad_events_are_refused(client, fields, field):
    site = site_make()
    response = beacon(client, site, **fields)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert row_counts()["touchpoints"] == 0


def test_event_from_a_disallowed_origin_is_refused(client):
    site = site_make()
    response = client.post(
        EVENT_URL,
        json.dumps({"site": site.public_key, "visitor_id": VISITOR, "url": ORIGIN}),
        content_type="text/plain",
        HTTP_ORIGIN="https://evil.example.net",
    )
    assert response.status_code == 403
    assert Touchpoint.objects.count() == 0


def test_snippet_is_served_with_cache_headers_and_etag(client):
    response = client.get("/capture/t.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert "accord_vid" in body and "sendBeacon" in body and "data-accord-form" in body
    again = client.get("/capture/t.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_first_anonymous_touch_is_the_earliest_unknown_one():
    """The compiled lookup gives what the ORM query gives: earliest by (at, id), anonymous only."""
    from datetime import timedelta

    from django.utils import timezone

    from accord.contacts.models import Contact
    from accord.tracking.capture.services import _first_anonymous_touch
    from accord.tracking.models import Campaign, Channel

    now = timezone.now()
    paid, email = Channel.objects.get(slug="paid-search"), Channel.objects.get(slug="email")
    spring = Campaign.objects.create(name="Spring", utm_campaign="spring", channel=paid)
    known = Contact.objects.create(email="known@example.com")

    def touch(at, channel, campaign=None, contact=None, visitor=VISITOR):
        return Touchpoint.objects.create(
            at=at, type=TouchType.PAGE_VIEW, visitor_id=visitor, channel=channel,
            campaign=campaign, contact=contact,
        )  # fmt: skip

    assert _first_anonymous_touch(VISITOR) is None
    touch(now - timedelta(days=3), email, contact=known)  # known already: not a first touch
    touch(now - timedelta(days=2), email, visitor="someone-else-123")
    touch(now - timedelta(days=1), email)
    touch(now - timedelta(days=1), paid, spring)  # same moment, later id
    assert _first_anonymous_touch(VISITOR) == {"channel_id": email.pk, "campaign_id": None}
    touch(now - timedelta(days=2), paid, spring)
    assert _first_anonymous_touch(VISITOR) == {"channel_id": paid.pk, "campaign_id": spring.pk}
    assert _first_anonymous_touch("") is None
