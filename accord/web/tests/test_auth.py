"""Login and logout through the real HTTP stack."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_login_page_renders_the_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'action="/i18n/setlang/"' in html


def test_wrong_password_shows_an_error_and_logs_nobody_in(client, sales_user):
    response = client.post(reverse("login"), {"username": "sales-user", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_dashboard_then_logout(client, sales_user):
    response = client.post(reverse("login"), {"username": "sales-user", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")

    assert client.get(reverse("dashboard")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_logout_needs_post(client, sales_user):
    client.force_login(sales_user)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200


def test_logged_in_user_skips_the_login_page(client, sales_user):
    client.force_login(sales_user)

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
