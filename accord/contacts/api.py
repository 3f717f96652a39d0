"""REST endpoints for accounts and contacts (leads: ``handoff.lead_api``): permission-checked
fetch, one service call, a response. Who may do what: ``accord.accounts.policy``."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.api.auth import access_require
from accord.api.batch import batch_results, upserted
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.api.schemas import BatchOut
from accord.contacts import selectors
from accord.contacts.inputs import AccountChanges, ContactChanges
from accord.contacts.models import Account, Contact
from accord.contacts.schemas import (
    TIME_ORDERINGS,
    AccountFilters,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    ContactBatchIn,
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
)
from accord.contacts.updates import (
    account_create,
    account_update,
    contact_save,
    contact_update,
)

contacts_router = Router(tags=["contacts"])
accounts_router = Router(tags=["accounts"])

# --- Accounts ---------------------------------------------------------------------------


def _account_get(account_id: int) -> Account:
    return row_or_404(Account, account_id, label="Account", field="account_id")


@accounts_router.get("", response={200: AccountPage, **COMMON_ERRORS})
def account_list(request: HttpRequest, filters: Query[AccountFilters]):
    access_require(request, "accounts", "read")
    accounts = selectors.account_list(name=filters.name, domain=filters.domain)
    return page_of(accounts, filters, allowed=TIME_ORDERINGS)


@accounts_router.post("", response={201: AccountOut, **POST_ERRORS})
def account_create_endpoint(request: HttpRequest, payload: AccountIn):
    access_require(request, "accounts", "write")
    return Status(201, account_create(**payload.dict()))


@accounts_router.get("/{account_id}", response={200: AccountOut, **COMMON_ERRORS})
def account_get(request: HttpRequest, account_id: int = IdPath):
    access_require(request, "accounts", "read")
    return _account_get(account_id)


@accounts_router.patch("/{account_id}", response={200: AccountOut, **COMMON_ERRORS})
def account_patch(request: HttpRequest, payload: AccountPatch, account_id: int = IdPath):
    access_require(request, "accounts", "write")
    _account_get(account_id)
    return account_update(
        account_id=account_id, changes=cast(AccountChanges, payload.dict(exclude_unset=True))
    )


# --- Contacts ---------------------------------------------------------------------------


def _contact_get(contact_id: int) -> Contact:
    return row_or_404(Contact, contact_id, label="Contact", field="contact_id")


@contacts_router.get("", response={200: ContactPage, **COMMON_ERRORS})
def contact_list(request: HttpRequest, filters: Query[ContactFilters]):
    access_require(request, "contacts", "read")
    contacts = selectors.contact_list(
        email=filters.email,
        account_id=filters.account_id,
        external_id=filters.external_id,
        created_after=filters.created_after,
        created_before=filters.created_before,
    )
    return page_of(contacts, filters, allowed=TIME_ORDERINGS)


@contacts_router.post("", response={200: ContactOut, 201: ContactOut, **POST_ERRORS})
def contact_create_endpoint(request: HttpRequest, payload: ContactIn):
    """Create a contact, or return the known one (200) matched by external_id, email or phone;
    a known contact only gains data (blank fields are filled)."""
    access_require(request, "contacts", "write")
    contact, created = contact_save(**payload.dict())
    return Status(201 if created else 200, contact)


@contacts_router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def contact_batch(request: HttpRequest, payload: ContactBatchIn):
    """Upsert up to 100 contacts; one result per record, each record saved on its own."""
    access_require(request, "contacts", "write")

    def write(record: ContactIn) -> tuple[str, int]:
        return upserted(contact_save(**record.dict()))

    return batch_results(payload.records, write)


@contacts_router.get("/{contact_id}", response={200: ContactOut, **COMMON_ERRORS})
def contact_get(request: HttpRequest, contact_id: int = IdPath):
    access_require(request, "contacts", "read")
    return _contact_get(contact_id)


@contacts_router.patch("/{contact_id}", response={200: ContactOut, **COMMON_ERRORS})
def contact_patch(request: HttpRequest, payload: ContactPatch, contact_id: int = IdPath):
    access_require(request, "contacts", "write")
    _contact_get(contact_id)
    return contact_update(
        contact_id=contact_id, changes=cast(ContactChanges, payload.dict(exclude_unset=True))
    )
