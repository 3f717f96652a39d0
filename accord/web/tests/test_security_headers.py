"""Security headers on every kind of response: the CSP, framing, content sniffing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/login/", "/", "/api/v1/openapi.json", "/capture/t.js"])
def test_every_response_carries_the_content_security_policy(client, admin_user, path):
    if path != "/login/":  # a signed-in user is sent on from the log-in page
        client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert (
        "script-src 'self'" in policy
        and "unsafe" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "style-src-attr 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts_or_handlers(client, admin_user):
    import re

    client.force_login(admin_user)
    for path in ["/login/", "/", "/reports/", "/handoff/routing/", "/settings/webhooks/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "javascript:" not in html, path
        assert ' style="' not in html, path


def test_favicon_ico_redirects_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("web/favicon.svg")
