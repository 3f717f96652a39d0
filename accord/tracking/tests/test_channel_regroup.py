"""`accord channels regroup`: a rule added after an import moves the stored touches (and the
leads' derived source channel, and the analytics copy); labelled touches stay."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from accord.contacts.models import Lead
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401
from accord.tracking.channels.grouping import channel_rule_create
from accord.tracking.channels.regroup import touches_regroup
from accord.tracking.commands import channels
from accord.tracking.models import Channel, Touchpoint

pytestmark = pytest.mark.django_db

cli = click.Group(commands={"channels": channels})


@pytest.fixture
def imported(write_csv):
    leads = write_csv(
        "external_id,email,created_at,utm_source,utm_medium\n"
        "L1,a@x.io,2025-01-01,zoom,webinar\n"
        "L2,b@x.io,2025-01-01,,\n",
        name="leads.csv",
    )
    assert import_run(entity="leads", path=leads).ok
    touches = write_csv(
        "lead_external_id,occurred_at,utm_source,utm_medium,channel\n"
        "L1,2025-01-01 09:00,zoom,webinar,\n"
        "L1,2025-01-02 09:00,zoom,webinar,\n"
        "L2,2025-01-01 09:00,zoom,webinar,Referral\n",
        name="touches.csv",
    )
    report = import_run(entity="touchpoints", path=touches)
    assert report.ok, report.errors
    webinars = Channel.objects.create(slug="webinars", name="Webinars")
    channel_rule_create(field="medium", operator="exact", value="webinar", channel=webinars)
    return webinars


@pytest.fixture
def duckdb_file(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    return tmp_path / "analytics.duckdb"


def _slugs() -> list[str]:
    return list(Touchpoint.objects.order_by("id").values_list("channel__slug", flat=True))


def test_regroup_dry_run_counts_and_changes_nothing(imported):
    before = _slugs()
    assert before[2] == "referral" and before[0] != "webinars"
    report = touches_regroup(dry_run=True)
    assert (report.examined, report.changed, report.leads_changed) == (2, 2, 1)
    assert _slugs() == before


def test_regroup_moves_rule_derived_touches_and_leads_but_not_labelled_ones(imported):
    old_source = Lead.objects.get(external_id="L1").source_channel.slug
    assert old_source != "webinars"
    report = touches_regroup()
    assert report.changed == 2
    assert _slugs() == ["webinars", "webinars", "referral"]
    assert Lead.objects.get(external_id="L1").source_channel.slug == "webinars"
    # Nothing left to move the second time.
    assert touches_regroup().changed == 0


def test_regroup_updates_the_analytics_copy(imported, duckdb_file):
    from accord.analytics import engine
    from accord.analytics.sync import analytics_sync

    analytics_sync()
    touches_regroup()
    with engine.reader() as con:
        copied = dict(con.execute("SELECT id, channel_id FROM touchpoints").fetchall())
        paths = con.execute("SELECT channel_ids FROM touch_paths").fetchall()
        # The new channel (created after the sync) is in the copy too: reports label it.
        labels = dict(con.execute("SELECT id, slug FROM channels").fetchall())
    assert copied == dict(Touchpoint.objects.values_list("id", "channel_id"))
    assert imported.pk in {c for (ids,) in paths for c in ids}
    assert labels[imported.pk] == "webinars"
    # The next incremental sync carries the lead's new source channel.
    analytics_sync()
    with engine.reader() as con:
        (source,) = con.execute(
            "SELECT source_channel_id FROM leads WHERE id = ?",
            [Lead.objects.get(external_id="L1").pk],
        ).fetchone()
    assert source == imported.pk


def test_regroup_command_shows_the_dry_run_count(imported):
    result = CliRunner().invoke(cli, ["channels", "regroup", "--dry-run", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Would move 2 of 2 touch(es) to another channel; 1 lead source channel(s)" in (
        result.output
    )
    assert "Dry run: nothing was changed." in result.output
