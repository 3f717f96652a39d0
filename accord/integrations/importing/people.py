"""Bulk matching of imported people to accounts and contacts, with ``contact_upsert``'s rules.

A record finds its contact by external id (contacts imports only), then normalised email,
then E.164 phone — all with a few ``IN`` queries for the whole file. A known contact only
gains data: blank fields are filled, nothing already set is overwritten, and an email or
phone that belongs to someone else is never moved. Nothing is written here; ``people_save``
writes what the plan decided (inside the import's transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models.functions import Lower

from accord.contacts.models import Account, Contact
from accord.integrations.importing.bulk_insert import rows_insert

CHUNK = 900  # bound the number of parameters per IN query (SQLite's historic limit is 999)
BATCH = 1000


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
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


def accounts_plan(records: list[dict[str, Any]]) -> AccountsPlan:
    plan = AccountsPlan()
    domains = {domain_normalise(r.get("company_domain")) for r in records} - {None}
    names = {r["company"].lower() for r in records if r.get("company")}
    for batch in chunks(domains):
        for account in Account.objects.filter(domain__in=batch):
            plan.by_domain[account.domain] = account
    for batch in chunks(names):
        for account in Account.objects.annotate(lname=Lower("name")).filter(lname__in=batch):
            plan.by_name.setdefault(account.name.lower(), account)
    return plan


@dataclass
class PeoplePlan:
    accounts: AccountsPlan
    new: list[Contact] = field(default_factory=list)
    changed: dict[int, Contact] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)


def _existing(field_name: str, values: set[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for batch in chunks(values):
        for contact in Contact.objects.filter(**{f"{field_name}__in": batch}):
            found[getattr(contact, field_name)] = contact
    return found


def people_plan(
    records: list[dict[str, Any]], *, match_external_id: bool, now: datetime
) -> tuple[PeoplePlan, list[Contact], list[bool]]:
    """Return the plan, each record's contact (saved or not) and whether it changed."""
    plan = PeoplePlan(accounts=accounts_plan(records))
    by_ext = (
        _existing("external_id", {r["external_id"] for r in records if r.get("external_id")})
        if match_external_id
        else {}
    )
    by_email = _existing("email", {r["email"] for r in records if r.get("email")})
    by_phone = _existing("phone", {r["phone"] for r in records if r.get("phone")})
    # One Python object per database row, so two records that reach one contact (one by
    # email, one by phone) update one row.
    shared: dict[int, Contact] = {}
    contacts: list[Contact] = []
    changed_flags: list[bool] = []
    for record in records:
        ext = record.get("external_id") if match_external_id else None
        email, phone = record.get("email"), record.get("phone")
        contact = (
            (by_ext.get(ext) if ext else None)
            or (by_email.get(email) if email else None)
            or (by_phone.get(phone) if phone else None)
        )
        account = plan.accounts.resolve(record.get("company"), record.get("company_domain"))
        if contact is None:
            contact = Contact(
                email=email,
                phone=phone,
                first_name=record.get("first_name") or "",
                last_name=record.get("last_name") or "",
                job_title=record.get("job_title") or "",
                account=account,
                properties=record["properties"],
                external_id=ext,
                created_at=record.get("created_at") or now,
            )
            plan.new.append(contact)
            # Claim its email/phone so no other record's contact takes them.
            for index, key in ((by_email, email), (by_phone, phone), (by_ext, ext)):
                if key:
                    index[key] = contact
            contacts.append(contact)
            changed_flags.append(True)
            continue
        contact = shared.setdefault(contact.pk, contact) if contact.pk else contact
        changes = _fill_blanks(contact, record, account, ext, taken=(by_email, by_phone, by_ext))
        if changes and contact.pk:
            plan.changed[contact.pk] = contact
            plan.changed_fields.update(changes)
        contacts.append(contact)
        changed_flags.append(bool(changes))
    return plan, contacts, changed_flags


def _free_for(owner: Contact | None, contact: Contact) -> bool:
    return owner is None or owner is contact or (owner.pk is not None and owner.pk == contact.pk)


def _fill_blanks(
    contact: Contact,
    record: dict[str, Any],
    account: Account | None,
    ext: str | None,
    *,
    taken: tuple[dict[str, Contact], dict[str, Contact], dict[str, Contact]],
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
    if account is not None and contact.account_id is None and contact.account is None:
        contact.account = account
        changes.add("account")
    new_properties = {
        k: v for k, v in record["properties"].items() if k not in (contact.properties or {})
    }
    if new_properties:
        contact.properties = {**(contact.properties or {}), **new_properties}
        changes.add("properties")
    return changes


def people_save(plan: PeoplePlan, *, now: datetime) -> None:
    """Write the plan: new accounts, new contacts (ids come back), then filled blanks."""
    rows_insert(plan.accounts.new)
    rows_insert(plan.new)
    if plan.changed:
        for contact in plan.changed.values():
            contact.updated_at = now
        fields = sorted(plan.changed_fields | {"updated_at"})
        Contact.objects.bulk_update(list(plan.changed.values()), fields, batch_size=BATCH)
