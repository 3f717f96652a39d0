"""Writes on contacts and leads, including every lifecycle move.

``lead_transition`` is the only code that changes a lead's stage. It checks the move against
the waterfall table, updates the lead and appends the ``StageTransition`` row in one
transaction, so the log and the current stage can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.contacts.rules import email_normalise, phone_normalise
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import LeadCreated, StageEntered
from accord.core.hooks import emit
from accord.core.lifecycle import CLOSED_STAGES, INITIAL_STAGE, transition_check
from accord.core.prepared import PreparedQuery, row_insert
from accord.core.timeutils import aware_required


def contact_create(
    *,
    email: str | None = None,
    phone: str | None = None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    account: Account | None = None,
    properties: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> Contact:
    normalised_email = email_normalise(email)
    normalised_phone = phone_normalise(phone)
    if normalised_email is None and normalised_phone is None:
        raise InvalidInput("A contact needs an email or a phone number.", field="email")
    return Contact.objects.create(
        email=normalised_email,
        phone=normalised_phone,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        job_title=job_title.strip(),
        account=account,
        properties=properties or {},
        created_at=aware_required(created_at, field="created_at"),
    )


def lead_create(
    *,
    contact: Contact,
    actor: User | None = None,
    created_at: datetime | None = None,
    source_channel_id: int | None = None,
    source_campaign_id: int | None = None,
    properties: dict[str, Any] | None = None,
) -> Lead:
    """Start a new journey for a contact and log its entry into the funnel."""
    at = aware_required(created_at, field="created_at")
    # No savepoint: nothing here is meant to fail and be recovered from inside a caller's
    # transaction (input is checked above). row_insert: the INSERTs save() runs, without
    # compiling them per call (hot on capture).
    with transaction.atomic(savepoint=False):
        return _lead_insert(contact, at, actor, source_channel_id, source_campaign_id, properties)


def _lead_insert(
    contact: Contact,
    at: datetime,
    actor: User | None,
    source_channel_id: int | None,
    source_campaign_id: int | None,
    properties: dict[str, Any] | None,
) -> Lead:
    lead = row_insert(
        Lead(
            contact=contact,
            stage=INITIAL_STAGE,
            stage_changed_at=at,
            created_at=at,
            source_channel_id=source_channel_id,
            source_campaign_id=source_campaign_id,
            properties=properties or {},
        )
    )
    row_insert(
        StageTransition(lead=lead, from_stage="", to_stage=INITIAL_STAGE, at=at, actor=actor)
    )
    emit(LeadCreated(lead_id=lead.pk, lead=lead))  # webhooks (accord.wiring)
    return lead


# Compiled once per process: every move to MQL runs it, with the routing that follows.
_lead_locked = PreparedQuery(
    lambda pk: Lead.objects.select_for_update().filter(pk=pk), examples=(-1,)
)


def lead_transition(
    *,
    lead_id: int,
    to_stage: str,
    actor: User | None = None,
    reason: str = "",
    at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> StageTransition:
    """Move a lead to ``to_stage``; raise a domain error (and write nothing) when forbidden."""
    moved_at = aware_required(at, field="at")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput("The reason is longer than 500 characters.", field="reason")
    with transaction.atomic():
        # The row lock serialises concurrent moves of one lead on PostgreSQL; on SQLite the
        # IMMEDIATE transaction already holds the database's write lock.
        lead = _lead_locked.first(lead_id)
        if lead is None:
            raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
        target = transition_check(lead.stage, to_stage, reason)
        if moved_at < lead.stage_changed_at:
            raise InvalidInput(
                "A stage change cannot be dated before the lead's previous one "
                f"({lead.stage_changed_at.isoformat()}).",
                field="at",
            )
        transition = row_insert(
            StageTransition(
                lead=lead,
                from_stage=lead.stage,
                to_stage=target,
                at=moved_at,
                actor=actor,
                reason=reason,
                details=details or {},
            )
        )
        Lead.objects.filter(pk=lead.pk).update(
            stage=target,
            stage_changed_at=moved_at,
            is_open=target not in CLOSED_STAGES,
            updated_at=timezone.now(),
        )
        # The webhook, then — on a move to MQL — the hand-off's event and routing, in this
        # transaction (accord.wiring).
        emit(StageEntered(transition=transition))
    return transition


#: How often ``contact_upsert`` matches again after losing a race on a unique email/phone.
UPSERT_ATTEMPTS = 3


def contact_upsert(
    *,
    email: str | None = None,
    phone: str | None = None,
    phone_region: str | None = None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    account: Account | None = None,
    properties: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> tuple[Contact, bool]:
    """Find the person by normalised email, then by E.164 phone, or create them.

    Returns ``(contact, created)``. Safe under concurrency: the database's unique constraints
    decide a race, and the loser re-reads the winner's row (so double-clicked forms and
    concurrent webhooks never make two contacts: mautic#6532). Known contacts only gain
    data: blank fields are filled, nothing already set is overwritten. The contact is read
    under its row lock, so concurrent merges of properties into one person all take effect.
    """
    normalised_email = email_normalise(email)
    normalised_phone = phone_normalise(phone, default_region=phone_region)
    if normalised_email is None and normalised_phone is None:
        raise InvalidInput("An email or a phone number is required.", field="email")
    at = aware_required(created_at, field="created_at")
    # No savepoint of its own: the create below has one, and any other error here breaks
    # the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        incoming = {
            "email": normalised_email,
            "phone": normalised_phone,
            "first_name": first_name,
            "last_name": last_name,
            "job_title": job_title,
            "account": account,
            "properties": properties or {},
        }
        # A race with a submission of the same person still committing (its INSERT holds
        # the unique index entry of an email or phone we are about to store) ends in an
        # IntegrityError inside a savepoint; then match again: the row that won may be the
        # better match (email before phone). The last attempt keeps a taken email or phone
        # blank instead, so a submission is never lost to the race.
        for attempt in range(UPSERT_ATTEMPTS):
            last = attempt == UPSERT_ATTEMPTS - 1
            contact = _contact_find(normalised_email, normalised_phone)
            if contact is None:
                try:
                    with transaction.atomic():
                        contact = row_insert(
                            Contact(
                                email=normalised_email,
                                phone=normalised_phone,
                                first_name=first_name.strip()[:120],
                                last_name=last_name.strip()[:120],
                                job_title=job_title.strip()[:160],
                                account=account,
                                properties=properties or {},
                                created_at=at,
                            )
                        )
                    return contact, True
                except IntegrityError:
                    if last:
                        raise
                    continue
            try:
                _contact_fill_blanks(contact, identifiers=not last, **incoming)
            except IntegrityError:
                if last:  # pragma: no cover - without identifiers nothing unique is written
                    raise
                continue
            return contact, False
    raise AssertionError("unreachable: the last attempt returns or raises")


# Compiled once per process: these run on every capture submission. The contact is found
# and locked in one statement: the blanks and properties merged into it are read under the
# lock, so concurrent merges into one person each see the others' (on SQLite the IMMEDIATE
# transaction already serialises writers; FOR UPDATE is left out there).
_contact_by_email = PreparedQuery(
    lambda e: Contact.objects.select_for_update().filter(email=e), examples=("@",)
)
_contact_by_phone = PreparedQuery(
    lambda p: Contact.objects.select_for_update().filter(phone=p), examples=("@",)
)
_contact_lock = PreparedQuery(
    lambda pk: Contact.objects.select_for_update().filter(pk=pk).only("pk"), examples=(-1,)
)
_lead_open_latest = PreparedQuery(
    lambda contact_id: Lead.objects.filter(contact_id=contact_id, is_open=True).order_by(
        "-created_at"
    ),
    examples=(-1,),
)


def _contact_find(email: str | None, phone: str | None) -> Contact | None:
    if email:
        found = _contact_by_email.first(email)
        if found:
            return found
    if phone:
        return _contact_by_phone.first(phone)
    return None


def _contact_fill_blanks(contact: Contact, *, identifiers: bool = True, **incoming: Any) -> None:
    """Fill the locked ``contact``'s blanks and add the properties it does not have yet.

    A blank email or phone is filled (``identifiers``) when no other contact holds it. The
    check cannot see a contact of the same person still committing: its unique index entry
    then fails our UPDATE, which raises ``IntegrityError`` from a savepoint (only taken on
    this rare path), leaving the caller's transaction usable to match again.
    """
    changed: dict[str, Any] = {}
    for field in ("first_name", "last_name", "job_title"):
        value = (incoming[field] or "").strip()
        if value and not getattr(contact, field):
            changed[field] = value
    for field in ("email", "phone") if identifiers else ():
        value = incoming[field]
        if value and not getattr(contact, field) and not _contact_holding(field, value):
            changed[field] = value
    if incoming["account"] is not None and contact.account_id is None:
        changed["account"] = incoming["account"]
    # ``contact`` was read under its row lock (``_contact_find``): no concurrent merge can
    # slip in between this read and the write below.
    new_properties = {
        k: v for k, v in incoming["properties"].items() if k not in contact.properties
    }
    if new_properties:
        changed["properties"] = {**contact.properties, **new_properties}
    if not changed:
        return
    if "email" in changed or "phone" in changed:
        with transaction.atomic():
            _contact_changes_save(contact, changed)
    else:
        _contact_changes_save(contact, changed)


def _contact_holding(field: str, value: str) -> bool:
    return Contact.objects.filter(**{field: value}).exists()


def _contact_changes_save(contact: Contact, changed: dict[str, Any]) -> None:
    for field, value in changed.items():
        setattr(contact, field, value)
    contact.save(update_fields=[*changed, "updated_at"])


def lead_open_or_create(
    *,
    contact: Contact,
    at: datetime | None = None,
    source_channel_id: int | None = None,
    source_campaign_id: int | None = None,
    properties: dict[str, Any] | None = None,
    contact_is_new: bool = False,
) -> tuple[Lead, bool]:
    """The contact's open journey, or a new one when every earlier journey is closed.

    The contact row is locked first so two concurrent submissions of one person cannot both
    start a journey (on SQLite the IMMEDIATE transaction already serialises writers).
    ``contact_is_new=True`` says the caller created the contact in its current transaction:
    it has no journey yet and no other transaction can see it, so the lock and the lookup
    are skipped (a concurrent upsert of the same person waits on the unique index).
    """
    with transaction.atomic(savepoint=False):
        if not contact_is_new:
            _contact_lock.first(contact.pk)
            lead = _lead_open_latest.first(contact.pk)
            if lead is not None:
                return lead, False
        lead = lead_create(
            contact=contact,
            created_at=at,
            source_channel_id=source_channel_id,
            source_campaign_id=source_campaign_id,
            properties=properties,
        )
        return lead, True
