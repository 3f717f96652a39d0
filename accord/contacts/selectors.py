"""Reads of accounts, contacts and leads, shared by the API, the UI and the CLI."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from accord.accounts.models import User
from accord.contacts.models import Account, Contact, Lead


def account_list(*, name: str | None = None, domain: str | None = None) -> QuerySet[Account]:
    accounts = Account.objects.all()
    if name:
        accounts = accounts.filter(name__icontains=name)
    if domain:
        accounts = accounts.filter(domain=domain.strip().lower())
    return accounts


def contact_list(
    *,
    email: str | None = None,
    account_id: int | None = None,
    external_id: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Contact]:
    contacts = Contact.objects.all()
    if email:
        contacts = contacts.filter(email=email.strip().lower())
    if account_id is not None:
        contacts = contacts.filter(account_id=account_id)
    if external_id:
        contacts = contacts.filter(external_id=external_id)
    if created_after:
        contacts = contacts.filter(created_at__gte=created_after)
    if created_before:
        contacts = contacts.filter(created_at__lt=created_before)
    return contacts


def leads_visible(*, user: User | None) -> QuerySet[Lead]:
    """Every lead, or (for a sales rep) their own and unassigned ones."""
    leads = Lead.objects.select_related("contact")
    if user is not None:
        leads = leads.filter(Q(owner=user) | Q(owner__isnull=True))
    return leads


def lead_list(
    *,
    user: User | None = None,
    stage: str | None = None,
    owner_id: int | None = None,
    contact_id: int | None = None,
    source_channel: str | None = None,
    is_open: bool | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Lead]:
    leads = leads_visible(user=user)
    if stage:
        leads = leads.filter(stage=stage)
    if owner_id is not None:
        leads = leads.filter(owner_id=owner_id)
    if contact_id is not None:
        leads = leads.filter(contact_id=contact_id)
    if source_channel:
        leads = leads.filter(source_channel__slug=source_channel)
    if is_open is not None:
        leads = leads.filter(is_open=is_open)
    if created_after:
        leads = leads.filter(created_at__gte=created_after)
    if created_before:
        leads = leads.filter(created_at__lt=created_before)
    return leads
