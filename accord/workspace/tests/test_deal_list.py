"""The deals list: the board's filters, whitelisted sorting, paging, saved views, export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from accord.pipeline.tests.board_support import client_for, deal_make, world_build
from accord.workspace.models import ListPage, SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build()


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(rb'data-deal="(\d+)"', response.content)]


def test_filters_and_stage(world):
    client = client_for(world.head)
    response = client.get(f"/deals/list/?owner={world.anna.pk}&stage=qualification")
    assert _ids(response) == [world.deals["anna_q"].pk]
    response = client.get("/deals/list/?amount_min=200&amount_max=500&sort=amount")
    assert _ids(response) == [
        world.deals["free_n"].pk, world.deals["ben_q"].pk, world.deals["ben_won"].pk,
    ]  # fmt: skip


def test_sorting_is_whitelisted(world):
    client = client_for(world.head)
    by_amount = _ids(client.get("/deals/list/?sort=-amount"))
    assert by_amount[0] == world.deals["anna_p"].pk
    response = client.get("/deals/list/?sort=lead__contact__email")
    assert response.status_code == 200
    assert _ids(response) == []
    assert "Some filters could not be used" in response.content.decode()


def test_a_rep_lists_own_and_unassigned(world):
    ids = set(_ids(client_for(world.anna).get("/deals/list/")))
    assert ids == {world.deals[k].pk for k in ("anna_q", "anna_p", "free_n", "anna_lost")}


def test_paging(world):
    for n in range(60):
        deal_make(world.pipeline, f"Bulk {n:02}", "discovery", "1.00", owner=world.anna)
    client = client_for(world.head)
    first = _ids(client.get("/deals/list/?stage=discovery&sort=name"))
    second = _ids(client.get("/deals/list/?stage=discovery&sort=name&page=2"))
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)


def test_saved_view(world):
    client = client_for(world.anna)
    response = client.post(
        "/views/save/", {"page": "deals", "name": "My big ones", "query": "amount_min=500"}
    )
    assert response.status_code == 302 and response["Location"] == "/deals/list/?amount_min=500"
    view = SavedView.objects.get(owner=world.anna, page=ListPage.DEALS)
    page = client.get("/deals/list/").content.decode()
    assert "My big ones" in page and 'href="/deals/list/?amount_min=500"' in page
    assert view.query == "amount_min=500"


def test_export_csv_and_xlsx_of_what_the_reader_sees(world):
    client = client_for(world.anna)
    csv = client.get("/deals/list/export/?format=csv&stage=qualification")
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "Anna small" in text and "Ben small" not in text
    assert text.splitlines()[0].startswith("id,name,pipeline,stage,amount")
    xlsx = client.get("/deals/list/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"Anna small", "Anna big", "Nobody's", "Anna lost"}
    assert client.get("/deals/list/export/?format=pdf").status_code == 400
