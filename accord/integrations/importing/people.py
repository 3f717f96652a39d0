"""Bulk matching of imported people to accounts and contacts, with ``contact_upsert``'s rules.

A record finds its contact by external id (contacts imports only), then normalised email,
then E.164 phone — all with a few ``IN`` queries for the whole file. A known contact only
gains data: blank fields are filled, nothing already set is overwritten, and an email or
phone that belongs to someone else is never moved. Nothing is written here; ``people_save``
writes what the plan decided (inside the import's transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.functions import Lower

from accord.contacts.models import Account, Contact
from accord.integrations.importing.bulk_insert import ids_reserve, rows_insert, tuples_insert

CHUNK = 900  # bound the number of parameters per IN query (SQLite's historic limit is 999)
BATCH = 1000


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    it = iter(values)
    while batch := list(islice(it, size)):  # sliced in C, not appended value by value
        yield batch


def domain_normalise(value: str | None) -> str | None:
    if not value:
        return None
    host = value.strip().lower()
    for prefix in ("https://", "http://"):
        host = host.removeprefix(prefix)
    host = host.split("/", 1)[0].removeprefix("www.")
    return host or None


@dataclass
class AccountsPlan:
    by_domain: dict[str, Account] = field(default_factory=dict)
    by_name: dict[str, Account] = field(default_factory=dict)
    new: list[Account] = field(default_factory=list)

    def resolve(self, name: str | None, domain: str | None) -> Account | None:
        domain = domain_normalise(domain)
        if not name and not domain:
            return None
        found = (self.by_domain.get(domain) if domain else None) or (
            self.by_name.get(name.lower()) if name else None
        )
        if found is None:
            found = Account(name=(name or domain or "")[:200], domain=domain)
            self.new.append(found)
            if domain:
                self.by_domain[domain] = found
            if name:
                self.by_name[name.lower()] = found
        return found


def accounts_plan(records: list[dict[str, Any]], plan: AccountsPlan | None = None) -> AccountsPlan:
    """Stored accounts the records name, in ``plan`` (new) or in ``plan`` as it stands: a
    pipelined import plans its file in chunks that share one plan, and then only the
    domains and names it has not met yet are looked up."""
    plan = plan if plan is not None else AccountsPlan()
    domains = {domain_normalise(r.get("company_domain")) for r in records} - {None}
    names = {r["company"].lower() for r in records if r.get("company")}
    domains.difference_update(plan.by_domain)
    names.difference_update(plan.by_name)
    for batch in chunks(domains):
        for account in Account.objects.filter(domain__in=batch):
            plan.by_domain[str(account.domain)] = account  # matched: not NULL
    for batch in chunks(names):
        for account in Account.objects.annotate(lname=Lower("name")).filter(lname__in=batch):
            plan.by_name.setdefault(account.name.lower(), account)
    return plan


#: What a contact row carries through planning (new ones and those already stored alike).
PERSON_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "job_title",
    "account",
    "properties",
    "external_id",
    "created_at",
)


class PersonRow:
    """A contact as planning sees it: a slotted row instead of a model instance, which is
    several times cheaper to make and to hold for files of hundreds of thousands of rows.

    ``pk`` is ``None`` until ``people_save`` gives a new row its id; ``account`` is an
    ``Account`` (possibly new) or a stored account's id.
    """

    __slots__ = ("pk", *PERSON_FIELDS)

    def __init__(
        self,
        pk: int | None,
        email: str | None,
        phone: str | None,
        first_name: str,
        last_name: str,
        job_title: str,
        account: Account | int | None,
        properties: dict[str, Any],
        external_id: str | None,
        created_at: datetime | None,
    ) -> None:
        # Plain assignments: a loop of ``setattr`` over PERSON_FIELDS cost ~3x more per row.
        self.pk = pk
        self.email = email
        self.phone = phone
        self.first_name = first_name
        self.last_name = last_name
        self.job_title = job_title
        self.account = account
        self.properties = properties
        self.external_id = external_id
        self.created_at = created_at

    @property
    def account_id(self) -> int | None:
        account = self.account
        return account.pk if isinstance(account, Account) else account


@dataclass
class PeoplePlan:
    accounts: AccountsPlan
    new: list[PersonRow] = field(default_factory=list)
    changed: dict[int, PersonRow] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    #: The accounts this plan created (``people_save`` inserts them): all of
    #: ``accounts.new`` unless the accounts plan is shared with earlier chunks of the file.
    new_accounts: list[Account] = field(default_factory=list)


def chunk_size(using: str = "default") -> int:
    """How many values one ``IN`` query may carry on this database."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # pragma: no cover - Python < 3.11
            limit = 999
        return max(100, min(limit - 10, 20_000))
    return 50_000


def rows_matching(
    model: type[Model],
    columns: Sequence[str],
    column: str,
    values: Iterable[Any],
    *,
    order_by: str = "",
    using: str = "default",
) -> Iterator[tuple]:
    """Rows of ``model`` (``columns``, raw) whose ``column`` is one of ``values``.

    Plain SQL rather than ``filter(x__in=...)``: the ORM prepares each of 100,000 values
    through its lookup machinery, which took longer than the queries. JSON columns come back
    as text on both databases (Django registers no decoder); callers decode what they read.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    select = (
        f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(column)} "
    )
    # SQLite would read the whole table in ``order_by``'s index order to skip a sort, testing
    # each row against the IN list (0.5 s per query at 100,000 leads); the unary ``+`` makes
    # it search by ``column`` and sort the few rows found.
    plus = "+" if connection.vendor == "sqlite" else ""
    tail = f" ORDER BY {plus}{quote(order_by)}" if order_by else ""
    with connection.cursor() as cursor:
        for batch in chunks(values, chunk_size(using)):
            if connection.vendor == "postgresql":
                cursor.execute(f"{select}= ANY(%s){tail}", [batch])
            else:
                cursor.execute(f"{select}IN ({', '.join(['%s'] * len(batch))}){tail}", batch)
            yield from cursor.fetchall()


#: Stored custom properties that are empty: one shared dict, never mutated (rows that gain
#: properties get a new dict).
_NO_PROPERTIES: dict[str, Any] = {}


def json_value(text: str | dict | None) -> dict:
    """A JSON column read raw: most stored rows have no custom properties, so no parsing."""
    if not text or text == "{}":
        return _NO_PROPERTIES
    return json.loads(text) if isinstance(text, str) else text


def _existing(
    field_name: str, values: set[str], known: dict[int, PersonRow]
) -> dict[str, PersonRow]:
    found: dict[str, PersonRow] = {}
    columns = (
        "id",
        "email",
        "phone",
        "first_name",
        "last_name",
        "job_title",
        "account_id",
        "properties",
        "external_id",
    )
    for pk, *values_, properties, ext in rows_matching(Contact, columns, field_name, values):
        row = known.get(pk)
        if row is None:
            # ``created_at`` is only written for new rows; a stored one keeps its own.
            # The selected columns are PERSON_FIELDS' in order; mypy cannot count a star.
            row = known[pk] = PersonRow(pk, *values_, json_value(properties), ext, None)  # type: ignore[call-arg]
        found[getattr(row, field_name)] = row
    return found


def people_plan(
    records: list[dict[str, Any]],
    *,
    match_external_id: bool,
    now: datetime,
    accounts: AccountsPlan | None = None,
    properties_key: str = "properties",
) -> tuple[PeoplePlan, list[PersonRow], list[bool]]:
    """Return the plan, each record's contact row (stored or new) and whether it changed.

    ``accounts``: an accounts plan shared with the file's earlier chunks (pipelined import).
    ``match_external_id``: the records' ``external_id`` is the contact's (a contacts file).
    Otherwise (a leads file, whose id is the lead's) it still identifies the contact of a
    row that has neither email nor phone: that person is known by nothing else, so the
    contact carries the id and a re-import finds it again. ``properties_key``: which of the
    record's custom properties are the contact's (a leads file keeps its own on the lead).
    """
    accounts_before = len(accounts.new) if accounts is not None else 0
    plan = PeoplePlan(accounts=accounts_plan(records, accounts))
    # One row object per database row, so two records that reach one contact (one by
    # email, one by phone) update one row.
    known: dict[int, PersonRow] = {}
    by_ext = _existing(
        "external_id",
        {
            r["external_id"]
            for r in records
            if r.get("external_id")
            and (match_external_id or not (r.get("email") or r.get("phone")))
        },
        known,
    )
    by_email = _existing("email", {r["email"] for r in records if r.get("email")}, known)
    by_phone = _existing("phone", {r["phone"] for r in records if r.get("phone")}, known)
    contacts: list[PersonRow] = []
    changed_flags: list[bool] = []
    resolve = plan.accounts.resolve
    new = plan.new
    for record in records:
        get = record.get
        email, phone = get("email"), get("phone")
        ext = get("external_id") if match_external_id or not (email or phone) else None
        contact = (
            (by_ext.get(ext) if ext else None)
            or (by_email.get(email) if email else None)
            or (by_phone.get(phone) if phone else None)
        )
        company, domain = get("company"), get("company_domain")
        account = resolve(company, domain) if company or domain else None
        if contact is None:
            contact = _person_new(record, account, ext, properties_key=properties_key, now=now)
            new.append(contact)
            # Claim its email/phone so no other record's contact takes them.
            for book, value in ((by_email, email), (by_phone, phone), (by_ext, ext)):
                if value:
                    book[value] = contact
            contacts.append(contact)
            changed_flags.append(True)
            continue
        changes = _fill_blanks(
            contact,
            record,
            account,
            ext,
            taken=(by_email, by_phone, by_ext),
            properties=get(properties_key) or _NO_PROPERTIES,
        )
        if changes and contact.pk:
            plan.changed[contact.pk] = contact
            plan.changed_fields.update(changes)
        contacts.append(contact)
        changed_flags.append(bool(changes))
    plan.new_accounts = plan.accounts.new[accounts_before:]
    return plan, contacts, changed_flags


def _person_new(
    record: dict[str, Any], account: Any, ext: str | None, *, properties_key: str, now: datetime
) -> PersonRow:
    get = record.get
    return PersonRow(
        None,
        get("email"),
        get("phone"),
        get("first_name") or "",
        get("last_name") or "",
        get("job_title") or "",
        account,
        get(properties_key) or _NO_PROPERTIES,
        ext,
        get("created_at") or now,
    )


def _free_for(owner: PersonRow | None, contact: PersonRow) -> bool:
    return owner is None or owner is contact


def _fill_blanks(
    contact: PersonRow,
    record: dict[str, Any],
    account: Account | None,
    ext: str | None,
    *,
    taken: tuple[dict[str, PersonRow], dict[str, PersonRow], dict[str, PersonRow]],
    properties: dict[str, Any],
) -> set[str]:
    by_email, by_phone, by_ext = taken
    changes: set[str] = set()
    for name in ("first_name", "last_name", "job_title"):
        value = record.get(name)
        if value and not getattr(contact, name):
            setattr(contact, name, value)
            changes.add(name)
    for name, index, value in (
        ("email", by_email, record.get("email")),
        ("phone", by_phone, record.get("phone")),
        ("external_id", by_ext, ext),
    ):
        if value and not getattr(contact, name) and _free_for(index.get(value), contact):
            setattr(contact, name, value)
            index[value] = contact
            changes.add(name)
    if account is not None and contact.account is None:
        contact.account = account
        changes.add("account")
    stored = contact.properties or {}
    new_properties = {k: v for k, v in properties.items() if k not in stored}
    if new_properties:
        contact.properties = {**stored, **new_properties}
        changes.add("properties")
    return changes


_CONTACT_COLUMNS = (
    "id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "job_title",
    "account_id",
    "properties",
    "external_id",
    "created_at",
    "updated_at",
)


def properties_merge_current(model: type[Model], rows: Iterable[Any]) -> None:
    """Merge each planned row's ``properties`` into the stored ones as they are now.

    The plan read the stored properties outside the import's transaction; a capture
    submission or an API call may have added keys since. Writing the planned dict back
    whole would drop those keys, so the stored properties are read again here, inside the
    write transaction and under row locks (PostgreSQL; on SQLite the IMMEDIATE transaction
    already excludes other writers), and the import only adds the keys they still lack.
    """
    by_pk = {row.pk: row for row in rows}
    if not by_pk:
        return
    current: dict[int, dict[str, Any]] = {}
    for batch in chunks(by_pk, CHUNK):
        locked = model._default_manager.select_for_update().filter(pk__in=batch)
        current.update(locked.values_list("pk", "properties"))
    for pk, row in by_pk.items():
        stored = current.get(pk) or {}
        added = {k: v for k, v in row.properties.items() if k not in stored}
        row.properties = {**stored, **added}


def people_save(plan: PeoplePlan, *, now: datetime) -> None:
    """Write the plan: new accounts, new contacts (ids come back), then filled blanks."""
    rows_insert(plan.new_accounts)
    for row, pk in zip(plan.new, ids_reserve(Contact, len(plan.new)), strict=True):
        row.pk = pk
    tuples_insert(
        Contact,
        _CONTACT_COLUMNS,
        (
            (
                row.pk,
                row.email,
                row.phone,
                row.first_name,
                row.last_name,
                row.job_title,
                row.account_id,
                row.properties,
                row.external_id,
                row.created_at,
                now,
            )
            for row in plan.new
        ),
    )
    if plan.changed:
        fields = sorted(plan.changed_fields)
        if "properties" in fields:
            properties_merge_current(Contact, plan.changed.values())
        instances = []
        for row in plan.changed.values():
            instance = Contact(pk=row.pk, updated_at=now)
            for name in fields:
                if name == "account":
                    instance.account_id = row.account_id
                else:
                    setattr(instance, name, getattr(row, name))
            instances.append(instance)
        Contact.objects.bulk_update(instances, [*fields, "updated_at"], batch_size=BATCH)
