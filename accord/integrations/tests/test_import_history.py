"""Importing a CRM's history: linking by any key, id-only people, deal dates and stages, the
lifecycle placed from the deals, the consistency check, headerless files, one home per
property, defaults and date warnings (issue 17, section 1). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from accord.contacts.models import Contact, Lead, StageTransition
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.integrations.commands import check, import_command
from accord.integrations.importing.consistency import consistency_check
from accord.integrations.importing.service import import_run
from accord.integrations.models import ImportRecord
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401
from accord.pipeline.models import Deal
from accord.tracking.models import Channel, Touchpoint

pytestmark = pytest.mark.django_db

cli = click.Group(commands={"import": import_command, "check": check})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _leads(write_csv, text: str) -> None:
    report = import_run(entity="leads", path=write_csv(text, name="leads.csv"))
    assert report.ok and report.imported, report.errors


# --- natural column names, linking ---------------------------------------------------------


def test_touch_file_keyed_by_lead_external_id_links_without_map(write_csv):
    _leads(
        write_csv,
        "external_id,created_at,company,email,phone\n"
        "L1,2024-01-05,Acme,ann@acme.io,\n"
        "L2,2024-02-01,Globex,,+14155550101\n",
    )
    text = (
        "lead_external_id,occurred_at,utm_source,utm_medium,utm_campaign,channel,type\n"
        "L1,2024-01-03 10:00,google,cpc,spring,,ad_click\n"
        "L2,2024-01-20 09:00,newsletter,email,,,\n"
    )
    path = write_csv(text, name="touches.csv")
    preview = import_run(entity="touchpoints", path=path, dry_run=True)
    assert preview.ok, preview.errors
    assert "Touches linked to a lead by lead external id 2; linked to nothing: 0." in (
        preview.notes
    )
    assert "1 row(s) had no type; it was set to 'page_view' (the default)." in preview.notes
    report = import_run(entity="touchpoints", path=path)
    assert report.ok and report.created == 2, report.errors
    l1 = Lead.objects.get(external_id="L1")
    touch = Touchpoint.objects.get(lead=l1)
    assert (touch.contact_id, touch.type, touch.channel.slug) == (
        l1.contact_id,
        "ad_click",
        "paid-search",
    )
    assert Touchpoint.objects.get(lead__external_id="L2").type == "page_view"


def test_touches_link_by_contact_external_id_email_and_phone_and_count_the_unlinked(
    write_csv,
):
    by_id = LeadFactory(contact=ContactFactory(external_id="C-9", email="c9@example.com"))
    by_email = LeadFactory(contact=ContactFactory(email="mail@example.com"))
    by_phone = LeadFactory(contact=ContactFactory(email=None, phone="+14155550199"))
    text = (
        "contact_external_id,email,phone,visitor_id,occurred_at\n"
        "C-9,,,,2025-01-01 10:00\n"
        ",MAIL@example.com,,,2025-01-01 11:00\n"
        ",,+1 415 555 0199,,2025-01-01 12:00\n"
        ",,,v-anon,2025-01-01 13:00\n"
    )
    report = import_run(entity="touchpoints", path=write_csv(text))
    assert report.ok, report.errors
    assert (
        "Touches linked to a lead by contact external id 1, e-mail 1, phone 1; "
        "linked to nothing: 1." in report.notes
    )
    leads = dict(Touchpoint.objects.values_list("at", "lead_id"))
    assert leads == {
        _at("2025-01-01 10:00"): by_id.pk,
        _at("2025-01-01 11:00"): by_email.pk,
        _at("2025-01-01 12:00"): by_phone.pk,
        _at("2025-01-01 13:00"): None,
    }


def test_a_key_that_matches_nobody_is_a_row_error_naming_its_column(write_csv):
    text = "lead_external_id,occurred_at\nNOPE,2025-01-01 10:00\n"
    report = import_run(entity="touchpoints", path=write_csv(text))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "lead_external_id", "No lead or contact has the lead external id 'NOPE'.")
    ]
    assert not Touchpoint.objects.exists()


# --- people without email or phone -----------------------------------------------------------


def test_id_only_leads_are_accepted_and_a_reimport_creates_nothing(write_csv):
    text = "external_id,created_at,company\nB-1,2023-05-01,Acme\nB-2,2023-06-01,Initech\n"
    path = write_csv(text)
    first = import_run(entity="leads", path=path)
    assert first.ok and first.created == 2, first.errors
    lead = Lead.objects.select_related("contact").get(external_id="B-1")
    assert (lead.contact.email, lead.contact.phone, lead.contact.external_id) == (
        None,
        None,
        "B-1",
    )
    assert lead.created_at == _at("2023-05-01")
    again = import_run(entity="leads", path=path)
    assert again.ok and (again.created, again.unchanged) == (0, 2), again.errors
    assert (Lead.objects.count(), Contact.objects.count()) == (2, 2)


def test_a_lead_row_with_no_identifier_at_all_is_refused(write_csv):
    text = "external_id,email,company\n,,Acme\n"
    report = import_run(entity="leads", path=write_csv(text))
    assert [(e.row, e.column) for e in report.errors] == [(2, "email")]
    assert 'Needs a value in "email" or "external_id".' in report.errors[0].message


# --- deals: stages, dates, defaults, warnings ------------------------------------------------


def test_deal_stage_presets_map_hubspot_and_salesforce_names(write_csv):
    _leads(write_csv, "external_id,created_at,email\nL1,2024-01-01,a@x.io\nL2,2024-01-01,b@x.io\n")
    text = (
        "external_id,lead_external_id,name,amount,stage,created_at\n"
        "D1,L1,One,10,closedwon,2024-02-01\n"
        "D2,L2,Two,20,Closed Lost,2024-02-01\n"
        "D3,L1,Three,30,Negotiation/Review,2024-02-01\n"
        "D4,L2,Four,40,appointmentscheduled,2024-02-01\n"
    )
    report = import_run(entity="deals", path=write_csv(text))
    assert report.ok, report.errors
    stages = dict(Deal.objects.values_list("external_id", "stage"))
    assert stages == {"D1": "won", "D2": "lost", "D3": "negotiation", "D4": "qualification"}


def test_won_at_closes_a_deal_without_moving_its_creation(write_csv):
    _leads(write_csv, "external_id,created_at,email\nL1,2024-01-01,a@x.io\nL2,2024-01-01,b@x.io\n")
    text = (
        "lead_external_id,name,amount,currency,created_at,won_at,lost_at,lost_reason\n"
        "L1,Big,1000,USD,2024-03-01 09:00,2024-05-20 15:00,,\n"
        "L2,Small,50,USD,2024-03-02 09:00,,2024-04-01 10:00,Price\n"
    )
    report = import_run(entity="deals", path=write_csv(text))
    assert report.ok, report.errors
    won = Deal.objects.get(name="Big")
    lost = Deal.objects.get(name="Small")
    assert (won.stage, won.created_at, won.closed_at) == (
        "won",
        _at("2024-03-01 09:00"),
        _at("2024-05-20 15:00"),
    )
    assert (lost.stage, lost.created_at, lost.closed_at, lost.lost_reason) == (
        "lost",
        _at("2024-03-02 09:00"),
        _at("2024-04-01 10:00"),
        "price",
    )


def test_dry_run_warns_about_open_unlinked_and_amountless_deals_and_names_them(write_csv):
    ContactFactory(first_name="Ann", last_name="Lee", email="ann@acme.io")
    LeadFactory(contact=Contact.objects.get(email="ann@acme.io"))
    text = "email,amount,created_at\nann@acme.io,,2024-01-01\n,5,2024-01-02\n"
    report = import_run(entity="deals", path=write_csv(text), dry_run=True)
    assert report.ok and report.created == 2, report.errors
    notes = "\n".join(report.notes)
    assert "Warning: 2 deal(s) will be open" in notes
    assert "Warning: 1 deal(s) will be linked to no lead" in notes
    assert "Warning: 1 deal(s) have no amount (stored as 0)." in notes
    assert "2 deal(s) without a name are named after their account, else their contact" in notes
    assert not Deal.objects.exists()
    import_run(entity="deals", path=write_csv(text))
    assert sorted(Deal.objects.values_list("name", "amount")) == [
        ("Ann Lee", Decimal("0")),
        ("Imported deal", Decimal("5")),
    ]


# --- lifecycle from history, consistency -----------------------------------------------------


def test_won_deals_place_leads_at_customer_with_historical_times(write_csv):
    _leads(
        write_csv,
        "external_id,created_at,email\n"
        "L1,2024-01-01,a@x.io\nL2,2024-01-02,b@x.io\nL3,2024-01-03,c@x.io\n",
    )
    text = (
        "lead_external_id,name,amount,stage,created_at,won_at,lost_at\n"
        "L1,One,100,closedwon,2024-02-01,2024-03-01,\n"
        "L2,Two,100,closedlost,2024-02-02,,2024-03-02\n"
        "L3,Three,100,presentationscheduled,2024-02-03,,\n"
    )
    report = import_run(entity="deals", path=write_csv(text))
    assert report.ok, report.errors
    assert (
        "Lifecycle from deals: leads move 1 to customer, 1 to lost, 1 to opportunity "
        "(with the deals' dates)." in report.notes
    )
    stages = dict(Lead.objects.values_list("external_id", "stage"))
    assert stages == {"L1": "customer", "L2": "lost", "L3": "opportunity"}
    l1 = Lead.objects.get(external_id="L1")
    history = list(
        StageTransition.objects.filter(lead=l1).order_by("id").values_list("to_stage", "at")
    )
    assert history == [
        ("lead", _at("2024-01-01")),
        ("mql", _at("2024-02-01")),
        ("sal", _at("2024-02-01")),
        ("sql", _at("2024-02-01")),
        ("opportunity", _at("2024-02-01")),
        ("customer", _at("2024-03-01")),
    ]
    assert (l1.is_open, l1.stage_changed_at) == (False, _at("2024-03-01"))
    check_result = consistency_check()
    assert (check_result.won_deals, check_result.customers, check_result.ok) == (1, 1, True)
    # Importing the same deals again moves nobody a second time.
    again = import_run(entity="deals", path=write_csv(text))
    assert again.ok and again.unchanged == 3
    assert StageTransition.objects.filter(lead=l1).count() == 6


def test_consistency_check_reports_won_deals_on_leads_that_are_not_customers():
    lead = LeadFactory(contact=ContactFactory(email="x@example.com"))
    Deal.objects.create(lead=lead, name="Won outside the lifecycle", amount=5, stage="won")
    result = consistency_check()
    assert (result.won_deals, result.customers, result.won_leads_not_customers) == (1, 0, 1)
    assert not result.ok
    assert "1 lead(s) with a won deal are not customers" in result.lines()


def test_import_prints_the_consistency_check_and_check_command_agrees(write_csv):
    leads = write_csv("external_id,created_at,email\nL1,2024-01-01,a@x.io\n", name="l.csv")
    deals = write_csv(
        "lead_external_id,name,amount,stage,created_at,won_at\nL1,One,9,won,2024-02-01,"
        "2024-03-01\n",
        name="d.csv",
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "leads", str(leads), "--no-progress"]).exit_code == 0
    result = runner.invoke(cli, ["import", "deals", str(deals), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "won deals 1 (on 1 leads) · customers 1" in result.output
    assert "leads without stage history 0" in result.output
    checked = runner.invoke(cli, ["check", "consistency"])
    assert checked.exit_code == 0
    assert "Consistent: the funnel agrees with the deals." in checked.output


# --- headerless files, mapping shown, one home per property, dates -------------------------


def test_headerless_file_with_columns_option_and_the_dry_run_shows_where_columns_went(
    write_csv,
):
    path = write_csv("ann@acme.io,Ann,2024-01-05\nbob@acme.io,Bob,2024-01-06\n")
    runner = CliRunner()
    args = ["import", "leads", str(path), "--no-header", "--columns", "email,first_name,when"]
    result = runner.invoke(cli, [*args, "--map", "when=created_at", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "email      -> email" in result.output
    assert "when       -> created_at" in result.output
    assert "Would create 2" in result.output
    result = runner.invoke(cli, [*args, "--map", "when=created_at", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert sorted(Lead.objects.values_list("contact__email", "created_at")) == [
        ("ann@acme.io", _at("2024-01-05")),
        ("bob@acme.io", _at("2024-01-06")),
    ]
    # The dry run is not in the import history; the real run is, from the command line.
    [record] = ImportRecord.objects.all()
    assert (record.source, record.entity, record.created, record.imported) == (
        "cli",
        "leads",
        2,
        True,
    )
    assert record.file_name == path.name and record.user is None


def test_no_header_without_columns_is_a_usage_error(write_csv):
    result = CliRunner().invoke(cli, ["import", "leads", str(write_csv("a\n")), "--no-header"])
    assert result.exit_code == 2
    assert "--no-header and --columns go together" in result.output


def test_unknown_columns_are_stored_once_on_the_lead_unless_mapped_to_the_contact(write_csv):
    text = "email,industry,segment\nann@acme.io,Retail,SMB\n"
    report = import_run(
        entity="leads",
        path=write_csv(text),
        unknown_to_properties=True,
        mapping={"segment": "contact_properties.segment"},
    )
    assert report.ok, report.errors
    lead = Lead.objects.select_related("contact").get()
    assert lead.properties == {"industry": "Retail"}
    assert lead.contact.properties == {"segment": "SMB"}


def test_preview_warns_when_dates_are_missing_or_all_the_same(write_csv):
    missing = import_run(entity="leads", path=write_csv("email\na@x.io\n"), dry_run=True)
    assert any("no created_at column" in n for n in missing.notes)
    same = import_run(
        entity="leads",
        path=write_csv("email,created_at\na@x.io,2024-05-01\nb@x.io,2024-05-01 18:00\n"),
        dry_run=True,
    )
    assert "Warning: all 2 rows share one created_at date (2024-05-01); " in "\n".join(same.notes)


# --- channels from the file ------------------------------------------------------------------


def test_touch_channel_column_by_name_or_slug_and_unknown_ones(write_csv):
    LeadFactory(contact=ContactFactory(email="a@x.io"))
    text = (
        "email,occurred_at,channel,utm_source,utm_medium\n"
        "a@x.io,2025-01-01 10:00,Organic Search,google,cpc\n"
        "a@x.io,2025-01-02 10:00,referral,,\n"
        "a@x.io,2025-01-03 10:00,Webinars,,\n"
    )
    path = write_csv(text)
    refused = import_run(entity="touchpoints", path=path)
    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (4, "channel", "Unknown channel 'Webinars' (give --create-channels to create it).")
    ]
    report = import_run(entity="touchpoints", path=path, create_channels=True)
    assert report.ok, report.errors
    assert "1 new channel(s): Webinars." in report.notes
    slugs = list(Touchpoint.objects.order_by("at").values_list("channel__slug", flat=True))
    # The label wins over what the UTMs would say (google/cpc is paid search).
    assert slugs == ["organic-search", "referral", "webinars"]
    assert Channel.objects.get(slug="webinars").name == "Webinars"


def test_training_on_imported_leads_that_share_one_date_cross_validates(write_csv):
    """The hole: `scoring train` on an import without creation dates failed, naming
    --cutoff/--folds, options it does not have. It now trains, cross-validated."""
    from accord.scoring.models import ScoringProfile
    from accord.scoring.predictive.features import FeatureConfig
    from accord.scoring.predictive.registry import scoring_model_train
    from accord.scoring.selectors import active_profile_forget

    active_profile_forget()
    rows = [f"p{i}@x.io,{'won' if i % 2 else 'lost'},{i % 7},T{i % 3}" for i in range(80)]
    path = write_csv("email,outcome,employees,tier\n" + "\n".join(rows) + "\n")
    assert import_run(entity="leads", path=path, unknown_to_properties=True).ok
    model = scoring_model_train(
        profile=ScoringProfile.objects.get(is_active=True), config=FeatureConfig()
    )
    assert model.pk is not None
    assert "cross-validation" in str(model.metrics)


def test_the_readme_migration_walkthrough_gives_a_funnel_that_agrees_with_the_deals():
    """docs/examples/hubspot-migration, imported as README's walkthrough does."""
    from pathlib import Path

    import accord

    folder = Path(accord.__file__).resolve().parent.parent / "docs/examples/hubspot-migration"
    steps = [
        ("leads", "contacts.csv", {"preset": "hubspot", "unknown_to_properties": True}),
        ("deals", "deals.csv", {"preset": "hubspot"}),
        ("touchpoints", "touches.csv", {}),
        ("touchpoints", "activities.csv", {"create_channels": True}),
    ]
    for entity, name, options in steps:
        report = import_run(entity=entity, path=folder / name, **options)
        assert report.ok and report.imported, (name, report.errors)
    result = consistency_check()
    assert (result.won_deals, result.customers, result.reached_customer, result.ok) == (
        2,
        2,
        2,
        True,
    )
    assert result.leads_without_history == 0
    stages = dict(Lead.objects.values_list("external_id", "stage"))
    assert stages == {
        "101": "customer",
        "102": "lost",
        "103": "opportunity",
        "104": "customer",
        "105": "opportunity",
        "106": "lead",
    }
    umbrella = Lead.objects.select_related("contact").get(external_id="104")
    assert (umbrella.contact.email, umbrella.contact.phone) == (None, None)
    assert umbrella.properties == {"industry": "Pharma"} and umbrella.contact.properties == {}
    assert Touchpoint.objects.filter(lead__isnull=True).count() == 0


def test_stage_entry_dates_date_each_step_and_imply_the_stage(write_csv):
    text = (
        "Record ID,Email,Create Date,Became a Marketing Qualified Lead Date,"
        "Became a Sales Qualified Lead Date,Became an Opportunity Date,Became a Customer Date\n"
        "7,g@x.io,2024-01-01,2024-01-10,2024-02-01,2024-02-15,2024-04-01\n"
    )
    report = import_run(entity="leads", path=write_csv(text), preset="hubspot")
    assert report.ok, report.errors
    lead = Lead.objects.get()
    assert (lead.stage, lead.stage_changed_at, lead.is_open) == (
        "customer",
        _at("2024-04-01"),
        False,
    )
    history = list(
        StageTransition.objects.filter(lead=lead).order_by("id").values_list("to_stage", "at")
    )
    # SAL has no date of its own: it takes the step before it (MQL), never going backwards.
    assert history == [
        ("lead", _at("2024-01-01")),
        ("mql", _at("2024-01-10")),
        ("sal", _at("2024-01-10")),
        ("sql", _at("2024-02-01")),
        ("opportunity", _at("2024-02-15")),
        ("customer", _at("2024-04-01")),
    ]
