"""Bulk upsert per entity: plan with a few ``IN`` queries (read-only), then write in bulk.

``<entity>_plan(records, now=...)`` decides what to create and update and returns a
``WritePlan`` whose counts a dry run reports and whose ``apply`` the service calls inside the
import's one transaction. Planning may reject records that point at unknown rows (a deal's
contact email nobody has); those come back as row errors.

Update rules: people and leads only gain data (blank fields are filled, as
``contact_upsert`` does), so an old export never overwrites fresher data. Deals and spend take
the file's values (the export is the source of truth for an amount or a day's cost).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db.models.functions import Lower
from django.utils.text import slugify

from accord.contacts.history import lead_history_plan
from accord.contacts.models import Contact, Lead, StageTransition
from accord.core.lifecycle import CLOSED_STAGES, INITIAL_STAGE, Stage
from accord.core.money import DEFAULT_CURRENCY
from accord.integrations.importing.bulk_insert import (
    ids_reserve,
    rows_insert,
    tuples_insert,
)
from accord.integrations.importing.fields import choice_key
from accord.integrations.importing.index_deferral import indexes_deferred
from accord.integrations.importing.lead_history import (  # noqa: F401 - re-exported
    IMPORT_DETAILS,
    IMPORT_REASON,
    STAGE_PATHS,
    step_dates,
    transitions_count,
    transitions_insert,
    transitions_redate,
)
from accord.integrations.importing.linking import LeadLinker
from accord.integrations.importing.people import (
    BATCH,
    AccountsPlan,
    PeoplePlan,
    accounts_plan,
    chunks,
    json_value,
    people_plan,
    people_save,
    properties_merge_current,
    rows_matching,
)
from accord.integrations.importing.schemas import (
    LINK_KEYS,
    LOST_REASON_VALUES,
    STAGE_DATE_FIELDS,
)
from accord.integrations.importing.validate import Record, RowError
from accord.pipeline.models import Deal, DealStage
from accord.tracking.models import Campaign, Channel, SpendEntry, Touchpoint


@dataclass
class WritePlan:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    apply: Callable[[], None] = lambda: None
    #: Pipelined imports (leads): ``apply`` without the index deferral, which then wraps the
    #: whole transaction; rows each model receives; the ids of the stored contacts and leads
    #: the plan matched (a row matched by two chunks makes the pipeline fall back).
    write: Callable[[], None] = lambda: None
    incoming: dict[type, int] = field(default_factory=dict)
    matched_contacts: set[int] = field(default_factory=set)
    matched_leads: set[int] = field(default_factory=set)


LOST_REASON_KEYS = {choice_key(k): v for k, v in LOST_REASON_VALUES.items()}


def _column(mapping: dict[str, str], name: str) -> str:
    return mapping.get(name, name)


# --- campaigns -------------------------------------------------------------------------------


class CampaignBook:
    """Campaigns by UTM value or name (case-insensitive); unknown ones are planned as new."""

    def __init__(self, names: set[str]) -> None:
        self.by_key: dict[str, Campaign] = {}
        self.new: list[Campaign] = []
        self.saved = 0  # how many of ``new`` are in the database
        self.lookup(names)

    def lookup(self, names: set[str]) -> None:
        """Read the stored campaigns of ``names`` not met yet (a pipelined import's chunks
        share one book)."""
        lowered = {n.lower() for n in names} - self.by_key.keys()
        for batch in chunks(lowered):
            for campaign in Campaign.objects.annotate(
                lutm=Lower("utm_campaign"), lname=Lower("name")
            ).filter(lutm__in=batch):
                self.by_key[campaign.utm_campaign.lower()] = campaign
            for campaign in Campaign.objects.annotate(lname=Lower("name")).filter(lname__in=batch):
                self.by_key.setdefault(campaign.name.lower(), campaign)

    def get(self, name: str | None, channel_id: int | None) -> Campaign | None:
        if not name:
            return None
        found = self.by_key.get(name.lower())
        if found is None:
            found = Campaign(name=name[:200], utm_campaign=name[:200], channel_id=channel_id)
            self.by_key[name.lower()] = found
            self.new.append(found)
        return found

    def save(self, upto: int | None = None) -> None:
        """Insert the new campaigns not saved yet (the first ``upto`` of them, if given)."""
        upto = len(self.new) if upto is None else upto
        rows_insert(self.new[self.saved : upto])
        self.saved = max(self.saved, upto)

    def note(self) -> list[str]:
        return (
            [
                f"{len(self.new)} new campaign(s): {', '.join(c.name for c in self.new[:5])}"
                + ("…" if len(self.new) > 5 else "")
            ]
            if self.new
            else []
        )


def _accounts_note(accounts: AccountsPlan) -> list[str]:
    return [f"{len(accounts.new)} new account(s)"] if accounts.new else []


# --- contacts --------------------------------------------------------------------------------


def contacts_plan(records: list[Record], *, now: datetime, **_: Any) -> WritePlan:
    people, _contacts, changed = people_plan(records, match_external_id=True, now=now)
    created = len(people.new)
    updated = sum(1 for flag in changed if flag) - created
    return WritePlan(
        created=created,
        updated=max(updated, 0),
        unchanged=len(records) - created - max(updated, 0),
        notes=_accounts_note(people.accounts),
        apply=lambda: _people_write(people, now=now),
    )


def _people_write(people: PeoplePlan, *, now: datetime) -> None:
    with indexes_deferred({Contact: len(people.new)}):
        people_save(people, now=now)


# --- leads -----------------------------------------------------------------------------------


def _channel_resolver():
    """The shared channel classifier, when the tracking app provides one."""
    try:
        from accord.tracking.channels.grouping import channel_resolver_load
    except ImportError:  # pragma: no cover - the module ships with the tracking app
        return None
    return channel_resolver_load()


class LeadRow:
    """A lead as planning sees it (see ``PersonRow``). New ones get ``pk`` when saved and
    hold their ``PersonRow`` in ``contact``; stored ones hold the contact's id there.
    ``source_campaign`` is a ``Campaign`` (possibly new) or a stored campaign's id."""

    __slots__ = (
        "contact",
        "created_at",
        "external_id",
        "outcome_at",
        "owner_id",
        "pk",
        "properties",
        "score",
        "source_campaign",
        "source_channel_id",
        "stage",
        "step_dates",
    )

    def __init__(
        self,
        pk: int | None,
        contact: Any,
        stage: str,
        created_at: datetime,
        owner_id: int | None,
        channel_id: int | None,
        campaign: Campaign | int | None,
        properties: dict[str, Any],
        external_id: str | None,
        score: int,
    ) -> None:
        self.pk = pk
        self.contact = contact
        self.stage = stage
        self.created_at = created_at
        self.owner_id = owner_id
        self.source_channel_id = channel_id
        self.source_campaign = campaign
        self.properties = properties
        self.external_id = external_id
        self.score = score
        # When a historical lead's outcome (won/lost) happened; None for other leads.
        self.outcome_at: datetime | None = None
        # Each step's date, when the file gave stage entry dates (see ``step_dates``).
        self.step_dates: list[datetime] | None = None

    @property
    def source_campaign_id(self) -> int | None:
        campaign = self.source_campaign
        return campaign.pk if isinstance(campaign, Campaign) else campaign


def _stored_leads(column: str, values: Iterable[Any]) -> Iterator[tuple[LeadRow, bool]]:
    """Stored leads whose ``column`` is one of ``values``, oldest first, with ``is_open``."""
    columns = (
        "id",
        "contact_id",
        "stage",
        "owner_id",
        "source_channel_id",
        "source_campaign_id",
        "properties",
        "external_id",
        "score",
        "is_open",
    )
    for pk, contact_id, stage, *head, properties, ext, score, is_open in rows_matching(
        Lead, columns, column, values, order_by="created_at"
    ):
        # ``created_at`` is not read (only new leads write it; SQLite would parse each one).
        lead = LeadRow(pk, contact_id, stage, None, *head, json_value(properties), ext, score)
        yield lead, bool(is_open)


_LEAD_COLUMNS = (
    "id",
    "contact_id",
    "stage",
    "stage_changed_at",
    "created_at",
    "updated_at",
    "is_open",
    "score",
    "owner_id",
    "source_channel_id",
    "source_campaign_id",
    "properties",
    "external_id",
)
_LEAD_CHANGE_FIELDS = ("owner", "source_channel", "source_campaign", "external_id", "properties")


def leads_plan(
    records: list[Record],
    *,
    now: datetime,
    accounts: AccountsPlan | None = None,
    campaigns: CampaignBook | None = None,
    **_: Any,
) -> WritePlan:
    """``accounts``, ``campaigns``: shared with the file's earlier chunks (pipelined import)."""
    people, contacts, contact_changed = people_plan(
        records,
        match_external_id=False,
        now=now,
        accounts=accounts,
        properties_key="contact_properties",
    )
    by_ext: dict[str, LeadRow] = {
        lead.external_id: lead
        for lead, _ in _stored_leads(
            "external_id", {r["external_id"] for r in records if r.get("external_id")}
        )
    }
    # Records whose external id found its lead never consult their contact's: on a re-import
    # of a file with lead ids, that skips reading every lead a second time.
    contact_ids = {
        contact.pk
        for record, contact in zip(records, contacts, strict=True)
        if contact.pk and record.get("external_id") not in by_ext
    }
    # A known contact's lead: its newest open journey, else its newest closed one (so that
    # importing a file of customers again creates nothing; a new journey for a returning
    # person is started in the app, not by re-importing).
    lead_of_contact: dict[int, LeadRow] = {}
    open_found: set[int] = set()
    for lead, is_open in _stored_leads("contact_id", contact_ids):
        lead = by_ext.get(lead.external_id, lead)  # one object per stored lead
        if is_open or lead.contact not in open_found:
            lead_of_contact[lead.contact] = lead
        if is_open:
            open_found.add(lead.contact)
    names = {r.get("source_campaign") or r.get("utm_campaign") or "" for r in records} - {""}
    if campaigns is None:
        campaigns = CampaignBook(names)
    else:
        campaigns.lookup(names)
    matched_leads: set[int] = set()
    resolver = None
    new_leads: list[LeadRow] = []
    changed: dict[int, LeadRow] = {}
    changed_fields: set[str] = set()
    new_for_contact: dict[int, LeadRow] = {}
    plan = WritePlan(notes=_accounts_note(people.accounts))
    for record, contact, contact_dirty in zip(records, contacts, contact_changed, strict=True):
        get = record.get
        channel_id = get("source_channel_id")
        if channel_id is None and (get("utm_source") or get("utm_medium")):
            resolver = resolver or _channel_resolver()
            if resolver is not None:
                channel_id = resolver.resolve(
                    source=get("utm_source"),
                    medium=get("utm_medium"),
                    campaign=get("utm_campaign"),
                ).pk
        campaign_name = get("source_campaign") or get("utm_campaign")
        campaign = campaigns.get(campaign_name, channel_id) if campaign_name else None
        ext = get("external_id")
        lead = (
            (by_ext.get(ext) if ext else None)
            or (lead_of_contact.get(contact.pk) if contact.pk else None)
            or new_for_contact.get(id(contact))
        )
        if lead is None:
            lead = LeadRow(
                None,
                contact,
                _outcome_stage(get("outcome"), get("stage"))
                or get("stage")
                or _stage_from_dates(record)
                or INITIAL_STAGE,
                get("created_at") or now,
                get("owner_id"),
                channel_id,
                campaign,
                record["properties"],
                ext,
                get("score") or 0,
            )
            if get("outcome"):
                lead.outcome_at = max(get("outcome_at") or lead.created_at, lead.created_at)
            given = {s: get(f"{s}_at") for s, _ in STAGE_DATE_FIELDS if get(f"{s}_at")}
            if given:
                lead.step_dates = step_dates(lead.stage, lead.created_at, given, lead.outcome_at)
                lead.outcome_at = lead.step_dates[-1]  # becomes the lead's stage_changed_at
            new_leads.append(lead)
            new_for_contact[id(contact)] = lead
            if ext:
                by_ext[ext] = lead
            plan.created += 1
            continue
        if lead.pk is not None:
            matched_leads.add(lead.pk)
        lead_dirty = _lead_fill_blanks(lead, record, channel_id, campaign, by_ext)
        if lead_dirty and lead.pk:
            changed[lead.pk] = lead
            changed_fields.update(lead_dirty)
        if lead_dirty or contact_dirty:
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.notes += campaigns.note()
    plan.matched_contacts = {contact.pk for contact in contacts}
    plan.matched_contacts.discard(None)
    plan.matched_leads = matched_leads
    plan.incoming = {
        Contact: len(people.new),
        Lead: len(new_leads),
        StageTransition: transitions_count([lead.stage for lead in new_leads]),
    }
    campaigns_upto = len(campaigns.new)

    def write(*, deferred: bool = False) -> None:
        if deferred:
            with indexes_deferred(plan.incoming):
                _leads_insert(people, campaigns, campaigns_upto, new_leads, now=now)
        else:
            _leads_insert(people, campaigns, campaigns_upto, new_leads, now=now)
        if changed:
            _leads_update(list(changed.values()), sorted(changed_fields), now=now)

    plan.write = write
    plan.apply = lambda: write(deferred=True)
    return plan


def _leads_insert(
    people: PeoplePlan,
    campaigns: CampaignBook,
    campaigns_upto: int,
    new_leads: list[LeadRow],
    *,
    now: datetime,
) -> None:
    people_save(people, now=now)
    campaigns.save(campaigns_upto)
    for lead, pk in zip(new_leads, ids_reserve(Lead, len(new_leads)), strict=True):
        lead.pk = pk
    tuples_insert(
        Lead,
        _LEAD_COLUMNS,
        (
            (
                lead.pk,
                lead.contact.pk,
                lead.stage,
                lead.outcome_at or lead.created_at,
                lead.created_at,
                now,
                lead.stage not in CLOSED_STAGES,
                lead.score,
                lead.owner_id,
                lead.source_channel_id,
                lead.source_campaign_id,
                lead.properties,
                lead.external_id,
            )
            for lead in new_leads
        ),
    )
    transitions_insert([lead.pk for lead in new_leads])
    dated = {lead.pk: lead.step_dates for lead in new_leads if lead.step_dates}
    if dated:
        transitions_redate(dated)


def _stage_from_dates(record: Record) -> str | None:
    """Without a stage column, the furthest stage the file gives an entry date for."""
    reached = [stage for stage, _ in STAGE_DATE_FIELDS if record.get(f"{stage}_at")]
    return reached[-1] if reached else None


def _outcome_stage(outcome: str | None, stage: str | None) -> str | None:
    """The closing stage of a lead imported with an outcome (won/lost)."""
    if outcome == "won":
        return Stage.CUSTOMER
    if outcome == "lost":
        return Stage.LOST if stage == Stage.LOST else Stage.DISQUALIFIED
    return None


def _leads_update(leads: list[LeadRow], fields: list[str], *, now: datetime) -> None:
    if "properties" in fields:
        properties_merge_current(Lead, leads)
    instances = []
    for lead in leads:
        instance = Lead(pk=lead.pk, updated_at=now)
        for name in fields:
            if name == "source_campaign":
                instance.source_campaign_id = lead.source_campaign_id
            elif name in ("owner", "source_channel"):
                setattr(instance, f"{name}_id", getattr(lead, f"{name}_id"))
            else:
                setattr(instance, name, getattr(lead, name))
        instances.append(instance)
    Lead.objects.bulk_update(instances, [*fields, "updated_at"], batch_size=BATCH)


def _lead_fill_blanks(
    lead: LeadRow,
    record: Record,
    channel_id: int | None,
    campaign: Campaign | None,
    by_ext: dict[str, LeadRow],
) -> set[str]:
    changes: set[str] = set()
    owner_id = record.get("owner_id")
    if owner_id is not None and lead.owner_id is None:
        lead.owner_id = owner_id
        changes.add("owner")
    if channel_id is not None and lead.source_channel_id is None:
        lead.source_channel_id = channel_id
        changes.add("source_channel")
    if campaign is not None and lead.source_campaign is None:
        lead.source_campaign = campaign
        changes.add("source_campaign")
    ext = record.get("external_id")
    if ext and not lead.external_id and ext not in by_ext:
        lead.external_id = ext
        by_ext[ext] = lead
        changes.add("external_id")
    properties = lead.properties or {}
    new_properties = {k: v for k, v in record["properties"].items() if k not in properties}
    if new_properties:
        lead.properties = {**properties, **new_properties}
        changes.add("properties")
    return changes


# --- deals -----------------------------------------------------------------------------------


_DEAL_FIELDS = (
    "name",
    "amount",
    "currency",
    "stage",
    "expected_close",
    "closed_at",
    "lost_reason",
    "owner_id",
    "account_id",
    "lead_id",
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


def deals_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str], **_: Any
) -> WritePlan:
    plan = WritePlan()
    accounts = accounts_plan(records)
    by_ext: dict[str, Deal] = {}
    for batch in chunks({r["external_id"] for r in records if r.get("external_id")}):
        by_ext.update({d.external_id: d for d in Deal.objects.filter(external_id__in=batch)})
    linker = LeadLinker(records)
    contact_names: dict[int, str] = {}
    if any(not r.get("name") and not r.get("company") for r in records):
        for batch in chunks({c for t in linker.contact_by.values() for c in t.values()}):
            for pk, first, last, email in Contact.objects.filter(pk__in=batch).values_list(
                "pk", "first_name", "last_name", "email"
            ):
                contact_names[pk] = f"{first} {last}".strip() or email or ""
    linked: list[tuple[Record, int | None, int | None]] = []
    for record in records:
        lead_id, contact_id, problem = linker.link(
            record, at=record.get("created_at"), need_lead=True
        )
        if problem:
            key = next(k for k in LINK_KEYS if record.get(k))
            plan.errors.append(RowError(record["_row"], _column(columns, key), problem))
            continue
        linked.append((record, lead_id, contact_id))
    names = {_deal_name(r, contact_names, c) for r, _, c in linked if not r.get("external_id")}
    by_name: dict[tuple[str, int | None, int | None], Deal] = {}
    for batch in chunks(names):
        for deal in Deal.objects.filter(name__in=batch, external_id__isnull=True):
            by_name[(deal.name.lower(), deal.lead_id, deal.account_id)] = deal
    new: list[Deal] = []
    changed: list[Deal] = []
    warnings = {"open": 0, "unlinked": 0, "no_amount": 0, "named": 0}
    for record, lead_id, contact_id in linked:
        account = accounts.resolve(record.get("company"), None)
        stage = _deal_stage(record)
        name = _deal_name(record, contact_names, contact_id)
        warnings["named"] += not record.get("name")
        warnings["open"] += stage not in (DealStage.WON, DealStage.LOST)
        warnings["unlinked"] += lead_id is None
        warnings["no_amount"] += record.get("amount") is None
        ext = record.get("external_id")
        account_key = account.pk if account is not None else None
        deal = by_ext.get(ext) if ext else by_name.get((name.lower(), lead_id, account_key))
        created, closed = _deal_dates(record, stage, deal.created_at if deal else None, now)
        values: dict[str, Any] = {
            "name": name,
            "amount": record.get("amount"),
            "currency": record.get("currency") or DEFAULT_CURRENCY,
            "stage": stage,
            "expected_close": record.get("expected_close"),
            "closed_at": closed,
            "lost_reason": _lost_reason(record.get("lost_reason")) or None,
            "owner_id": record.get("owner_id"),
            "lead_id": lead_id,
        }
        if deal is None:
            values["amount"] = values["amount"] if values["amount"] is not None else 0
            values["lost_reason"] = values["lost_reason"] or ""
            deal = Deal(**values, account=account, external_id=ext, created_at=created)
            new.append(deal)
            plan.created += 1
            continue
        dirty = False
        for field_name, value in values.items():
            if value is not None and getattr(deal, field_name) != value:
                setattr(deal, field_name, value)
                dirty = True
        if account is not None and deal.account_id != account.pk:
            deal.account = account
            dirty = True
        if dirty:
            changed.append(deal)
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.notes += _accounts_note(accounts)
    plan.notes.append(linker.note("Deals"))
    if warnings["open"]:
        plan.notes.append(
            f"Warning: {warnings['open']} deal(s) will be open (no won/lost stage, won_at or "
            "lost_at); map the stage column (or won_at/lost_at) if they are closed."
        )
    if warnings["unlinked"]:
        plan.notes.append(
            f"Warning: {warnings['unlinked']} deal(s) will be linked to no lead (no "
            "lead_external_id, contact_external_id, contact_email or contact_phone column)."
        )
    if warnings["no_amount"]:
        plan.notes.append(f"Warning: {warnings['no_amount']} deal(s) have no amount (stored as 0).")
    if warnings["named"]:
        plan.notes.append(
            f"{warnings['named']} deal(s) without a name are named after their account, "
            "else their contact, else their id."
        )
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
        rows_insert(new)
        for deal in changed:
            deal.updated_at = now
        if changed:
            Deal.objects.bulk_update(
                changed, [*_DEAL_FIELDS, "account", "updated_at"], batch_size=BATCH
            )
        history_plan.apply(now=now)

    plan.apply = apply
    return plan


# --- touchpoints -----------------------------------------------------------------------------


_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def touchpoints_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str], **_: Any
) -> WritePlan:
    plan = WritePlan()
    linker = LeadLinker(records)
    existing: set[tuple] = set()
    if records:
        start = min(r["at"] for r in records)
        end = max(r["at"] for r in records)
        rows = Touchpoint.objects.filter(at__gte=start, at__lte=end).values_list(
            "at", "type", "contact_id", "visitor_id", "url"
        )
        existing = {(at, kind, cid, vid or "", url or "") for at, kind, cid, vid, url in rows}
    campaigns = {c.utm_campaign.lower(): c.pk for c in Campaign.objects.all()}
    resolver = _channel_resolver()
    new_channels: dict[str, Channel] = {}
    by_label = 0
    new: list[Touchpoint] = []
    for record in records:
        at = record["at"]
        lead_id, contact_id, problem = linker.link(record, at=at, need_lead=False)
        if problem:
            key = next(k for k in LINK_KEYS if record.get(k))
            plan.errors.append(RowError(record["_row"], _column(columns, key), problem))
            continue
        key = (
            at,
            record["type"],
            contact_id,
            record.get("visitor_id") or "",
            record.get("url") or "",
        )
        if key in existing:
            plan.unchanged += 1
            continue
        existing.add(key)
        utm = {name: (record.get(name) or "")[:200] for name in _UTM}
        channel: Channel | None = None
        channel_id = record.get("channel_id")
        if record.get("channel_new"):
            channel = _channel_new(new_channels, record["channel_new"])
        elif channel_id is None and resolver is not None:
            channel_id = resolver.resolve(
                source=utm["utm_source"],
                medium=utm["utm_medium"],
                campaign=utm["utm_campaign"],
                referrer=record.get("referrer") or "",
                landing_url=record.get("url") or "",
            ).pk
        by_label += bool(record.get("channel"))
        new.append(
            Touchpoint(
                at=at,
                type=record["type"],
                visitor_id=record.get("visitor_id") or "",
                contact_id=contact_id,
                lead_id=lead_id,
                **({"channel": channel} if channel is not None else {"channel_id": channel_id}),
                campaign_id=campaigns.get(utm["utm_campaign"].lower())
                if utm["utm_campaign"]
                else None,
                url=record.get("url") or "",
                referrer=record.get("referrer") or "",
                channel_given=bool(record.get("channel")),
                **utm,
            )
        )
        plan.created += 1
    plan.notes.append(linker.note("Touches"))
    if by_label:
        plan.notes.append(f"{by_label} touch(es) take their channel from the channel column.")
    if new_channels:
        plan.notes.append(f"{len(new_channels)} new channel(s): {', '.join(sorted(new_channels))}.")

    def apply() -> None:
        for channel in new_channels.values():
            channel.save()
        rows_insert(new)  # takes the new channels' ids

    plan.apply = apply
    return plan


def _channel_new(book: dict[str, Channel], name: str) -> Channel:
    """A channel the file names and nobody has (``--create-channels``), made once per name."""
    key = name.strip()
    if key not in book:
        slug = slugify(key)[:60] or "channel"
        taken = set(Channel.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
        taken |= {c.slug for c in book.values()}
        candidate, n = slug, 2
        while candidate in taken:
            candidate, n = f"{slug[:56]}-{n}", n + 1
        book[key] = Channel(slug=candidate, name=key[:120])
    return book[key]


# --- spend -----------------------------------------------------------------------------------


_SPEND_VALUES = ("cost", "currency", "impressions", "reach", "clicks", "visits")


def spend_plan(records: list[Record], *, now: datetime, **_: Any) -> WritePlan:
    plan = WritePlan()
    campaigns = CampaignBook({r["campaign"] for r in records if r.get("campaign")})
    existing: dict[tuple, SpendEntry] = {}
    if records:
        rows = SpendEntry.objects.filter(
            date__gte=min(r["date"] for r in records),
            date__lte=max(r["date"] for r in records),
            channel_id__in={r["channel_id"] for r in records},
        )
        existing = {(e.date, e.channel_id, e.campaign_id): e for e in rows}
    new: list[SpendEntry] = []
    changed: list[SpendEntry] = []
    for record in records:
        campaign = campaigns.get(record.get("campaign"), record["channel_id"])
        values = {name: record.get(name) for name in _SPEND_VALUES if record.get(name) is not None}
        entry = existing.get(
            (record["date"], record["channel_id"], campaign.pk if campaign else None)
        )
        if campaign is not None and campaign.pk is None:
            entry = None
        if entry is None:
            values.setdefault("currency", DEFAULT_CURRENCY)
            new.append(
                SpendEntry(
                    date=record["date"],
                    channel_id=record["channel_id"],
                    campaign=campaign,
                    **values,
                )
            )
            plan.created += 1
            continue
        dirty = [name for name, value in values.items() if getattr(entry, name) != value]
        for name in dirty:
            setattr(entry, name, values[name])
        if dirty:
            changed.append(entry)
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.notes += campaigns.note()

    def apply() -> None:
        campaigns.save()
        rows_insert(new)
        if changed:
            SpendEntry.objects.bulk_update(changed, list(_SPEND_VALUES), batch_size=BATCH)

    plan.apply = apply
    return plan


PLANNERS: dict[str, Callable[..., WritePlan]] = {
    "contacts": contacts_plan,
    "leads": leads_plan,
    "deals": deals_plan,
    "touchpoints": touchpoints_plan,
    "spend": spend_plan,
}
