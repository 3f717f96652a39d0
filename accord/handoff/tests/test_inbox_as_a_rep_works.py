"""The sales inbox and the lead page as a rep works: shortcuts, hot leads first, SLA in
business time with its colour, filters and paging, hand-off actions on the lead page (the
policy first), one timeline, the score's basis in people's words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead, StageTransition
from accord.handoff.inbox import actions
from accord.handoff.inbox.selectors import lead_timeline
from accord.handoff.lead.basis import score_basis
from accord.handoff.models import BusinessCalendar, SlaClock
from accord.handoff.routing.assignment import lead_route
from accord.handoff.sla.shown import sla_shown
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.pipeline.models import Activity
from accord.scoring.models import LeadScore
from accord.tracking.models import Channel, Touchpoint

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.handoff.tests.urls_mounted")]

HOURS = [["09:00", "17:00"]]
WEEK = {d: HOURS for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []}


@pytest.fixture
def rep_with_leads():
    _team, reps = team_with_reps(reps=1)
    channel = Channel.objects.create(slug="paid-search-x", name="Paid search X")
    normal = mql_lead(first_name="Normal", last_name="Lead", score=80)
    high = mql_lead(first_name="High", last_name="Score", score=95, channel=channel)
    fast = mql_lead(first_name="Fast", last_name="Track", score=60)
    # A demo request made it an MQL (the criterion scoring records on the move).
    StageTransition.objects.filter(lead=fast, to_stage="mql").update(
        details={"criterion": "fast_track"}
    )
    for lead in (normal, high, fast):
        lead_route(lead_id=lead.pk)
    return reps[0], {"normal": normal, "high": high, "fast": fast}, channel


def _inbox(client, query: str = "") -> str:
    response = client.get(reverse("handoff:inbox") + query)
    assert response.status_code == 200
    return response.content.decode()


def _row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="lead-(\d+)" class="inbox-row', page)]


def test_inbox_offers_keyboard_shortcuts_from_a_static_file(client, rep_with_leads):
    rep, _leads, _ = rep_with_leads
    client.force_login(rep)
    page = _inbox(client)
    assert 'src="/static/handoff/inbox_keys.js"' in page
    assert 'id="inbox-shortcuts"' in page and "<kbd>j</kbd>" in page and "<kbd>a</kbd>" in page
    for key in ("a", "r", "t"):
        assert f'data-key="{key}"' in page
    # No inline script: every <script> element loads a file.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_hot_leads_come_first_and_are_marked(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    client.force_login(rep)
    page = _inbox(client)
    order = _row_ids(page)
    assert set(order[:2]) == {leads["high"].pk, leads["fast"].pk}  # score ≥ 90 or fast-track
    assert order[2] == leads["normal"].pk
    assert page.count('class="badge badge-hot"') == 2
    hot_only = _row_ids(_inbox(client, "?hot=on"))
    assert set(hot_only) == {leads["high"].pk, leads["fast"].pk}


def test_channel_filter_and_paging(client, rep_with_leads):
    rep, leads, channel = rep_with_leads
    client.force_login(rep)
    assert _row_ids(_inbox(client, f"?channel={channel.pk}")) == [leads["high"].pk]
    assert "No leads match these filters." in _inbox(client, "?sla=breached")
    # A bad filter value is ignored (named on the form), never a 500.
    assert len(_row_ids(_inbox(client, "?channel=nope"))) == 3
    for n in range(26):
        lead_route(lead_id=mql_lead(first_name=f"Many{n}", score=10).pk)
    first = _inbox(client)
    assert len(_row_ids(first)) == 25 and "1\u201325 of 29" in first
    assert len(_row_ids(_inbox(client, "?page=2"))) == 4


def test_sla_text_is_business_time_and_colours_before_the_breach():
    calendar = BusinessCalendar(name="Office", time_zone="UTC", working_hours=WEEK)
    friday_4pm = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 7, tzinfo=UTC)
    clock = SlaClock(
        kind="accept",
        calendar=calendar,
        started_at=friday_4pm,
        due_at=monday.replace(hour=10, minute=10),
        warn_at=monday.replace(hour=9, minute=40),
    )
    # Friday 16:00 to 17:00 and Monday 09:00 to 10:10: the weekend does not count.
    on_time = sla_shown(clock, now=friday_4pm)
    assert (on_time.state, on_time.text) == ("ok", "2 h 10 min left (business hours)")
    warned = sla_shown(clock, now=monday.replace(hour=9, minute=50))
    assert (warned.state, warned.text) == ("warning", "20 min left (business hours)")
    late = sla_shown(clock, now=monday.replace(hour=11))
    assert (late.state, late.text) == ("breached", "50 min overdue (business hours)")
    with translation.override("ru"):
        assert "рабоч" in sla_shown(clock, now=friday_4pm).text


def test_inbox_colours_warning_and_breach_and_filters_by_sla_state(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    now = timezone.now()
    SlaClock.objects.filter(lead=leads["normal"]).update(
        warn_at=now - timedelta(hours=30), due_at=now - timedelta(hours=1)
    )
    SlaClock.objects.filter(lead=leads["high"]).update(
        warn_at=now - timedelta(minutes=1), due_at=now + timedelta(days=10)
    )
    SlaClock.objects.filter(lead=leads["fast"]).update(
        warn_at=now + timedelta(days=9), due_at=now + timedelta(days=10)
    )
    client.force_login(rep)
    page = _inbox(client)
    row = {
        name: re.search(rf'<tr id="lead-{lead.pk}".*?</tr>', page, re.S).group(0)
        for name, lead in leads.items()
    }
    assert "sla-breached" in row["normal"] and "overdue (business hours)" in row["normal"]
    assert "sla-warning" in row["high"] and "left (business hours)" in row["high"]
    assert "sla-ok" in row["fast"]
    assert _row_ids(_inbox(client, "?sla=breached")) == [leads["normal"].pk]
    assert _row_ids(_inbox(client, "?sla=warning")) == [leads["high"].pk]


def test_rep_accepts_rejects_and_logs_attempts_from_the_lead_page(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    client.force_login(rep)
    url = reverse("leads:lead_detail", args=[leads["normal"].pk])
    page = client.get(url).content.decode()
    assert 'id="handoff-actions"' in page
    assert 'name="accept"' in page and 'id="reject-reason"' in page and 'id="attempt-kind"' in page
    assert "Not a fit" in page  # the agreement's reasons, by label
    done = client.post(
        reverse("handoff:lead_attempt", args=[leads["normal"].pk]),
        {"kind": "call", "outcome": "no_answer", "notes": "Voicemail full", "next": url},
    )
    assert done.status_code == 302 and done["Location"] == url
    assert Activity.objects.filter(lead=leads["normal"], outcome="no_answer").count() == 1
    client.post(reverse("handoff:lead_accept", args=[leads["normal"].pk]), {"next": url})
    assert Lead.objects.get(pk=leads["normal"].pk).stage == "sal"
    client.post(
        reverse("handoff:lead_reject", args=[leads["high"].pk]),
        {"reason_code": "not_a_fit", "comment": "Too small", "next": url},
    )
    assert Lead.objects.get(pk=leads["high"].pk).stage == "disqualified"


def test_another_reps_lead_answers_404_and_marketing_403_nothing_changed(client, rep_with_leads):
    _, leads, _ = rep_with_leads
    lead = leads["normal"]
    other = UserFactory(username="other-rep", role=Role.SALES)
    client.force_login(other)
    assert client.get(reverse("leads:lead_detail", args=[lead.pk])).status_code == 404
    for name, data in (
        ("handoff:lead_accept", {}),
        ("handoff:lead_reject", {"reason_code": "not_a_fit"}),
        ("handoff:lead_attempt", {"kind": "call"}),
    ):
        assert client.post(reverse(name, args=[lead.pk]), data).status_code == 404
    marketer = UserFactory(username="marketer-x", role=Role.MARKETING)
    client.force_login(marketer)
    page = client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    assert 'id="handoff-actions"' not in page
    assert client.post(reverse("handoff:lead_accept", args=[lead.pk])).status_code == 403
    lead.refresh_from_db()
    assert lead.stage == "mql" and not Activity.objects.filter(lead=lead).exists()


def test_one_timeline_newest_first_without_duplicates(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    lead = leads["normal"]
    Touchpoint.objects.create(lead=lead, contact=lead.contact, type="webinar", at=timezone.now())
    actions.lead_attempt_log(lead_id=lead.pk, by=rep, kind="call", outcome="connected")
    actions.lead_accept(lead_id=lead.pk, by=rep)
    entries = lead_timeline(lead.pk)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    keys = [(e.at, e.kind, e.title, e.detail) for e in entries]
    assert len(keys) == len(set(keys))
    assert {"touch", "stage", "assignment", "sla", "activity"} <= {e.kind for e in entries}
    # The two clocks one assignment started are one entry.
    assert sum(1 for e in entries if e.kind == "sla" and "started" in e.title.lower()) == 1
    client.force_login(rep)
    page = client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    assert page.count('class="timeline lead-timeline"') == 1
    assert "Stage history" not in page and "Latest touchpoints" not in page
    assert "Attended a webinar" in page


def test_summary_header_explains_the_score(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    client.force_login(rep)
    page = client.get(reverse("leads:lead_detail", args=[leads["normal"].pk])).content.decode()
    summary = re.search(r'<section class="panel lead-summary".*?</section>', page, re.S).group(0)
    assert rep.username in summary or str(rep) in summary
    assert "80 points" in summary
    assert "MQL from 70 points, grade C or better" in summary
    assert "Marketing and sales hand-off, version" in summary
    assert "(business hours)" in summary


def test_score_basis_in_peoples_words(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    lead = leads["normal"]
    ads = Channel.objects.create(slug="google-ads-x", name="Google Ads")
    touch = Touchpoint.objects.create(
        lead=lead,
        contact=lead.contact,
        type="ad_click",
        channel=ads,
        at=datetime(2026, 3, 12, 12, tzinfo=UTC),
    )
    breakdown = [
        {"rule_id": 1, "rule": "Email click", "kind": "engagement", "points": 5.0,
         "source": "touchpoint", "ref": str(touch.pk), "detail": "ad_click / 2026-03-12"},
        {"rule_id": 2, "rule": "Enterprise company (over 1,000 people)", "kind": "fit",
         "points": 20.0, "source": "property", "ref": "account.employees", "detail": "2500"},
    ]  # fmt: skip
    LeadScore.objects.update_or_create(lead=lead, defaults={"score": 80, "breakdown": breakdown})
    client.force_login(rep)
    page = client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    assert "Clicked an ad (Google Ads, 12 Mar)" in page
    assert "Company size: 2500" in page
    assert "touch #" not in page and "account.employees" not in page
    with translation.override("ru"):
        lines = score_basis(breakdown)
    assert lines[0].reason == "Размер компании: 2500"
    assert lines[0].rule == "Крупная компания (более 1000 человек)"
    assert lines[1].reason.startswith("Нажал(а) на рекламу (Google Ads, 12")  # noqa: RUF001


def test_team_queue_shows_sla_in_business_time(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    now = timezone.now()
    SlaClock.objects.filter(lead=leads["normal"]).update(
        warn_at=now - timedelta(hours=30), due_at=now - timedelta(hours=1)
    )
    head = UserFactory(username="head-x", role=Role.MANAGER, department="sales", team=rep.team)
    client.force_login(head)
    page = client.get(reverse("handoff:team")).content.decode()
    assert "data-due=" not in page  # no wall-clock countdown
    assert 'class="sla-state sla-breached"' in page and "overdue (business hours)" in page


def test_marketing_feedback_names_rejection_reasons_by_label(client, rep_with_leads):
    rep, leads, _ = rep_with_leads
    actions.lead_reject(lead_id=leads["normal"].pk, by=rep, reason_code="no_budget")
    marketer = UserFactory(username="marketer-y", role=Role.MARKETING, department="marketing")
    client.force_login(marketer)
    page = client.get(reverse("handoff:marketing")).content.decode()
    assert "No budget: 1" in page and "no_budget" not in page
