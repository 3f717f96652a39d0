"""The dashboard's trend, channel split, queue health and report links: every number on the
page is the number its selector returns (the tiny company, real HTTP, both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accord.analytics.selectors import activity_by
from accord.contacts.models import Contact, Lead
from accord.handoff.models import AgreementVersion, SlaClock
from accord.handoff.sla.health import queue_health
from accord.ui.formatting import count_format

pytestmark = pytest.mark.urls("accord.analytics.tests.urls")

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}
START, END = date(2025, 3, 1), date(2025, 3, 31)


@pytest.fixture
def queue(company):
    """Two open MQLs (one without an owner) and three running SLA clocks: breached, due soon,
    and fine."""
    waiting = Lead.objects.create(
        contact=Contact.objects.create(email="w@example.com"), stage="mql", owner=company["rep1"]
    )
    Lead.objects.create(contact=Contact.objects.create(email="u@example.com"), stage="mql")
    version = AgreementVersion.objects.order_by("pk").first()
    assert version is not None, "the migrations publish the first agreement"
    now = timezone.now()
    for kind, due, warn in (
        ("first_attempt", now - timedelta(hours=1), now - timedelta(hours=3)),
        ("accept", now + timedelta(hours=1), now - timedelta(minutes=5)),
    ):
        SlaClock.objects.create(
            lead=waiting,
            kind=kind,
            agreement_version=version,
            started_at=now - timedelta(hours=5),
            due_at=due,
            warn_at=warn,
        )
    SlaClock.objects.create(
        lead=company["leads"]["C"],
        kind="first_attempt",
        agreement_version=version,
        started_at=now,
        due_at=now + timedelta(hours=8),
        warn_at=now + timedelta(hours=6),
    )
    return company


def test_queue_health_counts_what_it_says(queue):
    health = queue_health()
    assert (health.waiting, health.unassigned, health.breached, health.due_soon) == (2, 1, 1, 1)


def test_dashboard_panels_equal_their_selectors(queue, client, manager_user):
    client.force_login(manager_user)
    response = client.get("/", MARCH)
    assert response.status_code == 200
    panels = response.context["panels"]
    html = response.content.decode()

    health = queue_health()
    tiles = {t.key: t.value for t in panels.health}
    assert tiles == {
        "waiting": count_format(health.waiting),
        "unassigned": count_format(health.unassigned),
        "due_soon": count_format(health.due_soon),
        "breached": count_format(health.breached),
    }
    assert tiles["waiting"] == "2" and tiles["breached"] == "1"
    assert 'data-health="breached"' in html

    monthly = activity_by(start=START, end=END, group_by="month")
    assert monthly is not None
    trend = {t["name"]: list(t["y"]) for t in panels.trend["data"]}
    rows = [r for r in monthly.rows if r.key is not None]
    assert trend["Leads"] == [r.leads for r in rows]
    assert trend["MQLs"] == [r.mqls for r in rows]
    assert trend["Won deals"] == [r.won_deals for r in rows]
    assert sum(trend["Leads"]) == 3  # A, B, C created in March
    assert panels.trend["data"][0]["x"] == ["Mar 2025"]

    by_channel = activity_by(start=START, end=END, group_by="channel")
    assert by_channel is not None
    expected = {
        {"paid-search": "Paid Search", "email": "Email"}.get(r.label, r.label): (
            count_format(r.leads),
            count_format(r.mqls),
            count_format(r.won_deals),
        )
        for r in by_channel.rows
    }
    shown = {row.name: (row.leads, row.mqls, row.won) for row in panels.channels}
    assert shown == expected
    assert shown["Paid Search"][0] == "2"
    paid = next(row for row in panels.channels if row.name == "Paid Search")
    assert paid.url == "/reports/funnel/?start=2025-03-01&end=2025-03-31&channel=paid-search"
    assert f'href="{paid.url.replace("&", "&amp;")}"' in html

    links = {link.name: link.url for link in panels.reports}
    assert set(links) == {"funnel", "kpis", "attribution", "quality", "velocity", "reps"}
    for url in links.values():
        assert url.endswith("?start=2025-03-01&end=2025-03-31")
        assert client.get(url).status_code == 200


def test_dashboard_before_the_first_sync_still_shows_the_queue(db, duckdb_file, client, sales_user):
    client.force_login(sales_user)
    response = client.get("/")
    assert response.status_code == 200
    panels = response.context["panels"]
    assert panels.trend is None and panels.channels == ()
    assert {t.key for t in panels.health} == {"waiting", "unassigned", "due_soon", "breached"}
