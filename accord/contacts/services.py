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
from accord.core.lifecycle import CLOSED_STAGES, INITIAL_STAGE, transition_check
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


@transaction.atomic
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
    lead = Lead.objects.create(
        contact=contact,
        stage=INITIAL_STAGE,
        stage_changed_at=at,
        created_at=at,
        source_channel_id=source_channel_id,
        source_campaign_id=source_campaign_id,
        properties=properties or {},
    )
    StageTransition.objects.create(
        lead=lead, from_stage="", to_stage=INITIAL_STAGE, at=at, actor=actor
    )
    return lead


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
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
        target = transition_check(lead.stage, to_stage, reason)
        if moved_at < lead.stage_changed_at:
            raise InvalidInput(
                "A stage change cannot be dated before the lead's previous one "
                f"({lead.stage_changed_at.isoformat()}).",
                field="at",
            )
        transition = StageTransition.objects.create(
            lead=lead,
            from_stage=lead.stage,
            to_stage=target,
            at=moved_at,
            actor=actor,
            reason=reason,
            details=details or {},
        )
        Lead.objects.filter(pk=lead.pk).update(
            stage=target,
            stage_changed_at=moved_at,
            is_open=target not in CLOSED_STAGES,
            updated_at=timezone.now(),
        )
    return transition


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
    data: blank fields are filled, nothing already set is overwritten.
    """
    normalised_email = email_normalise(email)
    normalised_phone = phone_normalise(phone, default_region=phone_region)
    if normalised_email is None and normalised_phone is None:
        raise InvalidInput("An email or a phone number is required.", field="email")
    at = aware_required(created_at, field="created_at")
    with transaction.atomic():
        contact = _contact_find(normalised_email, normalised_phone)
        created = False
        if contact is None:
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        email=normalised_email,
                        phone=normalised_phone,
                        first_name=first_name.strip()[:120],
                        last_name=last_name.strip()[:120],
                        job_title=job_title.strip()[:160],
                        account=account,
                        properties=properties or {},
                        created_at=at,
                    )
                created = True
            except IntegrityError:
                contact = _contact_find(normalised_email, normalised_phone)
                if contact is None:  # pragma: no cover - the constraint that fired names a row
                    raise
        if not created:
            _contact_fill_blanks(
                contact,
                email=normalised_email,
                phone=normalised_phone,
                first_name=first_name,
                last_name=last_name,
                job_title=job_title,
                account=account,
                properties=properties or {},
            )
    return contact, created


def _contact_find(email: str | None, phone: str | None) -> Contact | None:
    if email:
        found = Contact.objects.filter(email=email).first()
        if found:
            return found
    if phone:
        return Contact.objects.filter(phone=phone).first()
    return None


def _contact_fill_blanks(contact: Contact, **incoming: Any) -> None:
    changed: dict[str, Any] = {}
    for field in ("first_name", "last_name", "job_title"):
        value = (incoming[field] or "").strip()
        if value and not getattr(contact, field):
            changed[field] = value
    if (
        incoming["email"]
        and not contact.email
        and not Contact.objects.filter(email=incoming["email"]).exists()
    ):
        changed["email"] = incoming["email"]
    if (
        incoming["phone"]
        and not contact.phone
        and not Contact.objects.filter(phone=incoming["phone"]).exists()
    ):
        changed["phone"] = incoming["phone"]
    if incoming["account"] is not None and contact.account_id is None:
        changed["account"] = incoming["account"]
    new_properties = {
        k: v for k, v in incoming["properties"].items() if k not in contact.properties
    }
    if new_properties:
        changed["properties"] = {**contact.properties, **new_properties}
    if changed:
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
) -> tuple[Lead, bool]:
    """The contact's open journey, or a new one when every earlier journey is closed.

    The contact row is locked first so two concurrent submissions of one person cannot both
    start a journey (on SQLite the IMMEDIATE transaction already serialises writers).
    """
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        lead = Lead.objects.filter(contact=contact, is_open=True).order_by("-created_at").first()
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
