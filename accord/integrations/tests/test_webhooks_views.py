"""Webhook settings pages: admins manage endpoints and redeliver; other roles get 403."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.tests.webhook_support import Receiver, queued_jobs_run
from accord.integrations.webhooks.events import webhook_event_emit
from accord.integrations.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def endpoint():
    created, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    return created


@pytest.fixture
def delivery(endpoint):
    webhook_event_emit(event="lead.created", payload={"lead": {"id": 41}}, key="lead:41")
    return WebhookDelivery.objects.get()


def _pages(endpoint, delivery):
    return [
        ("get", reverse("webhooks:endpoint_list")),
        ("get", reverse("webhooks:endpoint_create")),
        ("post", reverse("webhooks:endpoint_create")),
        ("get", reverse("webhooks:endpoint_detail", args=[endpoint.pk])),
        ("get", reverse("webhooks:endpoint_edit", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_toggle", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_rotate", args=[endpoint.pk])),
        ("post", reverse("webhooks:delivery_redeliver", args=[delivery.pk])),
    ]


@pytest.mark.parametrize("role_fixture", ["sales_user", "marketing_user", "manager_user"])
def test_other_roles_get_403_everywhere(client, request, role_fixture, endpoint, delivery):
    client.force_login(request.getfixturevalue(role_fixture))
    secret = endpoint.secret
    for method, url in _pages(endpoint, delivery):
        assert getattr(client, method)(url).status_code == 403, url
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.secret) == (True, secret)


def test_anonymous_visitors_are_sent_to_log_in(client, endpoint, delivery):
    for method, url in _pages(endpoint, delivery):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_admin_creates_an_endpoint_and_sees_the_secret_once(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {"url": "http://127.0.0.1:8000/in", "events": ["lead.created", "deal.won"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["deal.won", "lead.created"]
    assert endpoint.secret in response.content.decode()
    detail = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert endpoint.secret not in detail.content.decode()


def test_an_unsafe_url_is_refused_on_the_url_field(client, admin_user, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {"url": "http://169.254.169.254/latest/", "events": ["lead.created"]},
    )
    assert response.status_code == 200
    assert "url" in response.context["form"].errors
    assert 'id="url-error"' in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_admin_rotates_the_secret_and_toggles_the_endpoint(client, admin_user, endpoint):
    client.force_login(admin_user)
    old = endpoint.secret
    response = client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    client.post(reverse("webhooks:endpoint_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(reverse("webhooks:endpoint_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_admin_sees_the_log_and_redelivers(
    client, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5
    with Receiver() as receiver:
        endpoint, _ = webhook_endpoint_create(url=receiver.url, events=["lead.created"])
        webhook_event_emit(event="lead.created", payload={"lead": {"id": 41}}, key="lead:41")
        queued_jobs_run(django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.SUCCEEDED

        client.force_login(admin_user)
        page = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert delivery.webhook_id in html
        assert "lead.created" in html and "&quot;id&quot;:41" in html
        assert f'data-status="{delivery.status}"' in html

        row = client.post(
            reverse("webhooks:delivery_redeliver", args=[delivery.pk]),
            headers={"HX-Request": "true"},
        )
        assert row.status_code == 200
        assert f'id="delivery-{delivery.pk}"' in row.content.decode()
        assert 'data-status="pending"' in row.content.decode()
        assert OrmQ.objects.count() == 1
        queued_jobs_run(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 2)
    # A manual redelivery keeps the Standard Webhooks message id.
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.webhook_id] * 2
