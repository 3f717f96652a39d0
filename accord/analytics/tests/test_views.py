"""Report pages, CSV export and the meeting board over the tiny company (real HTTP)."""

from __future__ import annotations

import csv
import io

import pytest

from accord.analytics.models import PinnedReport
from accord.analytics.tests.test_runner_attribution import journeys_seed

pytestmark = pytest.mark.urls("accord.analytics.tests.urls")

MARCH = "start=2025-03-01&end=2025-03-31"
PAGES = ("funnel", "kpis", "attribution", "quality", "velocity", "reps")
ROLES = ("admin_user", "manager_user", "marketing_user", "sales_user")


@pytest.fixture
def synced(db, duckdb_file):
    from accord.analytics.sync import analytics_sync

    seeded = journeys_seed()
    analytics_sync()
    return seeded


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(synced, client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/reports/").status_code == 200
    for name in PAGES:
        response = client.get(f"/reports/{name}/?{MARCH}")
        assert response.status_code == 200, (name, response.content[:500])
        html = response.content.decode()
        assert "data-plotly-figure" in html, name
        assert "Data as of" in html, name
        assert 'class="data-table"' in html, name
    board = client.get("/reports/board/")
    assert board.status_code == 200
    assert ('name="title"' in client.get(f"/reports/funnel/?{MARCH}").content.decode()) == (
        role in ("admin_user", "manager_user")
    )


def test_funnel_page_has_the_sankey_and_counts(synced, client, sales_user):
    client.force_login(sales_user)
    html = client.get(f"/reports/funnel/?{MARCH}").content.decode()
    assert '"type":"sankey"' in html.replace(" ", "")
    # Channels by name (Paid Search), not by slug (paid-search), in the table and the Sankey.
    assert "Paid Search" in html and "Email" in html
    page = client.get(f"/reports/funnel/?{MARCH}").context["page"]
    assert "paid-search" not in {cell.text for row in page.rows for cell in row}


def test_funnel_sankey_flows_have_a_colour_not_white_on_white(synced, client, sales_user):
    client.force_login(sales_user)
    page = client.get(f"/reports/funnel/?{MARCH}").context["page"]
    sankey = next(f for f in page.figures if f.key == "sankey").data["data"][0]
    colours = sankey["link"]["color"]
    assert colours and all(c.startswith("rgba(") and "255, 255, 255" not in c for c in colours)


def test_attribution_page_compares_models(synced, client, marketing_user):
    client.force_login(marketing_user)
    response = client.get(f"/reports/attribution/?{MARCH}&conversion=won")
    page = response.context["page"]
    assert page.keys[0] == "group"
    assert "markov_revenue" in page.keys and "shapley_conversions" in page.keys
    records = {r["group"]: r for r in page.records}
    assert records["Email"]["w_shaped_revenue"] == 600.0
    assert records["Paid Search"]["w_shaped_revenue"] == 400.0
    one = client.get(f"/reports/attribution/?{MARCH}&model=linear").context["page"]
    assert one.keys == ("group", "linear_conversions", "linear_revenue")
    assert [h.label for h in one.columns] == ["Group", "Linear: conversions", "Linear: revenue"]


def test_bad_filters_name_the_field(synced, client, sales_user):
    client.force_login(sales_user)
    response = client.get("/reports/kpis/?start=2025-04-01&end=2025-03-01")
    assert response.status_code == 422
    assert "start" in response.context["form"].errors
    unknown = client.get(f"/reports/kpis/?{MARCH}&channel=nope")
    assert unknown.status_code == 422
    assert "channel" in unknown.context["form"].errors
    assert client.get("/reports/nope/").status_code == 404


def test_empty_state_before_the_first_sync(db, duckdb_file, client, sales_user):
    client.force_login(sales_user)
    response = client.get("/reports/funnel/")
    assert response.status_code == 200
    assert "accord analytics sync" in response.content.decode()
    assert 'data-empty="analytics"' in response.content.decode()


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/reports/funnel/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_csv_export_is_escaped(synced, client, sales_user):
    from accord.analytics.sync import analytics_sync
    from accord.tracking.models import Campaign

    Campaign.objects.filter(utm_campaign="spring").update(name="=HYPERLINK(1)")
    analytics_sync()
    client.force_login(sales_user)
    response = client.get(f"/reports/attribution/export.csv?{MARCH}&by=campaign&model=linear")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Group", "Linear: conversions", "Linear: revenue"]
    assert "'=HYPERLINK(1)" in [r[0] for r in rows[1:]]
    assert "=HYPERLINK(1)" not in [r[0] for r in rows[1:]]


@pytest.mark.parametrize("role", ("sales_user", "marketing_user"))
def test_only_heads_and_admins_pin(synced, client, request, role, manager_user):
    pin = PinnedReport.objects.create(title="Funnel", report="funnel", filters={})
    client.force_login(request.getfixturevalue(role))
    data = {"title": "Mine", "report": "kpis", "query": MARCH}
    assert client.post("/reports/board/pin/", data).status_code == 403
    assert client.post(f"/reports/board/{pin.pk}/unpin/").status_code == 403
    assert client.post(f"/reports/board/{pin.pk}/up/").status_code == 403
    assert list(PinnedReport.objects.values_list("title", flat=True)) == ["Funnel"]


@pytest.mark.parametrize("role", ("manager_user", "admin_user"))
def test_pin_reorder_unpin(synced, client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for title, report in (("Funnel March", "funnel"), ("Attribution March", "attribution")):
        response = client.post(
            "/reports/board/pin/",
            {"title": title, "report": report, "query": f"{MARCH}&by=channel"},
        )
        assert response.status_code == 302
    pins = list(PinnedReport.objects.all())
    assert [p.title for p in pins] == ["Funnel March", "Attribution March"]
    assert pins[0].filters == {"start": "2025-03-01", "end": "2025-03-31", "by": "channel"}
    assert pins[0].pinned_by == user
    board = client.get("/reports/board/").content.decode()
    assert board.index("Funnel March") < board.index("Attribution March")
    assert "Paid Search" in board
    client.post(f"/reports/board/{pins[1].pk}/up/")
    assert [p.title for p in PinnedReport.objects.all()] == ["Attribution March", "Funnel March"]
    client.post(f"/reports/board/{pins[1].pk}/unpin/")
    assert [p.title for p in PinnedReport.objects.all()] == ["Funnel March"]
    bad = client.post("/reports/board/pin/", {"title": "x", "report": "nope", "query": ""})
    assert bad.status_code == 302
    assert PinnedReport.objects.count() == 1


def test_tables_have_human_headers_and_formatted_numbers(company, client, manager_user):
    client.force_login(manager_user)
    kpis = client.get(f"/reports/kpis/?{MARCH}&by=channel").context["page"]
    headers = {h.key: h.label for h in kpis.columns}
    assert (headers["cpl"], headers["romi"], headers["won"]) == (
        "Cost per lead",
        "ROMI",
        "Won deals",
    )
    paid = next(row for row in kpis.rows if row[0].text == "Paid Search")
    cells = dict(zip(kpis.keys, (c.text for c in paid), strict=True))
    # Cohort: A and B from paid search (300 spent), A won 1000: ROMI (1000 - 300) / 300.
    assert (cells["spend"], cells["cpl"], cells["revenue"]) == ("$300", "$150", "$1,000")
    assert cells["romi"] == "233.3%"
    html = client.get(f"/reports/kpis/?{MARCH}&by=channel").content.decode()
    assert '<th scope="col" data-column="cpl" class="num">Cost per lead</th>' in html
    funnel = client.get(f"/reports/funnel/?{MARCH}&by=channel").context["page"]
    # One row per channel, one measure per column: traffic, then each stage.
    labels = [h.label for h in funnel.columns]
    assert labels[:4] == ["Group", "Ad impressions", "Ad clicks", "Site visits"]
    assert {"MQL", "Opportunity", "Lead to customer"} <= set(labels)
    assert [row[0].text for row in funnel.rows] == ["Email", "Paid Search"]


def test_quality_page_has_ratings_and_the_quadrant_chart(company, client, sales_user):
    from accord.analytics.sync import analytics_sync
    from accord.handoff.models import QualityRating

    QualityRating.objects.create(lead=company["leads"]["A"], by=company["rep1"], rating=4)
    analytics_sync()
    client.force_login(sales_user)
    page = client.get(f"/reports/quality/?{MARCH}").context["page"]
    cells = {
        row[0].text: dict(zip(page.keys, (c.text for c in row), strict=True)) for row in page.rows
    }
    assert (cells["Paid Search"]["ratings"], cells["Paid Search"]["average_rating"]) == (
        "1",
        "4.00",
    )
    assert cells["Email"]["average_rating"] == "—"
    assert cells["Paid Search"]["quadrant"] == "High volume, low quality"
    quadrant = next(f for f in page.figures if f.key == "quadrant").data
    dots = {t["text"][0]: (t["x"][0], t["y"][0]) for t in quadrant["data"]}
    assert dots == {"Paid Search": (2, 50.0), "Email": (1, 100.0)}
