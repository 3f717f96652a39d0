"""Capture-site pages: origins typed as lines (the error names the line, nothing is saved),
the snippet shown after creating, editing, and administrators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.core.errors import InvalidInput
from accord.tracking.capture.origins import origin_problem, origins_from_lines
from accord.tracking.capture.sites import site_cache_clear, site_get
from accord.tracking.models import CaptureSite

pytestmark = pytest.mark.django_db


def _post(client, url, **fields):
    data = {"name": "Main site", "allowed_origins": "", "default_phone_region": ""}
    data.update(fields)
    return client.post(url, data)


def test_bad_origin_names_its_line_and_nothing_is_saved(client, admin_user):
    client.force_login(admin_user)
    response = _post(
        client,
        reverse("capture_sites:site_create"),
        allowed_origins="https://www.example.com\n\nhttps://shop.example.com/checkout\n",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["allowed_origins"]
    assert errors == [
        "Line 3 (https://shop.example.com/checkout): an origin has no path, query or fragment "
        "(only scheme, host and port)."
    ]
    assert "Line 3" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not CaptureSite.objects.exists()


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("www.example.com", "it must start with https://"),
        ("ftp://example.com", "it must start with https://"),
        ("https://", "the host name is missing"),
        ("https://example.com:99999", "the port is not a number"),
        ("https://exa mple.com", "an origin has no spaces"),
        ("https://user:pw@example.com", "no user name or password"),
        ("https://example.com?x=1", "no path, query or fragment"),
        ("https://bad_host.example.com", "is not a valid host name"),
    ],
)
def test_each_kind_of_bad_origin_says_why(line, why):
    problem = origin_problem(line)
    assert problem is not None and why in problem
    with pytest.raises(InvalidInput) as raised:
        origins_from_lines(f"https://ok.example.com\n{line}")
    assert raised.value.field == "allowed_origins"
    assert raised.value.message.startswith(f"Line 2 ({line.strip()}):")


def test_origins_are_normalised_and_duplicates_named():
    assert origins_from_lines(" HTTPS://WWW.Example.com:443 \n\nhttp://localhost:8080\n") == [
        "https://www.example.com",
        "http://localhost:8080",
    ]
    with pytest.raises(InvalidInput, match=r"Line 2 .*already listed"):
        origins_from_lines("https://a.example.com\nhttps://A.example.com/")


def test_create_shows_the_snippet_with_the_key(client, admin_user):
    client.force_login(admin_user)
    response = _post(
        client,
        reverse("capture_sites:site_create"),
        allowed_origins="https://www.example.com\nhttps://shop.example.com:8443",
        requires_cookie_consent="on",
    )
    site = CaptureSite.objects.get()
    assert site.allowed_origins == ["https://www.example.com", "https://shop.example.com:8443"]
    assert response.status_code == 302
    assert response["Location"] == reverse("capture_sites:site_snippet", args=[site.pk])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    tracker = page.context["snippets"].tracker
    assert tracker == (
        f'<script src="http://testserver/capture/t.js" data-site="{site.public_key}" '
        "data-consent-required defer></script>"
    )
    assert "&lt;script src=&quot;http://testserver/capture/t.js&quot;" in html
    assert 'action="http://testserver/capture/lead"' in page.context["snippets"].form
    assert f'name="site" value="{site.public_key}"' in page.context["snippets"].form
    assert "Paste it before &lt;/body&gt; on every page" in html
    assert 'data-copy-target="snippet-tracker"' in html
    assert "web/copy.js" in html
    assert "accord.consent()" in html


def test_the_site_works_with_the_capture_endpoint_once_created(client, admin_user):
    client.force_login(admin_user)
    _post(client, reverse("capture_sites:site_create"), allowed_origins="https://www.example.com")
    site_cache_clear()
    snapshot = site_get(CaptureSite.objects.get().public_key)
    assert snapshot.allowed_origins == frozenset({"https://www.example.com"})


def test_edit_changes_origins_and_keeps_the_key(client, admin_user):
    client.force_login(admin_user)
    _post(client, reverse("capture_sites:site_create"), allowed_origins="https://a.example.com")
    site = CaptureSite.objects.get()
    url = reverse("capture_sites:site_edit", args=[site.pk])
    form = client.get(url)
    assert form.context["form"].initial["allowed_origins"] == "https://a.example.com"

    bad = _post(client, url, allowed_origins="https://b.example.com\nnot an origin")
    assert "Line 2" in bad.context["form"].errors["allowed_origins"][0]
    site.refresh_from_db()
    assert site.allowed_origins == ["https://a.example.com"]

    _post(client, url, name="Renamed", allowed_origins="https://b.example.com", is_active="")
    updated = CaptureSite.objects.get()
    assert (updated.name, updated.allowed_origins, updated.is_active) == (
        "Renamed",
        ["https://b.example.com"],
        False,
    )
    assert updated.public_key == site.public_key


def test_list_has_an_empty_state_then_the_sites(client, admin_user):
    client.force_login(admin_user)
    empty = client.get(reverse("capture_sites:site_list")).content.decode()
    assert "No capture sites yet." in empty
    _post(client, reverse("capture_sites:site_create"), allowed_origins="https://a.example.com")
    listed = client.get(reverse("capture_sites:site_list")).content.decode()
    assert "Main site" in listed and "https://a.example.com" in listed


@pytest.mark.parametrize("user_fixture", ["sales_user", "marketing_user", "manager_user"])
def test_other_roles_are_refused_and_change_nothing(client, request, admin_user, user_fixture):
    client.force_login(admin_user)
    _post(client, reverse("capture_sites:site_create"), allowed_origins="https://a.example.com")
    site = CaptureSite.objects.get()
    client.force_login(request.getfixturevalue(user_fixture))
    for url in (
        reverse("capture_sites:site_list"),
        reverse("capture_sites:site_create"),
        reverse("capture_sites:site_snippet", args=[site.pk]),
        reverse("capture_sites:site_edit", args=[site.pk]),
    ):
        assert client.get(url).status_code == 403, url
    posted = _post(client, reverse("capture_sites:site_create"), name="Sneaky")
    assert posted.status_code == 403
    edited = _post(client, reverse("capture_sites:site_edit", args=[site.pk]), name="Sneaky")
    assert edited.status_code == 403
    assert list(CaptureSite.objects.values_list("name", flat=True)) == ["Main site"]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("capture_sites:site_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]
