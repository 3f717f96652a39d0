"""The workspace's pages: leads, contacts and accounts lists, the global search, contact and
account pages, saved views and bulk actions. Thin: a form, a selector, a page model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.http.request import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.contacts.models import Account, Contact
from accord.core.errors import DomainError
from accord.ui.paging import paged, paged_capped
from accord.workspace import bulk, pages, selectors
from accord.workspace.forms import BulkForm, LeadFilterForm, SavedViewForm, SearchForm
from accord.workspace.models import ListPage, SavedView

PAGE = "workspace"
PER_PAGE = 50

LEAD_COLUMNS: list[tuple[str | Promise, str]] = [
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("Company"), ""),
    (gettext_lazy("Stage"), "stage"),
    (gettext_lazy("Score"), "score"),
    (gettext_lazy("Grade"), "grade"),
    (gettext_lazy("Owner"), "owner"),
    (gettext_lazy("Channel"), ""),
    (gettext_lazy("Win probability"), ""),
    (gettext_lazy("Created"), "created"),
]
CONTACT_COLUMNS: list[tuple[str | Promise, str]] = [
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("E-mail"), "email"),
    (gettext_lazy("Phone"), ""),
    (gettext_lazy("Company"), "company"),
    (gettext_lazy("Created"), "created"),
]
ACCOUNT_COLUMNS: list[tuple[str | Promise, str]] = [
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("Domain"), "domain"),
    (gettext_lazy("Industry"), "industry"),
    (gettext_lazy("Employees"), "employees"),
    (gettext_lazy("Created"), "created"),
]


#: The filters folded under "More filters" (the search, stage, owner and team stay in view).
MORE_FILTERS = (
    "channel", "campaign", "grade", "score_min", "score_max", "created_from", "created_to",
    "activity_from", "activity_to", "win_min", "win_max",
)  # fmt: skip


def _is_filtered(query: QueryDict) -> bool:
    return any(value for key, value in query.items() if key not in ("page", "sort"))


@policy.page_required(PAGE)
def lead_list(request: PageRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    valid = form.is_valid()
    sort = form.cleaned_data.get("sort", "") if valid else ""
    listed = None
    if valid:
        ids = selectors.lead_rows(request.user, form.cleaned_data).values_list("pk", flat=True)
        # A search is paged from one capped read of its ids (see paged_capped); a filter's
        # exact count comes from an index.
        page_of = paged_capped if form.cleaned_data.get("q") else paged
        listed = page_of(request, ids, per_page=PER_PAGE)
    context = {
        "form": form,
        "listed": listed,
        "rows": [pages.lead_row(lead) for lead in selectors.leads_load(list(listed.rows))]
        if listed
        else [],
        "columns": pages.columns(request.GET, sort, LEAD_COLUMNS),
        "filtered": _is_filtered(request.GET),
        "more_filters": bool(form.errors) or any(request.GET.get(name) for name in MORE_FILTERS),
        "saved": pages.saved_views(request.user, ListPage.LEADS),
        "query": pages.list_query(request.GET),
        "page_name": ListPage.LEADS,
        "assignees": pages.assignees_for(request.user),
        "can_import": policy.page_allowed(request.user, "import"),
    }
    return render(request, "workspace/lead_list.html", context)


def _simple_list(request: PageRequest, page: str) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    sort = request.GET.get("sort", "")
    rows: QuerySet[Any]
    make: Callable[[Any], Any]
    if page == ListPage.CONTACTS:
        rows, make, spec = selectors.contact_rows(query, sort), pages.contact_row, CONTACT_COLUMNS
    else:
        rows, make, spec = selectors.account_rows(query, sort), pages.account_row, ACCOUNT_COLUMNS
    listed = (paged_capped if query else paged)(request, rows, per_page=PER_PAGE)
    context = {
        "form": form,
        "listed": listed,
        "rows": [make(row) for row in listed.rows],
        "columns": pages.columns(request.GET, sort, spec),
        "filtered": _is_filtered(request.GET),
        "saved": pages.saved_views(request.user, page),
        "query": pages.list_query(request.GET),
        "page_name": page,
    }
    return render(request, f"workspace/{page}_list.html", context)


@policy.page_required(PAGE)
def contact_list(request: PageRequest) -> HttpResponse:
    return _simple_list(request, ListPage.CONTACTS)


@policy.page_required(PAGE)
def account_list(request: PageRequest) -> HttpResponse:
    return _simple_list(request, ListPage.ACCOUNTS)


@policy.page_required(PAGE)
def search(request: PageRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    groups = pages.search_groups(request.user, query) if query else []
    context = {"form": form, "query": query, "groups": groups}
    return render(request, "workspace/search.html", context)


@policy.page_required(PAGE)
def contact_detail(request: PageRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=contact_id)
    detail = pages.contact_detail(request.user, contact)
    return render(request, "workspace/detail.html", {"detail": detail, "kind": "contact"})


@policy.page_required(PAGE)
def account_detail(request: PageRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    detail = pages.account_detail(request.user, account)
    return render(request, "workspace/detail.html", {"detail": detail, "kind": "account"})


def _back(page: str, query: str = "") -> HttpResponse:
    url = reverse(f"workspace:{page}")
    return redirect(f"{url}?{query}" if query else url)


@require_POST
@policy.page_required(PAGE)
def saved_view_create(request: PageRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    page = request.POST.get("page") if request.POST.get("page") in ListPage.values else "leads"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, _("The view was not saved: %(why)s") % {"why": errors[0]})
        return _back(str(page), request.POST.get("query", ""))
    data = form.cleaned_data
    _view, created = SavedView.objects.update_or_create(
        owner=request.user,
        page=data["page"],
        name=data["name"].strip(),
        defaults={"query": data["query"]},
    )
    messages.success(
        request,
        (_("View “%(name)s” saved.") if created else _("View “%(name)s” updated."))
        % {"name": data["name"]},
    )
    return _back(data["page"], data["query"])


@require_POST
@policy.page_required(PAGE)
def saved_view_delete(request: PageRequest) -> HttpResponse:
    view_id = request.POST.get("view_id", "")
    view = (
        SavedView.objects.filter(owner=request.user, pk=int(view_id)).first()
        if view_id.isdigit()
        else None
    )
    if view is None:
        messages.error(request, _("That saved view does not exist."))
        return _back(ListPage.LEADS)
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return _back(view.page)


@require_POST
@policy.page_required(PAGE)
def lead_bulk(request: PageRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label or name}: {errors[0]}")
        return _back(ListPage.LEADS, query)
    data = form.cleaned_data
    visible = selectors.leads_for(request.user)
    if data["scope"] == "filtered":
        filters = LeadFilterForm(QueryDict(data["query"]))
        if not filters.is_valid():
            messages.error(request, _("Fix the filters first."))
            return _back(ListPage.LEADS, query)
        leads = selectors.lead_filter(visible, filters.cleaned_data)
    else:
        leads = visible.filter(pk__in=data["lead"] or [])
    if data["action"] == "export":
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            bulk.export_lines(leads.order_by("-created_at", "-id")),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response  # type: ignore[return-value]  # streamed: a response all the same
    try:
        moved = bulk.leads_assign(
            by=request.user, leads=leads, to_user=data["to_user"], reason=data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(ListPage.LEADS, query)
    messages.success(request, _("%(count)d leads assigned.") % {"count": moved})
    return _back(ListPage.LEADS, query)


def search_url(query: str) -> str:
    return f"{reverse('workspace:search')}?{urlencode({'q': query})}"
