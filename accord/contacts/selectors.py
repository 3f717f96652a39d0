"""Reads of accounts, contacts and leads, shared by the API, the UI and the CLI."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Q, QuerySet

from accord.accounts.models import User
from accord.contacts.models import Account, Contact, Grade, Lead, StageTransition
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


def grades_at_handoff(
    wanted: Collection[tuple[int, datetime | None]],
) -> dict[tuple[int, datetime | None], str]:
    """For each ``(lead id, deal opened at)``: the lead's fit grade when it was handed to
    sales before that deal — the grade its latest move to MQL at or before that time recorded
    (scoring records it; ``None``: any time) — else the lead's grade now (a move by hand
    records none; a lead sales found itself was never handed off). Deals keep it, so a later
    re-score does not change whom a deal was sold to. The migration that filled the existing
    deals (pipeline 0009) states the same rule in SQL."""
    lead_ids = sorted({lead_id for lead_id, _ in wanted})
    now_grades: dict[int, str] = {}
    recorded: dict[int, list[tuple[datetime, str]]] = {}
    for start in range(0, len(lead_ids), _LEADS_PER_QUERY):
        batch = lead_ids[start : start + _LEADS_PER_QUERY]
        now_grades.update(Lead.objects.filter(pk__in=batch).values_list("pk", "grade"))
        moves = (
            StageTransition.objects.filter(lead_id__in=batch, to_stage=Stage.MQL)
            .order_by("lead_id", "at", "id")
            .values_list("lead_id", "at", "details")
        )
        for lead_id, at, details in moves:
            grade = details.get("grade") if isinstance(details, dict) else None
            if grade in Grade.values:
                recorded.setdefault(lead_id, []).append((at, grade))
    found: dict[tuple[int, datetime | None], str] = {}
    for lead_id, before in wanted:
        grades = [g for at, g in recorded.get(lead_id, ()) if before is None or at <= before]
        found[(lead_id, before)] = grades[-1] if grades else now_grades.get(lead_id, "")
    return found
