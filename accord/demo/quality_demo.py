"""The demo's reviews, audits and test leads, so a new user finds /reviews/ and /audits/ in
use: a finished lead-quality review of the month before last (every lead rated, two raters
on a fifth of them), one in progress for last month (about half rated, due next week), an
audit template, a few mystery-shopper test leads and a dozen audits with coaching.

Written through the quality services (the same rules a person meets), on a few hundred rows,
so ``accord demo`` takes about as long as before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Role, User
from accord.contacts.models import Contact, Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.core.lifecycle import Stage
from accord.handoff.agreement.terms import rejection_reasons
from accord.handoff.models import Assignment, AssignmentKind
from accord.pipeline.models import Activity
from accord.quality import services
from accord.quality.models import AuditTemplate, Review, ReviewAssignment
from accord.quality.reasons import FITS

CHECKLIST = (
    ("Answered within the SLA", 3),
    ("Addressed the person by name", 1),
    ("Identified the need", 3),
    ("Proposed a next step", 2),
    ("Logged the call in Accord", 1),
)
#: The finished review's raters disagree on this share of the leads rated twice by more than
#: one point (so one channel is flagged untrusted in the demo).
NOISY_CHANNEL_SLUG = "paid-social"


@dataclass(frozen=True)
class QualityCounts:
    reviews: int = 0
    ratings: int = 0
    audits: int = 0
    test_leads: int = 0


def _month_bounds(today: date, back: int) -> tuple[date, date]:
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, end


def _rating_for(lead: Lead, rand: random.Random) -> int:
    good = lead.stage not in (Stage.RECYCLED, Stage.DISQUALIFIED, Stage.MQL)
    return rand.choice((3, 4, 4, 5, 5) if good else (1, 2, 2, 3))


def _reason_for(value: int, codes: list[str], rand: random.Random) -> str:
    return FITS if value >= 4 or not codes else rand.choice(codes)


def _rate(review: Review, share: float, rand: random.Random) -> int:
    codes = [reason.code for reason in rejection_reasons()]
    done = 0
    rated_value: dict[int, int] = {}
    assignments = ReviewAssignment.objects.filter(item__review=review).select_related(
        "item__lead", "item__channel", "rater"
    )
    for assignment in assignments.order_by("pk"):
        if rand.random() > share:
            continue
        item = assignment.item
        if item.pk in rated_value:  # the second rater: mostly close to the first
            noisy = item.channel is not None and item.channel.slug == NOISY_CHANNEL_SLUG
            spread = (-3, -2, 2, 3) if noisy else (-1, 0, 0, 0, 1)
            value = min(5, max(1, rated_value[item.pk] + rand.choice(spread)))
        else:
            value = _rating_for(item.lead, rand)
            rated_value[item.pk] = value
        services.review_rate(
            by=assignment.rater,
            item_id=item.pk,
            rating=value,
            reason=_reason_for(value, codes, rand),
        )
        done += 1
    return done


def _reviews(head: User, raters: list[int], today: date, rand: random.Random) -> tuple[int, int]:
    made = ratings = 0
    # The finished review had every lead rated by two people (so each channel's agreement is
    # measured); the one in progress gives a quarter of its leads to a second rater.
    for back, share, name, overlap in ((2, 1.0, "finished", 100), (1, 0.45, "in progress", 25)):
        start, end = _month_bounds(today, back)
        due = end + timedelta(days=14) if back == 2 else today + timedelta(days=7)
        try:
            review = services.review_create(
                by=head,
                name=f"Lead quality {start:%Y-%m}",
                period_start=start,
                period_end=end,
                per_channel=6,
                rater_ids=raters,
                due_date=max(due, end),
                seed=int(f"{start:%Y%m}"),
                overlap_pct=overlap,
                schedule_key=f"monthly:{start:%Y-%m}",
            )
        except InvalidInput:
            continue  # no hand-offs that month (a tiny demo)
        made += 1
        ratings += _rate(review, share, rand)
        if name == "finished":
            services.review_close(by=head, review_id=review.pk)
    return made, ratings


def _test_lead(rep: User, at: datetime, n: int, *, answered_after: timedelta | None) -> Lead:
    """A mystery shopper's lead as the capture endpoint writes it with an auditor's token."""
    contact = Contact.objects.create(
        email=f"shopper{n}@mystery-shopper.example", first_name="Mystery", last_name=f"Shopper {n}"
    )
    lead = Lead.objects.create(
        contact=contact,
        stage=Stage.SAL if answered_after else Stage.MQL,
        created_at=at,
        stage_changed_at=at,
        owner=rep,
        team=rep.team,
        is_test=True,
    )
    StageTransition.objects.create(lead=lead, from_stage="", to_stage=Stage.LEAD, at=at)
    handed_off = at + timedelta(minutes=1)
    StageTransition.objects.create(
        lead=lead, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=handed_off
    )
    # Routed like any other hand-off: the rep must not be able to tell it is a test.
    Assignment.objects.create(
        lead=lead, to_user=rep, team=rep.team, kind=AssignmentKind.AUTO, at=handed_off
    )
    if answered_after:
        called = at + answered_after
        Activity.objects.create(lead=lead, user=rep, kind="call", outcome="connected", at=called)
        StageTransition.objects.create(
            lead=lead, from_stage=Stage.MQL, to_stage=Stage.SAL, at=called, actor=rep
        )
    return lead


def _audits(head: User, reps: list[User], now: datetime, rand: random.Random) -> tuple[int, int]:
    template, _created = AuditTemplate.objects.get_or_create(
        name="Mystery shopper: first call",
        defaults={
            "description": "A test lead from the website form, checked after the first call."
        },
    )
    if _created:
        for position, (label, weight) in enumerate(CHECKLIST):
            template.items.create(label=label, weight=weight, position=position)
    items = list(template.items.order_by("position"))
    delays = (timedelta(minutes=4), timedelta(minutes=45), timedelta(hours=5), None)
    tests = [
        _test_lead(reps[i % len(reps)], now - timedelta(days=3 + 9 * i), i + 1, answered_after=d)
        for i, d in enumerate(delays)
    ]
    made = 0
    for index in range(12):
        rep = reps[index % len(reps)]
        lead = tests[index] if index < len(tests) and tests[index].owner_id == rep.pk else None
        skill = 0.55 + 0.35 * (index % len(reps)) / max(1, len(reps) - 1)
        results = {
            item.pk: ("pass" if rand.random() < skill + 0.03 * (index // len(reps)) else "fail")
            for item in items
        }
        audit = services.audit_record(
            by=head,
            template_id=template.pk,
            rep_id=rep.pk,
            results=results,
            lead_id=lead.pk if lead else None,
            notes="Checked against the call recording." if lead else "",
            # The auditor counts one test lead (the call after 45 minutes) in the rep's SLA
            # statistics: it shows in the reps and speed-to-lead reports per rep.
            counts_in_sla=lead is not None and index == 1,
            coaching="Call within five minutes and propose a meeting"
            if list(results.values()).count("fail") >= 2
            else "",
            coaching_due=timezone.localdate() + timedelta(days=7),
        )
        # Spread the audits over the last three months, oldest first; a test lead's audit
        # the day after it came in.
        audit.at = (
            lead.created_at + timedelta(days=1) if lead else now - timedelta(days=84 - 7 * index)
        )
        audit.save(update_fields=["at"])
        made += 1
    return made, len(tests)


def quality_demo_write(*, seed: int, now: datetime | None = None) -> QualityCounts:
    """Reviews, audits and test leads for the loaded demo company (see the module)."""
    now = now or timezone.now()
    rand = random.Random(seed * 104_729 + 11)
    head = User.objects.filter(username="sales.manager").first()
    reps = list(User.objects.filter(role=Role.SALES, is_active=True).order_by("username"))
    if head is None or not reps:
        return QualityCounts()
    with transaction.atomic():
        reviews, ratings = _reviews(head, [r.pk for r in reps], timezone.localdate(), rand)
        audits, tests = _audits(head, reps, now, rand)
    return QualityCounts(reviews=reviews, ratings=ratings, audits=audits, test_leads=tests)
