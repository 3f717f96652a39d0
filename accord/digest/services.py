"""Every write of the weekly digest: build (once per week), agenda items, decisions.

Who: the heads (managers) and administrators (``policy`` page ``digest``); the scheduled job
builds as nobody. A decision is a to-do ``Task`` of its owner, written in the same transaction.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Role, User
from accord.core.errors import InvalidInput, NotFound
from accord.core.jobs import enqueue
from accord.digest.content import build_content, week_label
from accord.digest.models import Digest, DigestItem, ItemKind
from accord.handoff.notifications import notify
from accord.pipeline.models import TaskKind
from accord.pipeline.tasks.services import task_complete, task_create

TEXT_MAX = 500
#: A decision due on a day is due by the end of that working day.
DUE_TIME = time(18, 0)


def heads() -> list[User]:
    """Who the digest is for: the active heads (managers) of both sides."""
    return list(User.objects.filter(is_active=True, role=Role.MANAGER).order_by("pk"))


def _carried(before: date) -> list[dict]:
    """Decisions of earlier digests whose task is still open."""
    open_items = (
        DigestItem.objects.filter(kind=ItemKind.DECISION, digest__week_start__lt=before)
        .exclude(task__done_at__isnull=False)
        .select_related("digest", "owner")
        .order_by("digest__week_start", "pk")
    )
    return [
        {
            "id": item.pk,
            "text": item.text,
            "owner": str(item.owner or "—"),
            "due": item.due_date.isoformat() if item.due_date else None,
            "week": week_label(item.digest.week_start),
        }
        for item in open_items
    ]


def digest_build(
    *, week: date, by: User | None = None, announce: bool = True
) -> tuple[Digest, bool]:
    """The digest of the ISO week starting on Monday ``week``: built, stored and mailed to
    the heads the first time; the stored one (``created`` False) every later time.
    ``announce=False`` (the demo's past weeks) writes no notification and sends no e-mail."""
    if by is not None:
        policy.page_require(by, "digest")
    if week.weekday() != 0:
        raise InvalidInput(_("A digest week starts on a Monday."), field="week")
    known = Digest.objects.filter(week_start=week).first()
    if known is not None:
        return known, False
    content = build_content(week)
    content["carried"] = _carried(week)
    content = json.loads(json.dumps(content, cls=DjangoJSONEncoder))  # as stored and read
    try:
        with transaction.atomic():
            digest = Digest.objects.create(week_start=week, content=content, built_by=by)
            if announce:
                _announce(digest)
    except IntegrityError:  # built by another process meanwhile: that one stands
        return Digest.objects.get(week_start=week), False
    return digest, True


def _announce(digest: Digest) -> None:
    """In the build's transaction: the bell for each head and a keyed e-mail job each."""
    url = reverse("digest:detail", args=[digest.pk])
    for head in heads():
        notify(
            user_id=head.pk,
            kind="digest",
            title=_("Weekly digest %(week)s is ready") % {"week": str(digest)},
            key=f"digest:{digest.pk}:u{head.pk}",
            url=url,
            email=False,  # the digest's own HTML e-mail (jobs.digest_email_send) carries it
        )
        if head.email:
            enqueue(
                "accord.digest.jobs.digest_email_send",
                key=f"digest.email:{digest.pk}:u{head.pk}",
                digest_id=digest.pk,
                user_id=head.pk,
            )


def _text(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("Write the item's text."), field="text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            _("The text is longer than %(n)s characters.") % {"n": TEXT_MAX}, field="text"
        )
    return text


def _digest(digest_id: int) -> Digest:
    digest = Digest.objects.filter(pk=digest_id).first()
    if digest is None:
        raise NotFound(_("No such digest."), field="digest_id")
    return digest


def agenda_item_add(*, by: User, digest_id: int, text: str) -> DigestItem:
    policy.page_require(by, "digest")
    digest = _digest(digest_id)
    return DigestItem.objects.create(
        digest=digest, kind=ItemKind.AGENDA, text=_text(text), author=by
    )


def decision_add(
    *, by: User, digest_id: int, text: str, owner_id: int | None, due_date: date | None
) -> DigestItem:
    """A decision of the meeting: its owner's to-do task, due on ``due_date``."""
    policy.page_require(by, "digest")
    digest = _digest(digest_id)
    text = _text(text)
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    if owner is None:
        raise InvalidInput(_("Choose who owns the decision."), field="owner")
    if due_date is None or due_date < timezone.localdate():
        raise InvalidInput(_("The decision is due today or later."), field="due_date")
    due_at = timezone.make_aware(datetime.combine(due_date, DUE_TIME))
    if due_at < timezone.now():
        due_at = timezone.make_aware(datetime.combine(due_date, time(23, 59)))
    with transaction.atomic():
        item = DigestItem.objects.create(
            digest=digest, kind=ItemKind.DECISION, text=text, author=by, owner=owner,
            due_date=due_date,
        )  # fmt: skip
        item.task = task_create(
            title=(_("Decision: %(text)s") % {"text": text})[:200],
            kind=TaskKind.TODO,
            due_at=due_at,
            owner_id=owner.pk,
            created_by=by,
            notes=_("From the weekly digest %(week)s: %(url)s")
            % {"week": str(digest), "url": reverse("digest:detail", args=[digest.pk])},
        )
        item.save(update_fields=["task"])
    return item


def decision_close(*, by: User, item_id: int) -> DigestItem:
    """Close a decision (its task done); its owner may too, from here or the task list."""
    item = DigestItem.objects.filter(pk=item_id, kind=ItemKind.DECISION).first()
    if item is None:
        raise NotFound(_("No such decision."), field="item_id")
    if item.owner_id != by.pk:
        policy.page_require(by, "digest")
    if item.task_id is not None:
        task_complete(task_id=item.task_id, at=timezone.now())
    return DigestItem.objects.select_related("task").get(pk=item.pk)
