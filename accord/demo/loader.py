"""Writes of the demo: its people (one login per role), the simulated company, and reset.

``demo_load`` streams the simulator's batches into the database, one transaction per batch,
and records the run in a ``DemoLoad`` row whose ``finished_at`` is set only at the very end:
a load cut short (Ctrl+C, a crash) is therefore recognisable as such by ``demo_status``, and
``accord demo`` says so instead of serving a half-loaded company as if it were whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accord.accounts.models import Department, Role, Team, User
from accord.contacts.models import Lead
from accord.core.errors import InvalidInput
from accord.demo.bulk import indexes_drop, indexes_ensure, rows_write, sequences_reset
from accord.demo.handoff_history import handoff_history_write
from accord.demo.models import DemoLoad
from accord.demo.simulator import SIZES, DemoRefs, DemoSpec, simulate
from accord.demo.tables import TABLE_ORDER, Batch
from accord.demo.tasks_history import tasks_history_write
from accord.digest.models import Digest
from accord.handoff.models import RoutingRule
from accord.pipeline.models import Deal, pipeline_default_id
from accord.quality.models import AuditTemplate, Review
from accord.tracking.models import Channel, Touchpoint

logger = logging.getLogger(__name__)

MARKETING_TEAM = "Marketing"
SMB_TEAM = "Sales: SMB"
ENTERPRISE_TEAM = "Sales: Enterprise"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    department: str
    team: str
    first_name: str
    last_name: str
    label: str  # how the login is described when printed
    enterprise: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "admin",
        "demo-admin-2026",
        Role.ADMIN,
        Department.LEADERSHIP,
        "",
        "Alex",
        "Admin",
        "Administrator",
    ),
    DemoUser(
        "marketing.manager",
        "demo-manager-2026",
        Role.MANAGER,
        Department.MARKETING,
        MARKETING_TEAM,
        "Maria",
        "Marquez",
        "Head of marketing (manager)",
    ),
    DemoUser(
        "sales.manager",
        "demo-manager-2026",
        Role.MANAGER,
        Department.SALES,
        SMB_TEAM,
        "Sam",
        "Sullivan",
        "Head of sales (manager)",
    ),
    DemoUser(
        "marketer",
        "demo-marketing-2026",
        Role.MARKETING,
        Department.MARKETING,
        MARKETING_TEAM,
        "Mia",
        "Park",
        "Marketer",
    ),
    DemoUser(
        "rep.anna",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        SMB_TEAM,
        "Anna",
        "Ivanova",
        "Sales rep",
    ),
    DemoUser(
        "rep.ben",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        SMB_TEAM,
        "Ben",
        "Carter",
        "Sales rep",
    ),
    DemoUser(
        "rep.chloe",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        SMB_TEAM,
        "Chloe",
        "Dubois",
        "Sales rep",
    ),
    DemoUser(
        "rep.dan",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        SMB_TEAM,
        "Dan",
        "Novak",
        "Sales rep",
    ),
    DemoUser(
        "rep.eva",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        ENTERPRISE_TEAM,
        "Eva",
        "Lindqvist",
        "Sales rep (enterprise)",
        enterprise=True,
    ),
    DemoUser(
        "rep.felix",
        "demo-sales-2026",
        Role.SALES,
        Department.SALES,
        ENTERPRISE_TEAM,
        "Felix",
        "Wagner",
        "Sales rep (enterprise)",
        enterprise=True,
    ),
)
DEMO_TEAMS = {
    MARKETING_TEAM: Department.MARKETING,
    SMB_TEAM: Department.SALES,
    ENTERPRISE_TEAM: Department.SALES,
}


def demo_logins() -> list[DemoUser]:
    """One login per role to print: the first demo user of each distinct description."""
    seen: set[str] = set()
    logins = []
    for user in DEMO_USERS:
        key = user.label.split(" (")[0] if user.role == Role.SALES else user.label
        if key not in seen:
            seen.add(key)
            logins.append(user)
    return logins


@dataclass(frozen=True)
class DemoStatus:
    leads: int
    touchpoints: int
    deals: int
    last_load: DemoLoad | None

    @property
    def is_empty(self) -> bool:
        return self.leads == 0

    @property
    def is_complete(self) -> bool:
        """Data from a finished demo load (or data that some other way got there)."""
        return self.last_load is None or self.last_load.finished_at is not None


def demo_indexes_repair() -> int:
    """Rebuild indexes a killed load left dropped; return how many were missing."""
    return indexes_ensure(TABLE_ORDER)


def demo_status() -> DemoStatus:
    return DemoStatus(
        leads=Lead.objects.count(),
        touchpoints=Touchpoint.objects.count(),
        deals=Deal.objects.count(),
        last_load=DemoLoad.objects.first(),
    )


def _domain_models() -> list:
    """The demo's tables and every table that depends on them, dependents first."""
    targets = {apps.get_model(label) for label in TABLE_ORDER} | {DemoLoad}
    every = apps.get_models(include_auto_created=True)

    def points_to(model, others) -> bool:
        return any(
            f.is_relation
            and (f.many_to_one or f.one_to_one)
            and f.related_model in others
            and f.related_model is not model
            for f in model._meta.concrete_fields
        )

    grown = True
    while grown:
        grown = False
        for model in every:
            if model not in targets and points_to(model, targets):
                targets.add(model)
                grown = True
    ordered: list = []
    remaining = set(targets)
    while remaining:
        # A table can go once no remaining table points at it.
        ready = sorted(
            (m for m in remaining if not any(points_to(o, {m}) for o in remaining if o is not m)),
            key=lambda m: m._meta.label,
        )
        if not ready:  # a cycle: fall back to any order; the database will say if it matters
            ready = sorted(remaining, key=lambda m: m._meta.label)
        ordered.extend(ready)
        remaining.difference_update(ready)
    return ordered


@transaction.atomic
def demo_reset() -> None:
    """Delete the simulated company (and everything that hangs off it) and the demo users."""
    models = _domain_models()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            connection.check_constraints()  # no deferred checks may be pending for TRUNCATE
            tables = ", ".join(quote(m._meta.db_table) for m in models)
            cursor.execute(f"TRUNCATE {tables}")
        else:
            for model in models:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
    # Reviews and audit templates hang off no demo table (their items and audits do, and went
    # above), so they are cleared by name of their app: the demo's own.
    Review.objects.all().delete()
    AuditTemplate.objects.all().delete()
    Digest.objects.all().delete()  # the weekly digests: snapshots of the demo's figures
    User.objects.filter(username__in=[u.username for u in DEMO_USERS]).delete()
    Team.objects.filter(name__in=DEMO_TEAMS).delete()
    logger.info("Demo data reset (%d tables).", len(models))


@transaction.atomic
def demo_staff_ensure() -> dict[str, User]:
    """Create the demo teams and users that do not exist yet; return users by username."""
    teams = {
        name: Team.objects.get_or_create(name=name, defaults={"department": department})[0]
        for name, department in DEMO_TEAMS.items()
    }
    hashes: dict[str, str] = {}
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # One hash per distinct password: hashing is deliberately slow.
            if spec.password not in hashes:
                hashes[spec.password] = make_password(spec.password)
            user = User.objects.create(
                username=spec.username,
                password=hashes[spec.password],
                email=f"{spec.username}@accord-demo.example",
                first_name=spec.first_name,
                last_name=spec.last_name,
                role=spec.role,
                department=spec.department,
                team=teams.get(spec.team),
                is_staff=spec.role == Role.ADMIN,
                is_superuser=spec.role == Role.ADMIN,
            )
        users[spec.username] = user
    _routing_rules_ensure(teams)
    return users


def _routing_rules_ensure(teams: dict[str, Team]) -> None:
    """Route live MQLs like the simulated history: large accounts to enterprise, the rest SMB."""
    rules: tuple[tuple[int, str, str, list[dict[str, Any]]], ...] = (
        (10, "Enterprise accounts (1,000+ people)", ENTERPRISE_TEAM,
         [{"field": "account.employees", "operator": "range", "value": {"min": 1000}}]),
        (100, "Everyone else", SMB_TEAM, []),
    )  # fmt: skip
    for position, name, team_name, conditions in rules:
        RoutingRule.objects.get_or_create(
            name=name,
            defaults={"position": position, "team": teams[team_name], "conditions": conditions},
        )


def _refs() -> DemoRefs:
    users = demo_staff_ensure()
    reps = [u for u in DEMO_USERS if u.role == Role.SALES]
    teams = {team.name: team.pk for team in Team.objects.filter(name__in=DEMO_TEAMS)}
    bases = {
        label: apps.get_model(label).objects.aggregate(top=Max("id"))["top"] or 0
        for label in TABLE_ORDER
    }
    return DemoRefs(
        channel_ids=dict(Channel.objects.values_list("slug", "id")),
        rep_ids=tuple(users[u.username].pk for u in reps),
        enterprise_rep_ids=tuple(users[u.username].pk for u in reps if u.enterprise),
        smb_team_id=teams.get(SMB_TEAM),
        enterprise_team_id=teams.get(ENTERPRISE_TEAM),
        marketer_id=users["marketer"].pk,
        pipeline_id=pipeline_default_id(),
        id_bases=bases,
    )


def utc_today() -> date:
    return datetime.now(UTC).date()


def demo_load(
    *,
    seed: int,
    size: str,
    anchor: date | None = None,
    leads: int | None = None,
    chunk_leads: int | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> DemoLoad:
    """Load a simulated company into an empty database; return the finished ``DemoLoad``.

    ``leads`` overrides the size's lead count (tests use a few hundred). ``on_batch`` is
    called after each committed batch with (leads, rows) written in it, for progress bars.
    """
    if size not in SIZES:
        raise InvalidInput(
            f"Unknown size {size!r}; expected one of: {', '.join(SIZES)}.", field="size"
        )
    if Lead.objects.exists():
        raise InvalidInput(
            "The database already holds leads; reset it before loading a demo company.",
            field="reset",
        )
    anchor = anchor or utc_today()
    spec = DemoSpec(
        seed=seed,
        leads=leads or SIZES[size],
        anchor=anchor,
        **({"chunk_leads": chunk_leads} if chunk_leads else {}),
    )
    refs = _refs()
    _bulk_session_tune()
    record = DemoLoad.objects.create(seed=seed, size=size, leads=spec.leads, anchor=anchor)
    counts: dict[str, int] = dict.fromkeys(TABLE_ORDER, 0)
    indexes_drop(TABLE_ORDER)
    try:
        for batch in simulate(spec, refs):
            written = _batch_write(batch)
            for label, count in written.items():
                counts[label] += count
            if on_batch:
                on_batch(written.get("contacts.Lead", 0), sum(written.values()))
    finally:
        # Also on Ctrl+C: the indexes come back even when the data is incomplete.
        indexes_ensure(TABLE_ORDER)
    record.finished_at = timezone.now()
    record.counts = counts
    record.save(update_fields=["finished_at", "counts"])
    logger.info("Demo company loaded: %s", counts)
    return record


def demo_handoff_history(*, seed: int, anchor: date, now: datetime | None = None):
    """Assignments, SLA clocks and quality ratings of the loaded company's hand-offs
    (``accord.demo.handoff_history``), as they stand ``now``."""
    today = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    return handoff_history_write(now=now or timezone.now(), seed=seed, today=today)


def demo_tasks(*, seed: int, now: datetime | None = None):
    """The reps' tasks (next steps, follow-ups, to-dos; ``accord.demo.tasks_history``)."""
    return tasks_history_write(now=now or timezone.now(), seed=seed)


def _bulk_session_tune() -> None:
    """Give this SQLite connection a large page cache for the load.

    Touchpoints carry several indexes (time, visitor, lead, contact, channel, campaign); with
    SQLite's default 2 MB cache every insert into those B-trees goes to disk, and a large
    load runs several times slower. The setting lasts for this connection only.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1000000")  # KiB: up to about 1 GB


@transaction.atomic
def _batch_write(batch: Batch) -> dict[str, int]:
    written = {label: rows_write(label, batch[label]) for label in TABLE_ORDER if label in batch}
    sequences_reset(written)
    return written
