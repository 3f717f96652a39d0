"""Task pages: "my tasks" (overdue, today, upcoming, done; a head's team too), inline create
and complete (htmx), the activity panel's posts from lead and deal pages, and the heads'
list of stale deals.

Each view: the page rule (``policy.page_required``), the object as the user may see it (else
404), one service call (its refusal shown on the field it names, nothing written), then the
page or the partial htmx swaps in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.contacts.selectors import leads_visible
from accord.core.errors import DomainError, PermissionDenied
from accord.pipeline.models import Task
from accord.pipeline.selectors import deals_visible
from accord.pipeline.services import activity_create
from accord.pipeline.tasks import selectors, services
from accord.pipeline.tasks.forms import ActivityForm, TaskFilterForm, TaskForm
from accord.pipeline.tasks.panel import (
    inbox_tabs,
    record_work,
    task_lines,
    task_owners,
    tasks_for_lines,
)
from accord.ui.paging import paged

TAB_NAMES = ("open", "overdue", "today", "upcoming", "done")


def _tab_labels() -> dict[str, str]:
    return {
        "open": _("All open"),
        "overdue": _("Overdue"),
        "today": _("Today"),
        "upcoming": _("Upcoming"),
        "done": _("Done"),
    }


def _visible_tasks(user: User):
    return selectors.tasks_visible(scope=policy.task_scope(user))


def _list_context(request: PageRequest, *, form: TaskForm | None = None, done: str = "") -> dict:
    user = request.user
    now = timezone.now()
    owners = task_owners(user)
    filters = TaskFilterForm(request.GET or None, owners=owners)
    status = request.GET.get("status") or ""
    tab = status if status in TAB_NAMES else "open"
    tasks = _visible_tasks(user)
    if owners is None:
        # A rep's page is their own tasks (others' on their records show on the record).
        tasks = tasks.filter(owner=user)
    if filters.is_valid():
        if filters.cleaned_data.get("kind"):
            tasks = tasks.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data.get("owner"):
            tasks = tasks.filter(owner=filters.cleaned_data["owner"])
        if filters.cleaned_data.get("q"):
            tasks = tasks.filter(title__icontains=filters.cleaned_data["q"])
    counts = {name: selectors.tasks_by_status(tasks, name, now=now).count() for name in TAB_NAMES}
    listed = paged(request, tasks_for_lines(selectors.tasks_by_status(tasks, tab, now=now)))
    labels = _tab_labels()
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for name in TAB_NAMES:
        query["status"] = name
        tabs.append(
            {
                "name": name,
                "label": labels[name],
                "count": counts[name],
                "url": f"?{query.urlencode()}",
                "current": name == tab,
            }
        )
    team = selectors.overdue_per_owner(scope=policy.task_scope(user), now=now) if owners else []
    return {
        "tabs": tabs,
        "tab": tab,
        "filters": filters,
        "listed": listed,
        "rows": task_lines(list(listed.rows), user=user, now=now),
        "form": form or TaskForm(owners=owners),
        "can_write": policy.resource_allowed(policy.principal_for(user), "tasks", "write"),
        "team": [
            {
                **row,
                "name": " ".join(filter(None, [row["owner__first_name"], row["owner__last_name"]]))
                or row["owner__username"],
            }
            for row in team
        ],
        "inbox_tabs": inbox_tabs(user, "tasks"),
        "done": done,
        "filtered": any(request.GET.get(name) for name in ("kind", "owner", "q")),
    }


@policy.page_required("tasks")
def task_list(request: PageRequest) -> HttpResponse:
    return render(request, "pipeline/tasks/list.html", _list_context(request))


def _task_fields(data: dict[str, Any], user: User) -> dict[str, Any]:
    owner = data.get("owner")
    return {
        "title": data["title"],
        "kind": data["kind"],
        "due_at": data["due_at"],
        "remind_at": data.get("remind_at"),
        "notes": data.get("notes") or "",
        "owner_id": owner.pk if owner else user.pk,
    }


def _form_run(form: Any, run: Any) -> bool:
    """Run ``run(cleaned_data)`` if the form is valid; a refusal goes on its field."""
    if not form.is_valid():
        return False
    try:
        run(form.cleaned_data)
    except PermissionDenied:
        raise
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


def _flash(request: PageRequest, form: Any, ok: bool, done: str) -> None:
    if ok:
        messages.success(request, done)
        return
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))


@policy.page_required("tasks")
@require_POST
def task_create(request: PageRequest) -> HttpResponse:
    policy.resource_require(policy.principal_for(request.user), "tasks", "write")
    form = TaskForm(request.POST, owners=task_owners(request.user))

    def run(data: dict[str, Any]) -> Task:
        fields = _task_fields(data, request.user)
        policy.task_owner_check(request.user, fields["owner_id"], field="owner")
        return services.task_create(created_by=request.user, **fields)

    ok = _form_run(form, run)
    done = _("Task added.")
    if not request.htmx:
        _flash(request, form, ok, done)
        return redirect("tasks:list")
    context = _list_context(request, form=None if ok else form, done=done if ok else "")
    return render(request, "pipeline/tasks/_main.html", context)


def _task_visible(user: User, task_id: int) -> Task:
    task = _visible_tasks(user).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def _task_toggle(request: PageRequest, task_id: int, *, done: bool) -> HttpResponse:
    _task_visible(request.user, task_id)
    policy.resource_require(policy.principal_for(request.user), "tasks", "write")
    if done:
        services.task_complete(task_id=task_id)
    else:
        services.task_reopen(task_id=task_id)
    if not request.htmx:
        messages.success(request, _("Task done.") if done else _("Task reopened."))
        target = request.POST.get("next") or ""
        return redirect(
            target if target.startswith("/") and not target.startswith("//") else "tasks:list"
        )
    task = tasks_for_lines(Task.objects.filter(pk=task_id)).get()
    row = task_lines([task], user=request.user)[0]
    return render(request, "pipeline/tasks/_task_row.html", {"row": row})


@policy.page_required("tasks")
@require_POST
def task_complete(request: PageRequest, task_id: int) -> HttpResponse:
    return _task_toggle(request, task_id, done=True)


@policy.page_required("tasks")
@require_POST
def task_reopen(request: PageRequest, task_id: int) -> HttpResponse:
    return _task_toggle(request, task_id, done=False)


# --- The activity panel of lead and deal pages ---------------------------------------------


def _record_where(user: User, target: str, pk: int) -> dict[str, int]:
    """``{"lead_id": pk}`` or ``{"deal_id": pk}`` for a record ``user`` sees (else 404)."""
    if target == "lead":
        if not leads_visible(user=policy.rep_scope(user)).filter(pk=pk).exists():
            raise Http404
        return {"lead_id": pk}
    if target == "deal":
        if not deals_visible(user=policy.rep_scope(user, "deals")).filter(pk=pk).exists():
            raise Http404
        return {"deal_id": pk}
    raise Http404


def _record_back(target: str, pk: int) -> HttpResponse:
    if target == "lead":
        return redirect("leads:lead_detail", lead_id=pk)
    return redirect(f"/deals/{pk}/")


def _record_answer(
    request: PageRequest, target: str, pk: int, *, name: str, form: Any, ok: bool, done: str
) -> HttpResponse:
    if not request.htmx:
        _flash(request, form, ok, done)
        return _record_back(target, pk)
    where = _record_where(request.user, target, pk)
    work = record_work(
        user=request.user, bound=None if ok else {name: form}, done=done if ok else "", **where
    )
    return render(request, "pipeline/tasks/_activities.html", {"work": work})


def _record_activity(request: PageRequest, target: str, pk: int) -> HttpResponse:
    """Log a call, e-mail, meeting or note on a lead or deal."""
    where = _record_where(request.user, target, pk)
    policy.resource_require(policy.principal_for(request.user), "activities", "write")
    form = ActivityForm(request.POST, prefix="activity")
    ok = _form_run(
        form,
        lambda data: activity_create(
            user=request.user,
            kind=data["kind"],
            outcome=data["outcome"] or "",
            at=data["at"],
            notes=data["notes"],
            **where,
        ),
    )
    return _record_answer(
        request, target, pk, name="activity", form=form, ok=ok, done=_("Activity logged.")
    )


def _record_task(request: PageRequest, target: str, pk: int) -> HttpResponse:
    """Schedule a task (a next step) on a lead or deal."""
    where = _record_where(request.user, target, pk)
    policy.resource_require(policy.principal_for(request.user), "tasks", "write")
    form = TaskForm(request.POST, prefix="task", owners=task_owners(request.user))

    def run(data: dict[str, Any]) -> Task:
        fields = _task_fields(data, request.user)
        policy.task_owner_check(request.user, fields["owner_id"], field="owner")
        return services.task_create(
            created_by=request.user,
            lead_id=where.get("lead_id"),
            deal_id=where.get("deal_id"),
            **fields,
        )

    ok = _form_run(form, run)
    return _record_answer(request, target, pk, name="task", form=form, ok=ok, done=_("Task added."))


@policy.page_required("tasks")
@require_POST
def lead_activity(request: PageRequest, lead_id: int) -> HttpResponse:
    return _record_activity(request, "lead", lead_id)


@policy.page_required("tasks")
@require_POST
def lead_task(request: PageRequest, lead_id: int) -> HttpResponse:
    return _record_task(request, "lead", lead_id)


@policy.page_required("tasks")
@require_POST
def deal_activity(request: PageRequest, deal_id: int) -> HttpResponse:
    return _record_activity(request, "deal", deal_id)


@policy.page_required("tasks")
@require_POST
def deal_task(request: PageRequest, deal_id: int) -> HttpResponse:
    return _record_task(request, "deal", deal_id)


# --- Stale deals ---------------------------------------------------------------------------


@policy.page_required("stale_deals")
def stale_deals(request: PageRequest) -> HttpResponse:
    user = request.user
    scope = policy.task_scope(user)
    owners = task_owners(user)
    owner_id = request.GET.get("owner")
    owner_ids = [int(owner_id)] if owner_id and owner_id.isdigit() else None
    team_ids = None if scope.everything else sorted(scope.team_ids)
    if owners is None:  # a rep (or a head of no sales team): their own deals
        owner_ids, team_ids = [user.pk], None
    found = selectors.deals_stale(owner_ids=owner_ids, team_ids=team_ids)
    listed = paged(request, found)
    per_rep: dict[str, int] = {}
    for item in found:
        name = str(item.deal.owner) if item.deal.owner else _("Unassigned")
        per_rep[name] = per_rep.get(name, 0) + 1
    context = {
        "listed": listed,
        "rows": listed.rows,
        "per_rep": sorted(per_rep.items(), key=lambda kv: (-kv[1], kv[0])),
        "owners": owners,
        "owner_id": owner_ids[0] if owner_ids else None,
        "inbox_tabs": inbox_tabs(user, "stale"),
    }
    return render(request, "pipeline/tasks/stale_deals.html", context)
