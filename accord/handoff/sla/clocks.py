"""SLA clocks: started by an assignment, stopped by the actions that satisfy them.

Routing and sales actions call these functions inside their own transaction, so a clock
exists exactly when its assignment does. Warnings
and breaches are the worker's business (``accord.handoff.jobs``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.core.errors import InvalidInput, NotFound
from accord.core.prepared import PreparedQuery, RowShape
from accord.core.timeutils import aware_required
from accord.handoff import rules
from accord.handoff.models import (
    AgreementVersion,
    BusinessCalendar,
    ClockKind,
    SlaClock,
    SlaEvent,
    SlaEventKind,
    VersionStatus,
)

logger = logging.getLogger(__name__)

# With no calendar at all (every calendar deleted), clocks run around the clock rather than
# not at all: a missing calendar must not silently switch the SLA off.
_ALWAYS = rules.Calendar(
    zone=rules.time_zone_parse("UTC"),
    week=tuple(((0, rules.MINUTES_PER_DAY),) for _ in rules.WEEKDAYS),
)


# Compiled once per process: every assignment starts clocks, inside the transaction that
# made the lead an MQL (see ``accord.handoff.routing.statements``).
_version_active = PreparedQuery(
    lambda: AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).order_by(
        "-activated_at", "-pk"
    ),
    examples=(),
)
# The team's own calendar (lowest id) if it has one, else the default: one statement.
# Non-default calendars sort first, and only the team's own can be non-default here (a team
# that owns the default calendar and another one gets the other one).
_calendar_of_team_or_default = PreparedQuery(
    lambda team_id: BusinessCalendar.objects.filter(
        Q(team_id=team_id) | Q(is_default=True)
    ).order_by("is_default", "pk"),
    examples=(-1,),
)
_calendar_default = PreparedQuery(
    lambda: BusinessCalendar.objects.filter(is_default=True), examples=()
)
# A new owner's clocks and their "started" events: one multi-row INSERT each.
_CLOCK_ROW = RowShape(
    SlaClock,
    ("lead_id", "kind", "agreement_version_id", "owner_id", "calendar_id", "started_at",
     "due_at", "warn_at"),
)  # fmt: skip
_EVENT_ROW = RowShape(SlaEvent, ("clock_id", "kind", "at", "details"))
_running_all = PreparedQuery(
    lambda lead_id: (
        SlaClock.objects.select_for_update()
        .filter(lead_id=lead_id, kind__in=list(ClockKind.values), stopped_at__isnull=True)
        .order_by("pk")
    ),
    examples=(-1,),
)
_lead_start_facts = PreparedQuery(
    lambda pk: Lead.objects.filter(pk=pk).only("pk", "score", "team_id"), examples=(-1,)
)
_user_team = PreparedQuery(
    lambda pk: User.objects.filter(pk=pk).only("pk", "team_id"), examples=(-1,)
)


def version_active() -> AgreementVersion | None:
    """The agreement version in force (the most recently activated, if several agreements)."""
    return _version_active.first()


def calendar_for(*, team_id: int | None) -> BusinessCalendar | None:
    """The team's calendar, else the default one."""
    if team_id is not None:
        return _calendar_of_team_or_default.first(team_id)
    return _calendar_default.first()


def calendar_rules(calendar: BusinessCalendar | None) -> rules.Calendar:
    if calendar is None:
        return _ALWAYS
    return _calendar_parsed(
        calendar.time_zone,
        json.dumps(calendar.working_hours, sort_keys=True),
        json.dumps(calendar.holidays),
    )


@lru_cache(maxsize=64)
def _calendar_parsed(time_zone: str, working_hours: str, holidays: str) -> rules.Calendar:
    # Keyed by the stored values themselves, so an edited calendar is parsed afresh.
    return rules.calendar_parse(
        time_zone=time_zone,
        working_hours=json.loads(working_hours),
        holidays=json.loads(holidays),
    )


def _running(lead_id: int, kinds: Iterable[str]) -> list[SlaClock]:
    kinds = list(kinds)
    if set(kinds) == set(ClockKind.values):
        return _running_all.all(lead_id)
    return list(
        SlaClock.objects.select_for_update()
        .filter(lead_id=lead_id, kind__in=kinds, stopped_at__isnull=True)
        .order_by("pk")
    )


def _stop(clocks: list[SlaClock], *, at: datetime, reason: str) -> int:
    for clock in clocks:
        clock.stopped_at = at
        clock.stop_reason = reason[:40]
        clock.save(update_fields=["stopped_at", "stop_reason"])
        SlaEvent.objects.create(
            clock=clock,
            kind=SlaEventKind.STOPPED,
            at=at,
            details={"reason": reason, "late": at > clock.due_at},
        )
    return len(clocks)


def sla_clocks_start(*, lead_id: int, owner_id: int, at: datetime | None = None) -> list[SlaClock]:
    """Start the active agreement's clocks for a lead just given to ``owner_id``.

    Clocks still running for the lead (a previous owner's) stop with reason ``reassigned``:
    the new owner gets the agreement's full time. Deadlines are computed now, in business
    time of the calendar of the lead's team (else the owner's team, else the default), and
    never move afterwards. With no active agreement nothing starts.
    """
    at = aware_required(at, field="at")
    with transaction.atomic():
        lead = _lead_start_facts.first(lead_id)
        if lead is None:
            raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
        owner = _user_team.first(owner_id)
        if owner is None:
            raise InvalidInput(f"User {owner_id} does not exist.", field="owner_id")
        return sla_clocks_start_known(
            lead_id=lead_id,
            score=lead.score,
            calendar_team_id=lead.team_id or owner.team_id,
            owner_id=owner_id,
            at=at,
        )


def sla_clocks_start_known(
    *, lead_id: int, score: int, calendar_team_id: int | None, owner_id: int, at: datetime
) -> list[SlaClock]:
    """``sla_clocks_start`` for a caller that has the lead locked and knows its score and the
    team whose calendar applies (routing, in the transaction of the assignment)."""
    with transaction.atomic(savepoint=False):
        _stop(_running(lead_id, ClockKind.values), at=at, reason="reassigned")
        version = version_active()
        if version is None:
            logger.warning("No active agreement: no SLA clocks for lead %s.", lead_id)
            return []
        calendar = calendar_for(team_id=calendar_team_id)
        plans = rules.clocks_plan(
            version.content, score=score, start=at, calendar=calendar_rules(calendar)
        )
        started = [
            SlaClock(
                lead_id=lead_id,
                kind=plan.kind,
                agreement_version=version,
                owner_id=owner_id,
                calendar=calendar,
                started_at=at,
                due_at=plan.due_at,
                warn_at=plan.warn_at,
            )
            for plan in plans
        ]
        _clocks_insert(started, details={"owner_id": owner_id, "version": version.number})
    logger.info("SLA clocks started for lead %s (owner %s).", lead_id, owner_id)
    return started


def _rows_insert(shape: RowShape, rows: list[tuple]) -> list[int]:
    """INSERT ``rows`` in one statement; their new ids, in order (as ``bulk_create`` relies
    on: PostgreSQL and SQLite return the rows of a multi-row VALUES in order)."""
    values = f"({shape.values(connection)})"
    sql = (
        f"INSERT INTO {shape.table(connection)} ({shape.columns(connection)}) "
        f"VALUES {', '.join([values] * len(rows))} "
        f"RETURNING {connection.ops.quote_name(shape.model._meta.pk.attname)}"
    )
    params = [p for row in rows for p in shape.params(row, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _clocks_insert(clocks: list[SlaClock], *, details: dict) -> None:
    """Insert new clocks and a ``started`` event for each (the clock rows get their ids)."""
    if not clocks:
        return
    if (
        _CLOCK_ROW.has_save_receivers()
        or _EVENT_ROW.has_save_receivers()
        or not connection.features.can_return_rows_from_bulk_insert
    ):
        for clock in clocks:
            clock.save(force_insert=True)
            SlaEvent.objects.create(clock=clock, kind=SlaEventKind.STARTED, at=clock.started_at,
                                    details=details)  # fmt: skip
        return
    ids = _rows_insert(
        _CLOCK_ROW,
        [
            (c.lead_id, str(c.kind), c.agreement_version_id, c.owner_id, c.calendar_id,
             c.started_at, c.due_at, c.warn_at)
            for c in clocks
        ],
    )  # fmt: skip
    for clock, pk in zip(clocks, ids, strict=True):
        clock.pk = pk
        clock._state.adding = False
        clock._state.db = connection.alias
    _rows_insert(
        _EVENT_ROW, [(c.pk, SlaEventKind.STARTED.value, c.started_at, details) for c in clocks]
    )


def sla_clocks_stop(
    *,
    lead_id: int,
    reason: str,
    at: datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> int:
    """Stop the lead's running clocks that an action satisfied; return how many stopped.

    ``kinds`` defaults to what ``reason`` satisfies (``rules.STOPS``: accepted, rejected,
    attempt_logged, reassigned, closed). A clock stopped after its deadline stays breached.
    """
    at = aware_required(at, field="at")
    if kinds is None:
        if reason not in rules.STOPS:
            raise InvalidInput(f"Unknown stop reason {reason!r}.", field="reason")
        kinds = rules.STOPS[reason]
    kinds = [str(kind) for kind in kinds]
    unknown = sorted(set(kinds) - set(ClockKind.values))
    if unknown:
        raise InvalidInput(f"Unknown clock kind {unknown[0]!r}.", field="kinds")
    with transaction.atomic():
        stopped = _stop(_running(lead_id, kinds), at=at, reason=reason)
    if stopped:
        logger.info("%s SLA clock(s) of lead %s stopped: %s.", stopped, lead_id, reason)
    return stopped


def clock_business_remaining(clock: SlaClock, *, now: datetime | None = None) -> float:
    """Business minutes left before the clock's deadline (negative: minutes overdue)."""
    now = now or timezone.now()
    calendar = calendar_rules(clock.calendar)
    if now <= clock.due_at:
        return rules.business_duration(now, clock.due_at, calendar).total_seconds() / 60
    return -rules.business_duration(clock.due_at, now, calendar).total_seconds() / 60
