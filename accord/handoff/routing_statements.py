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
team_reps = PreparedQuery(
    lambda team_id: User.objects.filter(team_id=team_id, role__in=REP_ROLES).order_by("pk"),
    examples=(-1,),
)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _sql(name: str, vendor: str) -> str:
    """The raw statements below, with table names quoted for ``vendor``."""
    assignment, lead, user = _table(Assignment), _table(Lead), _table(User)
    return {
        # What each member of a team received since a moment: the quota window's load.
        "received": (
            f'SELECT a."to_user_id", COUNT(*), MAX(a."at") FROM {assignment} a '
            f'INNER JOIN {user} u ON u."id" = a."to_user_id" '
            f'WHERE u."team_id" = %s AND a."at" >= %s GROUP BY a."to_user_id"'
        ),
        "lead_owner": (
            f'UPDATE {lead} SET "owner_id" = %s, "team_id" = %s, "updated_at" = %s WHERE "id" = %s'
        ),
        "warnings_resolve": (
            f'UPDATE {_table(RoutingWarning)} SET "resolved_at" = %s '
            f'WHERE "lead_id" = %s AND "resolved_at" IS NULL'
        ),
        "cursor_advance": (
            f'UPDATE {_table(RoutingCursor)} SET "assigned_count" = "assigned_count" + 1, '
            f'"last_user_id" = %s, "last_assigned_at" = %s WHERE "id" = %s'
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


def received_since(*, team_id: int, since: datetime) -> dict[int, tuple[int, datetime | None]]:
    """``{user_id: (leads received since, last received at)}`` for a team's members."""
    with connection.cursor() as cursor:
        cursor.execute(_sql("received", connection.vendor), [team_id, _at(since)])
        return {user_id: (n, _datetime(last)) for user_id, n, last in cursor.fetchall()}


def lead_owner_set(*, lead_id: int, owner_id: int | None, team_id: int | None, at: datetime):
    with connection.cursor() as cursor:
        cursor.execute(_sql("lead_owner", connection.vendor), [owner_id, team_id, _at(at), lead_id])


def warnings_resolve(*, lead_id: int, at: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_sql("warnings_resolve", connection.vendor), [_at(at), lead_id])


def cursor_advance(*, cursor_id: int, user_id: int, at: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_sql("cursor_advance", connection.vendor), [user_id, _at(at), cursor_id])
