"""The API access page: the role-to-scope table from the policy, one's own keys (create,
shown once, revoke), the docs linked and open for every role that may use the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.api_keys import api_key_authenticate
from accord.accounts.models import ApiKey, Role
from accord.accounts.own_keys import scopes_offered
from accord.accounts.policy import writes_of

pytestmark = pytest.mark.django_db

ROLE_USERS = ["sales_user", "marketing_user", "manager_user", "admin_user"]


@pytest.mark.parametrize("user_fixture", ROLE_USERS)
def test_every_role_opens_the_page_and_the_docs(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    page = client.get(reverse("settings:api"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("api-v1:openapi-view")}"' in html
    assert client.get(reverse("api-v1:openapi-view")).status_code == 200


def test_docs_stay_closed_to_anonymous_visitors(client):
    response = client.get(reverse("api-v1:openapi-view"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    page = client.get(reverse("settings:api"))
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_the_table_is_the_policy(client, sales_user):
    client.force_login(sales_user)
    table = client.get(reverse("settings:api")).context["table"]
    labels = [str(column.label) for column in table.columns]
    assert labels == [
        "Marketer",
        "Sales rep",
        "Marketing manager",
        "Sales manager",
        "Leadership",
        "Administrator",
    ]
    assert [column.is_yours for column in table.columns] == [0, 1, 0, 0, 0, 0]
    cells = {row.resource: [str(cell) for cell in row.cells] for row in table.rows}
    rw = "read, write"
    assert cells["spend"] == [rw, "read", rw, "read", rw, rw]
    assert cells["deals"] == [
        "read",
        "read, write (own)",
        "read",
        "read, write",
        "read, write",
        "read, write",
    ]
    assert cells["agreements"] == ["read", "read", rw, rw, rw, rw]
    # Each cell follows writes_of for the column's example person.
    for column_index, column in enumerate(table.columns):
        for row in table.rows:
            writes = row.resource in writes_of(column.person)
            assert str(row.cells[column_index]).startswith("read, write") is writes


def test_a_rep_creates_a_key_that_acts_for_them_and_sees_it_once(client, sales_user):
    client.force_login(sales_user)
    assert "deals:write" in scopes_offered(sales_user)
    assert "spend:write" not in scopes_offered(sales_user)
    response = client.post(
        reverse("settings:key_create"), {"name": "Sheet sync", "scopes": ["*:read", "deals:write"]}
    )
    assert response.status_code == 200
    raw = response.context["raw"]
    key = api_key_authenticate(raw)
    assert key is not None and key.created_by == sales_user
    assert key.scopes == ["*:read", "deals:write"]
    assert raw in response.content.decode()
    # Listed afterwards by prefix only.
    listed = client.get(reverse("settings:api")).content.decode()
    assert key.prefix in listed and raw not in listed


def test_a_scope_beyond_the_role_is_refused_and_nothing_created(client, sales_user):
    client.force_login(sales_user)
    response = client.post(
        reverse("settings:key_create"), {"name": "Too much", "scopes": ["spend:write"]}
    )
    assert response.status_code == 200
    assert "scopes" in response.context["form"].errors
    assert not ApiKey.objects.exists()
    nameless = client.post(reverse("settings:key_create"), {"name": "", "scopes": ["*:read"]})
    assert "name" in nameless.context["form"].errors
    assert not ApiKey.objects.exists()


def test_revoke_own_key_only(client, sales_user, marketing_user):
    client.force_login(marketing_user)
    client.post(reverse("settings:key_create"), {"name": "Mine", "scopes": ["*:read"]})
    theirs = ApiKey.objects.get()
    client.force_login(sales_user)
    refused = client.post(reverse("settings:key_revoke", args=[theirs.pk]))
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.force_login(marketing_user)
    done = client.post(reverse("settings:key_revoke", args=[theirs.pk]))
    assert done.status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_the_hub_is_reachable_for_every_role(client, make_user):
    for role in Role.values:
        client.force_login(make_user(username=f"hub-{role}", role=role))
        assert client.get(reverse("settings:hub")).status_code == 200
