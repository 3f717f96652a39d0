"""API keys: hashed at rest, shown once, scoped, revocable — checked through real HTTP."""

from __future__ import annotations

import hashlib

import pytest

from accord.accounts.api_keys import api_key_create, api_key_revoke, scope_allows, scopes_clean
from accord.accounts.models import ApiKey
from accord.core.errors import InvalidInput
from accord.integrations.tests.api_helpers import ApiClient

pytestmark = pytest.mark.django_db


def test_only_a_hash_and_a_prefix_are_stored():
    key, raw = api_key_create(name="crm sync", scopes=["leads:read"])
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith("acc_") and len(raw) > 40
    assert stored.hashed_secret == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.hashed_secret, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert stored.scopes == ["leads:read"]


def test_each_key_is_shown_once_and_differs():
    _a, raw_a = api_key_create(name="a", scopes=["*"])
    _b, raw_b = api_key_create(name="b", scopes=["*"])
    assert raw_a != raw_b


def test_a_valid_key_authenticates_and_records_its_use():
    key, raw = api_key_create(name="a", scopes=["contacts:read"])
    response = ApiClient(raw).get("/contacts")
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize("header", [None, "Bearer acc_wrong", "Bearer nonsense", "Basic abc"])
def test_missing_or_unknown_key_is_401_json(header):
    from django.test import Client

    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/contacts", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_revoked_key_is_401():
    key, raw = api_key_create(name="a", scopes=["*"])
    client = ApiClient(raw)
    assert client.get("/leads").status_code == 200
    api_key_revoke(key_id=key.pk)
    response = client.get("/leads")
    assert response.status_code == 401


def test_wrong_scope_is_403_and_writes_nothing():
    from accord.contacts.models import Contact

    _key, raw = api_key_create(name="reader", scopes=["contacts:read", "leads:write"])
    client = ApiClient(raw)
    assert client.get("/contacts").status_code == 200
    response = client.post("/contacts", {"email": "new@example.com"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert "contacts:write" in response.json()["error"]["message"]
    assert not Contact.objects.exists()
    assert client.get("/deals").status_code == 403


def test_scope_rules():
    assert scope_allows(["leads:write"], resource="leads", action="read")
    assert not scope_allows(["leads:read"], resource="leads", action="write")
    assert scope_allows(["*:read"], resource="deals", action="read")
    assert not scope_allows(["*:read"], resource="deals", action="write")
    assert scope_allows(["*"], resource="spend", action="write")
    assert scopes_clean([" Leads:Read ", "leads:read"]) == ["leads:read"]
    with pytest.raises(InvalidInput) as error:
        scopes_clean(["leads:delete"])
    assert error.value.field == "scopes"
    with pytest.raises(InvalidInput):
        scopes_clean([])


def test_cli_creates_lists_and_revokes(capsys):
    from click.testing import CliRunner

    from accord.accounts.commands import apikey

    runner = CliRunner()
    created = runner.invoke(apikey, ["create", "zapier", "--scope", "leads:read"])
    assert created.exit_code == 0, created.output
    raw = next(word for word in created.output.split() if word.startswith("acc_"))
    key = ApiKey.objects.get(name="zapier")
    assert key.hashed_secret == hashlib.sha256(raw.encode()).hexdigest()
    listed = runner.invoke(apikey, ["list"])
    assert key.prefix in listed.output and raw not in listed.output
    revoked = runner.invoke(apikey, ["revoke", str(key.pk)])
    assert revoked.exit_code == 0
    key.refresh_from_db()
    assert key.revoked_at is not None
