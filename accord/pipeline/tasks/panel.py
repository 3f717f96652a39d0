"""View models of the task pages and of the activity panel the lead and deal pages include.

The panel (``pipeline/tasks/_activities.html``, given ``work``) shows a record's recent
activities and open tasks, with the forms to log an activity and schedule a task for those
who may. ``record_work`` builds it; the lead page (handoff) and the deal page call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import Role, User
from accord.pipeline.models import Activity, Task
from accord.pipeline.tasks import selectors
from accord.pipeline.tasks.forms import ActivityForm, TaskForm

RECENT_ACTIVITIES = 10
RECORD_TASKS = 20


@dataclass(frozen=True)
class ActivityLine:
    kind: str
    outcome: str
    at: datetime
    by: str
    notes: str


@dataclass(frozen=True)
class TaskLine:
    pk: int
    title: str
    kind: str
    kind_label: str
    due_at: datetime
    remind_at: datetime | None
    done_at: datetime | None
    owner: str
    notes: str
    record_label: str
    record_url: str
    overdue: bool
    can_change: bool


def task_lines(tasks: list[Task], *, user: User, now: datetime | None = None) -> list[TaskLine]:
    """Rows for task lists (tasks read with ``owner``, ``lead__contact`` and ``deal``)."""
    now = now or timezone.now()
    can_write = policy.resource_allowed(policy.principal_for(user), "tasks", "write")
    lines = []
    for task in tasks:
        if task.deal is not None:
            label, url = task.deal.name, f"/deals/{task.deal_id}/"
        elif task.lead is not None:
            label, url = str(task.lead.contact), reverse("leads:lead_detail", args=[task.lead_id])
        else:
            label, url = "", ""
        lines.append(
            TaskLine(
                pk=task.pk,
                title=task.title,
                kind=task.kind,
                kind_label=str(task.get_kind_display()),
                due_at=task.due_at,
                remind_at=task.remind_at,
                done_at=task.done_at,
                owner=str(task.owner),
                notes=task.notes,
                record_label=label,
                record_url=url,
                overdue=task.done_at is None and task.due_at < now,
                can_change=can_write,
            )
        )
    return lines


def tasks_for_lines(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("owner", "lead__contact", "deal")


def task_owners(user: User) -> QuerySet[User] | None:
    """Whom ``user`` may give a task to, for a picker: None for a rep (only themselves)."""
    scope = policy.task_scope(user)
    people = User.objects.filter(is_active=True, role__in=(Role.SALES, Role.MANAGER))
    if scope.everything:
        return people.order_by("first_name", "last_name", "username")
    if not scope.team_ids:
        return None
    return people.filter(team_id__in=sorted(scope.team_ids)).order_by(
        "first_name", "last_name", "username"
    )


@dataclass
class RecordWork:
    """The activity panel of one lead or deal."""

    target: str  # "lead" | "deal"
    target_id: int
    activities: list[ActivityLine]
    activity_count: int
    tasks: list[TaskLine]
    activity_form: forms.Form | None = None
    task_form: forms.Form | None = None
    done: str = ""
    anchor: str = field(default="record-work")

    @property
    def log_url(self) -> str:
        return reverse(f"tasks:{self.target}_activity", args=[self.target_id])

    @property
    def task_url(self) -> str:
        return reverse(f"tasks:{self.target}_task", args=[self.target_id])


def record_work(
    *,
    user: User,
    lead_id: int | None = None,
    deal_id: int | None = None,
    bound: dict[str, forms.Form] | None = None,
    done: str = "",
) -> RecordWork:
    """The panel for ``user`` on a lead or a deal they may see (the caller checked that)."""
    bound = bound or {}
    where = {"lead_id": lead_id} if lead_id is not None else {"deal_id": deal_id}
    activities = Activity.objects.filter(**where).select_related("user").order_by("-at", "-pk")
    scope = policy.task_scope(user)
    tasks = tasks_for_lines(
        selectors.tasks_visible(scope=scope).filter(done_at__isnull=True, **where)
    ).order_by("due_at", "pk")[:RECORD_TASKS]
    principal = policy.principal_for(user)
    work = RecordWork(
        target="lead" if lead_id is not None else "deal",
        target_id=lead_id if lead_id is not None else deal_id or 0,
        activities=[
            ActivityLine(
                kind=str(a.get_kind_display()),
                outcome=str(a.get_outcome_display()) if a.outcome else "",
                at=a.at,
                by=str(a.user) if a.user else "",
                notes=a.notes,
            )
            for a in activities[:RECENT_ACTIVITIES]
        ],
        activity_count=activities.count(),
        tasks=task_lines(list(tasks), user=user),
        done=done,
    )
    if policy.resource_allowed(principal, "activities", "write"):
        work.activity_form = bound.get("activity") or ActivityForm(prefix="activity")
    if policy.resource_allowed(principal, "tasks", "write"):
        work.task_form = bound.get("task") or TaskForm(prefix="task", owners=task_owners(user))
    return work


@dataclass(frozen=True)
class InboxTab:
    name: str
    url: str
    label: str
    count: int
    current: bool


def inbox_tabs(user: User, current: str) -> list[InboxTab]:
    """The inbox area's tabs (leads, the team queue for managers, tasks, stale deals) with the
    overdue tasks and stale deals counted; none for those who do not work tasks."""
    leads = [InboxTab("inbox", reverse("handoff:inbox"), str(_("Leads")), 0, current == "inbox")]
    if policy.page_allowed(user, "team_queue"):
        leads.append(
            InboxTab("team", reverse("handoff:team"), str(_("Team queue")), 0, current == "team")
        )
    if not policy.page_allowed(user, "tasks"):
        return leads if len(leads) > 1 else []
    now = timezone.now()
    scope = policy.task_scope(user)
    tasks = selectors.tasks_visible(scope=scope)
    if task_owners(user) is None:
        tasks = tasks.filter(owner=user)
    overdue = selectors.tasks_by_status(tasks, "overdue", now=now).count()
    stale = len(selectors.deals_stale(now=now, owner_ids=[user.pk], limit=500))
    return [
        *leads,
        InboxTab("tasks", reverse("tasks:list"), str(_("Tasks")), overdue, current == "tasks"),
        InboxTab(
            "stale",
            reverse("tasks:stale_deals"),
            str(_("Stale deals")),
            stale,
            current == "stale",
        ),
    ]
