"""Leads: matched by external id or their contact, created with their history (placed in
the waterfall by the file's stage and dates), or filled where blank."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from accord.contacts.models import Contact, Lead, StageTransition
from accord.core.lifecycle import CLOSED_STAGES, INITIAL_STAGE, Stage
from accord.integrations.importing.bulk_insert import (
    ids_reserve,
    tuples_insert,
)
from accord.integrations.importing.index_deferral import indexes_deferred
from accord.integrations.importing.lead_history import (
    step_dates,
    transitions_count,
    transitions_insert,
    transitions_redate,
)
from accord.integrations.importing.people import (
    BATCH,
    AccountsPlan,
    PeoplePlan,
    PersonRow,
    json_value,
    people_plan,
    people_save,
    properties_merge_current,
    rows_matching,
)
from accord.integrations.importing.schemas import (
    STAGE_DATE_FIELDS,
)
from accord.integrations.importing.validate import Record
from accord.integrations.importing.writers.plan import CampaignBook, WritePlan, accounts_note
from accord.tracking.channels.grouping import ChannelResolver, channel_resolver_load
from accord.tracking.models import Campaign

# --- leads -----------------------------------------------------------------------------------


def channel_resolver() -> ChannelResolver:
    """The channel rules (admins' and GA4's), loaded once per planned chunk."""
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
        created_at: datetime | None,
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
    for row in rows_matching(Lead, columns, column, values, order_by="created_at"):
        (
            pk,
            contact_id,
            stage,
            owner_id,
            channel_id,
            campaign_id,
            properties,
            ext,
            score,
            is_open,
        ) = row
        # ``created_at`` is not read (only new leads write it; SQLite would parse each one).
        lead = LeadRow(
            pk,
            contact_id,
            stage,
            None,
            owner_id,
            channel_id,
            campaign_id,
            json_value(properties),
            ext,
            score,
        )
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
    by_ext, lead_of_contact = _stored_matches(records, contacts)
    names = {r.get("source_campaign") or r.get("utm_campaign") or "" for r in records} - {""}
    campaigns = CampaignBook.shared(campaigns, names)
    matched_leads: set[int] = set()
    channels = _UtmChannels()
    new_leads: list[LeadRow] = []
    changed: dict[int, LeadRow] = {}
    changed_fields: set[str] = set()
    new_for_contact: dict[int, LeadRow] = {}
    plan = WritePlan(notes=accounts_note(people.accounts))
    for record, contact, contact_dirty in zip(records, contacts, contact_changed, strict=True):
        get = record.get
        channel_id = get("source_channel_id")
        if channel_id is None and (get("utm_source") or get("utm_medium")):
            channel_id = channels.resolve(record)
        campaign_name = get("source_campaign") or get("utm_campaign")
        campaign = campaigns.get(campaign_name, channel_id) if campaign_name else None
        ext = get("external_id")
        lead = (
            (by_ext.get(ext) if ext else None)
            or (lead_of_contact.get(contact.pk) if contact.pk else None)
            or new_for_contact.get(id(contact))
        )
        if lead is None:
            lead = _lead_new(record, contact, channel_id, campaign, now=now)
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
    plan.matched_contacts = {contact.pk for contact in contacts if contact.pk is not None}
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


def _stored_matches(
    records: list[Record], contacts: list[PersonRow]
) -> tuple[dict[str, LeadRow], dict[int, LeadRow]]:
    """The stored leads the file names: by external id, and each known contact's lead."""
    by_ext: dict[str, LeadRow] = {
        lead.external_id: lead
        for lead, _ in _stored_leads(
            "external_id", {r["external_id"] for r in records if r.get("external_id")}
        )
        if lead.external_id  # found by it, so it has one
    }
    # Records whose external id found its lead never consult their contact's: on a re-import
    # of a file with lead ids, that skips reading every lead a second time.
    contact_ids: set[int] = {
        contact.pk
        for record, contact in zip(records, contacts, strict=True)
        if contact.pk is not None and record.get("external_id") not in by_ext
    }
    # A known contact's lead: its newest open journey, else its newest closed one (so that
    # importing a file of customers again creates nothing; a new journey for a returning
    # person is started in the app, not by re-importing).
    lead_of_contact: dict[int, LeadRow] = {}
    open_found: set[int] = set()
    for lead, is_open in _stored_leads("contact_id", contact_ids):
        lead = by_ext.get(lead.external_id, lead) if lead.external_id else lead  # one object
        if is_open or lead.contact not in open_found:
            lead_of_contact[lead.contact] = lead
        if is_open:
            open_found.add(lead.contact)
    return by_ext, lead_of_contact


class _UtmChannels:
    """The channel of a record's UTM parameters, by the channel rules (loaded on first use)."""

    def __init__(self) -> None:
        self._resolver: ChannelResolver | None = None

    def resolve(self, record: Record) -> int | None:
        if self._resolver is None:
            self._resolver = channel_resolver()
        return self._resolver.resolve(
            source=record.get("utm_source"),
            medium=record.get("utm_medium"),
            campaign=record.get("utm_campaign"),
        ).pk


def _lead_new(
    record: Record,
    contact: PersonRow,
    channel_id: int | None,
    campaign: Any,
    *,
    now: datetime,
) -> LeadRow:
    """A lead the file creates, placed in the waterfall by its stage, outcome and dates."""
    get = record.get
    ext = get("external_id")
    created: datetime = get("created_at") or now
    lead = LeadRow(
        None,
        contact,
        _outcome_stage(get("outcome"), get("stage"))
        or get("stage")
        or _stage_from_dates(record)
        or INITIAL_STAGE,
        created,
        get("owner_id"),
        channel_id,
        campaign,
        record["properties"],
        ext,
        get("score") or 0,
    )
    if get("outcome"):
        lead.outcome_at = max(get("outcome_at") or created, created)
    given: dict[str, datetime] = {s: when for s, _ in STAGE_DATE_FIELDS if (when := get(f"{s}_at"))}
    if given:
        lead.step_dates = step_dates(lead.stage, created, given, lead.outcome_at)
        lead.outcome_at = lead.step_dates[-1]  # becomes the lead's stage_changed_at
    return lead


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
    saved = [(lead.pk, lead) for lead in new_leads if lead.pk is not None]  # all, once inserted
    transitions_insert([pk for pk, _ in saved])
    dated = {pk: lead.step_dates for pk, lead in saved if lead.step_dates}
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
