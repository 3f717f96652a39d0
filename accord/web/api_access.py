"""The API access page's table: what each role may do to each API resource.

Computed from the policy (``writes_of``, ``OWNED_RESOURCES``) over example people of each
role, so the page says what the code enforces, not what someone once wrote down.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accord.accounts.api_keys import RESOURCES
from accord.accounts.models import Department, Role, User
from accord.accounts.policy import writes_of
from accord.accounts.policy.roles import OWNED_RESOURCES


@dataclass(frozen=True)
class RoleColumn:
    label: str | Promise
    person: User  # an unsaved example of the role, asked nothing but the policy
    is_yours: bool


@dataclass(frozen=True)
class ScopeRow:
    resource: str
    cells: list[str | Promise]


@dataclass(frozen=True)
class ScopeTable:
    columns: list[RoleColumn]
    rows: list[ScopeRow]


def _examples() -> list[tuple[str | Promise, User]]:
    return [
        (Role.MARKETING.label, User(role=Role.MARKETING, department=Department.MARKETING)),
        (Role.SALES.label, User(role=Role.SALES, department=Department.SALES)),
        (_("Marketing manager"), User(role=Role.MANAGER, department=Department.MARKETING)),
        (_("Sales manager"), User(role=Role.MANAGER, department=Department.SALES)),
        (_("Leadership"), User(role=Role.MANAGER, department=Department.LEADERSHIP)),
        (Role.ADMIN.label, User(role=Role.ADMIN)),
    ]


def _same_rights(a: User, b: User) -> bool:
    if b.is_superuser:
        return a.role == Role.ADMIN
    return a.role == b.role and (a.role != Role.MANAGER or a.department == b.department)


def _cell(person: User, resource: str) -> str | Promise:
    own_only = person.role == Role.SALES and resource in OWNED_RESOURCES
    if resource in writes_of(person):
        return _("read, write (own)") if own_only else _("read, write")
    return _("read (own)") if own_only else _("read")


def scope_table(viewer: User) -> ScopeTable:
    columns = [
        RoleColumn(label=label, person=person, is_yours=_same_rights(person, viewer))
        for label, person in _examples()
    ]
    rows = [
        ScopeRow(resource=resource, cells=[_cell(c.person, resource) for c in columns])
        for resource in RESOURCES
    ]
    return ScopeTable(columns=columns, rows=rows)
