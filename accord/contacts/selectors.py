"""Reads of accounts, contacts and leads, shared by the API, the UI and the CLI."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Q, QuerySet

from accord.accounts.models import User
from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.core.lifecycle import Stage

#: Leads per query when reading many leads' hand-offs (well under any bind-variable limit).
_LEADS_PER_QUERY = 2000


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


def grades_at_handoff(lead_ids: Collection[int]) -> dict[int, str]:
    """Each lead's fit grade when it was handed to sales: the grade its latest move to MQL
    recorded (scoring writes it there), else its grade now (a move by hand records none, and
    a lead sales found itself was never handed off). Deals keep this, so a later re-score
    does not change whom a deal was sold to."""
    ids = sorted(set(lead_ids))
    grades: dict[int, str] = {}
    for start in range(0, len(ids), _LEADS_PER_QUERY):
        batch = ids[start : start + _LEADS_PER_QUERY]
        grades.update(Lead.objects.filter(pk__in=batch).values_list("pk", "grade"))
        moves = (
            StageTransition.objects.filter(lead_id__in=batch, to_stage=Stage.MQL)
            .order_by("lead_id", "at", "id")
            .values_list("lead_id", "details")
        )
        recorded = {lead_id: details for lead_id, details in moves}  # the latest wins
        for lead_id, details in recorded.items():
            grade = details.get("grade") if isinstance(details, dict) else None
            if isinstance(grade, str) and grade:
                grades[lead_id] = grade
    return grades
