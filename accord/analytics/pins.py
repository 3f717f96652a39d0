"""Writes of the meeting board: pin, unpin and move reports (heads and admins only)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from django.db import transaction
from django.db.models import Max

from accord.accounts import policy
from accord.analytics.models import PinnedReport
from accord.analytics.reports import REPORTS
from accord.core.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)


class PinNotAllowed(DomainError):
    code = "forbidden"
    status = 403


def pin_allowed(user) -> bool:
    return policy.page_allowed(user, "pins")


def _check(user) -> None:
    if not pin_allowed(user):
        raise PinNotAllowed("Only managers and administrators change the meeting board.")


def pinned_report_create(*, user, title: str, report: str, query: str) -> PinnedReport:
    """Pin ``report`` with the filters of its page's query string, at the end of the board."""
    _check(user)
    title = title.strip()
    if not title:
        raise InvalidInput("A pinned report needs a title.", field="title")
    if report not in REPORTS:
        raise InvalidInput(f"Unknown report {report!r}.", field="report")
    filters = {k: v for k, v in parse_qsl(query) if v and k != "format"}
    with transaction.atomic():
        last = PinnedReport.objects.aggregate(m=Max("position"))["m"]
        pin = PinnedReport.objects.create(
            title=title[:200],
            report=report,
            filters=filters,
            position=0 if last is None else last + 1,
            pinned_by=user,
        )
    logger.info("report pinned: %s by %s", pin.pk, user.pk)
    return pin


def pinned_report_delete(*, user, pin_id: int) -> None:
    _check(user)
    deleted, _ = PinnedReport.objects.filter(pk=pin_id).delete()
    if not deleted:
        raise InvalidInput("That report is not pinned.", field="pin")
    logger.info("report unpinned: %s by %s", pin_id, user.pk)


def pinned_report_move(*, user, pin_id: int, direction: str) -> None:
    """Swap the pin with its neighbour above (``up``) or below (``down``)."""
    _check(user)
    if direction not in ("up", "down"):
        raise InvalidInput("Move up or down.", field="direction")
    with transaction.atomic():
        pins = list(PinnedReport.objects.select_for_update().order_by("position", "id"))
        index = next((i for i, p in enumerate(pins) if p.pk == pin_id), None)
        if index is None:
            raise InvalidInput("That report is not pinned.", field="pin")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(pins):
            pins[index], pins[other] = pins[other], pins[index]
        # Renumber densely so that equal positions (concurrent pins) never block a move.
        for position, pin in enumerate(pins):
            if pin.position != position:
                PinnedReport.objects.filter(pk=pin.pk).update(position=position)
