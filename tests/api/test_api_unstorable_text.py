"""The REST API refuses text no database can store -- NUL and lone surrogates -- with a 422.

Regression: a lone surrogate (``"\\ud800"`` in JSON) in a contact's ``properties`` passed
validation and answered 500 when the row was written. Anywhere in a request body -- plain
fields, ``properties`` values, their keys, nested lists and objects -- it is a 422 whose
``field`` names the top-level field and whose message names the exact place.
"""

from __future__ import annotations

import json

import pytest

from accord.contacts.models import Contact
from accord.integrations.tests.api_helpers import key_client

pytestmark = pytest.mark.django_db

BAD = ["\x00", "\ud800", "x\udfffy"]


def _raw(body: object) -> str:
    return json.dumps(body)  # lone surrogates travel escaped, as clients send them


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    ("properties", "where"),
    [
        (lambda bad: {"plan": bad}, "properties.plan"),
        (lambda bad: {f"k{bad}": 1}, "properties.k"),
        (lambda bad: {"tags": ["ok", bad]}, "properties.tags[1]"),
        (lambda bad: {"deep": {"er": {"est": bad}}}, "properties.deep.er.est"),
    ],
)
def test_unstorable_text_in_properties_is_a_422_naming_the_field(bad, properties, where):
    client = key_client()
    body = {"email": "a@example.com", "properties": properties(bad)}
    response = client.post("/contacts", raw=_raw(body))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == "properties"
    assert where in error["message"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("bad", BAD)
def test_unstorable_text_in_plain_fields_and_patches_is_a_422(bad):
    client = key_client()
    created = client.post("/contacts", {"email": "b@example.com"})
    assert created.status_code == 201
    contact_id = created.json()["id"]
    refused = client.post("/contacts", raw=_raw({"email": "c@example.com", "first_name": bad}))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "first_name"
    patched = client.client.patch(
        f"/api/v1/contacts/{contact_id}",
        _raw({"properties": {"plan": bad}}),
        content_type="application/json",
        headers=client.headers,
    )
    assert patched.status_code == 422 and patched.json()["error"]["field"] == "properties"
    assert Contact.objects.get(pk=contact_id).properties == {}
