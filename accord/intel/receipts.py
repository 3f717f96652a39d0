"""Seen and acknowledged: recording them, asking teams to acknowledge a post, and reminding
the people who have not (``ack_reminders_send``, run by the scheduled sweep in ``jobs``).

A reminder's notification key names its request, its person and its window (one reminder
interval, ``settings.INTEL_ACK_REMIND_HOURS``): a sweep run twice in a window, or a retried
job, reminds nobody twice; the next window reminds again until the person acknowledges.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team, User
from accord.core.errors import InvalidInput
from accord.handoff.notifications import notify, notify_many
from accord.intel.models import AckRequest, Post, Receipt
from accord.intel.rules import reminder_window
from accord.intel.services import post_manage_require, post_url


def _receipt(post: Post, user: User) -> Receipt:
    receipt = Receipt.objects.filter(post=post, user=user).first()
    if receipt is not None:
        return receipt
    try:
        with transaction.atomic():  # a savepoint: two tabs opening the post at once
            return Receipt.objects.create(post=post, user=user)
    except IntegrityError:
        return Receipt.objects.get(post=post, user=user)


def post_seen(*, post: Post, user: User) -> bool:
    """Record that ``user`` saw ``post`` (the first time counts); True when new."""
    with transaction.atomic():
        receipt = _receipt(post, user)
        if receipt.seen_at is not None:
            return False
        receipt.seen_at = timezone.now()
        receipt.save(update_fields=["seen_at"])
    return True


def post_acknowledge(*, post: Post, user: User) -> Receipt:
    """``user`` confirms they read ``post`` (acknowledging also counts as seeing it)."""
    with transaction.atomic():
        receipt = _receipt(post, user)
        now = timezone.now()
        changed = []
        if receipt.seen_at is None:
            receipt.seen_at = now
            changed.append("seen_at")
        if receipt.acknowledged_at is None:
            receipt.acknowledged_at = now
            changed.append("acknowledged_at")
        if changed:
            receipt.save(update_fields=changed)
    return receipt


def ack_teams_check(team_ids: Sequence[int]) -> dict[Team, list[int]]:
    """The teams asked and their active members' ids. Refused, naming ``team_ids``: no team,
    an unknown team, or a team with no active member (nobody could ever acknowledge)."""
    if not team_ids:
        raise InvalidInput(str(_("Choose at least one team.")), field="team_ids")
    teams = {team.pk: team for team in Team.objects.filter(pk__in=set(team_ids))}
    missing = set(team_ids) - set(teams)
    if missing:
        raise InvalidInput(f"No such team: {min(missing)}.", field="team_ids")
    checked: dict[Team, list[int]] = {}
    for team in sorted(teams.values(), key=lambda t: t.name):
        members = list(User.objects.filter(team=team, is_active=True).values_list("pk", flat=True))
        if not members:
            raise InvalidInput(
                str(_("Team %(team)s has no active members to acknowledge the post."))
                % {"team": team.name},
                field="team_ids",
            )
        checked[team] = members
    return checked


def ack_request(*, post: Post, user: User, team_ids: Sequence[int]) -> list[AckRequest]:
    """Ask these teams to acknowledge ``post``; each active member is notified."""
    post_manage_require(user, post)
    teams = ack_teams_check(team_ids)
    made: list[AckRequest] = []
    with transaction.atomic():
        for team, members in teams.items():
            request, created = AckRequest.objects.get_or_create(
                post=post, team=team, defaults={"requested_by": user}
            )
            if created:
                request.members.set(members)
            else:  # asking again adds who joined since, and reminds nobody twice
                request.members.add(*members)
            notify_many(
                user_ids=[pk for pk in members if pk != user.pk],
                kind="intel.ack",
                title=str(_("Please acknowledge: %(title)s") % {"title": post.title}),
                key=f"intel.ack.ask:{request.pk}",
                url=post_url(post.pk),
            )
            made.append(request)
    return made


def _pending(request: AckRequest) -> list[int]:
    acknowledged = set(
        Receipt.objects.filter(post_id=request.post_id, acknowledged_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    return [
        pk
        for pk in request.members.filter(is_active=True).values_list("pk", flat=True)
        if pk not in acknowledged
    ]


def ack_reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone who has not acknowledged a post they were asked to, once per reminder
    interval since the request; return how many reminders went out."""
    now = now or timezone.now()
    interval = timedelta(hours=settings.INTEL_ACK_REMIND_HOURS)
    sent = 0
    due = AckRequest.objects.filter(created_at__lte=now - interval).select_related("post")
    for request in due.order_by("pk").iterator():
        window = reminder_window(request.created_at, now, interval)
        with transaction.atomic():
            for user_id in _pending(request):
                made = notify(
                    user_id=user_id,
                    kind="intel.ack_reminder",
                    title=str(
                        _("Reminder: please acknowledge %(title)s") % {"title": request.post.title}
                    ),
                    key=f"intel.ack.remind:{request.pk}:u{user_id}:w{window}",
                    url=post_url(request.post_id),
                )
                sent += made is not None
    return sent
