"""Reports people can drive: pickers with names, the period shown, a notice when the rates
rest on too few conversions, one measure per column (the tiny company, real HTTP)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import formats, timezone

from accord.analytics.forms import default_period
from accord.analytics.tests.analytics_support import at
from accord.contacts.models import Contact, Lead, StageTransition

pytestmark = pytest.mark.urls("accord.analytics.tests.urls")

MARCH = "start=2025-03-01&end=2025-03-31"
PAGES = ("funnel", "kpis", "attribution", "quality", "velocity", "reps")


def _option(html: str, name: str, value: str) -> str:
    """The label of ``<option value=value>`` inside ``<select name=name>``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    option = re.search(rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', select[1])
    assert option, (name, value)
    return option[1]


def test_filters_are_pickers_with_names(company, client, manager_user):
    company["rep1"].first_name, company["rep1"].last_name = "Anna", "Ivanova"
    company["rep1"].role = "sales"
    company["rep1"].save()
    client.force_login(manager_user)
    html = client.get(f"/reports/funnel/?{MARCH}").content.decode()
    assert _option(html, "channel", "paid-search") == "Paid Search"
    assert _option(html, "channel", "") == "All channels"
    assert _option(html, "team", "East") == "East"
    assert _option(html, "rep", "rep1") == "Anna Ivanova"
    assert _option(html, "segment", "size:11-50") == "Company size: 11-50 employees"
    # The campaign box types ahead over the campaigns' names.
    assert 'list="campaign-options"' in html
    assert '<datalist id="campaign-options"><option value="Spring"></option></datalist>' in html


def test_picking_a_channel_and_a_campaign_by_name_filters(company, client, manager_user):
    client.force_login(manager_user)
    everyone = client.get(f"/reports/kpis/?{MARCH}&by=none").context["page"]
    paid = client.get(f"/reports/kpis/?{MARCH}&by=none&channel=paid-search").context["page"]
    spring = client.get(f"/reports/kpis/?{MARCH}&by=none&campaign=Spring").context["page"]
    by_utm = client.get(f"/reports/kpis/?{MARCH}&by=none&campaign=spring")
    assert everyone.records[0]["leads"] == 3
    assert paid.records[0]["leads"] == 2
    assert spring.records[0]["leads"] == 2
    # A link naming the campaign by its UTM name still works, and the box shows the name.
    assert by_utm.context["page"].records[0]["leads"] == 2
    assert 'name="campaign" value="Spring"' in by_utm.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("channel=nope", "channel"),
        ("campaign=Autumn", "campaign"),
        ("rep=nobody", "rep"),
        ("team=West", "team"),
        ("segment=size:7", "segment"),
        ("start=2025-13-01", "start"),
    ],
)
def test_bad_filter_input_names_the_field(company, client, sales_user, query, field):
    client.force_login(sales_user)
    response = client.get(f"/reports/funnel/?{query}")
    assert response.status_code == 422
    assert list(response.context["form"].errors) == [field]
    label = str(response.context["form"].fields[field].label)
    assert f"<strong>{label}:</strong>" in response.content.decode()


def test_a_property_segment_from_a_link_still_filters(company, client, sales_user):
    client.force_login(sales_user)
    page = client.get(f"/reports/kpis/?{MARCH}&by=none&segment=industry=retail").context["page"]
    assert page.records[0]["leads"] == 2  # A and C


def test_the_default_period_is_the_last_twelve_months_and_shown(company, client, sales_user):
    client.force_login(sales_user)
    response = client.get("/reports/kpis/")
    start, end = default_period(timezone.localdate())
    assert (end - start).days in (364, 365) and end == timezone.localdate()
    filters = response.context["form"].filters()
    assert (filters.start, filters.end) == (start, end)
    html = response.content.decode()
    shown = (
        f"{formats.date_format(start, 'DATE_FORMAT')} \u2013 "
        f"{formats.date_format(end, 'DATE_FORMAT')}"
    )
    assert response.context["page"].period == shown
    assert f"Period: {shown}" in html
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html
    # Only an end date: the twelve months up to it.
    only_end = client.get("/reports/kpis/?end=2025-03-31").context["form"].filters()
    assert (only_end.start, only_end.end) == (default_period(only_end.end)[0], only_end.end)


def _accepted_mqls(count: int) -> None:
    """``count`` email leads of March that became MQLs and were accepted by sales."""
    email = Lead.objects.get(contact__email="c@example.com").source_channel
    for n in range(count):
        created = at(3, 10, 9) + timedelta(minutes=n)
        lead = Lead.objects.create(
            contact=Contact.objects.create(email=f"many{n}@example.com"),
            source_channel=email,
            created_at=created,
            stage="sal",
        )
        StageTransition.objects.bulk_create(
            [
                StageTransition(lead=lead, from_stage="", to_stage="lead", at=created),
                StageTransition(lead=lead, from_stage="lead", to_stage="mql", at=created),
                StageTransition(lead=lead, from_stage="mql", to_stage="sal", at=created),
            ]
        )


def test_a_report_on_few_conversions_says_so_and_not_on_many(company, client, sales_user):
    from accord.analytics.sync import analytics_sync

    _accepted_mqls(35)
    analytics_sync()
    client.force_login(sales_user)
    funnel = client.get(f"/reports/funnel/?{MARCH}")
    # One customer (A) under every rate of the funnel.
    assert funnel.context["page"].conversions == 1
    assert "Based on 1 conversion — too few to trust the rates." in funnel.content.decode()
    assert 'data-low-conversions="1"' in funnel.content.decode()
    # Quality rests on the MQLs sales accepted or rejected: the 35 and the company's own.
    quality = client.get(f"/reports/quality/?{MARCH}")
    records = quality.context["page"].records
    assert quality.context["page"].conversions == sum(
        r["accepted"] + r["rejected"] for r in records
    )
    assert quality.context["page"].conversions > 35
    assert quality.context["page"].low_conversions is None
    assert "too few to trust" not in quality.content.decode()


def test_every_table_has_one_measure_per_column_and_names(company, client, manager_user):
    client.force_login(manager_user)
    for name in PAGES:
        for by in ("", "&by=channel", "&by=campaign"):
            response = client.get(f"/reports/{name}/?{MARCH}{by}")
            assert response.status_code == 200, (name, by)
            page = response.context["page"]
            cells = [cell.text for row in page.rows for cell in row]
            assert cells, name
            assert not [c for c in cells if re.search(r"\d\s*/\s*\d", c)], (name, cells)
            # Names, not slugs or usernames.
            assert "paid-search" not in cells and "spring" not in cells, (name, cells)


def test_velocity_reads_in_days_and_reps_by_name(company, client, manager_user):
    company["rep1"].first_name, company["rep1"].last_name = "Anna", "Ivanova"
    company["rep1"].save()
    client.force_login(manager_user)
    velocity = client.get(f"/reports/velocity/?{MARCH}").context["page"]
    assert [h.label for h in velocity.columns] == [
        "Measure",
        "Leads",
        "Median, days",
        "90th percentile, days",
    ]
    cycle = next(r for r in velocity.records if r["measure"] == "Lead to won deal")
    assert cycle["median_days"] == 40.0  # A: created 03-01 10:00, won 04-10 10:00
    reps = client.get(f"/reports/reps/?{MARCH}").context["page"]
    assert [r["rep"] for r in reps.records] == ["Anna Ivanova", "rep2"]
    chart = next(f for f in reps.figures if f.key == "reps").data["data"][0]
    assert list(chart["y"]) == ["Anna Ivanova", "rep2"]


def test_the_sankey_runs_in_stage_order_with_counts(company, client, manager_user):
    client.force_login(manager_user)
    page = client.get(f"/reports/funnel/?{MARCH}&by=channel").context["page"]
    sankey = next(f for f in page.figures if f.key == "sankey").data["data"][0]
    labels = sankey["node"]["label"]
    assert "Paid Search · 2" in labels and "Email · 1" in labels
    stages = [label for label in labels if label.split(" · ")[0] in ("Lead", "MQL", "Customer")]
    assert stages == ["Lead · 3", "MQL · 3", "Customer · 1"]
    xs = dict(zip(labels, sankey["node"]["x"], strict=True))
    assert xs["Paid Search · 2"] < xs["Lead · 3"] < xs["MQL · 3"] < xs["Customer · 1"]
