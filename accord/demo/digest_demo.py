"""The demo's weekly digests: the last four full weeks, built from the simulated company's
figures in week order, with the heads' agenda items and decisions (tasks of their owners).
Some decisions were closed before the next meeting; two are still open, so they are carried
over to every later week's agenda, as a new user sees on /digest/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.digest.content import last_full_week
from accord.digest.models import Digest, DigestItem, ItemKind
from accord.digest.services import digest_build
from accord.pipeline.models import TaskKind
from accord.pipeline.tasks.services import task_complete, task_create

MARKETING, SALES = "marketing.manager", "sales.manager"
#: Per week (oldest first): agenda items and decisions (text, owner, days until due after
#: the meeting, closed before the next meeting?).
MINUTES: tuple[tuple[tuple[str, ...], tuple[tuple[str, str, int, bool], ...]], ...] = (
    (
        ("Paid social leads rated low again",),
        (
            ("Move 10% of the paid social budget to paid search", MARKETING, 7, True),
            ("Call back every MQL that breached its SLA over the weekend", SALES, 2, True),
        ),
    ),
    (
        ("Webinar follow-up is slow",),
        (("Add a 'budget confirmed' question to the demo request form", MARKETING, 14, False),),
    ),
    (
        ("Deals lost to the main competitor on price",),
        (("Review the deals lost on price with the intel feed's battlecard", SALES, 10, False),),
    ),
    (("Plan vs actual: MQLs behind the plan", "Promotion margins"), ()),
)


@dataclass(frozen=True)
class DigestCounts:
    digests: int = 0
    decisions: int = 0
    carried: int = 0


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _decision(digest: Digest, meeting: date, spec: tuple[str, str, int, bool], by: User) -> None:
    text, owner_name, days, closed = spec
    owner = User.objects.get(username=owner_name)
    due = meeting + timedelta(days=days)
    task = task_create(
        title=f"Decision: {text}"[:200],
        kind=TaskKind.TODO,
        due_at=_at(due, 18),
        owner_id=owner.pk,
        created_by=by,
        backdated=True,
        notes=f"From the weekly digest {digest}: /digest/{digest.pk}/",
    )
    DigestItem.objects.create(
        digest=digest, kind=ItemKind.DECISION, text=text, author=by, owner=owner,
        due_date=due, task=task, created_at=_at(meeting, 11),
    )  # fmt: skip
    if closed:
        task_complete(task_id=task.pk, at=_at(meeting + timedelta(days=min(days, 5)), 16))


def demo_digests_write(*, today: date) -> DigestCounts:
    if Digest.objects.exists():
        return DigestCounts()
    found = {name: User.objects.filter(username=name).first() for name in (MARKETING, SALES)}
    heads = {name: user for name, user in found.items() if user is not None}
    if len(heads) < len(found):
        return DigestCounts()
    last = last_full_week(today)
    weeks = [last - timedelta(days=7 * back) for back in range(len(MINUTES) - 1, -1, -1)]
    decisions = carried = 0
    for week, (agenda, decided) in zip(weeks, MINUTES, strict=True):
        with transaction.atomic():
            digest, _created = digest_build(week=week, announce=False)
            Digest.objects.filter(pk=digest.pk).update(built_at=_at(week + timedelta(days=7), 7))
            meeting = week + timedelta(days=8)  # the Tuesday after the week
            for n, text in enumerate(agenda):
                author = heads[MARKETING] if n % 2 == 0 else heads[SALES]
                DigestItem.objects.create(
                    digest=digest, kind=ItemKind.AGENDA, text=text, author=author,
                    created_at=_at(meeting, 9),
                )  # fmt: skip
            for spec in decided:
                _decision(digest, meeting, spec, heads[spec[1]])
                decisions += 1
            carried += len(digest.content.get("carried", []))
    return DigestCounts(digests=len(weeks), decisions=decisions, carried=carried)
