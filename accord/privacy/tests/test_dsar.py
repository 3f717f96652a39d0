"""Data-subject requests: export everything held about a person; erase them everywhere
while the reports' counts stay; the suppression list keeps them out of imports."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from accord.analytics import engine
from accord.analytics.filters import ReportFilters
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.analytics_support import END, START
from accord.cli import cli
from accord.contacts.models import Contact, Lead
from accord.handoff.models import Notification
from accord.integrations.importing.service import import_run
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.pipeline.models import Activity, Deal
from accord.privacy.consent import consent_record
from accord.privacy.erasure import person_erase
from accord.privacy.models import AuditEntry, ConsentEvent, Purpose, SuppressionEntry
from accord.tracking.models import Touchpoint

EMAIL = "a@example.com"


@pytest.fixture
def person(company):
    """Lead A's person, with personal data in every corner the erasure must reach."""
    lead = company["leads"]["A"]
    contact = lead.contact
    Contact.objects.filter(pk=contact.pk).update(
        first_name="Alice", last_name="Ashdown", phone="+442079460958", job_title="CTO"
    )
    Touchpoint.objects.create(
        at=lead.created_at, type="form_submission", visitor_id="v-alice-1", contact=contact,
        lead=lead, url="https://www.example.com/form?email=a%40example.com#top",
        referrer="https://mail.example.com/?to=a@example.com",
    )  # fmt: skip
    Touchpoint.objects.create(
        at=lead.created_at, type="page_view", visitor_id="v-alice-1",
        url="https://www.example.com/pricing?name=Alice",
    )  # fmt: skip
    Activity.objects.filter(lead=lead).update(notes="Called Alice Ashdown on +442079460958")
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/", secret="s")
    body = {
        "type": "lead.created",
        "data": {
            "lead": {
                "id": lead.pk,
                "contact": {
                    "id": contact.pk,
                    "email": EMAIL,
                    "first_name": "Alice",
                    "last_name": "Ashdown",
                },
            }
        },
    }
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.created", event_key="k1", webhook_id="msg_1",
        body=json.dumps(body),
    )  # fmt: skip
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.created", event_key="k2", webhook_id="msg_2",
        body=json.dumps({"type": "lead.created", "data": {"lead": {"id": 999999}}}),
    )  # fmt: skip
    Notification.objects.create(
        user=company["rep1"], kind="lead.assigned", title="New lead: Alice Ashdown",
        body="Alice Ashdown from Engines", url=f"/leads/{lead.pk}/", key="n1",
    )  # fmt: skip
    consent_record(
        contact=contact, purpose=Purpose.MARKETING, granted=True, channel="form",
        source_ip="203.0.113.7", source_page="https://www.example.com/form",
    )  # fmt: skip
    return contact


def _funnel() -> list:
    result = FunnelRunner(FunnelQuery(ReportFilters(START, END, mode="cohort"))).run()
    by_channel = FunnelRunner(FunnelQuery(ReportFilters(START, END), group_by="channel")).run()
    return [
        [s.count for s in result.total.steps],
        (result.total.impressions, result.total.clicks, result.total.visits),
        [(g.label, [s.count for s in g.steps]) for g in by_channel.groups],
    ]


@pytest.mark.django_db(transaction=True)
def test_export_holds_everything_about_the_person_as_json_and_csv(person, admin_user):
    from accord.privacy.dsar import person_export

    export = person_export(email=EMAIL.upper(), actor=admin_user)
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    document = json.loads(archive.read("person.json"))["data"]
    assert document["contacts"][0]["email"] == EMAIL
    assert {r["id"] for r in document["leads"]} == {person.leads.get().pk}
    assert len(document["touchpoints"]) == 2  # the seeded one and the form
    assert [t["url"] for t in document["anonymous_touchpoints"]] == [
        "https://www.example.com/pricing?name=Alice"
    ]
    assert [d["name"] for d in document["deals"]] == ["A deal"]
    assert document["activities"][0]["notes"].startswith("Called Alice")
    assert [c["purpose"] for c in document["consents"]] == ["email_marketing"]
    assert [d["webhook_id"] for d in document["webhook_deliveries"]] == ["msg_1"]
    assert [n["key"] for n in document["notifications"]] == ["n1"]
    names = set(archive.namelist())
    assert {"csv/contacts.csv", "csv/leads.csv", "csv/deals.csv", "csv/consents.csv"} <= names
    assert EMAIL in archive.read("csv/contacts.csv").decode("utf-8-sig")
    entry = AuditEntry.objects.get(action="dsar.export")
    assert entry.actor == admin_user and EMAIL not in json.dumps(entry.details) + entry.target


@pytest.mark.django_db(transaction=True)
def test_erasure_removes_the_person_everywhere_and_keeps_the_counts(person, duckdb_file):
    analytics_sync()  # the fixture's extra rows, before the counts are taken
    before = _funnel()
    lead = person.leads.get()
    result = person_erase(email=EMAIL, actor="cli")
    assert result.contacts == 1
    person.refresh_from_db()
    assert (person.email, person.phone, person.first_name, person.last_name) == (
        f"erased-{person.pk}@erased.invalid",
        None,
        "",
        "",
    )
    assert set(person.properties) == {"erased_at"}
    assert Lead.objects.get(pk=lead.pk).properties == {}
    urls = set(Touchpoint.objects.values_list("url", flat=True))
    assert "https://www.example.com/form" in urls and "https://www.example.com/pricing" in urls
    assert not any("?" in u for u in urls)
    assert not Activity.objects.filter(notes__contains="Alice").exists()
    assert Deal.objects.get(lead=lead).name == f"Deal #{Deal.objects.get(lead=lead).pk}"
    assert "Alice" not in Notification.objects.get(key="n1").title
    bodies = " ".join(WebhookDelivery.objects.values_list("body", flat=True))
    assert EMAIL not in bodies and "Alice" not in bodies and "999999" in bodies
    event = ConsentEvent.objects.filter(contact=person).order_by("id").first()
    assert event.source_ip is None and event.source_page == ""
    latest = ConsentEvent.objects.filter(contact=person).order_by("-id").first()
    assert (latest.granted, latest.channel) == (False, "erasure")
    assert SuppressionEntry.objects.count() == 2  # e-mail and phone
    audit = AuditEntry.objects.get(action="dsar.erase")
    assert EMAIL not in json.dumps(audit.details) + audit.target + audit.subject_hash
    # The analytics copy: the incremental sync brings nothing back, the counts are equal.
    analytics_sync()
    with engine.reader() as con:
        props = con.execute("SELECT properties FROM leads WHERE id = ?", [lead.pk]).fetchone()[0]
    assert json.loads(props) == {}
    assert _funnel() == before
    # A second run: no error, no change.
    counts = (AuditEntry.objects.count(), SuppressionEntry.objects.count(),
              ConsentEvent.objects.count())  # fmt: skip
    again = person_erase(email=EMAIL)
    assert again.nothing_done
    assert counts == (AuditEntry.objects.count(), SuppressionEntry.objects.count(),
                      ConsentEvent.objects.count())  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_import_refuses_a_suppressed_person_with_the_reason_and_date(person, tmp_path):
    person_erase(phone="+442079460958")
    path = tmp_path / "contacts.csv"
    path.write_text("email,first_name\na@example.com,Alice\nnew@example.com,Neo\n")
    report = import_run(entity="contacts", path=path, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "email")]
    assert report.errors[0].message.startswith("suppressed: the person asked to be erased on 20")
    assert Contact.objects.filter(email="new@example.com").exists()
    assert not Contact.objects.filter(email=EMAIL).exists()


@pytest.mark.django_db(transaction=True)
def test_cli_export_and_erase(person, tmp_path):
    runner = CliRunner()
    target = tmp_path / "out.zip"
    result = runner.invoke(cli, ["privacy", "export", "--email", EMAIL, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "person.json" in zipfile.ZipFile(target).namelist()
    result = runner.invoke(cli, ["privacy", "erase", "--email", EMAIL], input="n\n")
    assert result.exit_code == 1 and Contact.objects.filter(email=EMAIL).exists()
    result = runner.invoke(cli, ["privacy", "erase", "--email", EMAIL, "--yes"])
    assert result.exit_code == 0 and "Erased 1 contact" in result.output
    result = runner.invoke(cli, ["privacy", "erase", "--email", EMAIL, "--yes"])
    assert result.exit_code == 0 and "Nothing to erase" in result.output
    result = runner.invoke(cli, ["privacy", "erase", "--email", "not-an-email", "--yes"])
    assert result.exit_code == 2 and "(email)" in result.output


@pytest.mark.django_db(transaction=True)
def test_request_pages_are_for_admins_only(client, person, marketing_user, admin_user):
    client.force_login(marketing_user)
    assert client.get("/privacy/requests/").status_code == 403
    assert client.post("/privacy/requests/export/", {"email": EMAIL}).status_code == 403
    assert (
        client.post("/privacy/requests/erase/", {"email": EMAIL, "confirm": "on"}).status_code
        == 403
    )
    assert Contact.objects.filter(email=EMAIL).exists()
    client.force_login(admin_user)
    assert client.get("/privacy/requests/").status_code == 200
    response = client.post("/privacy/requests/export/", {"email": EMAIL})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    response = client.post("/privacy/requests/export/", {"email": "nonsense"})
    assert response.status_code == 400 and b"not a valid email" in response.content
    response = client.post("/privacy/requests/erase/", {"email": EMAIL})
    assert response.status_code == 400 and Contact.objects.filter(email=EMAIL).exists()
    response = client.post("/privacy/requests/erase/", {"email": EMAIL, "confirm": "on"})
    assert response.status_code == 200 and not Contact.objects.filter(email=EMAIL).exists()
    assert AuditEntry.objects.get(action="dsar.erase").actor == admin_user
