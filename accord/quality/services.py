"""Every write of reviews and audits: keyword-only, policy-checked, validated, one transaction.

A refused or invalid call raises (``PermissionDenied`` / ``InvalidInput`` naming the field)
before anything is written, or inside the transaction, which then rolls back whole.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Role, User
from accord.contacts.models import Lead, StageTransition
from accord.core.errors import InvalidInput, NotFound
from accord.core.lifecycle import Stage
from accord.handoff.models import QualityRating
from accord.handoff.notifications import notify_many
from accord.pipeline.models import Task, TaskKind
from accord.pipeline.tasks.services import task_complete, task_create
from accord.quality import rules
from accord.quality.models import (
    Audit,
    AuditItem,
    AuditResult,
    AuditTemplate,
    CoachingNote,
    ItemSource,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewRating,
    ReviewStatus,
)
from accord.quality.reasons import reason_codes
from accord.tracking.models import Channel

MAX_PER_CHANNEL = 200
MAX_ADD = 500
NAME_MAX = 160


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > max_length:
        raise InvalidInput(_("At most %(max)d characters.") % {"max": max_length}, field=field)
    return value


def handoffs_in(start: date, end: date, channel_ids: Sequence[int] = ()) -> list[rules.Candidate]:
    """Leads whose first MQL move falls in [start, end] (whole days), test leads left out."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = since + timedelta(days=(end - start).days + 1)
    firsts = (
        StageTransition.objects.filter(to_stage=Stage.MQL, lead__is_test=False)
        .values("lead_id")
        .annotate(first=Min("at"))
        .filter(first__gte=since, first__lt=until)
        .values_list("lead_id", flat=True)
    )
    leads = Lead.objects.filter(pk__in=firsts)
    if channel_ids:
        leads = leads.filter(source_channel_id__in=channel_ids)
    return [
        rules.Candidate(lead_id=pk, channel_id=channel)
        for pk, channel in leads.order_by("pk").values_list("pk", "source_channel_id")
    ]


def _raters_check(rater_ids: Sequence[int]) -> list[User]:
    ids = sorted({int(r) for r in rater_ids})
    if not ids:
        raise InvalidInput(_("Choose at least one rater."), field="raters")
    raters = list(User.objects.filter(pk__in=ids))
    if len(raters) != len(ids):
        raise InvalidInput(_("A chosen rater does not exist."), field="raters")
    for rater in raters:
        if not policy.rater_eligible(rater):
            raise InvalidInput(
                _("%(name)s is not in sales; raters are sales reps and sales managers.")
                % {"name": rater},
                field="raters",
            )
    return raters


def review_create(
    *,
    by: User | None,
    name: str,
    period_start: date,
    period_end: date,
    per_channel: int,
    rater_ids: Sequence[int],
    due_date: date,
    channel_ids: Sequence[int] = (),
    overlap_pct: int = 20,
    seed: int | None = None,
    schedule_key: str | None = None,
) -> Review:
    """Set up a review and draw its sample (``rules.sample_stratified``). ``by=None`` is the
    scheduled job."""
    if by is not None:
        policy.review_manage_require(by)
    name = _text(name, field="name", max_length=NAME_MAX)
    if period_start > period_end:
        raise InvalidInput(_("The period starts after it ends."), field="period_start")
    if not 1 <= per_channel <= MAX_PER_CHANNEL:
        raise InvalidInput(
            _("Sample between 1 and %(max)d leads per channel.") % {"max": MAX_PER_CHANNEL},
            field="per_channel",
        )
    if not 0 <= overlap_pct <= 100:
        raise InvalidInput(_("A share is between 0 and 100%."), field="overlap_pct")
    if due_date < period_end:
        raise InvalidInput(_("The review is due after its period ends."), field="due_date")
    raters = _raters_check(rater_ids)
    channels = list(Channel.objects.filter(pk__in=channel_ids))
    if len(channels) != len(set(channel_ids)):
        raise InvalidInput(_("A chosen channel does not exist."), field="channels")
    seed = random.SystemRandom().randrange(1, 1_000_000) if seed is None else seed
    picked = rules.sample_stratified(
        handoffs_in(period_start, period_end, [c.pk for c in channels]),
        per_channel=per_channel,
        seed=seed,
    )
    if not picked:
        raise InvalidInput(
            _("No lead was handed off to sales in this period; nothing to review."),
            field="period_start",
        )
    with transaction.atomic():
        review = Review.objects.create(
            name=name,
            period_start=period_start,
            period_end=period_end,
            per_channel=per_channel,
            overlap_pct=overlap_pct,
            due_date=due_date,
            seed=seed,
            schedule_key=schedule_key,
            created_by=by,
        )
        review.raters.set(raters)
        review.channels.set(channels)
        _items_add(review, picked, source=ItemSource.SAMPLE, by=by, start=0)
        notify_many(
            user_ids=[r.pk for r in raters],
            kind="review.assigned",
            title=_("Leads to rate in %(review)s") % {"review": review.name},
            body=_("Rate each lead 1-5 with a reason by %(due)s.") % {"due": due_date.isoformat()},
            url=reverse("reviews:detail", args=[review.pk]),
            key=f"review-assigned:{review.pk}",
        )
    return review


def _items_add(
    review: Review,
    candidates: Sequence[rules.Candidate],
    *,
    source: str,
    by: User | None,
    start: int,
) -> int:
    items = ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                review=review,
                lead_id=c.lead_id,
                channel_id=c.channel_id,
                source=source,
                added_by=by,
            )
            for c in candidates
        ]
    )
    rater_ids = sorted(review.raters.values_list("pk", flat=True))
    # Continue the round robin where the sample left it, so added leads spread evenly too.
    dealt = rules.raters_deal(start + len(items), rater_ids, overlap_pct=review.overlap_pct)
    ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(item=item, rater_id=rater)
            for item, raters in zip(items, dealt[start:], strict=True)
            for rater in raters
        ]
    )
    return len(items)


def _review_open(review_id: int) -> Review:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("No such review."), field="review_id")
    if review.status != ReviewStatus.OPEN:
        raise InvalidInput(_("This review is closed."), field="review_id")
    return review


def review_leads_add(*, by: User, review_id: int, lead_ids: Sequence[int]) -> int:
    """Add leads to an open review (the leads list's bulk action). All or nothing: every lead
    must have been handed off to sales and be real (not a test lead)."""
    policy.review_manage_require(by)
    ids = sorted({int(i) for i in lead_ids})
    if not ids:
        raise InvalidInput(_("Tick the leads to add first."), field="lead")
    if len(ids) > MAX_ADD:
        raise InvalidInput(
            _("At most %(max)d leads can be added at once.") % {"max": MAX_ADD}, field="lead"
        )
    with transaction.atomic():
        review = _review_open(review_id)
        handed = set(
            StageTransition.objects.filter(
                lead_id__in=ids, to_stage=Stage.MQL, lead__is_test=False
            ).values_list("lead_id", flat=True)
        )
        if missing := [i for i in ids if i not in handed]:
            raise InvalidInput(
                _(
                    "Nothing was added: %(count)d of the selected leads were never handed off "
                    "to sales (or are test leads)."
                )
                % {"count": len(missing)},
                field="lead",
            )
        present = set(review.items.filter(lead_id__in=ids).values_list("lead_id", flat=True))
        channels = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "source_channel_id"))
        fresh = [rules.Candidate(i, channels[i]) for i in ids if i not in present]
        if not fresh:
            return 0
        return _items_add(review, fresh, source=ItemSource.ADDED, by=by, start=review.items.count())


def review_rate(
    *, by: User, item_id: int, rating: int | str, reason: str, comment: str = ""
) -> ReviewRating:
    """A rater's 1-5 rating of a review's lead with the agreement's reason. It is also the
    rater's lead-quality rating of that lead (``handoff.QualityRating``), which the quality
    report and the channel scores read."""
    item = ReviewItem.objects.filter(pk=item_id).select_related("review").first()
    if item is None:
        raise NotFound(_("No such lead in a review."), field="item_id")
    assignments = list(item.assignments.all())
    policy.review_rate_require(by, rater_ids=[a.rater_id for a in assignments])
    mine = next((a for a in assignments if a.rater_id == by.pk), None)
    if mine is None:
        raise InvalidInput(_("This lead is not given to you to rate."), field="item_id")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise InvalidInput(_("A rating is a whole number from 1 to 5."), field="rating") from None
    if not 1 <= value <= 5:
        raise InvalidInput(_("A rating is a whole number from 1 to 5."), field="rating")
    reason = (reason or "").strip()
    if reason not in reason_codes():
        raise InvalidInput(_("Choose a reason of the agreement in force."), field="reason")
    comment = _text(comment, field="comment", max_length=500, required=False)
    with transaction.atomic():
        _review_open(item.review_id)
        # The hand-off's own rating, written here rather than through ``lead_rate``: a
        # reviewer rates leads other reps own, which the inbox's rating action refuses.
        quality, _created = QualityRating.objects.update_or_create(
            lead_id=item.lead_id, by=by, defaults={"rating": value, "comment": comment}
        )
        answer, _created = ReviewRating.objects.update_or_create(
            assignment=mine,
            defaults={"rating": quality, "reason": reason, "rated_at": timezone.now()},
        )
    return answer


def review_close(*, by: User, review_id: int) -> Review:
    policy.review_manage_require(by)
    with transaction.atomic():
        review = _review_open(review_id)
        review.status = ReviewStatus.CLOSED
        review.closed_at = timezone.now()
        review.save(update_fields=["status", "closed_at"])
    return review


def audit_template_create(
    *, by: User, name: str, items: Sequence[tuple[str, int]], description: str = ""
) -> AuditTemplate:
    policy.auditor_require(by)
    name = _text(name, field="name", max_length=NAME_MAX)
    description = _text(description, field="description", max_length=2000, required=False)
    cleaned: list[tuple[str, int]] = []
    for position, (label, weight) in enumerate(items):
        label = _text(label, field=f"items.{position}.label", max_length=200, required=False)
        if not label:
            continue
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("A weight is a whole number from 1 to 10."), field=f"items.{position}.weight"
            ) from None
        if not 1 <= weight <= 10:
            raise InvalidInput(
                _("A weight is a whole number from 1 to 10."), field=f"items.{position}.weight"
            )
        cleaned.append((label, weight))
    if not cleaned:
        raise InvalidInput(_("A template needs at least one checklist item."), field="items")
    if AuditTemplate.objects.filter(name=name).exists():
        raise InvalidInput(_("A template of this name exists."), field="name")
    with transaction.atomic():
        template = AuditTemplate.objects.create(name=name, description=description, created_by=by)
        AuditItem.objects.bulk_create(
            [
                AuditItem(template=template, label=label, weight=weight, position=i)
                for i, (label, weight) in enumerate(cleaned)
            ]
        )
    return template


def audit_record(
    *,
    by: User,
    template_id: int,
    rep_id: int,
    results: Mapping[int, str],
    lead_id: int | None = None,
    notes: str = "",
    counts_in_sla: bool = False,
    coaching: str = "",
    coaching_owner_id: int | None = None,
    coaching_due: date | None = None,
) -> Audit:
    """Record an audit: every item of the template answered pass, fail or not applicable;
    the weighted score (``rules.audit_score``); optionally a coaching note."""
    policy.auditor_require(by)
    template = AuditTemplate.objects.filter(pk=template_id, is_active=True).first()
    if template is None:
        raise InvalidInput(_("Choose an active audit template."), field="template")
    rep = User.objects.filter(pk=rep_id, is_active=True).first()
    if rep is None or rep.role != Role.SALES:
        raise InvalidInput(_("Choose the sales rep whose handling is audited."), field="rep")
    lead = None
    if lead_id is not None:
        lead = Lead.objects.filter(pk=lead_id).first()
        if lead is None:
            raise InvalidInput(_("No such lead."), field="lead")
    weights = dict(template.items.values_list("pk", "weight"))
    answered = {int(k): str(v) for k, v in results.items()}
    for item_id in weights:
        if answered.get(item_id) not in (rules.PASS, rules.FAIL, rules.NOT_APPLICABLE):
            raise InvalidInput(
                _("Answer every checklist item (pass, fail or not applicable)."),
                field=f"item_{item_id}",
            )
    if extra := set(answered) - set(weights):
        raise InvalidInput(
            _("An answer names an item of another template."), field=f"item_{min(extra)}"
        )
    score = rules.audit_score(answered, weights)
    if score is None:
        raise InvalidInput(_("At least one item must apply."), field="results")
    notes = _text(notes, field="notes", max_length=4000, required=False)
    coaching = _text(coaching, field="coaching", max_length=500, required=False)
    owner = None
    if coaching:
        owner = User.objects.filter(pk=coaching_owner_id or rep.pk, is_active=True).first()
        if owner is None:
            raise InvalidInput(_("Choose who owns the coaching."), field="coaching_owner")
        if coaching_due is None or coaching_due < timezone.localdate():
            raise InvalidInput(_("The coaching is due today or later."), field="coaching_due")
    with transaction.atomic():
        audit = Audit.objects.create(
            template=template,
            lead=lead,
            rep=rep,
            auditor=by,
            score=score,
            notes=notes,
            counts_in_sla=bool(counts_in_sla),
        )
        AuditResult.objects.bulk_create(
            [AuditResult(audit=audit, item_id=i, outcome=o) for i, o in answered.items()]
        )
        if coaching and owner is not None and coaching_due is not None:
            CoachingNote.objects.create(
                audit=audit,
                owner=owner,
                text=coaching,
                due_date=coaching_due,
                task=_coaching_task(
                    by=by, audit=audit, owner=owner, text=coaching, due=coaching_due
                ),
            )
    return audit


#: A coaching due on a day is due by the end of that working day.
COACHING_DUE_TIME = time(18, 0)


def _coaching_task(*, by: User, audit: Audit, owner: User, text: str, due: date) -> Task:
    """The owner's to-do for the coaching, due on its day (a coaching due today and recorded
    after the day's end is due at the end of the day)."""
    due_at = timezone.make_aware(datetime.combine(due, COACHING_DUE_TIME))
    if due_at < timezone.now():
        due_at = timezone.make_aware(datetime.combine(due, time(23, 59)))
    return task_create(
        title=(_("Coaching: %(text)s") % {"text": text})[:200],
        kind=TaskKind.TODO,
        due_at=due_at,
        owner_id=owner.pk,
        created_by=by,
        notes=_("From audit #%(id)s: %(url)s")
        % {"id": audit.pk, "url": reverse("audits:detail", args=[audit.pk])},
    )


def coaching_done(*, by: User, note_id: int) -> CoachingNote:
    """The coaching owner (or an auditor) marks it done."""
    note = CoachingNote.objects.filter(pk=note_id).first()
    if note is None:
        raise NotFound(_("No such coaching note."), field="note_id")
    if note.owner_id != by.pk:
        policy.auditor_require(by)
    with transaction.atomic():
        if note.done_at is None:
            note.done_at = timezone.now()
            note.save(update_fields=["done_at"])
        if note.task_id is not None:
            task_complete(task_id=note.task_id, at=note.done_at)
    return note
