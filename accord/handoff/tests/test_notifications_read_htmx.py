"""Marking notifications read from the bell (htmx) answers the refreshed bell, not a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.handoff.notifications import notify

pytestmark = pytest.mark.django_db


def test_notifications_read_with_hx_request_answers_the_bell(client, sales_user):
    """Regression: the htmx answer rendered the bell without ``unread`` and answered 500."""
    first = notify(user_id=sales_user.pk, kind="x", title="One", key="one", email=False)
    notify(user_id=sales_user.pk, kind="x", title="Two", key="two", email=False)
    client.force_login(sales_user)
    url = reverse("handoff:notifications_read")

    one = client.post(url, {"notification_id": first.pk}, headers={"HX-Request": "true"})
    assert one.status_code == 200
    assert 'id="notification-bell"' in one.content.decode()
    assert 'data-unread="1"' in one.content.decode()

    every = client.post(url, headers={"HX-Request": "true"})
    assert every.status_code == 200
    assert "data-unread" not in every.content.decode()
    assert 'id="notification-bell"' in every.content.decode()
