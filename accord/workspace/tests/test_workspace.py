"""The workspace on the database the suite runs on (SQLite FTS5 or PostgreSQL trigram)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.models import Lead
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.core.lifecycle import Stage
from accord.handoff.models import Assignment
from accord.pipeline.models import Activity, Deal
from accord.privacy.models import ConsentEvent
from accord.tracking.models import Channel, Touchpoint
from accord.workspace.models import SavedView
from accord.workspace.search import terms_of

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    return {int(i) for i in re.findall(rb'data-lead="(\d+)"', response.content)}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    from accord.handoff.agreement.services import defaults_ensure

    defaults_ensure()
    north = TeamFactory(name="North", department=Department.SALES)
    south = TeamFactory(name="South", department=Department.SALES)
    anna = UserFactory(username="anna", role=Role.SALES, department="sales", team=north)
    ben = UserFactory(username="ben", role=Role.SALES, department="sales", team=south)
    nina = UserFactory(username="nina", role=Role.SALES, department="sales", team=north)
    head = UserFactory(username="head", role=Role.MANAGER, department="sales", team=north)
    mkt = UserFactory(username="mkt", role=Role.MARKETING, department="marketing")
    acme = AccountFactory(name="Acme Robotics", domain="acme.example")
    ivan = ContactFactory(
        first_name="Ivan",
        last_name="Petrov",
        email="ivan.petrov@acme.example",
        phone="+79161234567",
        account=acme,
    )
    olga = ContactFactory(first_name="Olga", last_name="Smirnova", email="olga@globex.example")
    zed = ContactFactory(first_name="Zed", last_name="Quill", email="zed@initech.example")
    now = timezone.now()
    annas = LeadFactory(
        contact=ivan,
        owner=anna,
        team=north,
        stage=Stage.MQL,
        score=80,
        grade="A",
        created_at=now - timedelta(days=2),
    )
    bens = LeadFactory(
        contact=olga,
        owner=ben,
        team=south,
        stage=Stage.SAL,
        score=40,
        grade="C",
        created_at=now - timedelta(days=30),
    )
    free = LeadFactory(
        contact=zed,
        owner=None,
        stage=Stage.LEAD,
        score=10,
        grade="D",
        created_at=now - timedelta(days=60),
    )
    return {
        "anna": anna,
        "ben": ben,
        "nina": nina,
        "head": head,
        "mkt": mkt,
        "acme": acme,
        "ivan": ivan,
        "olga": olga,
        "annas": annas,
        "bens": bens,
        "free": free,
    }


def test_search_by_name_email_phone_digits_and_company(world):
    client = _client(world["mkt"])
    annas = world["annas"].pk
    assert _ids(client.get("/leads/", {"q": "petrov"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "Ivan Petrov"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "ivan.petrov@acme"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "+7 (916) 123"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "916-123-45"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "Acme"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "robotics"})) == {annas}
    assert _ids(client.get("/leads/", {"q": "nobody-like-this"})) == set()
    contacts = client.get("/contacts/", {"q": "smirn"})
    assert b"Olga Smirnova" in contacts.content and b"Ivan Petrov" not in contacts.content
    accounts = client.get("/accounts/", {"q": "acme"})
    assert b"Acme Robotics" in accounts.content


def test_phone_terms_are_digits():
    assert terms_of("+7 (916) 123")[0].text == "7916123"
    assert terms_of("+7 (916) 123")[0].phone
    assert [t.text for t in terms_of('Ivan "Petrov"')] == ["Ivan", "Petrov"]


def test_global_search_groups_leads_contacts_accounts(world):
    response = _client(world["mkt"]).get("/search/", {"q": "acme"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/leads/{world['annas'].pk}/" in body
    assert f"/contacts/{world['ivan'].pk}/" in body
    assert f"/accounts/{world['acme'].pk}/" in body


def test_filters(world):
    client = _client(world["mkt"])
    annas, bens, free = world["annas"].pk, world["bens"].pk, world["free"].pk
    assert _ids(client.get("/leads/", {"stage": "mql"})) == {annas}
    assert _ids(client.get("/leads/", {"owner": world["ben"].pk})) == {bens}
    assert _ids(client.get("/leads/", {"team": world["bens"].team_id})) == {bens}
    assert _ids(client.get("/leads/", {"grade": "D"})) == {free}
    assert _ids(client.get("/leads/", {"score_min": 30, "score_max": 50})) == {bens}
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert _ids(client.get("/leads/", {"created_from": week_ago})) == {annas}
    assert _ids(client.get("/leads/", {"created_to": week_ago})) == {bens, free}
    channel = Channel.objects.create(slug="ws-test", name="WS test")
    Lead.objects.filter(pk=free).update(source_channel=channel)
    assert _ids(client.get("/leads/", {"channel": channel.pk})) == {free}
    old = timezone.now() - timedelta(days=20)
    Activity.objects.create(kind="call", lead=world["bens"], user=world["ben"], at=old)
    Activity.objects.create(kind="call", lead=world["annas"], user=world["anna"], at=old)
    Activity.objects.create(kind="call", lead=world["annas"], user=world["anna"])
    recent = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _ids(client.get("/leads/", {"activity_from": recent})) == {annas}
    to = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert _ids(client.get("/leads/", {"activity_to": to})) == {bens}


def test_bad_filters_say_which_field_and_never_fail(world):
    client = _client(world["mkt"])
    for params, label in (
        ({"score_min": "lots"}, "Score from"),
        ({"created_from": "2020-13-45"}, "Created from"),
        ({"score_min": 90, "score_max": 10}, "Score to"),
        ({"win_min": 150}, "Win probability from, %"),
        ({"stage": "nonsense"}, "Stage"),
        ({"owner": "999999"}, "Owner"),
        ({"sort": "password"}, "Sort"),
    ):
        response = client.get("/leads/", params)
        assert response.status_code == 200, params
        assert label.encode() in response.content and b"alert-error" in response.content
        assert _ids(response) == set()
    assert client.get("/contacts/", {"sort": "password", "page": "x"}).status_code == 200
    assert client.get("/accounts/", {"q": "a" * 500}).status_code == 200


def test_paging_and_sorting(world):
    client = _client(world["mkt"])
    contacts = [ContactFactory(last_name=f"Pager{i:03d}") for i in range(60)]
    for i, contact in enumerate(contacts):
        LeadFactory(contact=contact, score=i)
    first = client.get("/leads/", {"q": "pager", "sort": "score"})
    second = client.get("/leads/", {"q": "pager", "sort": "score", "page": 2})
    assert len(_ids(first)) == 50 and len(_ids(second)) == 10
    assert not _ids(first) & _ids(second)
    assert b"1\xe2\x80\x9350 of 60" in first.content
    top = client.get("/leads/", {"q": "pager", "sort": "-score"})
    rows = re.findall(rb'data-lead="(\d+)"', top.content)
    assert Lead.objects.get(pk=int(rows[0])).score == 59
    # The header links keep the search and flip the direction.
    assert b"q=pager&amp;sort=score" in top.content


def test_rep_sees_only_own_and_unassigned_leads(world):
    anna = _client(world["anna"])
    listed = _ids(anna.get("/leads/"))
    assert listed == {world["annas"].pk, world["free"].pk}
    assert _ids(anna.get("/leads/", {"q": "Smirnova"})) == set()
    found = anna.get("/search/", {"q": "Smirnova"}).content.decode()
    assert f"/leads/{world['bens'].pk}/" not in found
    # Marketing sees every lead.
    assert _ids(_client(world["mkt"]).get("/leads/")) == {
        world["annas"].pk,
        world["bens"].pk,
        world["free"].pk,
    }
    # The contact page shows the rep only the deals and leads the policy lets them see.
    Deal.objects.create(name="Globex deal", amount=100, owner=world["ben"], lead=world["bens"])
    page = anna.get(f"/contacts/{world['olga'].pk}/")
    assert page.status_code == 200 and b"Globex deal" not in page.content
    assert b"Globex deal" in _client(world["mkt"]).get(f"/contacts/{world['olga'].pk}/").content


def test_contact_and_account_pages(world):
    ivan = world["ivan"]
    Deal.objects.create(
        name="Acme expansion",
        amount=5000,
        owner=world["anna"],
        lead=world["annas"],
        account=world["acme"],
    )
    Touchpoint.objects.create(at=timezone.now(), type="page_view", contact=ivan)
    ConsentEvent.objects.create(
        contact=ivan, purpose="email_marketing", channel="web_form", granted=True
    )
    client = _client(world["mkt"])
    page = client.get(f"/contacts/{ivan.pk}/").content.decode()
    assert "Acme expansion" in page and f"/leads/{world['annas'].pk}/" in page
    assert f"/accounts/{world['acme'].pk}/" in page
    assert "granted" in page
    account = client.get(f"/accounts/{world['acme'].pk}/").content.decode()
    assert "Ivan Petrov" in account and "Acme expansion" in account
    assert client.get("/contacts/999999/").status_code == 404


def test_saved_views(world):
    client = _client(world["anna"])
    saved = client.post(
        "/views/save/", {"page": "leads", "name": "Hot MQLs", "query": "stage=mql&sort=-score"}
    )
    assert saved.status_code == 302
    view = SavedView.objects.get(owner=world["anna"])
    assert view.query == "stage=mql&sort=-score"
    page = client.get("/leads/").content.decode()
    assert "Hot MQLs" in page and "/leads/?stage=mql&amp;sort=-score" in page
    # Another person neither sees nor deletes it.
    ben = _client(world["ben"])
    assert "Hot MQLs" not in ben.get("/leads/").content.decode()
    ben.post("/views/delete/", {"view_id": view.pk})
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert client.post("/views/save/", {"page": "leads", "name": ""}).status_code == 302
    assert SavedView.objects.count() == 1
    client.post("/views/delete/", {"view_id": view.pk})
    assert not SavedView.objects.exists()


def _assign(client, leads, to_user):
    return client.post(
        "/leads/bulk/",
        {
            "action": "assign",
            "lead": [lead.pk for lead in leads],
            "to_user": to_user.pk,
            "reason": "balance",
        },
        follow=True,
    )


def test_bulk_assign_refused_to_a_rep(world):
    response = _assign(_client(world["anna"]), [world["annas"], world["free"]], world["nina"])
    assert b"Nothing was assigned" in response.content or b"sales manager" in response.content
    assert Lead.objects.get(pk=world["annas"].pk).owner_id == world["anna"].pk
    assert not Assignment.objects.filter(kind="manual").exists()


def test_bulk_assign_by_manager_within_team_all_or_nothing(world):
    head = _client(world["head"])
    # South's lead in the selection: nothing moves, and the page says why.
    refused = _assign(head, [world["annas"], world["bens"]], world["nina"])
    assert b"Nothing was assigned" in refused.content
    assert Lead.objects.get(pk=world["annas"].pk).owner_id == world["anna"].pk
    # Someone of another team as the new owner: refused too.
    _assign(head, [world["annas"]], world["ben"])
    assert Lead.objects.get(pk=world["annas"].pk).owner_id == world["anna"].pk
    # Within the team: done.
    done = _assign(head, [world["annas"], world["free"]], world["nina"])
    assert b"2 leads assigned" in done.content
    assert set(Lead.objects.filter(owner=world["nina"]).values_list("pk", flat=True)) == {
        world["annas"].pk,
        world["free"].pk,
    }


def test_export_streams_only_visible_leads(world):
    response = _client(world["anna"]).post(
        "/leads/bulk/", {"action": "export", "scope": "filtered", "query": ""}
    )
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Petrov" in body and "Quill" in body and "Smirnova" not in body
    selected = _client(world["mkt"]).post(
        "/leads/bulk/", {"action": "export", "lead": [world["bens"].pk]}
    )
    text = b"".join(selected.streaming_content).decode("utf-8-sig")
    assert "Smirnova" in text and "Petrov" not in text


def test_search_index_follows_changes(world):
    client = _client(world["mkt"])
    ivan = world["ivan"]
    ivan.last_name = "Sidorov"
    ivan.email = "v.sidorov@acme.example"
    ivan.save()
    assert _ids(client.get("/leads/", {"q": "sidorov"})) == {world["annas"].pk}
    assert _ids(client.get("/leads/", {"q": "petrov"})) == set()
    world["acme"].name = "Umbrella"
    world["acme"].save()
    assert _ids(client.get("/leads/", {"q": "umbrella"})) == {world["annas"].pk}


def test_empty_states_say_what_to_do(world):
    Lead.objects.all().delete()
    page = _client(world["mkt"]).get("/leads/").content.decode()
    assert "No leads yet" in page and "import" in page
    filtered = _client(world["mkt"]).get("/leads/", {"q": "zzzz"}).content.decode()
    assert "No leads match" in filtered


def test_large_ids_stay_plain_numbers_in_rows_and_checkboxes(world):
    """USE_THOUSAND_SEPARATOR is on: an id rendered bare would read "123,456" and the bulk
    action would receive a value no lead has."""
    big = LeadFactory(pk=123456, contact=ContactFactory(first_name="Big", last_name="Number"))
    body = _client(world["mkt"]).get("/leads/").content.decode()
    assert 'data-lead="123456"' in body
    assert 'name="lead" value="123456"' in body
    assert "123,456" not in body and "123\xa0456" not in body
    assert big.pk in _ids(_client(world["mkt"]).get("/leads/"))


def test_a_search_past_the_cap_lists_the_first_matches_and_says_there_are_more(
    world, monkeypatch
):
    """A search reads its ids once, at most the cap + 1: past the cap the total says "more
    than", the newest matches are listed, and a narrower search counts exactly again."""
    from accord.ui import paging

    for n in range(4):
        LeadFactory(contact=ContactFactory(last_name=f"Capman{n}", email=f"cap{n}@capco.example"))
    monkeypatch.setattr(paging, "SEARCH_CAP", 3)
    client = _client(world["head"])

    wide = client.get("/leads/", {"q": "capco"})
    assert wide.status_code == 200
    assert len(_ids(wide)) == 3
    assert "more than 3" in wide.content.decode()

    narrow = client.get("/leads/", {"q": "Capman2"})
    assert len(_ids(narrow)) == 1
    assert "more than" not in narrow.content.decode()
