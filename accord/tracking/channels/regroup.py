"""Re-group stored touches after the channel rules changed (``accord channels regroup``).

A touch's channel is decided once, when it is captured or imported. When an admin adds a
rule (say ``utm_medium = webinar`` -> Webinars), the touches stored before keep their old
channel (often Unassigned), and re-importing the file creates nothing new. This service
evaluates the current rules again over every stored touch whose channel was derived from the
rules (``channel_given`` is false: a channel named by the source stays) and moves the ones
whose answer changed.

A lead's source channel follows when it was derived from touches: when it equals the old
channel of the lead's first touch and that touch moves, the lead moves with it.

The analytics copy is told which touches changed (``ChannelsRegrouped``; ``analytics``
subscribes in ``accord.wiring``): the incremental sync only copies new touch ids, so it would
not see a touch changed in place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.events import ChannelsRegrouped
from accord.core.hooks import emit
from accord.tracking.channels.grouping import channel_resolver_load
from accord.tracking.models import Channel, Touchpoint

CHUNK = 5_000

#: ``progress(done, total)``: touches examined so far.
Progress = Callable[[int, int], None]


@dataclass
class RegroupReport:
    examined: int = 0
    changed: int = 0
    leads_changed: int = 0
    #: ``(old slug, new slug) -> touches``, for the summary.
    moves: Counter = field(default_factory=Counter)
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "Would move" if self.dry_run else "Moved"
        lines = [
            f"{verb} {self.changed:,} of {self.examined:,} touch(es) to another channel; "
            f"{self.leads_changed:,} lead source channel(s) follow."
        ]
        for (old, new), count in self.moves.most_common(10):
            lines.append(f"  {old} -> {new}: {count:,}")
        return lines


def touches_regroup(*, dry_run: bool = False, progress: Progress | None = None) -> RegroupReport:
    """Apply the current channel rules to the stored touches (see the module docstring)."""
    resolver = channel_resolver_load()
    slugs = dict(Channel.objects.values_list("id", "slug"))
    report = RegroupReport(dry_run=dry_run)
    touches = Touchpoint.objects.filter(channel_given=False)
    total = touches.count()
    changes: dict[int, tuple[int | None, int]] = {}  # touch id -> (old, new channel id)
    last_id = 0
    while True:
        rows = list(
            touches.filter(id__gt=last_id)
            .order_by("id")
            .values_list(
                "id",
                "channel_id",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "referrer",
                "url",
            )[:CHUNK]
        )
        if not rows:
            break
        for pk, old, source, medium, campaign, referrer, url in rows:
            new = resolver.resolve(
                source=source,
                medium=medium,
                campaign=campaign,
                referrer=referrer,
                landing_url=url,
            ).pk
            if new != old:
                changes[pk] = (old, new)
                report.moves[(slugs.get(old, "none"), slugs.get(new, str(new)))] += 1
        last_id = rows[-1][0]
        report.examined += len(rows)
        if progress:
            progress(report.examined, total)
    report.changed = len(changes)
    lead_moves = _lead_moves(changes)
    report.leads_changed = len(lead_moves)
    if dry_run or not changes:
        return report
    now = timezone.now()
    with transaction.atomic():
        Touchpoint.objects.bulk_update(
            [Touchpoint(pk=pk, channel_id=new) for pk, (_, new) in changes.items()],
            ["channel_id"],
            batch_size=1000,
        )
        Lead.objects.bulk_update(
            [Lead(pk=pk, source_channel_id=new, updated_at=now) for pk, new in lead_moves.items()],
            ["source_channel_id", "updated_at"],
            batch_size=1000,
        )
    emit(ChannelsRegrouped(touch_ids=tuple(changes)))  # after commit: the copy re-reads them
    return report


def _lead_moves(changes: dict[int, tuple[int | None, int]]) -> dict[int, int]:
    """Leads whose source channel came from a moved first touch: lead id -> new channel."""
    if not changes:
        return {}
    moved_ids = list(changes)
    leads: set[int] = set()
    for start in range(0, len(moved_ids), 1000):
        leads.update(
            Touchpoint.objects.filter(id__in=moved_ids[start : start + 1000], lead__isnull=False)
            .values_list("lead_id", flat=True)
            .distinct()
        )
    result: dict[int, int] = {}
    lead_ids = sorted(leads)
    for start in range(0, len(lead_ids), 1000):
        batch = lead_ids[start : start + 1000]
        first_touch: dict[int, int] = {}
        for lead_id, pk in (
            Touchpoint.objects.filter(lead_id__in=batch)
            .order_by("lead_id", "at", "id")
            .values_list("lead_id", "id")
        ):
            first_touch.setdefault(lead_id, pk)  # rows come in (lead, time) order
        sources = dict(Lead.objects.filter(pk__in=batch).values_list("pk", "source_channel_id"))
        for lead_id, touch_id in first_touch.items():
            move = changes.get(touch_id)
            if move is not None and sources.get(lead_id) == move[0]:
                result[lead_id] = move[1]
    return result
