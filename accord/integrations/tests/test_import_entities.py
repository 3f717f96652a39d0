"""Presets, deals, touchpoints, spend, a larger file and the `accord import` command."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from accord.contacts.models import Account, Contact, Lead
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.integrations.commands import export_command, import_command
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401
from accord.pipeline.models import Deal
from accord.tracking.models import Campaign, SpendEntry, Touchpoint

pytestmark = pytest.mark.django_db

# The commands as `accord` registers them (accord/cli.py adds them to its group).
cli = click.Group(commands={"import": import_command, "export": export_command})


def test_hubspot_contacts_export_headers(write_csv):
    text = (
        '"Record ID","First Name","Last Name","Email","Lifecycle Stage","Create Date",'
        '"Company Name","Lead Status"\n'
        '"5101","Ann","Lee","ann@acme.io","Marketing Qualified Lead","2025-02-03 14:05","Acme",'
        '"NEW"\n'
    )
    report = import_run(entity="leads", path=write_csv(text), preset="hubspot")
    assert report.ok, report.errors
    lead = Lead.objects.select_related("contact__account").get()
    assert (lead.external_id, lead.stage, lead.created_at) == (
        "5101",
        "mql",
        datetime(2025, 2, 3, 14, 5, tzinfo=UTC),
    )
    assert (lead.contact.first_name, lead.contact.last_name, lead.contact.email) == (
        "Ann",
        "Lee",
        "ann@acme.io",
    )
    assert lead.contact.account.name == "Acme"
    assert lead.properties == {"lead_status": "NEW"}


def test_salesforce_leads_export_headers(write_csv):
    text = (
        "Lead ID,First Name,Last Name,Company,Email,Lead Source,Lead Status,Created Date\n"
        "00Q5e00000AbCdE,Boris,Ivanov,Globex,boris@globex.com,Web,Working - Contacted,"
        "3/14/2025 9:30\n"
    )
    report = import_run(entity="leads", path=write_csv(text), preset="salesforce")
    assert report.ok, report.errors
    lead = Lead.objects.select_related("contact__account").get()
    assert (lead.external_id, lead.stage, lead.created_at) == (
        "00Q5e00000AbCdE",
        "sal",
        datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
    )
    assert lead.properties == {"lead_source": "Web"}
    assert lead.contact.account.name == "Globex"


def test_deals_upsert_by_external_id_and_link_the_contacts_lead(write_csv, sales_user):
    sales_user.email = "rep@example.com"
    sales_user.save()
    lead = LeadFactory(contact=ContactFactory(email="buyer@example.com"), grade="B")
    text = (
        "Deal Name,Amount,Currency,Deal Stage,Close Date,Record ID,Owner,Email\n"
        'Big one,"12,500.50",EUR,closedwon,2025-06-30,D-1,rep@example.com,BUYER@example.com\n'
    )
    path = write_csv(text)
    report = import_run(
        entity="deals",
        path=path,
        preset="hubspot",
        mapping={"Owner": "owner_email", "Email": "contact_email"},
    )
    assert report.ok and report.created == 1, report.errors
    deal = Deal.objects.get()
    assert (deal.amount, deal.currency, deal.stage, deal.lead, deal.owner) == (
        Decimal("12500.50"),
        "EUR",
        "won",
        lead,
        sales_user,
    )
    assert deal.closed_at.date() == date(2025, 6, 30)
    assert deal.handoff_grade == "B"  # no hand-off recorded: the lead's grade at import
    Lead.objects.filter(pk=lead.pk).update(grade="D")  # re-scored: the deal keeps its grade
    again = import_run(
        entity="deals",
        path=path,
        preset="hubspot",
        mapping={"Owner": "owner_email", "Email": "contact_email"},
    )
    assert (again.created, again.unchanged, Deal.objects.count()) == (0, 1, 1)
    assert Deal.objects.get().handoff_grade == "B"


def test_deal_with_unknown_contact_email_is_a_row_error(write_csv):
    text = "name,amount,contact_email\nX,10,nobody@example.com\n"
    report = import_run(entity="deals", path=write_csv(text))
    assert [(e.row, e.column) for e in report.errors] == [(2, "contact_email")]
    assert Deal.objects.count() == 0


def test_touchpoints_resolve_channel_and_do_not_duplicate(write_csv):
    contact = ContactFactory(email="v@example.com")
    text = (
        "at,type,email,utm_source,utm_medium,url\n"
        "2025-04-01 10:00,page_view,v@example.com,google,cpc,https://example.com/a\n"
        "2025-04-01 10:05,form_submission,,,,https://example.com/b\n"
    )
    path = write_csv(text)
    report = import_run(entity="touchpoints", path=path)
    # The second row has neither an email nor a visitor id.
    assert [(e.row, e.column) for e in report.errors] == [(3, "email")]
    path = write_csv(
        text.replace(",form_submission,,", ",form_submission,,").replace(
            "10:05,form_submission,,", "10:05,form_submission,v@example.com,"
        )
    )
    assert import_run(entity="touchpoints", path=path).created == 2
    touch = Touchpoint.objects.get(type="page_view")
    assert (touch.contact, touch.channel.slug, touch.utm_source) == (
        contact,
        "paid-search",
        "google",
    )
    assert import_run(entity="touchpoints", path=path).created == 0
    assert Touchpoint.objects.count() == 2


def test_spend_upserts_by_day_channel_and_campaign(write_csv):
    text = (
        "date,channel,campaign,cost,currency,impressions,clicks\n"
        '2025-05-01,Paid Search,spring,"1 200,50",USD,10000,300\n'
        "2025-05-01,paid-search,,80,USD,,\n"
    )
    path = write_csv(text)
    assert import_run(entity="spend", path=path).created == 2
    entry = SpendEntry.objects.get(campaign__utm_campaign="spring")
    assert (entry.cost, entry.impressions, entry.clicks) == (Decimal("1200.50"), 10000, 300)
    assert Campaign.objects.get().channel.slug == "paid-search"
    changed = write_csv(text.replace('"1 200,50"', "1300"), name="changed.csv")
    report = import_run(entity="spend", path=changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert SpendEntry.objects.get(campaign__isnull=False).cost == Decimal("1300.00")


def test_unknown_channel_is_a_row_error(write_csv):
    report = import_run(entity="spend", path=write_csv("date,channel,cost\n2025-05-01,tv,5\n"))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "channel", "Unknown channel 'tv'.")
    ]


def test_a_larger_file_with_duplicates_imports_exactly(write_csv):
    # 5,000 rows keep the suite fast; bench/import_load.py imports 100,000.
    lines = ["email,first_name,company"]
    for i in range(5000):
        lines.append(f"p{i % 4000}@Example.com,N{i},Co {i % 50}")
    report = import_run(entity="leads", path=write_csv("\n".join(lines) + "\n"))
    assert report.ok and (report.rows, report.duplicates_merged, report.created) == (
        5000,
        1000,
        4000,
    )
    assert (Contact.objects.count(), Lead.objects.count(), Account.objects.count()) == (
        4000,
        4000,
        50,
    )
    assert Contact.objects.get(email="p3999@example.com").first_name == "N3999"


def test_cli_import_exit_codes_and_error_report(write_csv, tmp_path):
    bad = write_csv("email,first_name\nok@example.com,Ok\nnope,No\n", name="bad.csv")
    result = CliRunner().invoke(cli, ["import", "contacts", str(bad), "--no-progress"])
    assert result.exit_code == 1
    assert 'row 3, column "email":' in result.output
    assert "Nothing was imported." in result.output
    assert (tmp_path / "bad.errors.txt").read_text().startswith('row 3, column "email":')
    assert Contact.objects.count() == 0

    result = CliRunner().invoke(
        cli, ["import", "contacts", str(bad), "--skip-invalid", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bad.rejected.csv").exists()
    assert Contact.objects.count() == 1

    result = CliRunner().invoke(cli, ["import", "contacts", str(bad), "--map", "nocolumn"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["import", "planets", str(bad)])
    assert result.exit_code == 2


def test_cli_dry_run(write_csv):
    path = write_csv("email\nnew@example.com\n")
    result = CliRunner().invoke(
        cli, ["import", "contacts", str(path), "--dry-run", "--no-progress"]
    )
    assert result.exit_code == 0 and "Would create 1" in result.output
    assert re.search(r"Took [\d.]+ s \([\d,]+ rows/s\); peak memory [\d,]+ MB\.", result.output)
    assert Contact.objects.count() == 0


def test_deal_stage_names_map_to_pipeline_stages_and_start_the_history(write_csv):
    from accord.pipeline.models import DealStageChange
    from accord.pipeline.services import pipeline_create

    renewals = pipeline_create(name="Renewals")
    text = (
        "Record ID,Deal Name,Amount,Pipeline,Deal Stage,Close Date,Create Date\n"
        "H-1,Won one,100,Sales Pipeline,Closed Won,2025-06-30,2025-05-01\n"
        "H-2,Renewal,200,Renewals,contractsent,2025-09-30,2025-05-02\n"
        "H-3,Lost one,300,,closedlost,2025-07-15,2025-05-03\n"
        "H-4,Nowhere,400,Upsell,closedwon,2025-07-15,2025-05-04\n"
    )
    report = import_run(entity="deals", path=write_csv(text), preset="hubspot")
    assert [(e.row, e.column) for e in report.errors] == [(5, "Pipeline")]
    assert "Unknown (or archived) pipeline 'Upsell'" in report.errors[0].message
    assert Deal.objects.count() == 0
    # Nothing is written while a row is in error; the three good rows go in without it.
    report = import_run(entity="deals", path=write_csv(text.rsplit("H-4", 1)[0]), preset="hubspot")
    assert report.ok and report.created == 3, report.errors
    deals = {d.external_id: d for d in Deal.objects.select_related("pipeline")}
    assert {k: (d.pipeline.key, d.stage) for k, d in deals.items()} == {
        "H-1": ("new_business", "won"),
        "H-2": ("renewals", "negotiation"),
        "H-3": ("new_business", "lost"),
    }
    assert deals["H-2"].pipeline_id == renewals.pk
    # Won/lost dates kept: closed on the close date (noon), in the stage since then.
    won = deals["H-1"]
    assert won.closed_at == datetime(2025, 6, 30, 12, tzinfo=UTC) == won.stage_entered_at
    first = DealStageChange.objects.get(deal=won)
    assert (first.from_stage, first.to_stage, first.at, first.source) == (
        "", "won", won.closed_at, "import",
    )  # fmt: skip
