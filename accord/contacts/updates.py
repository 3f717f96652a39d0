"""Writes the REST API and integrations make on accounts, contacts and leads: create and
change by id, checking every id they were given (a typed change, ``contacts.inputs``), and
match-or-create by external id."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack, cast

from django.db import transaction

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.inputs import AccountChanges, ContactChanges, ContactFields, LeadChanges
from accord.contacts.models import Account, Contact, Lead
from accord.contacts.rules import email_normalise, phone_normalise
from accord.contacts.services import contact_upsert, lead_create
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import LeadChanged
from accord.core.hooks import emit

_UNSET: Any = object()


def _user_get(user_id: int | None, *, field: str) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidInput(f"User {user_id} does not exist.", field=field)
    return user


def _account_get(account_id: int | None, *, field: str = "account_id") -> Account | None:
    if account_id is None:
        return None
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise InvalidInput(f"Account {account_id} does not exist.", field=field)
    return account


def _external_id_free(model: Any, external_id: str | None, *, exclude_pk: int | None) -> None:
    if external_id is None:
        return
    taken = model.objects.filter(external_id=external_id)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(
            f"Another record already has external_id {external_id!r}.", field="external_id"
        )


def _domain_clean(domain: str | None) -> str | None:
    value = (domain or "").strip().lower()
    return value or None


@transaction.atomic
def account_create(
    *,
    name: str,
    domain: str | None = None,
    industry: str = "",
    employees: int | None = None,
    country: str = "",
    owner_id: int | None = None,
    properties: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> Account:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("An account needs a name.", field="name")
    domain = _domain_clean(domain)
    if domain and Account.objects.filter(domain=domain).exists():
        raise InvalidInput(f"An account with domain {domain!r} exists.", field="domain")
    _external_id_free(Account, external_id, exclude_pk=None)
    return Account.objects.create(
        name=name,
        domain=domain,
        industry=industry.strip(),
        employees=employees,
        country=country.strip().upper(),
        owner=_user_get(owner_id, field="owner_id"),
        properties=properties or {},
        external_id=external_id,
    )


@transaction.atomic
def account_update(*, account_id: int, changes: AccountChanges) -> Account:
    """Apply ``changes`` (only the fields a client sent) to an account."""
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"Account {account_id} does not exist.", field="account_id")
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise InvalidInput("An account needs a name.", field="name")
        account.name = name
    if "domain" in changes:
        domain = _domain_clean(changes["domain"])
        if domain and Account.objects.filter(domain=domain).exclude(pk=account.pk).exists():
            raise InvalidInput(f"An account with domain {domain!r} exists.", field="domain")
        account.domain = domain
    for field in ("industry", "country"):
        if field in changes:
            value = (changes[field] or "").strip()
            setattr(account, field, value.upper() if field == "country" else value)
    if "employees" in changes:
        account.employees = changes["employees"]
    if "owner_id" in changes:
        account.owner = _user_get(changes["owner_id"], field="owner_id")
    if "properties" in changes:
        account.properties = changes["properties"] or {}
    if "external_id" in changes:
        _external_id_free(Account, changes["external_id"], exclude_pk=account.pk)
        account.external_id = changes["external_id"]
    account.save()
    return account


@transaction.atomic
def contact_update(*, contact_id: int, changes: ContactChanges) -> Contact:
    """Apply ``changes`` to a contact; email and phone are normalised and must stay unique."""
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(f"Contact {contact_id} does not exist.", field="contact_id")
    if "email" in changes:
        email = email_normalise(changes["email"])
        if email and Contact.objects.filter(email=email).exclude(pk=contact.pk).exists():
            raise InvalidInput(f"Another contact has the email {email}.", field="email")
        contact.email = email
    if "phone" in changes:
        phone = phone_normalise(changes["phone"], default_region=changes.get("phone_region"))
        if phone and Contact.objects.filter(phone=phone).exclude(pk=contact.pk).exists():
            raise InvalidInput(f"Another contact has the phone {phone}.", field="phone")
        contact.phone = phone
    if contact.email is None and contact.phone is None:
        raise InvalidInput("A contact needs an email or a phone number.", field="email")
    for field in ("first_name", "last_name", "job_title"):
        if field in changes:
            setattr(contact, field, (changes[field] or "").strip())
    if "account_id" in changes:
        contact.account = _account_get(changes["account_id"])
    if "properties" in changes:
        contact.properties = changes["properties"] or {}
    if "external_id" in changes:
        _external_id_free(Contact, changes["external_id"], exclude_pk=contact.pk)
        contact.external_id = changes["external_id"]
    contact.save()
    _rescore_enqueue(list(contact.leads.filter(is_open=True).values_list("pk", flat=True)))
    return contact


@transaction.atomic
def contact_save(
    *,
    external_id: str | None = None,
    account_id: int | None = None,
    **fields: Unpack[ContactFields],
) -> tuple[Contact, bool]:
    """Create or update a contact from an integration: by ``external_id`` first, then by
    email/phone (``contact_upsert``). Returns ``(contact, created)``."""
    account = _account_get(account_id)
    if external_id is not None:
        known = Contact.objects.filter(external_id=external_id).first()
        if known is not None:
            changes = cast(
                ContactChanges, {k: v for k, v in fields.items() if v not in (None, "", {})}
            )
            if account is not None:
                changes["account_id"] = account.pk
            return contact_update(contact_id=known.pk, changes=changes), False
    contact, created = contact_upsert(account=account, **fields)
    if external_id is not None and contact.external_id != external_id:
        _external_id_free(Contact, external_id, exclude_pk=contact.pk)
        contact.external_id = external_id
        contact.save(update_fields=["external_id", "updated_at"])
    return contact, created


@transaction.atomic
def lead_create_for(
    *,
    contact_id: int,
    actor: User | None = None,
    owner_id: int | None = None,
    created_at: datetime | None = None,
    source_channel_id: int | None = None,
    source_campaign_id: int | None = None,
    grade: str = "",
    properties: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> Lead:
    """``lead_create`` for an API client: checks the ids it was given first."""
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise InvalidInput(f"Contact {contact_id} does not exist.", field="contact_id")
    _target_exists(Lead, "source_channel", source_channel_id, label="Channel")
    _target_exists(Lead, "source_campaign", source_campaign_id, label="Campaign")
    owner = _user_get(owner_id, field="owner_id")
    _external_id_free(Lead, external_id, exclude_pk=None)
    lead = lead_create(
        contact=contact,
        actor=actor,
        created_at=created_at,
        source_channel_id=source_channel_id,
        source_campaign_id=source_campaign_id,
        properties=properties,
    )
    if owner is not None or grade or external_id is not None:
        lead.owner = owner
        lead.grade = grade
        lead.external_id = external_id
        lead.save(update_fields=["owner", "grade", "external_id", "updated_at"])
    return lead


@transaction.atomic
def lead_update(*, lead_id: int, changes: LeadChanges) -> Lead:
    """Change a lead's properties or external id. Each other field has one writer
    (``policy.LEAD_FIELD_WRITERS``): the owner is assignment's (``handoff.routing``), grade
    and score are scoring's, the stage is ``lead_transition``'s; naming one refuses the
    whole change."""
    policy.lead_changes_check(changes)
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
    if "properties" in changes:
        lead.properties = changes["properties"] or {}
    if "external_id" in changes:
        _external_id_free(Lead, changes["external_id"], exclude_pk=lead.pk)
        lead.external_id = changes["external_id"]
    lead.save()
    _rescore_enqueue([lead.pk])
    return lead


def _rescore_enqueue(lead_ids: list[int]) -> None:
    """Fit rules read lead, contact and account fields: scoring rescores after any change
    (accord.wiring)."""
    if lead_ids:
        emit(LeadChanged(lead_ids=tuple(lead_ids)))


def _target_exists(model: Any, relation: str, pk: int | None, *, label: str) -> None:
    """Refuse an id that names no row of the model a foreign key points at. The model is
    read from the key, so contacts need not import the app that defines it (tracking)."""
    if pk is None:
        return
    target = model._meta.get_field(relation).related_model
    if not target._default_manager.filter(pk=pk).exists():
        raise InvalidInput(f"{label} {pk} does not exist.", field=f"{relation}_id")
