"""What the contacts services take from the API and integrations, typed.

A change (``...Changes``) is a ``TypedDict`` with every key optional: a PATCH's "field not
sent" is a missing key and "sent as null" is a key holding ``None`` — the distinction a
partial update must keep, which a dataclass with ``None`` defaults would lose. Endpoints
build them once from the validated schema (``payload.dict(exclude_unset=True)``).
"""

from __future__ import annotations

from typing import Any, TypedDict


class AccountChanges(TypedDict, total=False):
    name: str | None
    domain: str | None
    industry: str | None
    employees: int | None
    country: str | None
    owner_id: int | None
    properties: dict[str, Any] | None
    external_id: str | None


class ContactChanges(TypedDict, total=False):
    email: str | None
    phone: str | None
    #: ISO country for a phone number written without +.
    phone_region: str | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    account_id: int | None
    properties: dict[str, Any] | None
    external_id: str | None


class ContactFields(TypedDict, total=False):
    """A person as an integration sends it (``contact_save``); matched or created."""

    email: str | None
    phone: str | None
    phone_region: str | None
    first_name: str
    last_name: str
    job_title: str
    properties: dict[str, Any]


class LeadChanges(TypedDict, total=False):
    """Only ``properties`` and ``external_id`` change here; the other keys are accepted so
    that naming them is refused with the service that owns them (``lead_changes_check``)."""

    properties: dict[str, Any] | None
    external_id: str | None
    owner_id: int | None
    grade: str | None
