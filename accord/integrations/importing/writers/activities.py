"""Activities and tasks (HubSpot engagements, Salesforce tasks and events) in one file.

Each row is a logged activity (a call, e-mail, meeting or note) or a task: a ``task`` row,
or a call, e-mail or meeting whose status is open (a next step not taken yet). An activity
belongs to a deal (``deal_external_id``) or to the lead its link keys find; a task may also
belong to nobody's record (a personal task) but needs an owner: the file's owner e-mail, else
the owner of its deal or lead.

Importing the same file again creates nothing new: tasks are matched by external id,
activities by their record, kind and time. History is kept as it was: done tasks keep their
times, open tasks past due are imported as they are (the file records the past), and those
due before today count as already told (no flood of overdue notices after an import).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from accord.contacts.models import Lead
from accord.integrations.importing.bulk_insert import rows_insert
from accord.integrations.importing.linking import LeadLinker
from accord.integrations.importing.people import BATCH, chunks
from accord.integrations.importing.schemas import LINK_KEYS
from accord.integrations.importing.validate import Record, RowError
from accord.integrations.importing.writers.plan import WritePlan, column
from accord.pipeline.models import Activity, ActivityOutcome, Deal, Task, TaskKind

_OUTCOMES: dict[str, str] = {
    **{o.value: o.value for o in ActivityOutcome if o.value},
    **{str(o.label).lower(): o.value for o in ActivityOutcome if o.value},
    "answered": "connected",
    "busy": "no_answer",
    "not reached": "no_answer",
    "no answer": "no_answer",
    "left voicemail": "voicemail",
    "left voice mail": "voicemail",
    "left live message": "voicemail",
    "wrong number": "wrong_number",
    "meeting booked": "meeting_booked",
    "meeting scheduled": "meeting_booked",
}
#: "Completed" says a call connected and a meeting was held.
_COMPLETED = {"call": "connected", "meeting": "held", "email": "sent"}
_TASK_FIELDS = ("title", "kind", "due_at", "done_at", "notes", "owner_id", "lead_id", "deal_id")


def _outcome(kind: str, value: str | None) -> tuple[str, bool]:
    """``(outcome, understood)``; an outcome we do not know is dropped (and counted)."""
    if not value:
        return "", True
    key = value.strip().lower().replace("_", " ")
    if key in ("completed", "complete", "done"):
        return _COMPLETED.get(kind, ""), True
    found = _OUTCOMES.get(key) or _OUTCOMES.get(key.replace(" ", "_"))
    return (found, True) if found else ("", False)


def _seconds(value: str | None) -> int:
    """``HH:MM:SS``, ``MM:SS`` or a number of seconds; anything else is 0."""
    if not value:
        return 0
    text = value.strip()
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        total = 0
        for part in text.split(":"):
            total = total * 60 + int(part)
        return total
    return int(float(text)) if re.fullmatch(r"\d+(\.\d+)?", text) else 0


def _is_task(record: Record) -> bool:
    kind = record["type"]
    return kind == "task" or (kind != "note" and record.get("status") == "open")


class _Records:
    """The deals and lead owners a file's rows name, read in a few ``IN`` queries."""

    def __init__(self, records: list[Record]) -> None:
        self.deals: dict[str, tuple[int, int | None, int | None]] = {}
        for batch in chunks({r["deal_external_id"] for r in records if r.get("deal_external_id")}):
            for ext, pk, owner_id, lead_id in Deal.objects.filter(
                external_id__in=batch
            ).values_list("external_id", "pk", "owner_id", "lead_id"):
                self.deals[str(ext)] = (pk, owner_id, lead_id)
        self.linker = LeadLinker(records)
        self.lead_owner: dict[int, int | None] = {}

    def owners_load(self, lead_ids: set[int]) -> None:
        for batch in chunks(lead_ids):
            self.lead_owner.update(Lead.objects.filter(pk__in=batch).values_list("pk", "owner_id"))


def _link(
    record: Record, books: _Records, columns: dict[str, str]
) -> tuple[int | None, int | None, RowError | None]:
    """``(lead_id, deal_id, error)``: the deal it names, else the lead its keys find."""
    ext = record.get("deal_external_id")
    if ext:
        deal = books.deals.get(ext)
        if deal is None:
            missing = f"No deal has the external id {ext!r}."
            return (
                None,
                None,
                RowError(record["_row"], column(columns, "deal_external_id"), missing),
            )
        return None, deal[0], None
    lead_id, _contact, problem = books.linker.link(record, at=record.get("at"), need_lead=True)
    if problem:
        key = next(k for k in LINK_KEYS if record.get(k))
        return None, None, RowError(record["_row"], column(columns, key), problem)
    return lead_id, None, None


class _Planner:
    def __init__(self, records: list[Record], *, now: datetime, columns: dict[str, str]):
        self.now, self.columns = now, columns
        self.plan = WritePlan()
        self.books = _Records(records)
        self.tasks_by_ext: dict[str, Task] = {}
        for batch in chunks({r["external_id"] for r in records if r.get("external_id")}):
            self.tasks_by_ext.update(
                {
                    t.external_id: t
                    for t in Task.objects.filter(external_id__in=batch)
                    if t.external_id
                }
            )
        self.new_tasks: list[Task] = []
        self.changed_tasks: list[Task] = []
        self.new_activities: list[Activity] = []
        self.counts = {"unknown_outcome": 0, "overdue": 0, "personal": 0}

    def error(self, record: Record, field: str, message: str) -> None:
        self.plan.errors.append(RowError(record["_row"], column(self.columns, field), message))

    def owner_of(self, record: Record, lead_id: int | None, deal_id: int | None) -> int | None:
        if record.get("owner_id"):
            return record["owner_id"]
        if deal_id is not None:
            deal = next((d for d in self.books.deals.values() if d[0] == deal_id), None)
            if deal and deal[1]:
                return deal[1]
        return self.books.lead_owner.get(lead_id) if lead_id is not None else None

    def task(self, record: Record, lead_id: int | None, deal_id: int | None) -> None:
        owner_id = self.owner_of(record, lead_id, deal_id)
        if owner_id is None:
            self.error(
                record,
                "owner_email",
                "A task needs an owner: map the owner e-mail "
                "column, or link the task to a lead or deal that has an owner.",
            )
            return
        kind = record["type"] if record["type"] in TaskKind.values else TaskKind.TODO
        due = record.get("due_at") or record["at"]
        done = record.get("status") == "done"
        values: dict[str, Any] = {
            "title": (record.get("title") or str(TaskKind(kind).label))[:200],
            "kind": kind,
            "due_at": due,
            "done_at": (record.get("at") or due) if done else None,
            "notes": record.get("notes") or "",
            "owner_id": owner_id,
            "lead_id": lead_id,
            "deal_id": deal_id,
        }
        overdue = not done and due < self.now
        self.counts["overdue"] += overdue
        self.counts["personal"] += lead_id is None and deal_id is None
        told = (
            due + timedelta(minutes=1) if overdue and due < self.now - timedelta(days=1) else None
        )
        found = self.tasks_by_ext.get(record["external_id"]) if record.get("external_id") else None
        if found is None:
            self.new_tasks.append(
                Task(
                    **values,
                    external_id=record.get("external_id"),
                    created_at=min(due, self.now),
                    overdue_notified_at=told,
                )
            )
            self.plan.created += 1
        elif any(getattr(found, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(found, key, value)
            self.changed_tasks.append(found)
            self.plan.updated += 1
        else:
            self.plan.unchanged += 1

    def activity(self, record: Record, lead_id: int | None, deal_id: int | None) -> None:
        if lead_id is None and deal_id is None:
            self.error(
                record,
                "type",
                "An activity belongs to a lead or a deal: map a deal "
                "external id, lead external id, contact external id, e-mail or phone.",
            )
            return
        kind = record["type"]
        outcome, understood = _outcome(kind, record.get("outcome"))
        self.counts["unknown_outcome"] += not understood
        self.new_activities.append(
            Activity(
                kind=kind,
                outcome=outcome,
                at=record.get("at") or record["due_at"],
                lead_id=lead_id,
                deal_id=deal_id,
                user_id=record.get("owner_id"),
                duration_seconds=_seconds(record.get("duration")),
                notes=record.get("notes") or record.get("title") or "",
            )
        )

    def known_activities_drop(self) -> None:
        """Activities stored already (same record, kind and time) are not written again."""
        keys = {(a.lead_id, a.deal_id, a.kind, a.at) for a in self.new_activities}
        stored: set[tuple] = set()
        for field in ("lead_id", "deal_id"):
            ids = {k[0] if field == "lead_id" else k[1] for k in keys} - {None}
            for batch in chunks(ids):
                stored.update(
                    Activity.objects.filter(**{f"{field}__in": batch}).values_list(
                        "lead_id", "deal_id", "kind", "at"
                    )
                )
        fresh = [
            a for a in self.new_activities if (a.lead_id, a.deal_id, a.kind, a.at) not in stored
        ]
        self.plan.unchanged += len(self.new_activities) - len(fresh)
        self.plan.created += len(fresh)
        self.new_activities = fresh


def activities_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str], **_: Any
) -> WritePlan:
    planner = _Planner(records, now=now, columns=columns)
    linked = []
    for record in records:
        lead_id, deal_id, error = _link(record, planner.books, columns)
        if error:
            planner.plan.errors.append(error)
            continue
        linked.append((record, lead_id, deal_id))
    planner.books.owners_load({lead_id for _r, lead_id, _d in linked if lead_id is not None})
    for record, lead_id, deal_id in linked:
        if _is_task(record):
            planner.task(record, lead_id, deal_id)
        else:
            planner.activity(record, lead_id, deal_id)
    planner.known_activities_drop()
    plan = planner.plan
    activities, tasks = len(planner.new_activities), len(planner.new_tasks)
    plan.notes.append(f"{activities} activit(y/ies) and {tasks} new task(s) to write.")
    plan.notes.append(planner.books.linker.note("Activities and tasks"))
    if planner.counts["unknown_outcome"]:
        plan.notes.append(
            f"Warning: {planner.counts['unknown_outcome']} outcome(s) are not ones Accord knows "
            "(connected, no answer, voicemail, wrong number, sent, replied, meeting booked, "
            "held); those activities are stored without an outcome."
        )
    if planner.counts["overdue"]:
        plan.notes.append(
            f"{planner.counts['overdue']} open task(s) are past due; their owners are told of "
            "those due since yesterday only."
        )

    def apply() -> None:
        rows_insert(planner.new_activities)
        rows_insert(planner.new_tasks)
        for task in planner.changed_tasks:
            task.updated_at = now
        if planner.changed_tasks:
            Task.objects.bulk_update(
                planner.changed_tasks, [*_TASK_FIELDS, "updated_at"], batch_size=BATCH
            )

    plan.apply = apply
    return plan
