"""Reads of the weekly digest for its pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accord.digest.models import Digest, DigestItem, ItemKind


def digests() -> QuerySet[Digest]:
    return Digest.objects.order_by("-week_start")


def history() -> QuerySet[Digest]:
    """Every digest, newest first, with how many decisions it recorded."""
    return digests().annotate(decisions=Count("items", filter=Q(items__kind=ItemKind.DECISION)))


def latest() -> Digest | None:
    return digests().first()


@dataclass(frozen=True)
class Minutes:
    agenda: list[DigestItem]
    decisions: list[DigestItem]
    #: Decisions of earlier weeks, as the snapshot listed them, with their state now.
    carried: list[DigestItem]


def minutes_of(digest: Digest) -> Minutes:
    items = list(digest.items.select_related("author", "owner", "task"))
    carried_ids = [row["id"] for row in digest.content.get("carried", [])]
    carried = DigestItem.objects.filter(pk__in=carried_ids).select_related(
        "owner", "task", "digest"
    )
    return Minutes(
        agenda=[i for i in items if i.kind == ItemKind.AGENDA],
        decisions=[i for i in items if i.kind == ItemKind.DECISION],
        carried=sorted(carried, key=lambda i: (i.digest.week_start, i.pk)),
    )
