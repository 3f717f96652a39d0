"""Page view models: what each workspace page shows, computed here so templates only render."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import Department, Role, User
from accord.contacts.models import Account, Contact, Lead
from accord.core.lifecycle import stage_label
from accord.core.money import money_format
from accord.pipeline.selectors import deal_stage_name, stage_names
from accord.privacy.models import ConsentEvent
from accord.quality import selectors as quality_selectors
from accord.tracking.models import Touchpoint
from accord.ui.formatting import percent_format
from accord.workspace import selectors
from accord.workspace.models import ListPage, SavedView
from accord.workspace.sorting import header_sort, sort_state

DETAIL_ROWS = 50


@dataclass(frozen=True)
class Column:
    label: str | Promise
    key: str = ""  # a sort key; empty: the column does not sort
    url: str = ""
    aria_sort: str = "none"


def columns(
    query: QueryDict, current: str, spec: Sequence[tuple[str | Promise, str]]
) -> list[Column]:
    """Column headers linking to their sort (other parameters kept, paging reset)."""
    out = []
    for label, key in spec:
        if not key:
            out.append(Column(label))
            continue
        params = query.copy()
        params.pop("page", None)
        params["sort"] = header_sort(current, key)
        out.append(Column(label, key, f"?{params.urlencode()}", sort_state(current, key)))
    return out


def person_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class LeadRow:
    id: int
    name: str
    url: str
    contact_url: str
    email: str
    company: str
    account_url: str
    stage: str
    score: int
    grade: str
    owner: str
    channel: str
    win: str
    created: Any


def lead_row(lead: Lead) -> LeadRow:
    contact = lead.contact
    account = contact.account
    prediction = getattr(lead, "prediction", None)
    return LeadRow(
        id=lead.pk,
        name=str(contact),
        url=reverse("leads:lead_detail", args=[lead.pk]),
        contact_url=reverse("workspace:contact_detail", args=[contact.pk]),
        email=contact.email or contact.phone or "",
        company=account.name if account else "",
        account_url=reverse("workspace:account_detail", args=[account.pk]) if account else "",
        stage=stage_label(lead.stage),
        score=lead.score,
        grade=lead.grade,
        owner=person_name(lead.owner),
        channel=lead.source_channel.name if lead.source_channel else "",
        win=percent_format(prediction.probability) if prediction else "",
        created=lead.created_at,
    )


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    url: str
    email: str
    phone: str
    company: str
    account_url: str
    created: Any


def contact_row(contact: Contact) -> ContactRow:
    account = contact.account
    return ContactRow(
        id=contact.pk,
        name=str(contact),
        url=reverse("workspace:contact_detail", args=[contact.pk]),
        email=contact.email or "",
        phone=contact.phone or "",
        company=account.name if account else "",
        account_url=reverse("workspace:account_detail", args=[account.pk]) if account else "",
        created=contact.created_at,
    )


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    url: str
    domain: str
    industry: str
    employees: int | None
    created: Any


def account_row(account: Account) -> AccountRow:
    return AccountRow(
        id=account.pk,
        name=account.name,
        url=reverse("workspace:account_detail", args=[account.pk]),
        domain=account.domain or "",
        industry=account.industry,
        employees=account.employees,
        created=account.created_at,
    )


@dataclass(frozen=True)
class SavedLink:
    id: int
    name: str
    url: str


def saved_views(user: User, page: str) -> list[SavedLink]:
    base = reverse(f"workspace:{page}")
    return [
        SavedLink(view.pk, view.name, f"{base}?{view.query}" if view.query else base)
        for view in SavedView.objects.filter(owner=user, page=page)
    ]


def list_query(query: QueryDict) -> str:
    """The query string a saved view keeps: the list's parameters without the page number."""
    params = query.copy()
    params.pop("page", None)
    return params.urlencode()


def assignees_for(user: User) -> list[tuple[int, str]] | None:
    """Whom ``user`` may give leads to from the list (None: the assign action is not theirs):
    people of the sales teams they manage, every active rep and manager for those who manage
    every team."""
    if not policy.is_admin(user) and (
        not policy.is_manager(user) or Department.SALES not in policy.sides_of(user)
    ):
        return None
    people = User.objects.filter(is_active=True, role__in=[Role.SALES, Role.MANAGER])
    teams = policy.managed_team_ids(user)
    if teams is not None:
        people = people.filter(team_id__in=teams)
    return [(p.pk, person_name(p)) for p in people.order_by("first_name", "last_name", "username")]


# --- Global search ---------------------------------------------------------------------------

SEARCH_GROUP = 10


@dataclass
class SearchGroup:
    title: str | Promise
    rows: list[Any]
    total: int
    more_url: str


def search_groups(user: User, query: str) -> list[SearchGroup]:
    from urllib.parse import urlencode

    q = urlencode({"q": query})
    lead_ids = list(
        selectors.lead_rows(user, {"q": query}).values_list("pk", flat=True)[: SEARCH_GROUP + 1]
    )
    leads = selectors.leads_load(lead_ids)
    contacts = selectors.contact_rows(query, "")
    accounts = selectors.account_rows(query, "")
    groups = []
    sources: list[tuple[Promise, Any, Callable[[Any], Any], str]] = [
        (_("Leads"), leads, lead_row, ListPage.LEADS),
        (_("Contacts"), contacts, contact_row, ListPage.CONTACTS),
        (_("Accounts"), accounts, account_row, ListPage.ACCOUNTS),
    ]
    for title, rows, make, page in sources:
        found = list(rows[: SEARCH_GROUP + 1])
        groups.append(
            SearchGroup(
                title=title,
                rows=[make(r) for r in found[:SEARCH_GROUP]],
                total=len(found),
                more_url=f"{reverse(f'workspace:{page}')}?{q}",
            )
        )
    return groups


# --- Contact and account pages ---------------------------------------------------------------


@dataclass(frozen=True)
class DealRow:
    name: str
    stage: str
    amount: Any
    currency: str
    owner: str
    lead_url: str
    created: Any
    url: str = ""  # the deal's page


@dataclass(frozen=True)
class TouchRow:
    at: Any
    type: str
    channel: str
    url: str


@dataclass(frozen=True)
class ConsentRow:
    at: Any
    purpose: str
    granted: bool
    channel: str


@dataclass
class Detail:
    title: str
    facts: list[tuple[str | Promise, Any]] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    leads: list[LeadRow] = field(default_factory=list)
    deals: list[DealRow] = field(default_factory=list)
    touches: list[TouchRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)
    account_url: str = ""
    account_name: str = ""


def _deal_rows(deals: QuerySet[Any]) -> list[DealRow]:
    names = stage_names()
    return [
        DealRow(
            name=d.name,
            stage=deal_stage_name(d, names),
            amount=money_format(d.amount, d.currency, (get_language() or "en")[:2]),
            currency=d.currency,
            owner=person_name(d.owner),
            lead_url=reverse("leads:lead_detail", args=[d.lead_id]) if d.lead_id else "",
            created=d.created_at,
            url=reverse("deals:deal_detail", args=[d.pk]),
        )
        for d in deals.select_related("owner").order_by("-created_at")[:DETAIL_ROWS]
    ]


def _touch_rows(touches: QuerySet[Touchpoint]) -> list[TouchRow]:
    return [
        TouchRow(
            at=t.at,
            type=str(t.get_type_display()),
            channel=t.channel.name if t.channel else "",
            url=t.url,
        )
        for t in touches.select_related("channel").order_by("-at")[:DETAIL_ROWS]
    ]


def contact_detail(user: User, contact: Contact) -> Detail:
    leads = selectors.leads_for(user).filter(contact=contact)
    deals = selectors.deals_for(user).filter(lead__contact=contact)
    detail = Detail(
        title=str(contact),
        facts=[
            (_("E-mail"), contact.email or ""),
            (_("Phone"), contact.phone or ""),
            (_("Job title"), contact.job_title),
            (_("Created"), contact.created_at),
        ],
        leads=[
            lead_row(lead)
            for lead in leads.select_related(
                "contact__account", "owner", "source_channel", "prediction"
            ).order_by("-created_at")[:DETAIL_ROWS]
        ],
        deals=_deal_rows(deals),
        touches=_touch_rows(Touchpoint.objects.filter(contact=contact)),
        consents=[
            ConsentRow(e.at, str(e.get_purpose_display()), e.granted, str(e.get_channel_display()))
            for e in ConsentEvent.objects.filter(contact=contact).order_by("-at", "-id")[
                :DETAIL_ROWS
            ]
        ],
    )
    if contact.account is not None:
        detail.account_name = contact.account.name
        detail.account_url = reverse("workspace:account_detail", args=[contact.account.pk])
    return detail


def account_detail(user: User, account: Account) -> Detail:
    contacts = Contact.objects.filter(account=account).select_related("account")
    leads = selectors.leads_for(user).filter(contact__account=account)
    deals = selectors.deals_for(user).filter(account=account) | selectors.deals_for(user).filter(
        lead__contact__account=account
    )
    return Detail(
        title=account.name,
        facts=[
            (_("Domain"), account.domain or ""),
            (_("Industry"), account.industry),
            (_("Employees"), account.employees if account.employees is not None else ""),
            (_("Country"), account.country),
            (_("Created"), account.created_at),
        ],
        contacts=[contact_row(c) for c in contacts.order_by("last_name", "id")[:DETAIL_ROWS]],
        leads=[
            lead_row(lead)
            for lead in leads.select_related(
                "contact__account", "owner", "source_channel", "prediction"
            ).order_by("-created_at")[:DETAIL_ROWS]
        ],
        deals=_deal_rows(deals.distinct()),
        touches=_touch_rows(Touchpoint.objects.filter(contact__account=account)),
        consents=[
            ConsentRow(
                e.at,
                f"{e.contact} · {e.get_purpose_display()}",
                e.granted,
                str(e.get_channel_display()),
            )
            for e in ConsentEvent.objects.filter(contact__account=account)
            .select_related("contact")
            .order_by("-at", "-id")[:DETAIL_ROWS]
        ],
    )


def reviews_for(user: User) -> list[tuple[int, str]] | None:
    """The open lead-quality reviews ``user`` may add leads to (None: the action is not theirs:
    only the heads and administrators set reviews up)."""
    if not policy.is_manager(user):
        return None
    return [(r.pk, r.name) for r in quality_selectors.open_reviews()]
