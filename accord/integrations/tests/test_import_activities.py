"""``accord import activities``: HubSpot engagements and Salesforce tasks/events, activities
on deals and leads, open tasks as next steps, errors naming the column, re-import idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.integrations.importing.service import import_run
from accord.pipeline.models import Activity, Deal, Task

pytestmark = pytest.mark.django_db

HUBSPOT_HEADER = ",".join(
    ("Record ID", "Activity type", "Activity date", "Call outcome", "Call duration",
     "Call notes", "Task title", "Task status", "Due date", "Associated Contact IDs",
     "Associated Deal IDs")
)  # fmt: skip
SALESFORCE_HEADER = ",".join(
    ("Activity ID", "Subject", "Task Subtype", "Status", "Activity Date", "Due Date",
     "Call Result", "Comments", "Lead ID", "Opportunity ID")
)  # fmt: skip


@pytest.fixture
def crm():
    rep = UserFactory(username="rep", role=Role.SALES, email="rep@example.com")
    contact = ContactFactory(external_id="HS-C1", email="ann@example.com")
    lead = LeadFactory(contact=contact, owner=rep)
    deal = Deal.objects.create(name="Big", amount=10, owner=rep, lead=lead, external_id="HS-D1")
    return rep, lead, deal


def _file(tmp_path, text: str):
    path = tmp_path / "activities.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_a_hubspot_engagements_export(crm, tmp_path):
    rep, lead, deal = crm
    soon = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    path = _file(
        tmp_path,
        HUBSPOT_HEADER
        + f"""
e1,CALL,2026-11-02 10:00,Connected,00:05:30,Talked budget,,,,HS-C1,
e2,MEETING,2026-11-03 15:00,Completed,,,,,,,HS-D1
e3,NOTE,2026-11-04 09:00,,,Champion is the CFO,,,,HS-C1,
t1,TASK,2026-11-01 09:00,,,,Send the contract,NOT_STARTED,{soon},,HS-D1
t2,TASK,2026-10-20 09:00,,,,Intro call,COMPLETED,2026-10-21 09:00,HS-C1,
""",
    )
    report = import_run(entity="activities", path=path, preset="hubspot")
    assert report.ok and not report.errors, report.errors
    call = Activity.objects.get(kind="call")
    assert call.lead == lead and call.outcome == "connected" and call.duration_seconds == 330
    assert Activity.objects.get(kind="meeting").deal == deal
    assert Activity.objects.get(kind="meeting").outcome == "held"
    assert Activity.objects.get(kind="note").notes == "Champion is the CFO"
    contract = Task.objects.get(external_id="t1")
    assert contract.deal == deal and contract.owner == rep and contract.done_at is None
    intro = Task.objects.get(external_id="t2")
    assert intro.done_at is not None and intro.lead == lead and intro.owner == rep

    again = import_run(entity="activities", path=path, preset="hubspot")
    assert again.ok and again.created == 0
    assert Activity.objects.count() == 3 and Task.objects.count() == 2


def test_a_salesforce_task_export_and_its_errors(crm, tmp_path):
    _rep, lead, _deal = crm
    Lead.objects.filter(pk=lead.pk).update(external_id="00Q1")
    path = _file(
        tmp_path,
        SALESFORCE_HEADER
        + """
00T1,Call Ann,Call,Completed,11/02/2026 10:00 AM,,Left voicemail,,00Q1,
00T2,Follow up,Call,Not Started,,11/28/2026 10:00 AM,,,,0061
00T3,Follow up,Email,Not Started,,11/28/2026 10:00 AM,,,00Q9,
""",
    )
    report = import_run(entity="activities", path=path, preset="salesforce")
    assert not report.ok
    columns = {(e.row, e.column) for e in report.errors}
    assert columns == {(3, "Opportunity ID"), (4, "Lead ID")}, report.errors
    assert not Activity.objects.exists() and not Task.objects.exists()  # nothing written

    skipped = import_run(entity="activities", path=path, preset="salesforce", skip_invalid=True)
    assert skipped.imported
    assert Activity.objects.get().outcome == "voicemail"


def test_a_task_without_an_owner_is_refused_on_the_owner_column(tmp_path):
    path = _file(tmp_path, "type,due_at,title\ntask,2030-01-01 09:00,Plan the quarter\n")
    report = import_run(entity="activities", path=path)
    assert [e.column for e in report.errors] == ["owner_email"]
    UserFactory(username="boss", email="boss@example.com", role=Role.MANAGER)
    with_owner = _file(
        tmp_path, "type,due_at,title,owner_email\ntask,2030-01-01 09:00,Plan,boss@example.com\n"
    )
    assert import_run(entity="activities", path=with_owner).ok
    assert Task.objects.get().lead_id is None  # a personal task


def test_the_cli_imports_activities(crm, tmp_path):
    from accord.cli import cli

    path = _file(
        tmp_path, "type,at,contact_email,outcome\ncall,2026-11-02 10:00,ann@example.com,no answer\n"
    )
    result = CliRunner().invoke(cli, ["import", "activities", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert Activity.objects.get().outcome == "no_answer"
