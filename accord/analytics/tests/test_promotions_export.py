"""The promotion page's downloads: each table as CSV (with its header even when empty), every
table as one workbook (a sheet each, named in the reader's language), the same filters as
the page; bad input sends the reader back to the page with what to fix, and writes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accord.accounts.models import Role, User
from accord.analytics.promotions.rows import MIX_KEYS, TABLE_KEYS
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.promotions_support import promotions_seed

pytestmark = pytest.mark.django_db

QUARTER = "start=2026-01-01&end=2026-03-31&min_closed=5"
EMPTY_QUARTER = "start=2020-01-01&end=2020-03-31"


@pytest.fixture
def seeded(duckdb_file):
    data = promotions_seed()
    analytics_sync()
    return data


@pytest.fixture
def marketer(client):
    user = User.objects.create(username="mia", role=Role.MARKETING)
    client.force_login(user)
    return user


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_table_downloads_as_csv_with_the_pages_filters(seeded, client, marketer):
    main = _csv(client.get(f"/reports/promotions/export.csv?{QUARTER}"))
    assert main[0][:4] == ["group", "deals", "closed", "won"]
    by_group = {row[0]: row for row in main[1:]}
    assert set(by_group) == {"Full price", "Any promotion", "Spring 30"}
    assert by_group["Spring 30"][1:4] == ["6", "6", "5"]
    mix = _csv(client.get(f"/reports/promotions/export.csv?{QUARTER}&table=mix"))
    assert tuple(mix[0]) == MIX_KEYS
    assert ["Spring 30", "grade", "C", "3", "60.0"] in mix
    response = client.get(f"/reports/promotions/export.csv?{QUARTER}&table=reps")
    assert 'filename="accord-promotions-reps-' in response["Content-Disposition"]
    # A period without deals: every table keeps its header, some have nothing else.
    empty = {
        key: _csv(client.get(f"/reports/promotions/export.csv?{EMPTY_QUARTER}&table={key}"))
        for key in TABLE_KEYS
    }
    assert empty["mix"][0] == list(MIX_KEYS)
    assert all(len(rows[0]) > 3 for rows in empty.values())
    assert [key for key, rows in empty.items() if len(rows) == 1]


def test_every_table_downloads_as_one_workbook_in_the_readers_language(seeded, client, marketer):
    response = client.get(f"/reports/promotions/export.xlsx?{QUARTER}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) == len(TABLE_KEYS)
    assert book.sheetnames[0] == "Promotions and full price"
    mix = [list(r) for r in book["Segment mix of won deals"].iter_rows(values_only=True)]
    assert tuple(mix[0]) == MIX_KEYS and ["Spring 30", "grade", "C", 3, 60.0] in mix
    client.cookies["django_language"] = "ru"
    ru = client.get(f"/reports/promotions/export.xlsx?{QUARTER}")
    ru_book = load_workbook(io.BytesIO(ru.content), read_only=True)
    names = ru_book.sheetnames
    with translation.override("ru"):
        assert names[0] == str(_("Promotions and full price"))[:31] != book.sheetnames[0]
        full_price = _("Full price")
    assert all(len(n) <= 31 for n in names)
    groups = [row[0] for row in ru_book[names[0]].iter_rows(min_row=2, values_only=True)]
    assert full_price in groups and "Full price" not in groups and "Spring 30" in groups


def test_the_page_links_its_downloads(seeded, client, marketer):
    page = client.get(f"/reports/promotions/?{QUARTER}").content.decode()
    assert "/reports/promotions/export.xlsx?start=2026-01-01" in page
    for key in TABLE_KEYS:
        assert f"table={key}" in page
    empty = client.get("/reports/promotions/?start=2020-01-01&end=2020-03-31").content.decode()
    assert "export.xlsx" not in empty  # nothing to download: the empty state says what to do


def test_bad_input_goes_back_to_the_page_saying_what_to_fix(seeded, client, marketer):
    unknown = client.get(f"/reports/promotions/export.csv?{QUARTER}&table=nope", follow=True)
    assert unknown.redirect_chain[0][1] == 302
    text = unknown.content.decode()
    assert "Unknown table; one of: groups, bands, matched, mix, retention, approvals, reps." in text
    assert "table=" not in unknown.redirect_chain[0][0]
    reversed_period = client.get(
        "/reports/promotions/export.csv?start=2026-03-31&end=2026-01-01", follow=True
    )
    assert reversed_period.redirect_chain[0][1] == 302
    assert reversed_period.status_code == 422  # the page, showing the form's error
    assert client.get(f"/reports/promotions/export.pdf?{QUARTER}").status_code == 404


def test_without_a_copy_or_signed_out(db, client, duckdb_file):
    assert client.get("/reports/promotions/export.csv").status_code == 302  # to sign in
    user = User.objects.create(username="rep", role=Role.SALES)
    client.force_login(user)
    response = client.get(f"/reports/promotions/export.csv?{QUARTER}", follow=True)
    assert "no analytics copy yet" in response.content.decode()
