"""The deals board: totals from hand-built deals, filters, moves through the deal service
(recorded as board moves), the stale-version conflict, won/lost details, and who may move."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.pipeline.models import ChangeSource, Deal, DealStageChange
from accord.pipeline.tests.board_support import client_for, deal_make, world_build

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    return world_build()


def _totals(response) -> dict[str, tuple[int, Decimal, Decimal]]:
    out = {}
    for column in response.context["columns"]:
        amount = sum((t.amount for t in column.totals), Decimal(0))
        weighted = sum((t.weighted for t in column.totals), Decimal(0))
        out[column.key] = (column.count, amount, weighted)
    return out


def test_column_totals_count_amount_and_weighted(world):
    response = client_for(world.head).get("/deals/")
    assert response.status_code == 200
    assert [c.key for c in response.context["columns"]] == [
        "qualification", "discovery", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    assert _totals(response) == {
        "qualification": (2, Decimal("400.00"), Decimal("40.00")),  # 0.10
        "discovery": (0, Decimal(0), Decimal(0)),
        "proposal": (1, Decimal("1000.00"), Decimal("500.00")),  # 0.50
        "negotiation": (1, Decimal("200.00"), Decimal("150.00")),  # 0.75
        "won": (1, Decimal("500.00"), Decimal("500.00")),
        "lost": (1, Decimal("50.00"), Decimal("0.00")),
    }
    html = response.content.decode()
    assert 'data-total="count">2<' in html
    assert "$40.00" in html and "$150.00" in html


def test_totals_come_from_one_grouped_query(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(30):
        deal_make(world.pipeline, f"Filler {n}", "discovery", "10.00", owner=world.anna)
    client = client_for(world.head)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/deals/")
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "pipeline_deal" in q["sql"]]
    assert len(grouped) == 1, grouped
    assert _totals(response)["discovery"] == (30, Decimal("300.00"), Decimal("60.00"))
    # Each column shows its first cards; the list has the rest.
    discovery = next(c for c in response.context["columns"] if c.key == "discovery")
    assert (len(discovery.cards), discovery.more) == (20, 10)
    more = 'href="/deals/list/?pipeline=new_business&amp;stage=discovery"'
    assert more in response.content.decode()


def test_a_rep_sees_their_own_and_unassigned_deals(world):
    response = client_for(world.anna).get("/deals/")
    totals = _totals(response)
    assert totals["qualification"] == (1, Decimal("100.00"), Decimal("10.00"))
    assert totals["negotiation"][0] == 1  # nobody's deal: the queue reps pick from
    assert totals["won"][0] == 0  # Ben's
    assert "Ben small" not in response.content.decode()


@pytest.mark.parametrize(
    "query, cards, closed",
    [
        ("owner={anna}", {"Anna small", "Anna big"}, (0, 1)),
        ("team={south}", {"Ben small"}, (1, 0)),
        ("month=2026-12", {"Anna small", "Nobody's"}, (1, 1)),
        ("channel={channel}", {"Anna small"}, (0, 0)),
        ("campaign={campaign}", {"Anna small"}, (0, 0)),
        ("amount_min=200&amount_max=500", {"Ben small", "Nobody's"}, (1, 0)),
    ],
)
def test_filters(world, query, cards, closed):
    query = query.format(
        anna=world.anna.pk,
        south=world.ben.team_id,
        channel=world.channel.pk,
        campaign=world.campaign.pk,
    )
    response = client_for(world.head).get(f"/deals/?{query}")
    columns = response.context["columns"]
    assert {card.name for column in columns for card in column.cards} == cards
    # Won and lost are folded to their totals (their deals are in the list).
    totals = _totals(response)
    assert (totals["won"][0], totals["lost"][0]) == closed


def test_a_bad_filter_names_its_field(world):
    response = client_for(world.head).get("/deals/?month=2026-13&amount_min=5&amount_max=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Close month" in html and "Enter a month as YYYY-MM." in html
    assert "The lowest amount is above the highest." in html


def _move(client, deal, **form):
    return client.post(f"/deals/{deal.pk}/move/", form, **HTMX)


def test_a_move_goes_through_the_service_and_is_recorded(world):
    deal = world.deals["anna_q"]
    client = client_for(world.anna)
    response = _move(client, deal, to="discovery", version=deal.version)
    assert response.status_code == 200
    assert "moved to Discovery" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "discovery"
    change = DealStageChange.objects.filter(deal=deal).order_by("-at", "-pk").first()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.source, change.by_id) == (
        "qualification", "discovery", ChangeSource.BOARD, world.anna.pk,
    )  # fmt: skip
    # The board drawn again shows the new totals.
    totals = _totals(response)
    assert totals["qualification"][0] == 0 and totals["discovery"][0] == 1


def test_the_stage_select_moves_too(world):
    deal = world.deals["anna_p"]
    _move(client_for(world.anna), deal, to_stage="negotiation", version=deal.version)
    deal.refresh_from_db()
    assert deal.stage == "negotiation"


def test_a_stale_card_moves_nothing_and_shows_the_deal_as_it_is(world):
    deal = world.deals["anna_q"]
    seen = deal.version
    first = client_for(world.anna)
    second = client_for(world.head)
    assert _move(first, deal, to="discovery", version=seen).status_code == 200
    before = DealStageChange.objects.filter(deal=deal).count()
    response = _move(second, deal, to="proposal", version=seen)  # drawn before the first move
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed" in html and "it is now in Discovery" in html
    deal.refresh_from_db()
    assert deal.stage == "discovery"
    assert DealStageChange.objects.filter(deal=deal).count() == before
    assert _totals(response)["discovery"][0] == 1


def test_won_asks_for_amount_and_close_date_first(world):
    deal = world.deals["anna_p"]
    client = client_for(world.anna)
    asked = _move(client, deal, to_stage="won", version=deal.version)
    assert 'id="close-dialog"' in asked.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "proposal"
    done = _move(
        client, deal, to_stage="won", version=deal.version, confirm="on",
        amount="1200.00", close_date="2026-12-20",
    )  # fmt: skip
    assert "moved to Won" in done.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "won" and deal.amount == Decimal("1200.00")
    assert str(deal.expected_close) == "2026-12-20"


def test_lost_without_a_reason_writes_nothing(world):
    deal = world.deals["anna_p"]
    client = client_for(world.anna)
    response = _move(client, deal, to_stage="lost", version=deal.version, confirm="on")
    assert 'id="close-dialog"' in response.content.decode()  # asked again, with the error
    deal.refresh_from_db()
    assert deal.stage == "proposal"
    assert not DealStageChange.objects.filter(deal=deal, to_stage="lost").exists()
    _move(
        client, deal, to_stage="lost", version=deal.version, confirm="on",
        lost_reason="competitor", competitor="Globex",
    )  # fmt: skip
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.competitor) == ("lost", "competitor", "Globex")


def test_a_stage_of_another_pipeline_is_refused(world):
    deal = world.deals["anna_q"]
    response = _move(client_for(world.anna), deal, to="no-such-stage", version=deal.version)
    assert "Choose a stage of this deal" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "qualification"


@pytest.mark.parametrize(
    "who, deal, status",
    [
        ("anna", "anna_q", 200),  # her own
        ("anna", "free_n", 200),  # unassigned
        ("anna", "ben_q", 404),  # another rep's: not even there
        ("head", "anna_q", 200),  # his team's
        ("head", "ben_q", 403),  # another team's
        ("mkt", "anna_q", 403),  # marketing reads
        ("boss", "ben_q", 200),
    ],
)
def test_who_may_move(world, who, deal, status):
    user = {"anna": world.anna, "head": world.head, "mkt": world.mkt, "boss": world.admin}[who]
    row = world.deals[deal]
    stage_before = row.stage
    response = _move(client_for(user), row, to="discovery", version=row.version)
    assert response.status_code == status
    row.refresh_from_db()
    assert (row.stage != stage_before) == (status == 200)


def test_cards_offer_moves_only_to_those_who_may(world):
    rep = client_for(world.anna).get("/deals/").content.decode()
    assert f'action="/deals/{world.deals["anna_q"].pk}/move/"' in rep
    marketer = client_for(world.mkt).get("/deals/").content.decode()
    assert "/move/" not in marketer
    assert "Anna small" in marketer


def test_without_htmx_a_move_redirects_back_to_the_board(world):
    deal = world.deals["anna_q"]
    response = client_for(world.anna).post(
        f"/deals/{deal.pk}/move/", {"to": "discovery", "version": deal.version, "query": "owner=1"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/deals/?")
    assert Deal.objects.get(pk=deal.pk).stage == "discovery"
