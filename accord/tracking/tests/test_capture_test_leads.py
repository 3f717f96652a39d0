"""Test leads through the public form: only an auditor's signed token marks one; any other
attempt is refused by name and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.core import signing

from accord.accounts.models import Department, Role
from accord.accounts.shopper_tokens import SALT, shopper_token_mint
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.core.errors import PermissionDenied
from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, row_counts, site_make

pytestmark = pytest.mark.django_db


def _post(client, body, *, form=False):
    site = site_make()
    data = {"site": site.public_key, **body}
    if form:
        return client.post(LEAD_URL, data, HTTP_ORIGIN=ORIGIN, HTTP_ACCEPT="application/json")
    return client.post(
        LEAD_URL, json.dumps(data), content_type="application/json", HTTP_ORIGIN=ORIGIN
    )


def _auditor():
    return UserFactory(username="auditor", role=Role.MANAGER, department=Department.SALES)


def test_an_auditors_token_makes_a_test_lead(client):
    token = shopper_token_mint(by=_auditor())
    response = _post(client, {"email": "shopper@example.com", "test_lead_token": token})
    assert response.status_code in (200, 201, 202), response.content
    lead = Lead.objects.get(contact__email="shopper@example.com")
    assert lead.is_test
    before = row_counts()  # the token is spent: sent again, it is refused and saves nothing
    again = _post(client, {"email": "shopper2@example.com", "test_lead_token": token})
    assert again.status_code == 422 and "used already" in again.json()["error"]["message"]
    assert row_counts() == before
    ordinary = _post(client, {"email": "real@example.com"})
    assert ordinary.status_code in (200, 201, 202)
    assert not Lead.objects.get(contact__email="real@example.com").is_test


@pytest.mark.parametrize("form", [False, True])
@pytest.mark.parametrize("flag", ["is_test", "test", "test_lead"])
def test_a_flag_without_the_token_is_refused_and_nothing_is_saved(client, flag, form):
    before = row_counts()
    response = _post(client, {"email": "sneaky@example.com", flag: "true"}, form=form)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == flag
    assert row_counts() == before


def test_a_forged_or_foreign_token_is_refused_and_nothing_is_saved(client):
    rep = UserFactory(username="rep", role=Role.SALES)
    with pytest.raises(PermissionDenied):
        shopper_token_mint(by=rep)
    forged = signing.dumps({"u": rep.pk, "n": "x"}, salt=SALT)  # signed, but not an auditor
    wrong_salt = signing.dumps({"u": _auditor().pk, "n": "x"}, salt="other")
    before = row_counts()
    for token, status in ((forged, 403), (wrong_salt, 422), ("garbage", 422)):
        response = _post(client, {"email": "x@example.com", "test_lead_token": token})
        assert response.status_code == status, response.content
        assert response.json()["error"]["field"] == "test_lead_token"
    assert row_counts() == before


def test_a_test_token_cannot_turn_a_persons_open_real_lead_into_a_test(client):
    assert _post(client, {"email": "known@example.com"}).status_code in (200, 201, 202)
    before = row_counts()
    token = shopper_token_mint(by=_auditor())
    response = _post(client, {"email": "known@example.com", "test_lead_token": token})
    assert response.status_code == 422
    assert not Lead.objects.filter(is_test=True).exists()
    assert row_counts() == before
