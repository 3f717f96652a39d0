"""Privacy's consequences run through ``accord.wiring``: the apps below ``privacy`` emit, and
``privacy`` (the audit log, the consent ledger) and the apps above it (``integrations``'
webhook delivery logs, ``analytics``' copy) subscribe. These tests pin the table, keep the
removed upward imports removed, and show each consequence still happens — and that it is the
subscription that makes it happen (take the handler out and it does not)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import grimp
import pytest
from django.utils import timezone

from accord.accounts.api_keys import api_key_create, api_key_revoke
from accord.accounts.models import Role
from accord.accounts.services import user_create
from accord.contacts.models import Contact
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.core import events, hooks
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.privacy.audit import user_access_audit
from accord.privacy.models import AuditEntry, ConsentEvent
from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, site_make

PRIVACY_TABLE = {
    "UserAccessChanged": ["accord.privacy.audit.user_access_audit"],
    "ApiKeyIssued": ["accord.privacy.audit.api_key_issued_audit"],
    "ApiKeyRevoked": ["accord.privacy.audit.api_key_revoked_audit"],
    "ConsentSubmitted": ["accord.privacy.capture.consent_submitted_record"],
    "ChannelsRegrouped": ["accord.analytics.copy_updates.copy_touches_reread"],
    "ContactAnonymised": [
        "accord.integrations.webhooks.personal_data.deliveries_anonymise",
        "accord.analytics.copy_updates.copy_contact_erase",
    ],
    "PersonDataRequested": ["accord.integrations.webhooks.personal_data.deliveries_export"],
    "RetentionDue": ["accord.integrations.webhooks.personal_data.deliveries_expire"],
    "AnonymousTouchesDeleted": ["accord.analytics.copy_updates.copy_anonymous_touches_delete"],
}

#: (lower package, higher package): no module of the first imports the second any more.
NO_UPWARD = [
    ("accord.accounts", "accord.privacy"),
    ("accord.tracking", "accord.privacy"),
    ("accord.tracking", "accord.analytics"),
    ("accord.privacy", "accord.analytics"),
    ("accord.privacy", "accord.integrations"),
]
#: Left for the move of the HTTP API plumbing to ``accord/api`` (another branch of issue 13).
NOT_YET = {
    ("accord.privacy.api", "accord.api.auth"),
    ("accord.privacy.api", "accord.api.errors"),
    ("accord.privacy.api", "accord.api.schemas"),
    ("accord.privacy.schemas", "accord.api.schemas"),
}


def test_the_privacy_subscriptions_are_wired_in_order():
    table = hooks.table()
    assert {name: table.get(name) for name in PRIVACY_TABLE} == PRIVACY_TABLE


def test_the_apps_below_privacy_do_not_import_it_nor_privacy_the_apps_above():
    graph = grimp.build_graph("accord", exclude_type_checking_imports=True)
    found = set()
    for lower, higher in NO_UPWARD:
        for module in graph.find_descendants(lower) | {lower}:
            if ".tests" in module:
                continue  # tests drive the whole stack
            for imported in graph.find_modules_directly_imported_by(module):
                if imported == higher or imported.startswith(higher + "."):
                    found.add((module, imported))
    assert found - NOT_YET == set()


@pytest.fixture
def unwired():
    """Take handlers out of the table for one test; they go back where they were."""
    taken: list[tuple[type, int, object]] = []

    def take(event_type: type, handler: object) -> None:
        handlers = hooks._handlers[event_type]
        taken.append((event_type, handlers.index(handler), handler))
        handlers.remove(handler)

    yield take
    for event_type, index, handler in reversed(taken):
        hooks._handlers[event_type].insert(index, handler)


@pytest.mark.django_db
def test_account_changes_are_audited_by_privacy_through_the_wiring(admin_user, unwired):
    user = user_create(username="newcomer", password="x", role=Role.SALES, validate=False)
    key, _ = api_key_create(name="CRM", scopes=["leads:read"], created_by=admin_user)
    api_key_revoke(key_id=key.pk, actor="cli")
    rows = list(AuditEntry.objects.order_by("id").values_list("action", "target", "details"))
    assert rows == [
        ("user.created", f"user:{user.pk}", {"role": "sales"}),
        ("api_key.created", f"api_key:{key.pk}", {"scopes": ["leads:read"]}),
        ("api_key.revoked", f"api_key:{key.pk}", {}),
    ]
    unwired(events.UserAccessChanged, user_access_audit)
    user_create(username="unheard", password="x", role=Role.SALES, validate=False)
    assert AuditEntry.objects.count() == 3  # accounts writes no audit row itself


def _consenting_post(client, site, email):
    body = {"site": site.public_key, "email": email, "consent": True, "consent_version": "v1"}
    return client.post(
        LEAD_URL, json.dumps(body), content_type="application/json", HTTP_ORIGIN=ORIGIN
    )


@pytest.mark.django_db
def test_capture_consent_reaches_the_ledger_and_commits_with_the_lead(client):
    site = site_make()
    assert _consenting_post(client, site, "ada@example.com").status_code == 202
    contact = Contact.objects.get(email="ada@example.com")
    assert list(ConsentEvent.objects.filter(contact=contact).values_list("purpose", "granted")) == [
        ("processing", True)
    ]

    def ledger_down(event: events.ConsentSubmitted) -> None:
        raise RuntimeError("the ledger is down")

    hooks.on(events.ConsentSubmitted, ledger_down)
    try:
        with pytest.raises(RuntimeError):
            _consenting_post(client, site, "bob@example.com")
    finally:
        hooks._handlers[events.ConsentSubmitted].remove(ledger_down)
    assert not Contact.objects.filter(email="bob@example.com").exists()  # nothing half-written
    assert ConsentEvent.objects.count() == 1


@pytest.fixture
def named_person(db, settings, tmp_path):
    """A person with lead properties in the analytics copy and a webhook delivery naming them."""
    from accord.analytics.sync import analytics_sync

    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    contact = ContactFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    lead = LeadFactory(contact=contact, properties={"plan": "pro"})
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/", secret="s")
    body = {"type": "lead.created", "data": {"lead": {"id": lead.pk, "contact": {
        "id": contact.pk, "email": contact.email, "first_name": "Ada"}}}}  # fmt: skip
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.created", event_key="k1", webhook_id="msg_1",
        body=json.dumps(body), response_snippet="ok ada@example.com",
    )  # fmt: skip
    analytics_sync()
    return lead


def test_an_export_holds_the_webhook_deliveries_naming_the_person(named_person):
    from accord.privacy.dsar import person_export

    export = person_export(email="ada@example.com", actor="cli")
    document = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("person.json"))
    assert [d["webhook_id"] for d in document["data"]["webhook_deliveries"]] == ["msg_1"]


def test_erasure_masks_the_deliveries_and_clears_the_analytics_copy(
    named_person, django_capture_on_commit_callbacks
):
    from accord.analytics import engine
    from accord.privacy.erasure import person_erase

    with django_capture_on_commit_callbacks(execute=True):
        result = person_erase(email="ada@example.com", actor="cli")
    assert result.changed["webhook_deliveries"] == 1  # counted by integrations' handler
    delivery = WebhookDelivery.objects.get()
    assert "ada@example.com" not in delivery.body and "Ada" not in delivery.body
    assert delivery.response_snippet == ""
    with engine.reader() as con:
        sql = "SELECT properties FROM leads WHERE id = ?"
        assert json.loads(con.execute(sql, [named_person.pk]).fetchone()[0]) == {}
    audit = AuditEntry.objects.get(action="dsar.erase")
    assert audit.details["changed"]["webhook_deliveries"] == 1


@pytest.mark.django_db
def test_retention_of_webhook_deliveries_is_done_by_integrations(settings):
    from accord.privacy.retention import retention_run

    settings.PRIVACY_RETENTION_DAYS = {"webhook_deliveries": 90}
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/", secret="s")
    old = timezone.now() - timedelta(days=100)
    for n, status in enumerate(["succeeded", "abandoned", "pending"]):
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="lead.created", event_key=f"k{n}", webhook_id=f"m{n}",
            body="{}", status=status, created_at=old,
        )  # fmt: skip

    def count(lines):
        return next(line.count for line in lines if line.data_type == "webhook_deliveries")

    assert count(retention_run(dry_run=True)) == 2
    assert count(retention_run()) == 2
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == ["m2"]
