"""Sales inbox, manager view, marketing view, notifications and the one-click lead actions.

Every view is: permission-checked fetch → one service call → a template. Actions answer an
htmx request with the re-rendered inbox row (so the rep never leaves the page) and a plain
form post with a redirect back. The policy is asked BEFORE anything is validated or drawn:
another rep's lead answers 404 and a lead the user may not act on 403, whatever was posted
(an error path that drew the row first once leaked other reps' leads).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.core.errors import DomainError, PermissionDenied
from accord.handoff.agreement.terms import rejection_reasons
from accord.handoff.inbox import actions
from accord.handoff.inbox import selectors as queues
from accord.handoff.inbox.feedback import feedback_by, lead_rate
from accord.handoff.inbox.forms import InboxFilterForm, MqlStatusForm
from accord.handoff.inbox.mql_status import PAGE_SIZE, STATUS_LABELS, mql_rows, mql_status
from accord.handoff.models import Notification
from accord.handoff.notifications import notifications_mark_read, unread_count
from accord.handoff.routing.assignment import lead_reassign
from accord.handoff.sla.shown import sla_shown
from accord.pipeline.models import ActivityKind, ActivityOutcome
from accord.pipeline.tasks.panel import inbox_tabs
from accord.ui.paging import paged


def _inbox_context() -> dict:
    return {
        "reasons": rejection_reasons(),
        "activity_kinds": [k for k in ActivityKind.choices if k[0] != ActivityKind.NOTE],
        "outcomes": [o for o in ActivityOutcome.choices if o[0]],
    }


@login_required
def inbox(request: PageRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    listed = paged(request, queues.inbox_queryset(user=request.user, filters=form.filters()))
    context = {
        "form": form,
        "listed": listed,
        "rows": queues.inbox_rows(listed.rows),
        "filtered": any(request.GET.get(name) for name in ("hot", "sla", "channel")),
        **_inbox_context(),
        "inbox_tabs": inbox_tabs(request.user, "inbox"),
    }
    return render(request, "handoff/inbox.html", context)


def _back(request: PageRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("handoff:inbox")


def _action_response(
    request: PageRequest, lead_id: int, run: Callable[[], object], done: str
) -> HttpResponse:
    """Ask the policy, run the action, answer htmx with the lead's row (a form post with a
    redirect). A refusal raises (404/403) and is never drawn as a row."""
    _lead_actionable(request.user, lead_id)
    error = ""
    try:
        run()
    except PermissionDenied:
        raise
    except DomainError as problem:
        error = problem.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return _back(request)
    row = queues.inbox_lead(lead_id=lead_id)
    if row is None:
        raise Http404
    context = {"row": row, "error": error, "done": "" if error else done, **_inbox_context()}
    return render(request, "handoff/includes/inbox_row.html", context)


def _lead_actionable(user: User, lead_id: int) -> Lead:
    """The lead if ``user`` may take hand-off actions on it: 404 if they may not see it,
    403 if they may see it but not act on it."""
    lead = Lead.objects.filter(pk=lead_id).only("pk", "owner_id", "team_id", "stage").first()
    policy.object_require(user, lead, label=f"Lead {lead_id}", field="lead_id")
    policy.lead_act_require(user, lead)  # type: ignore[arg-type]
    return lead  # type: ignore[return-value]


@login_required
@require_POST
def lead_accept(request: PageRequest, lead_id: int) -> HttpResponse:
    return _action_response(
        request,
        lead_id,
        lambda: actions.lead_accept(lead_id=lead_id, by=request.user),
        str(_("Accepted.")),
    )


@login_required
@require_POST
def lead_reject(request: PageRequest, lead_id: int) -> HttpResponse:
    return _action_response(
        request,
        lead_id,
        lambda: actions.lead_reject(
            lead_id=lead_id,
            by=request.user,
            reason_code=request.POST.get("reason_code", ""),
            comment=request.POST.get("comment", ""),
        ),
        str(_("Rejected.")),
    )


@login_required
@require_POST
def lead_attempt(request: PageRequest, lead_id: int) -> HttpResponse:
    return _action_response(
        request,
        lead_id,
        lambda: actions.lead_attempt_log(
            lead_id=lead_id,
            by=request.user,
            kind=request.POST.get("kind", ActivityKind.CALL),
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        ),
        str(_("Attempt logged.")),
    )


@login_required
@require_POST
def lead_qualify(request: PageRequest, lead_id: int) -> HttpResponse:
    bant = actions.Bant(**{name: request.POST.get(name, "") for name in actions.BANT_FIELDS})
    return _action_response(
        request,
        lead_id,
        lambda: actions.lead_qualify(lead_id=lead_id, by=request.user, bant=bant),
        str(_("Qualified.")),
    )


@login_required
@require_POST
def lead_deal(request: PageRequest, lead_id: int) -> HttpResponse:
    def run() -> object:
        try:
            return actions.lead_deal_open(
                lead_id=lead_id,
                by=request.user,
                name=request.POST.get("name", ""),
                amount=request.POST.get("amount", ""),
            )
        except InvalidOperation as error:
            raise DomainError(str(_("Enter the amount as a number.")), field="amount") from error

    return _action_response(request, lead_id, run, str(_("Deal opened.")))


@login_required
@require_POST
def lead_rating(request: PageRequest, lead_id: int) -> HttpResponse:
    return _action_response(
        request,
        lead_id,
        lambda: lead_rate(
            lead_id=lead_id,
            by=request.user,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
        ),
        str(_("Rating saved.")),
    )


@login_required
@require_POST
def lead_reassign_view(request: PageRequest, lead_id: int) -> HttpResponse:
    policy.page_require(request.user, "team_queue")
    lead = Lead.objects.filter(pk=lead_id).only("pk", "owner_id", "team_id").first()
    if lead is None:
        raise Http404
    try:
        to_user_id = int(request.POST.get("to_user_id", ""))
    except ValueError:
        messages.error(request, _("Choose who gets the lead."))
        return redirect("handoff:team")
    try:
        lead_reassign(
            lead_id=lead_id,
            to_user_id=to_user_id,
            by=request.user,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Lead reassigned."))
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("handoff:team")


@policy.page_required("team_queue")
def team(request: PageRequest) -> HttpResponse:
    overview = queues.manager_overview(manager=request.user)
    owner_id = _int_or_none(request.GET.get("owner"))
    stage = request.GET.get("stage") or ""
    leads = overview["team_leads"]
    if owner_id is not None:
        leads = leads.filter(owner_id=owner_id)
    if stage in queues.INBOX_STAGES:
        leads = leads.filter(stage=stage)
    team_leads = paged(request, leads, param="leads_page")
    attention = paged(request, overview["attention"], param="sla_page")
    now = timezone.now()
    context = {
        **overview,
        "waiting": paged(request, overview["waiting"], param="waiting_page"),
        "warnings": paged(request, overview["warnings"], param="warnings_page"),
        "attention": attention,
        "attention_rows": [(clock, sla_shown(clock, now=now)) for clock in attention.rows],
        "team_leads": team_leads,
        "lead_rows": queues.inbox_rows(team_leads.rows, now),
        "owner_id": owner_id,
        "stage": stage,
        "stages": [(s.value, s.label) for s in queues.INBOX_STAGES],
        "inbox_tabs": inbox_tabs(request.user, "team"),
    }
    return render(request, "handoff/team.html", context)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@policy.page_required("marketing_view")
def marketing(request: PageRequest) -> HttpResponse:
    form = MqlStatusForm(request.GET or None, today=timezone.localdate())
    filters = form.filters()
    status = mql_status(filters)
    listed = paged(request, status.listed, per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    any_status = query.copy()
    any_status.pop("status", None)
    context = {
        "form": form,
        "filters": filters,
        "status": status,
        "listed": listed,
        "rows": mql_rows(listed.rows),
        "tiles": [
            {"key": key, "label": label, "count": status.counts[key], "query": _with(query, key)}
            for key, label in STATUS_LABELS.items()
        ],
        "query_any_status": any_status.urlencode(),
        "by_campaign": feedback_by(group="campaign"),
        "by_channel": feedback_by(group="channel"),
    }
    return render(request, "handoff/marketing.html", context)


def _with(query: QueryDict, status: str) -> str:
    """The page's filters with ``status`` chosen (a tile links to its own list)."""
    chosen = query.copy()
    chosen["status"] = status
    return chosen.urlencode()


@login_required
def notifications(request: PageRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    rows = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    context = {"listed": paged(request, rows, per_page=50), "unread_only": unread_only}
    return render(request, "handoff/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: PageRequest) -> HttpResponse:
    raw = request.POST.get("notification_id") or ""
    # ``str.isdigit`` accepts "²" and other digits ``int`` refuses, and a 40-digit id overflows
    # the database's integer: only plain ASCII ids that fit are looked up (else: none is).
    notification_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    if raw and notification_id is None:
        notification_id = 0  # names no notification: nothing is marked read
    notifications_mark_read(user_id=request.user.pk, notification_id=notification_id)
    if request.htmx:
        # The bell's template counts with {% blocktranslate count %}: it needs ``unread``.
        unread = unread_count(user_id=request.user.pk)
        return render(
            request, "handoff/includes/bell.html", {"user": request.user, "unread": unread}
        )
    return redirect("handoff:notifications")
