"""400, 403, 404 and 500 are the app's own pages, in the design system and the language.

Tests run with DEBUG off (pytest-django), so Django renders the real error templates.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from accord.accounts.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.web.tests.error_urls")]

CASES = [
    ("/test-errors/400/", 400, "The request could not be understood"),
    ("/test-errors/403/", 403, "You may not open this page"),
    ("/no-such-page/", 404, "This page does not exist"),
    ("/test-errors/500/", 500, "Something went wrong on our side"),
]


def _get(client: Client, path: str):
    client.raise_request_exception = False  # a real server answers the 500 page
    return client.get(path)


@pytest.mark.parametrize(("path", "status", "heading"), CASES)
def test_error_pages_are_styled_and_say_what_happened(client, admin_user, path, status, heading):
    client.force_login(admin_user)
    response = _get(client, path)

    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert "/static/web/accord.css" in html
    assert 'class="button-primary" href="/"' in html  # a way back into the app
    assert "Traceback" not in html and "a bug" not in html  # no internals leak


@pytest.mark.parametrize(("path", "status", "heading"), CASES)
def test_error_pages_render_for_a_visitor_who_is_not_signed_in(client, path, status, heading):
    response = _get(client, path)
    if status == 403 and response.status_code == 302:
        pytest.skip("the policy sends visitors to the log-in page first")
    assert response.status_code == status
    assert heading in response.content.decode()


def test_error_pages_speak_russian(client, make_user):
    client.force_login(make_user(role=Role.SALES, username="rep"))
    client.cookies["django_language"] = "ru"
    with translation.override("ru"):
        response = _get(client, "/no-such-page/")
        boom = _get(client, "/test-errors/500/")
    assert response.status_code == 404
    assert "Такой страницы нет" in response.content.decode()
    assert 'lang="ru"' in response.content.decode()
    assert boom.status_code == 500
    assert "Что-то сломалось на нашей стороне" in boom.content.decode()


def test_a_page_the_role_may_not_open_shows_the_403_page(client, make_user):
    client.force_login(make_user(role=Role.SALES, username="rep"))
    response = client.get("/scoring/")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()
