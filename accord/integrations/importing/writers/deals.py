"""Deals: linked to a lead or contact, stage from the file (HubSpot and Salesforce names),
won/lost dates closing them without moving their creation."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from accord.contacts.history import lead_history_plan
from accord.contacts.models import Contact
from accord.contacts.selectors import grades_at_handoff
from accord.core.money import DEFAULT_CURRENCY
from accord.integrations.importing.bulk_insert import (
    rows_insert,
)
from accord.integrations.importing.fields import choice_key
from accord.integrations.importing.linking import LeadLinker
from accord.integrations.importing.people import (
    BATCH,
    accounts_plan,
    chunks,
)
from accord.integrations.importing.schemas import (
    LINK_KEYS,
)
from accord.integrations.importing.validate import Record, RowError
from accord.integrations.importing.writers.deal_stages import DealPipelines
from accord.integrations.importing.writers.plan import (
    LOST_REASON_KEYS,
    WritePlan,
    accounts_note,
    column,
)
from accord.pipeline.models import Deal, DealStage

# --- deals -----------------------------------------------------------------------------------


_DEAL_FIELDS = (
    "name",
    "pipeline",
    "stage_entered_at",
    "version",
    "amount",
    "currency",
    "stage",
    "expected_close",
    "closed_at",
    "lost_reason",
    "owner_id",
    "account_id",
    "lead_id",
    "handoff_grade",
)


def _deal_stage(record: Record) -> str:
    """The file's stage; without one, a win or loss date says it; else an open stage."""
    stage = record.get("stage")
    if stage:
        return stage
    if record.get("won_at"):
        return DealStage.WON
    if record.get("lost_at"):
        return DealStage.LOST
    return DealStage.QUALIFICATION


def _deal_dates(
    record: Record, stage: str, stored: datetime | None, now: datetime
) -> tuple[datetime, datetime | None]:
    """``(created_at, closed_at)`` of a deal.

    A won or lost deal closed at its won/lost date, else its close date (noon), else at its
    creation; never before its creation (the opportunity comes first). A deal whose file
    gives no creation date (and that is not stored yet) was created when it closed, at the
    latest: the import time would put the opportunity after the win.
    """
    created = record.get("created_at") or stored
    if stage not in (DealStage.WON, DealStage.LOST):
        return created or now, None
    at = record.get("won_at") if stage == DealStage.WON else record.get("lost_at")
    at = at or record.get("won_at") or record.get("lost_at")
    close = record.get("expected_close")
    if at is None and close is not None:
        at = datetime.combine(close, time(12), tzinfo=(created or now).tzinfo)
    if created is None:
        created = min(at, now) if at is not None else now
    return created, max(at or created, created)


def _deal_name(record: Record, contact_names: dict[int, str], contact_id: int | None) -> str:
    """A deal without a name is named after its account, else its contact, else its id."""
    name = record.get("name")
    if name:
        return name[:200]
    if record.get("company"):
        return str(record["company"])[:200]
    if contact_id is not None and contact_names.get(contact_id):
        return contact_names[contact_id][:200]
    for key in ("contact_email", "contact_phone", "external_id", "lead_external_id"):
        if record.get(key):
            return f"Deal {record[key]}"[:200]
    return "Imported deal"


def _lost_reason(value: str | None) -> str:
    if not value:
        return ""
    return LOST_REASON_KEYS.get(choice_key(value), value[:30])


def _contact_names(records: list[Record], linker: LeadLinker) -> dict[int, str]:
    """Names of the linked contacts, read only when a deal has neither name nor company."""
    contact_names: dict[int, str] = {}
    if any(not r.get("name") and not r.get("company") for r in records):
        for batch in chunks({c for t in linker.contact_by.values() for c in t.values()}):
            for pk, first, last, email in Contact.objects.filter(pk__in=batch).values_list(
                "pk", "first_name", "last_name", "email"
            ):
                contact_names[pk] = f"{first} {last}".strip() or email or ""
    return contact_names


def _deal_refresh(deal: Deal, values: dict[str, Any], account: Any, relinked: list[Deal]) -> bool:
    """The file's values (those it has) replace the stored deal's; True if any changed. A
    deal given another lead is added to ``relinked``."""
    dirty = False
    for field_name, value in values.items():
        if value is not None and getattr(deal, field_name) != value:
            if field_name == "lead_id":
                relinked.append(deal)  # another lead: its grade at hand-off is read on write
            setattr(deal, field_name, value)
            dirty = True
    if account is not None and deal.account_id != account.pk:
        deal.account = account
        dirty = True
    return dirty


def _warnings(warnings: dict[str, int]) -> list[str]:
    """What the dry run should tell about the deals: open, unlinked, without amount or name."""
    notes = []
    if warnings["open"]:
        notes.append(
            f"Warning: {warnings['open']} deal(s) will be open (no won/lost stage, won_at or "
            "lost_at); map the stage column (or won_at/lost_at) if they are closed."
        )
    if warnings["unlinked"]:
        notes.append(
            f"Warning: {warnings['unlinked']} deal(s) will be linked to no lead (no "
            "lead_external_id, contact_external_id, contact_email or contact_phone column)."
        )
    if warnings["no_amount"]:
        notes.append(f"Warning: {warnings['no_amount']} deal(s) have no amount (stored as 0).")
    if warnings["named"]:
        notes.append(
            f"{warnings['named']} deal(s) without a name are named after their account, "
            "else their contact, else their id."
        )
    return notes


def _deal_values(
    record: Record, *, name: str, stage: str, closed: datetime | None, lead_id: int | None
) -> dict[str, Any]:
    """The deal's fields as the file gives them (None: the file does not say)."""
    return {
        "name": name,
        "pipeline_id": None,  # set by the caller when the file names a pipeline
        "amount": record.get("amount"),
        "currency": record.get("currency") or DEFAULT_CURRENCY,
        "stage": stage,
        "expected_close": record.get("expected_close"),
        "closed_at": closed,
        "lost_reason": _lost_reason(record.get("lost_reason")) or None,
        "owner_id": record.get("owner_id"),
        "lead_id": lead_id,
    }


def _deal_new(
    values: dict[str, Any], account: Any, ext: str | None, created: datetime, pipeline_id: int
) -> Deal:
    """A new deal, in the default pipeline, in its stage since it closed (or was created)."""
    values["amount"] = values["amount"] if values["amount"] is not None else 0
    values["lost_reason"] = values["lost_reason"] or ""
    values["pipeline_id"] = pipeline_id
    return Deal(
        **values,
        account=account,
        external_id=ext,
        created_at=created,
        stage_entered_at=values["closed_at"] or created,
    )


def _handoff_grades_set(deals: list[Deal]) -> None:
    """New and re-linked deals take their lead's grade at hand-off before the deal was
    opened ('' without a lead); read when written, with the leads in the database."""
    wanted = {(d.lead_id, d.created_at) for d in deals if d.lead_id is not None}
    grades = grades_at_handoff(wanted)
    for deal in deals:  # a deal without a lead has no key: ''
        deal.handoff_grade = grades.get((deal.lead_id, deal.created_at), "")  # type: ignore[arg-type]


def _linked(
    records: list[Record], linker: LeadLinker, plan: WritePlan, columns: dict[str, str]
) -> list[tuple[Record, int | None, int | None]]:
    """``(record, lead id, contact id)`` of the records whose links resolve (others: errors)."""
    linked: list[tuple[Record, int | None, int | None]] = []
    for record in records:
        lead_id, contact_id, problem = linker.link(
            record, at=record.get("created_at"), need_lead=True
        )
        if problem:
            key = next(k for k in LINK_KEYS if record.get(k))
            plan.errors.append(RowError(record["_row"], column(columns, key), problem))
            continue
        linked.append((record, lead_id, contact_id))
    return linked


def deals_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str], **_: Any
) -> WritePlan:
    plan = WritePlan()
    accounts = accounts_plan(records)
    by_ext: dict[str, Deal] = {}
    for batch in chunks({r["external_id"] for r in records if r.get("external_id")}):
        by_ext.update(
            {d.external_id: d for d in Deal.objects.filter(external_id__in=batch) if d.external_id}
        )
    linker = LeadLinker(records)
    contact_names = _contact_names(records, linker)
    linked = _linked(records, linker, plan, columns)
    names = {_deal_name(r, contact_names, c) for r, _, c in linked if not r.get("external_id")}
    by_name: dict[tuple[str, int | None, int | None], Deal] = {}
    for batch in chunks(names):
        for deal in Deal.objects.filter(name__in=batch, external_id__isnull=True):
            by_name[(deal.name.lower(), deal.lead_id, deal.account_id)] = deal
    pipelines = DealPipelines()
    new: list[Deal] = []
    changed: list[Deal] = []
    relinked: list[Deal] = []
    warnings = {"open": 0, "unlinked": 0, "no_amount": 0, "named": 0}
    for record, lead_id, contact_id in linked:
        stage = _deal_stage(record)
        pipeline_id, at_fault, problem = pipelines.resolve(record, stage)
        if problem:
            plan.errors.append(RowError(record["_row"], column(columns, at_fault), problem))
            continue
        account = accounts.resolve(record.get("company"), None)
        name = _deal_name(record, contact_names, contact_id)
        warnings["named"] += not record.get("name")
        warnings["open"] += stage not in (DealStage.WON, DealStage.LOST)
        warnings["unlinked"] += lead_id is None
        warnings["no_amount"] += record.get("amount") is None
        ext = record.get("external_id")
        account_key = account.pk if account is not None else None
        found = by_ext.get(ext) if ext else by_name.get((name.lower(), lead_id, account_key))
        created, closed = _deal_dates(record, stage, found.created_at if found else None, now)
        values = _deal_values(record, name=name, stage=stage, closed=closed, lead_id=lead_id)
        if found is None:
            new.append(_deal_new(values, account, ext, created, pipeline_id))
            plan.created += 1
            continue
        values["pipeline_id"] = pipeline_id if record.get("pipeline") else None
        from_stage = found.stage
        if _deal_refresh(found, values, account, relinked):
            if found.stage != from_stage:
                pipelines.moved(found, from_stage, closed or now)
            changed.append(found)
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.notes += accounts_note(accounts)
    plan.notes.append(linker.note("Deals"))
    plan.notes += _warnings(warnings)
    history_plan = lead_history_plan(
        [
            (deal.lead_id, deal.stage, deal.created_at, deal.closed_at)
            for deal in (*new, *changed)
            if deal.lead_id is not None
        ]
    )
    plan.notes += history_plan.notes

    def apply() -> None:
        rows_insert(accounts.new)
        _handoff_grades_set([*new, *relinked])
        rows_insert(new)
        for deal in changed:
            deal.updated_at = now
        if changed:
            Deal.objects.bulk_update(
                changed, [*_DEAL_FIELDS, "account", "updated_at"], batch_size=BATCH
            )
        history_plan.apply(now=now)
        pipelines.history_write(new)

    plan.apply = apply
    return plan
