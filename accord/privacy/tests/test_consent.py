"""The consent ledger: grants from the form, no withdrawal by the form, double opt-in,
unsubscribe links, texts and their hashes, the read-only admin, the migrated old field."""

from __future__ import annotations

import re

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.contacts.models import Contact
from accord.core.errors import InvalidInput
from accord.privacy.consent import (
    consent_record,
    consent_text_cache_clear,
    consent_text_create,
    unsubscribe_url,
)
from accord.privacy.models import ConsentConfirmation, ConsentEvent, Purpose
from accord.privacy.rules import text_sha256
from accord.privacy.selectors import consent_state
from accord.privacy.tests.support import capture_post, jobs_run, site_make

pytestmark = pytest.mark.django_db

TEXT_EN = "I agree to the processing of my personal data."
TEXT_RU = "Я согласен на обработку моих персональных данных."


@pytest.fixture(autouse=True)
def _fresh_text_cache():
    consent_text_cache_clear()
    yield
    consent_text_cache_clear()


def test_form_consent_is_a_ledger_row_with_the_hash_of_the_text_shown(client):
    site = site_make()
    consent_text_create(purpose=Purpose.PROCESSING, version="v1", text_en=TEXT_EN, text_ru=TEXT_RU)
    response = capture_post(
        client, site, email="ann@example.com", consent="on", consent_version="v1",
        consent_language="ru", consent_transfer="on",
        landing_page="https://www.example.com/form",
    )  # fmt: skip
    assert response.status_code in (200, 201, 202)
    contact = Contact.objects.get(email="ann@example.com")
    processing = ConsentEvent.objects.get(contact=contact, purpose=Purpose.PROCESSING)
    assert processing.granted and processing.channel == "form"
    assert processing.text_hash == text_sha256(TEXT_RU)  # the Russian text was shown
    assert processing.source_ip == "203.0.113.7"
    assert processing.source_page == "https://www.example.com/form"
    transfer = ConsentEvent.objects.get(contact=contact, purpose=Purpose.TRANSFER)
    assert transfer.granted and transfer.text_hash == ""  # no transfer text of version v1
    assert consent_state(contact_id=contact.pk)[Purpose.MARKETING] is None


def test_public_form_cannot_withdraw_or_overwrite_an_existing_consent(client):
    """The hole: anyone who knew an e-mail could overwrite the person's consent."""
    site = site_make()
    capture_post(client, site, email="bob@example.com", consent="on", consent_version="v1")
    contact = Contact.objects.get(email="bob@example.com")
    before = list(ConsentEvent.objects.filter(contact=contact).values_list("pk", flat=True))
    response = capture_post(client, site, email="bob@example.com", consent="off")
    assert response.status_code in (200, 201, 202)
    assert list(ConsentEvent.objects.filter(contact=contact).values_list("pk", flat=True)) == before
    assert consent_state(contact_id=contact.pk)[Purpose.PROCESSING].granted is True


def test_a_submission_without_consent_costs_no_privacy_query(client):
    site = site_make()
    capture_post(client, site, email="warm@example.com")  # warm the site cache
    with CaptureQueriesContext(connection) as queries:
        response = capture_post(client, site, email="carol@example.com")
    assert response.status_code in (200, 201, 202)
    assert not [q["sql"] for q in queries.captured_queries if "privacy_" in q["sql"]]


def test_form_cannot_withdraw_through_the_service_either(make_user):
    contact = Contact.objects.create(email="dan@example.com")
    with pytest.raises(InvalidInput) as error:
        consent_record(contact=contact, purpose=Purpose.MARKETING, granted=False, channel="form")
    assert error.value.field == "granted"
    with pytest.raises(InvalidInput) as error:
        consent_record(contact=contact, purpose=Purpose.MARKETING, granted=False, channel="api")
    assert error.value.field == "actor"
    admin = make_user(username="dpo")
    event = consent_record(
        contact=contact, purpose=Purpose.MARKETING, granted=False, channel="admin", actor=admin
    )
    assert event.actor == admin and not event.granted


def test_double_opt_in_grants_marketing_only_when_the_link_is_clicked(
    client, django_capture_on_commit_callbacks
):
    site = site_make()
    site.double_opt_in = True
    site.save()
    site_make_cache_clear()
    capture_post(client, site, email="eve@example.com", consent_marketing="on")
    contact = Contact.objects.get(email="eve@example.com")
    assert not ConsentEvent.objects.filter(contact=contact, purpose=Purpose.MARKETING).exists()
    assert ConsentConfirmation.objects.filter(contact=contact).count() == 1
    assert jobs_run(django_capture_on_commit_callbacks, func_suffix="confirmation_email_send") == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["eve@example.com"]
    link = re.search(r"https?://\S+/privacy/confirm/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200  # a scanner's GET confirms nothing
    assert not ConsentEvent.objects.filter(contact=contact, purpose=Purpose.MARKETING).exists()
    assert client.post("/" + path).status_code == 200
    event = ConsentEvent.objects.get(contact=contact, purpose=Purpose.MARKETING)
    assert event.granted and event.channel == "confirmation"
    assert client.post("/" + path).status_code == 200  # a second click: no second grant
    assert ConsentEvent.objects.filter(contact=contact, purpose=Purpose.MARKETING).count() == 1


def test_a_forged_confirmation_link_is_refused_with_400(client):
    response = client.post("/privacy/confirm/not-a-token/")
    assert response.status_code == 400


def test_unsubscribe_link_withdraws_and_a_form_cannot_resubscribe_without_confirmation(
    client, django_capture_on_commit_callbacks
):
    site = site_make()
    capture_post(client, site, email="fay@example.com", consent_marketing="on")
    contact = Contact.objects.get(email="fay@example.com")
    assert consent_state(contact_id=contact.pk)[Purpose.MARKETING].granted is True
    path = "/" + unsubscribe_url(contact_id=contact.pk).split("://", 1)[1].split("/", 1)[1]
    assert client.post(path).status_code == 200
    state = consent_state(contact_id=contact.pk)[Purpose.MARKETING]
    assert state.granted is False and state.channel == "unsubscribe"
    # Someone who knows the address ticks the box again: it waits for the owner's click.
    capture_post(client, site, email="fay@example.com", consent_marketing="on")
    assert consent_state(contact_id=contact.pk)[Purpose.MARKETING].granted is False
    assert ConsentConfirmation.objects.filter(contact=contact).count() == 1
    assert client.post(path).status_code == 200  # unsubscribing twice is fine
    assert ConsentEvent.objects.filter(contact=contact, purpose=Purpose.MARKETING).count() == 2


def test_consent_texts_are_versioned_and_never_rewritten():
    text = consent_text_create(purpose=Purpose.MARKETING, version="2026-01", text_en="Send me news")
    assert text.sha256_en == text_sha256("Send me news")
    with pytest.raises(InvalidInput) as error:
        consent_text_create(purpose=Purpose.MARKETING, version="2026-01", text_en="Other")
    assert error.value.field == "version"


def test_ledger_admin_is_read_only(client, admin_user):
    contact = Contact.objects.create(email="gil@example.com")
    event = consent_record(
        contact=contact, purpose=Purpose.PROCESSING, granted=True, channel="form"
    )
    client.force_login(admin_user)
    url = f"/admin/privacy/consentevent/{event.pk}/"
    assert client.get("/admin/privacy/consentevent/").status_code == 200
    assert client.post(url + "change/", {"granted": ""}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/privacy/consentevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.granted is True


def test_old_consent_property_is_migrated_into_the_ledger():
    from importlib import import_module

    name = "accord.privacy.migrations.0002_consent_from_properties_and_schedules"
    migration = import_module(name)
    contact = Contact.objects.create(
        email="hal@example.com",
        properties={
            "consent": {"granted": True, "version": "2025-06", "at": "2025-06-01T10:00:00+00:00",
                        "site": "k1"},
            "budget": "10k",
        },
    )  # fmt: skip
    migration.consent_move(django_apps, None)
    contact.refresh_from_db()
    assert contact.properties == {"budget": "10k"}
    event = ConsentEvent.objects.get(contact=contact)
    assert (event.purpose, event.granted, event.text_version, event.channel) == (
        "processing", True, "2025-06", "migration"
    )  # fmt: skip
    assert event.at.isoformat() == "2025-06-01T10:00:00+00:00"


def site_make_cache_clear() -> None:
    from accord.tracking.capture.sites import site_cache_clear

    site_cache_clear()


def test_an_admin_records_a_withdrawal_on_the_requests_page(client, admin_user, marketing_user):
    contact = Contact.objects.create(email="ivy@example.com")
    consent_record(contact=contact, purpose=Purpose.MARKETING, granted=True, channel="form")
    data = {"email": "ivy@example.com", "purpose": "email_marketing", "granted": "0",
            "lawful_basis": "consent"}  # fmt: skip
    client.force_login(marketing_user)
    assert client.post("/privacy/requests/consent/", data).status_code == 403
    client.force_login(admin_user)
    response = client.post("/privacy/requests/consent/", {**data, "purpose": "nonsense"})
    assert response.status_code == 400
    response = client.post("/privacy/requests/consent/", {**data, "email": "who@example.com"})
    assert response.status_code == 400 and b"No contact" in response.content
    assert client.post("/privacy/requests/consent/", data).status_code == 200
    state = consent_state(contact_id=contact.pk)[Purpose.MARKETING]
    assert (state.granted, state.channel, state.actor) == (False, "admin", admin_user)


def test_api_reads_and_records_consent_and_a_keyless_actor_cannot_withdraw(client, admin_user):
    from accord.accounts.api_keys import api_key_create

    contact = Contact.objects.create(email="jo@example.com")
    url = f"/api/v1/contacts/{contact.pk}/consents"
    _, reader = api_key_create(name="r", scopes=["contacts:read"])
    _, nobody = api_key_create(name="w", scopes=["contacts:write"])
    _, someone = api_key_create(name="w2", scopes=["contacts:write"], created_by=admin_user)

    def post(key, body):
        return client.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )

    grant = {"purpose": "third_party_transfer", "granted": True}
    assert post(reader, grant).status_code == 403
    assert post(nobody, grant).status_code == 201
    response = post(nobody, {**grant, "purpose": "spam"})
    assert response.status_code == 422 and "purpose" in response.content.decode()
    response = post(nobody, {**grant, "granted": False})
    assert response.status_code == 422 and response.json()["error"]["field"] == "actor"
    response = post(someone, {**grant, "granted": False})
    assert response.status_code == 201 and response.json()["actor_id"] == admin_user.pk
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {reader}").json()
    assert body["current"] == {
        "processing": None, "email_marketing": None, "third_party_transfer": False
    }  # fmt: skip
    assert [e["channel"] for e in body["events"]] == ["api", "api"]
    assert "/privacy/unsubscribe/" in body["unsubscribe_url"]
    missing = client.get("/api/v1/contacts/999999/consents", HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert missing.status_code == 404


def test_site_create_cli_sets_the_privacy_options_and_prints_the_consent_snippet():
    from click.testing import CliRunner

    from accord.cli import cli
    from accord.tracking.models import CaptureSite

    result = CliRunner().invoke(
        cli,
        ["site", "create", "Shop", "--origin", "https://shop.example", "--double-opt-in",
         "--cookie-consent"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    site = CaptureSite.objects.get(name="Shop")
    assert (site.double_opt_in, site.requires_cookie_consent) == (True, True)
    assert "data-consent-required" in result.output and "accord.consent()" in result.output
