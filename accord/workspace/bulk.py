"""Bulk actions on leads: assign (all or nothing, each lead checked by the policy), add to
an open lead-quality review (``accord.quality``; the heads and administrators) and a streamed
CSV export of what the person may see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.core.csvsafe import cell_escape
from accord.core.errors import DomainError, InvalidInput, PermissionDenied
from accord.handoff.routing.assignment import lead_reassign
from accord.quality.services import MAX_ADD, review_leads_add

MAX_ASSIGN = 500
EXPORT_CHUNK = 2000


def leads_assign(*, by: User, leads: QuerySet[Lead], to_user: User | None, reason: str) -> int:
    """Give every lead of ``leads`` (already bounded by what ``by`` sees) to ``to_user``.

    All or nothing: the policy is asked for every lead first; one refusal refuses the whole
    action, naming how many leads were refused, and nothing is written."""
    if to_user is None:
        raise InvalidInput(_("Choose whom to give the leads to."), field="to_user")
    reason = (reason or "").strip() or _("bulk assignment from the leads list")
    rows = list(leads.order_by("pk")[: MAX_ASSIGN + 1])
    if not rows:
        raise InvalidInput(_("Tick the leads to assign first."), field="lead")
    if len(rows) > MAX_ASSIGN:
        raise InvalidInput(
            _("At most %(max)d leads can be assigned at once; narrow the filters.")
            % {"max": MAX_ASSIGN},
            field="lead",
        )
    refused = 0
    first_error = ""
    for lead in rows:
        try:
            policy.lead_reassign_require(by, lead, to_user)
        except PermissionDenied as refusal:
            refused += 1
            first_error = first_error or refusal.message
    if refused:
        raise PermissionDenied(
            ngettext(
                "Nothing was assigned: you may not reassign %(count)d of the selected leads "
                "(%(why)s)",
                "Nothing was assigned: you may not reassign %(count)d of the selected leads "
                "(%(why)s)",
                refused,
            )
            % {"count": refused, "why": first_error},
            field="lead",
        )
    moved = 0
    with transaction.atomic():
        for lead in rows:
            if lead.owner_id == to_user.pk:
                continue
            try:
                lead_reassign(lead_id=lead.pk, to_user_id=to_user.pk, by=by, reason=reason)
            except DomainError as error:
                raise type(error)(
                    _("Nothing was assigned: lead %(lead)s: %(why)s")
                    % {"lead": lead.contact, "why": error.message},
                    field=error.field or "lead",
                ) from error
            moved += 1
    return moved


def leads_review_add(*, by: User, leads: QuerySet[Lead], review_id: int) -> int:
    """Add ``leads`` (already bounded by what ``by`` sees) to an open review; all or nothing
    (``quality.services.review_leads_add``). How many were new to the review."""
    ids = list(leads.order_by("pk").values_list("pk", flat=True)[: MAX_ADD + 1])
    return review_leads_add(by=by, review_id=review_id, lead_ids=ids)


EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("company", "company"),
    ("stage", "stage"),
    ("score", "score"),
    ("grade", "grade"),
    ("owner", "owner"),
    ("channel", "channel"),
    ("win_probability", "win_probability"),
    ("created_at", "created_at"),
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> object:
    value = cell_escape(value)
    return value.isoformat() if isinstance(value, datetime) else value


def export_lines(leads: QuerySet[Lead]) -> Iterator[str]:
    """CSV lines (a UTF-8 BOM first, for spreadsheets), read in chunks."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff"
    yield writer.writerow([header for _key, header in EXPORT_COLUMNS])
    rows: Iterable[Lead] = leads.select_related(
        "contact__account", "owner", "source_channel", "prediction"
    ).iterator(chunk_size=EXPORT_CHUNK)
    for lead in rows:
        contact = lead.contact
        prediction = getattr(lead, "prediction", None)
        values = {
            "id": lead.pk,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "phone": contact.phone,
            "company": contact.account.name if contact.account else "",
            "stage": lead.stage,
            "score": lead.score,
            "grade": lead.grade,
            "owner": lead.owner.username if lead.owner else "",
            "channel": lead.source_channel.slug if lead.source_channel else "",
            "win_probability": round(prediction.probability, 4) if prediction else "",
            "created_at": lead.created_at,
        }
        yield writer.writerow([_cell(values[key]) for key, _header in EXPORT_COLUMNS])
