"""The SQL routing runs for every MQL, compiled once per process.

Routing runs inside the transaction that makes a lead an MQL (``accord.handoff.hooks``), so
every statement it compiles per call is paid by each MQL while that transaction holds the
lead's row lock (on SQLite: the database's one write lock). The ORM spends ~0.2-0.5 ms of
Python compiling each query against ~0.02 ms for the database to run it; these statements
are compiled once (``accord.core.prepared``) and give exactly what the ORM would. Rare paths
(the fallback queue, manual reassignment) keep the plain ORM.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from accord.accounts.models import Role, User
from accord.contacts.models import Account, Contact, Lead
from accord.core.prepared import PreparedQuery
from accord.handoff.models import Assignment, RoutingCursor, RoutingRule, RoutingWarning
from accord.tracking.models import Campaign, Channel

#: Roles round robin gives leads to (managers take leads only by reassignment).
REP_ROLES = (Role.SALES,)

lead_locked = PreparedQuery(
    lambda pk: Lead.objects.select_for_update().filter(pk=pk), examples=(-1,)
)
contact_by_pk = PreparedQuery(lambda pk: Contact.objects.filter(pk=pk), examples=(-1,))
account_by_pk = PreparedQuery(lambda pk: Account.objects.filter(pk=pk), examples=(-1,))
user_by_pk = PreparedQuery(lambda pk: User.objects.filter(pk=pk), examples=(-1,))
channel_by_pk = PreparedQuery(lambda pk: Channel.objects.filter(pk=pk), examples=(-1,))
campaign_by_pk = PreparedQuery(lambda pk: Campaign.objects.filter(pk=pk), examples=(-1,))
rules_active = PreparedQuery(
    lambda: RoutingRule.objects.filter(is_active=True, team__is_active=True).order_by(
        "position", "pk"
    ),
    examples=(),
)
cursor_locked = PreparedQuery(
    lambda team_id: RoutingCursor.objects.select_for_update().filter(team_id=team_id),
    examples=(-1,),
)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _sql(name: str, vendor: str) -> str:
    """The raw statements below, with table names quoted for ``vendor``."""
    assignment, lead, user = _table(Assignment), _table(Lead), _table(User)
    roles = ", ".join(f"'{role}'" for role in REP_ROLES)  # our own constants
    lead_owner = (
        f'UPDATE {lead} SET "owner_id" = %s, "team_id" = %s, "updated_at" = %s WHERE "id" = %s'
    )
    warnings_resolve = (
        f'UPDATE {_table(RoutingWarning)} SET "resolved_at" = %s '
        f'WHERE "lead_id" = %s AND "resolved_at" IS NULL'
    )
    cursor_advance = (
        f'UPDATE {_table(RoutingCursor)} SET "assigned_count" = "assigned_count" + 1, '
        f'"last_user_id" = %s, "last_assigned_at" = %s WHERE "id" = %s'
    )
    return {
        # A team's reps with what each received since a moment (the quota window's load).
        "team_loads": (
            f'SELECT u."id", u."monthly_capacity", u."is_active", u."is_out_of_office", '
            f'COUNT(a."id"), MAX(a."at") FROM {user} u '
            f'LEFT JOIN {assignment} a ON a."to_user_id" = u."id" AND a."at" >= %s '
            # A test lead (the mystery shopper's) takes none of the rep's quota.
            f'AND NOT EXISTS (SELECT 1 FROM {lead} t WHERE t."id" = a."lead_id" AND t."is_test") '
            f'WHERE u."team_id" = %s AND u."role" IN ({roles}) '
            f'GROUP BY u."id", u."monthly_capacity", u."is_active", u."is_out_of_office" '
            f'ORDER BY u."id"'
        ),
        "lead_owner": lead_owner,
        "warnings_resolve": warnings_resolve,
        "cursor_advance": cursor_advance,
        # PostgreSQL: the three writes of an assignment in one round trip (data-modifying
        # CTEs; a NULL cursor id advances nothing). SQLite runs them one by one, at no
        # round-trip cost.
        "assigned_writes": (
            f"WITH w AS ({warnings_resolve} RETURNING 1), c AS ({cursor_advance} RETURNING 1) "
            f"{lead_owner}"
        ),
    }[name]


def _at(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _datetime(value: Any) -> datetime | None:
    """A timestamp read by raw SQL as the ORM gives it: aware, in UTC (SQLite returns text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def team_loads(
    *, team_id: int, since: datetime
) -> list[tuple[int, int, bool, bool, int, datetime | None]]:
    """A team's reps, by id: ``(user_id, monthly_capacity, is_active, is_out_of_office,
    leads received since, last received at)``, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_sql("team_loads", connection.vendor), [_at(since), team_id])
        return [
            (user_id, capacity, bool(active), bool(away), n, _datetime(last))
            for user_id, capacity, active, away, n, last in cursor.fetchall()
        ]


def assigned_writes(
    *,
    lead_id: int,
    owner_id: int,
    team_id: int | None,
    at: datetime,
    cursor_id: int | None = None,
) -> None:
    """An assignment's writes besides its row: the lead's owner and team, its open routing
    warnings resolved, and (round robin) the team's cursor advanced."""
    stamp = _at(at)
    owner = [owner_id, team_id, stamp, lead_id]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = [stamp, lead_id, owner_id, stamp, cursor_id, *owner]
            cursor.execute(_sql("assigned_writes", connection.vendor), params)
            return
        cursor.execute(_sql("lead_owner", connection.vendor), owner)
        cursor.execute(_sql("warnings_resolve", connection.vendor), [stamp, lead_id])
        if cursor_id is not None:
            cursor.execute(_sql("cursor_advance", connection.vendor), [owner_id, stamp, cursor_id])
