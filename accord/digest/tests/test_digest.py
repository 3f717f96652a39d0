"""The weekly digest on a hand-built week: exact contents, carry-over of open decisions, the
idempotent weekly job and e-mail, the CLI, and who may open and change it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.cli import cli
from accord.contacts.models import StageTransition
from accord.contacts.tests.factories import LeadFactory
from accord.core.lifecycle import Stage
from accord.digest import jobs, services
from accord.digest.content import week_parse
from accord.digest.models import Digest
from accord.handoff.models import AgreementVersion, QualityRating, SlaClock
from accord.intel.models import AckRequest, Post, Receipt
from accord.intel.tests.factories import post_about, team_with
from accord.pipeline.models import Deal, DealStage, ForecastSubmission, Task
from accord.pipeline.tasks.services import task_complete
from accord.planning.models import Plan, PlanStatus
from accord.planning.selectors import plan_worked
from accord.planning.tests.planning_support import plan_seed
from accord.quality.models import Audit
from accord.quality.tests import support as quality
from accord.tracking.models import Channel, SpendEntry

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 2)  # 2026-W45, Monday


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, 11, day), time(hour)))


def _lead(channel, created, *, test=False, owner=None):
    lead = LeadFactory(source_channel=channel, created_at=created, owner=owner)
    if test:
        lead.is_test = True
        lead.save(update_fields=["is_test"])
    return lead


def _move(lead, stage, when, reason=""):
    StageTransition.objects.create(lead=lead, from_stage="", to_stage=stage, at=when, reason=reason)


def _clock(lead, *, breached, kind="accept", stopped=None, reason=""):
    return SlaClock.objects.create(
        lead=lead, kind=kind, agreement_version=AgreementVersion.objects.first(),
        owner=lead.owner, started_at=breached - timedelta(hours=4), due_at=breached,
        breached_at=breached, stopped_at=stopped, stop_reason=reason,
    )  # fmt: skip


def _deal(name, lead, stage, amount, **fields):
    return Deal.objects.create(
        name=name, lead=lead, stage=stage, amount=Decimal(amount), closed_at=at(4), **fields
    )


@pytest.fixture
def week():
    """One hand-built week; returns the people."""
    people = quality.people()
    rep, head = people["rep"], people["sales_head"]
    paid = Channel.objects.create(name="Paid", slug="d-paid")
    events = Channel.objects.create(name="Events", slug="d-events")
    leads = [_lead(paid, at(3), owner=rep) for _ in range(3)]
    test_counted = _lead(paid, at(3), test=True, owner=rep)
    test_left_out = _lead(paid, at(3), test=True, owner=rep)
    early = _lead(events, at(1))  # Sunday 1 November: in the month, not the week
    _lead(events, at(20))  # a later week
    _move(leads[0], Stage.MQL, at(3, 11))
    _move(leads[1], Stage.MQL, at(4))
    _move(early, Stage.MQL, at(1, 12))
    _move(test_counted, Stage.MQL, at(3, 11))
    _move(leads[1], Stage.DISQUALIFIED, at(5), "no_budget")
    _move(leads[2], Stage.DISQUALIFIED, at(5), "no_budget")
    _move(leads[0], Stage.RECYCLED, at(6), "not_now")
    _move(test_left_out, Stage.DISQUALIFIED, at(5), "spam")
    _clock(leads[0], breached=at(3, 15))
    _clock(leads[1], breached=at(4, 15), stopped=at(4, 16), reason="accepted")
    _clock(test_counted, breached=at(5, 15))
    _clock(test_left_out, breached=at(5, 15))
    template = quality.template()
    items = list(template.items.all())  # weights 3, 1, 2
    for lead, outcomes, counts in ((test_counted, "ppp", True), (test_left_out, "fpp", False)):
        audit = Audit.objects.create(
            template=template, lead=lead, rep=rep, auditor=head, at=at(6),
            score=100.0 if outcomes == "ppp" else 50.0, counts_in_sla=counts,
        )  # fmt: skip
        for item, o in zip(items, outcomes, strict=True):
            audit.results.create(item=item, outcome="pass" if o == "p" else "fail")
    SpendEntry.objects.create(date=date(2026, 10, 20), channel=paid, cost=Decimal("1000"))
    SpendEntry.objects.create(date=date(2026, 11, 3), channel=events, cost=Decimal("2000"))
    _deal("Won paid", leads[0], DealStage.WON, "3000", is_promotion=True)
    _deal("Lost promo", leads[1], DealStage.LOST, "500", promotion_code="AUTUMN")
    _deal("Won events", early, DealStage.WON, "1000")
    for lead, rating in ((leads[0], 4), (leads[1], 2), (early, 5)):
        QualityRating.objects.create(lead=lead, rating=rating, by=rep, created_at=at(4))
    team, members = team_with("Field", 2)
    post = post_about(head, title="Rival cut prices")
    Post.objects.filter(pk=post.pk).update(created_at=at(3))
    request = AckRequest.objects.create(post=post, team=team, requested_by=head)
    request.members.set(members)
    Receipt.objects.create(post=post, user=members[0], acknowledged_at=at(4))
    for week_start, commit in ((WEEK, "120"), (WEEK - timedelta(days=7), "100")):
        ForecastSubmission.objects.create(
            user=rep, period_kind="quarter", period_start=date(2026, 10, 1),
            week_start=week_start, closed=0, commit=Decimal(commit), best_case=Decimal("200"),
            pipeline=Decimal("300"), stage_weighted=Decimal("150"),
        )  # fmt: skip
    for start in ("2026-10", "2027-01"):  # November's MQLs are Q1's plan's (lags)
        plan = plan_seed(user=head, start_month=start)
        Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED, approved_at=at(1))
    return people


def test_the_digest_holds_the_weeks_figures(week):
    digest, created = services.digest_build(week=WEEK)
    assert created and str(digest) == "2026-W45"
    c = digest.content
    rows = {r["stage"]: r for r in c["funnel"]["rows"]}
    assert (rows["lead"]["week"], rows["lead"]["month_to_date"]) == (3, 4)  # no test lead
    assert (rows["mql"]["week"], rows["mql"]["month_to_date"]) == (2, 3)
    q4, q1 = (plan_worked(p).funnel for p in Plan.objects.order_by("start_month"))
    need = q1.stage("mql").by_month["2026-11"]
    assert rows["mql"]["plan_month"] == round(need, 1)
    won = q4.stage("won").by_month["2026-11"] + q1.stage("won").by_month.get("2026-11", 0)
    assert rows["won"]["plan_month"] == round(won, 1)
    assert rows["mql"]["share_of_plan"] == round(3 / need, 3)
    assert c["channels"]["rows"] == [
        {"channel": "Events", "spend": 2000.0, "revenue": 1000.0, "romi": -0.5,
         "quality": 5.0, "rated": 1},
        {"channel": "Paid", "spend": 1000.0, "revenue": 3000.0, "romi": 2.0,
         "quality": 3.0, "rated": 2},
    ]  # fmt: skip
    assert c["channels"]["best_romi"][0] == "Paid" and c["channels"]["worst_quality"][0] == "Paid"
    # The test lead whose audit counts in the SLA statistics counts; the other does not.
    assert c["sla"]["total"] == 3
    assert c["sla"]["by_reason"] == [["still_running", 2], ["accepted", 1]]
    assert c["sla"]["by_rep"] == [["q-rep", 3]]
    assert c["rejections"] == {"total": 3, "top": [["no_budget", 2], ["not_now", 1]]}
    assert c["promotions"]["with"] == {
        "won": 1, "lost": 1, "win_rate": 0.5, "revenue": 3000.0, "margin_pct": None
    }  # fmt: skip
    assert c["promotions"]["without"]["won"] == 1 and c["promotions"]["without"]["win_rate"] == 1
    assert c["intel"]["waiting"] == 1 and c["intel"]["posts"][0]["teams"] == [["Field", 1, 2]]
    assert c["audits"]["count"] == 2 and c["audits"]["average"] == 75.0
    assert c["audits"]["failing"] == [["Answered within the SLA", 1]]
    assert c["forecast"]["rows"] == [
        {"period": "quarter 2026-10-01", "commit": 120.0, "best_case": 200.0, "closed": 0.0,
         "reps": 1, "commit_change": 20.0, "best_case_change": 0.0},
    ]  # fmt: skip


def test_one_digest_a_week_mailed_once_and_open_decisions_carry_over(week):
    head = week["sales_head"]
    week["marketing_head"].email = ""  # only heads with an address get the e-mail
    week["marketing_head"].save(update_fields=["email"])
    first = jobs.digest_weekly_run(today=WEEK + timedelta(days=8))  # Tuesday of next week
    assert first is not None and jobs.digest_weekly_run(today=WEEK + timedelta(days=9)) is None
    assert Digest.objects.count() == 1
    digest = Digest.objects.get()
    jobs.digest_email_send(job_key="k", digest_id=digest.pk, user_id=head.pk)
    jobs.digest_email_send(job_key="k", digest_id=digest.pk, user_id=head.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "cid:funnel" in html and f"/digest/{digest.pk}/" in html
    assert [a.get_content_type() for a in message.attachments] == ["image/png", "image/png"]
    due = timezone.localdate() + timedelta(days=5)
    kept = services.decision_add(
        by=head, digest_id=digest.pk, text="Move budget to Paid", owner_id=week["marketer"].pk,
        due_date=due,
    )  # fmt: skip
    done = services.decision_add(
        by=head, digest_id=digest.pk, text="Call back stale MQLs", owner_id=week["rep"].pk,
        due_date=due,
    )  # fmt: skip
    assert Task.objects.get(pk=kept.task_id).owner == week["marketer"]
    task_complete(task_id=done.task_id, at=timezone.now())  # closed on the task list
    nxt, _ = services.digest_build(week=WEEK + timedelta(days=7))
    assert [row["text"] for row in nxt.content["carried"]] == ["Move budget to Paid"]
    services.decision_close(by=head, item_id=kept.pk)
    later, _ = services.digest_build(week=WEEK + timedelta(days=14))
    assert later.content["carried"] == []
    before = digest.content
    digest.refresh_from_db()
    assert digest.content == before  # a built week stays as it was


def test_the_command_builds_a_week_once(week):
    runner = CliRunner()
    assert "--week" in runner.invoke(cli, ["digest", "build", "--help"]).output
    result = runner.invoke(cli, ["digest", "build", "--week", "2026-W45"])
    assert result.exit_code == 0 and "built" in result.output, result.output
    again = runner.invoke(cli, ["digest", "build", "--week", "2026-W45"])
    assert "exists already" in again.output
    bad = runner.invoke(cli, ["digest", "build", "--week", "2026-45"])
    assert bad.exit_code != 0 and "YYYY-Www" in bad.output
    assert week_parse("2026-W45") == WEEK


def test_heads_and_admins_use_the_pages_reps_and_marketers_do_not(client, week):
    digest, _ = services.digest_build(week=WEEK)
    admin = UserFactory(username="d-admin", role=Role.ADMIN)
    for user in (week["sales_head"], week["marketing_head"], admin):
        client.force_login(user)
        page = client.get(reverse("digest:latest"))
        assert page.status_code == 200 and b"2026-W45" in page.content
        chart = client.get(reverse("digest:chart", args=[digest.pk, "funnel"]))
        assert chart["Content-Type"] == "image/png" and chart.content[:4] == b"\x89PNG"
    response = client.post(
        reverse("digest:agenda_add", args=[digest.pk]), {"text": "Budget for Q1"}
    )
    assert response.status_code == 302 and digest.items.get().author == admin
    rep = UserFactory(username="d-rep", role=Role.SALES, department=Department.SALES)
    for user in (rep, week["marketer"]):
        client.force_login(user)
        assert client.get(reverse("digest:latest")).status_code == 403
        response = client.post(reverse("digest:agenda_add", args=[digest.pk]), {"text": "x"})
        assert response.status_code == 403
    assert digest.items.count() == 1


def test_a_chart_is_drawn_and_cached_per_language(client, week):
    """The browser keeps a chart an hour: its address names the language, so a head who
    switches to Russian gets Russian titles at once, not the English chart from the cache."""
    digest, _ = services.digest_build(week=WEEK)
    client.force_login(week["sales_head"])
    for language in ("en", "ru"):
        page = client.get(reverse("digest:latest"), HTTP_ACCEPT_LANGUAGE=language)
        chart_url = reverse("digest:chart", args=[digest.pk, "funnel"])
        assert f'{chart_url}?lang={language}"' in page.content.decode()
    url = reverse("digest:chart", args=[digest.pk, "funnel"])
    english = client.get(url, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="ru")
    russian = client.get(url, {"lang": "ru"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en" and russian["Content-Language"] == "ru"
    assert english.content[:4] == russian.content[:4] == b"\x89PNG"
    assert english.content != russian.content  # the titles differ
    assert "Accept-Language" in russian["Vary"] and "Cookie" in russian["Vary"]
    # An unknown language falls back to the request's own.
    assert client.get(url, {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="ru")["Content-Language"] == "ru"
