"""Retention: per data type, periods from settings or the admin's policies, a dry run that
only counts, a run that removes or anonymises exactly what is past its period."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone
from django_q.models import Schedule

from accord.cli import cli
from accord.contacts.models import Contact, Lead
from accord.handoff.models import Notification
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.privacy.models import RetentionPolicy, SuppressionEntry
from accord.privacy.retention import retention_periods, retention_run
from accord.tracking.models import Touchpoint

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=400)
RECENT = timezone.now() - timedelta(days=3)


@pytest.fixture
def aged(settings, tmp_path, make_user):
    settings.VAR_DIR = tmp_path
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    settings.PRIVACY_RETENTION_DAYS = {
        "anonymous_touches": 365,
        "unconverted_leads": 365,
        "webhook_deliveries": 90,
        "import_files": 7,
        "notifications": 365,
    }
    Touchpoint.objects.create(at=OLD, type="page_view", visitor_id="v-old", url="https://x.io/")
    Touchpoint.objects.create(at=RECENT, type="page_view", visitor_id="v-new", url="https://x.io/")
    stale = Contact.objects.create(email="stale@example.com", first_name="Stan")
    Lead.objects.create(contact=stale, is_open=False, stage="disqualified")
    Contact.objects.filter(pk=stale.pk).update(updated_at=OLD)
    Touchpoint.objects.create(at=OLD, type="page_view", contact=stale, url="https://x.io/?e=stale")
    active = Contact.objects.create(email="active@example.com")
    Lead.objects.create(contact=active, is_open=True)
    Contact.objects.filter(pk=active.pk).update(updated_at=OLD)
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/", secret="s")
    for n, (status, at) in enumerate(
        [("succeeded", OLD), ("abandoned", OLD), ("pending", OLD), ("succeeded", RECENT)]
    ):
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="lead.created", event_key=f"k{n}", webhook_id=f"m{n}",
            body="{}", status=status, created_at=at,
        )  # fmt: skip
    user = make_user(username="rep")
    Notification.objects.create(user=user, kind="k", title="t", key="old", created_at=OLD)
    Notification.objects.create(user=user, kind="k", title="t", key="new", created_at=RECENT)
    imports = tmp_path / "imports"
    imports.mkdir()
    (imports / "old.csv").write_text("email\n")
    os.utime(imports / "old.csv", (OLD.timestamp(), OLD.timestamp()))
    (imports / "new.csv").write_text("email\n")
    return {"stale": stale, "active": active}


def _counts(lines):
    return {line.data_type: line.count for line in lines}


EXPECTED = {
    "anonymous_touches": 1,
    "unconverted_leads": 1,
    "webhook_deliveries": 2,
    "import_files": 1,
    "notifications": 1,
}


def test_dry_run_counts_and_changes_nothing(aged):
    assert _counts(retention_run(dry_run=True)) == EXPECTED
    assert Touchpoint.objects.count() == 3
    assert WebhookDelivery.objects.count() == 4
    assert Contact.objects.get(pk=aged["stale"].pk).email == "stale@example.com"


def test_run_removes_and_anonymises_what_is_past_its_period(aged, tmp_path):
    assert _counts(retention_run()) == EXPECTED
    assert list(Touchpoint.objects.filter(contact=None).values_list("visitor_id", flat=True)) == [
        "v-new"
    ]
    stale = Contact.objects.get(pk=aged["stale"].pk)
    assert stale.email.endswith("@erased.invalid") and stale.first_name == ""
    assert Touchpoint.objects.get(contact=stale).url == "https://x.io/"  # row kept, scrubbed
    assert Lead.objects.filter(contact=stale).count() == 1
    assert Contact.objects.get(pk=aged["active"].pk).email == "active@example.com"
    assert not SuppressionEntry.objects.exists()  # retention is not a request to be erased
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == ["m2", "m3"]
    assert list(Notification.objects.values_list("key", flat=True)) == ["new"]
    assert [p.name for p in (tmp_path / "imports").iterdir()] == ["new.csv"]
    assert _counts(retention_run()) == dict.fromkeys(EXPECTED, 0)  # nothing left to do


def test_an_admin_policy_overrides_the_setting(aged):
    RetentionPolicy.objects.create(data_type="webhook_deliveries", days=None)
    RetentionPolicy.objects.create(data_type="notifications", days=1)
    periods = retention_periods()
    assert (periods["webhook_deliveries"], periods["notifications"]) == (None, 1)
    counts = _counts(retention_run(dry_run=True))
    assert (counts["webhook_deliveries"], counts["notifications"]) == (0, 2)


def test_cli_dry_run_prints_each_type(aged):
    result = CliRunner().invoke(cli, ["privacy", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Webhook delivery logs" in result.output and "would delete: 2" in result.output
    assert "would anonymise: 1" in result.output
    assert WebhookDelivery.objects.count() == 4


def test_the_worker_runs_retention_and_incident_reminders_on_a_schedule():
    names = set(Schedule.objects.values_list("func", flat=True))
    assert {"accord.privacy.jobs.retention_job", "accord.privacy.jobs.incident_reminders_job"} <= (
        names
    )


def test_old_anonymous_touches_leave_the_analytics_copy_too(aged, settings, tmp_path):
    from accord.analytics import engine
    from accord.analytics.sync import analytics_sync

    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    analytics_sync()
    sql = "SELECT visitor_id FROM touchpoints WHERE contact_id IS NULL ORDER BY visitor_id"
    with engine.reader() as con:
        assert [r[0] for r in con.execute(sql).fetchall()] == ["v-new", "v-old"]
    retention_run()
    analytics_sync()  # an incremental sync does not bring the deleted touch back
    with engine.reader() as con:
        assert [r[0] for r in con.execute(sql).fetchall()] == ["v-new"]
