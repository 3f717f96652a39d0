"""The delivery log of an endpoint: paged, filtered by status (a bad status shows all)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accord.integrations.models import WebhookDelivery
from accord.integrations.webhooks.events import webhook_event_emit
from accord.integrations.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="delivery-\d+" data-status="(\w+)"', page)


def test_log_is_paged_and_filtered_by_status(client, admin_user):
    endpoint, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    for n in range(55):
        webhook_event_emit(event="lead.created", payload={"lead": {"id": n}}, key=f"lead:{n}")
    failed = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)[:3])
    WebhookDelivery.objects.filter(pk__in=failed).update(status=WebhookDelivery.Status.FAILED)
    client.force_login(admin_user)
    url = reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    first = client.get(url).content.decode()
    assert len(_rows(first)) == 50 and "1\u201350 of 55" in first
    assert 'id="delivery-status"' in first and '<label for="delivery-status">' in first
    assert len(_rows(client.get(url + "?page=2").content.decode())) == 5
    only_failed = client.get(url + "?status=failed").content.decode()
    assert _rows(only_failed) == ["failed"] * 3
    assert len(_rows(client.get(url + "?status=bogus").content.decode())) == 50
    none = client.get(url + "?status=succeeded").content.decode()
    assert _rows(none) == [] and "No deliveries with this status." in none
