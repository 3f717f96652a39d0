"""What the workspace's lists and pages show, as the asking person may see it.

Lead visibility is the one rule of ``accord.accounts.policy`` (``rep_scope``: a rep sees
their own and unassigned leads, deals and activities; everyone else all), applied through
``contacts.selectors.leads_visible`` as the lead page and the API apply it. Contacts and
accounts are read by every signed-in person (as through the API); what a contact or account
page lists of leads, deals and activities is bounded by the same rule.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Account, Contact, Lead
from accord.contacts.selectors import leads_visible
from accord.pipeline.models import Activity, Deal
from accord.pipeline.selectors import activities_visible, deals_visible
from accord.workspace import search
from accord.workspace.sorting import ACCOUNT_SORTS, CONTACT_SORTS, LEAD_SORTS, ordering


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_end(day: date) -> datetime:
    return _day_start(day + timedelta(days=1))


def leads_for(user: User) -> QuerySet[Lead]:
    """Every lead ``user`` may see (the policy's rule)."""
    return leads_visible(user=policy.rep_scope(user))


def deals_for(user: User) -> QuerySet[Deal]:
    """Every deal ``user`` may see (the policy's rule, as the API reads it)."""
    return deals_visible(user=policy.rep_scope(user, "deals"))


def activities_for(user: User) -> QuerySet[Activity]:
    """Every activity ``user`` may see (the policy's rule, as the API reads it)."""
    return activities_visible(user=policy.rep_scope(user, "activities"))


def lead_filter(leads: QuerySet[Lead], data: dict[str, Any]) -> QuerySet[Lead]:
    """Apply a valid ``LeadFilterForm``'s cleaned data."""
    matched = search.people_match(data.get("q") or "", contact="contact_id")
    if matched is not None:
        leads = leads.filter(matched)
    exact = {
        "stage": "stage",
        "owner": "owner",
        "team": "team",
        "channel": "source_channel",
        "campaign": "source_campaign",
        "grade": "grade",
    }
    for key, field in exact.items():
        if data.get(key):
            leads = leads.filter(**{field: data[key]})
    if data.get("score_min") is not None:
        leads = leads.filter(score__gte=data["score_min"])
    if data.get("score_max") is not None:
        leads = leads.filter(score__lte=data["score_max"])
    if data.get("created_from"):
        leads = leads.filter(created_at__gte=_day_start(data["created_from"]))
    if data.get("created_to"):
        leads = leads.filter(created_at__lt=_day_end(data["created_to"]))
    # The last activity falls in the range: one activity in it, none after it.
    if data.get("activity_from"):
        since = _day_start(data["activity_from"])
        leads = leads.filter(Exists(Activity.objects.filter(lead_id=OuterRef("pk"), at__gte=since)))
    if data.get("activity_to"):
        until = _day_end(data["activity_to"])
        leads = leads.filter(
            Exists(Activity.objects.filter(lead_id=OuterRef("pk"), at__lt=until)),
            ~Exists(Activity.objects.filter(lead_id=OuterRef("pk"), at__gte=until)),
        )
    if data.get("win_min") is not None:
        leads = leads.filter(prediction__probability__gte=data["win_min"] / 100)
    if data.get("win_max") is not None:
        leads = leads.filter(prediction__probability__lte=data["win_max"] / 100)
    return leads


def lead_rows(user: User, data: dict[str, Any]) -> QuerySet[Lead]:
    """The leads list: visible, filtered, sorted by a whitelisted key (no joins beyond what
    the sort needs: a page of ids is found first, then ``leads_load`` reads those rows)."""
    leads = lead_filter(leads_for(user), data).select_related(None)
    return leads.order_by(*ordering(data.get("sort") or "", LEAD_SORTS))


def leads_load(ids: list[int]) -> list[Lead]:
    """The leads of one page, with what a row shows, in the order of ``ids``."""
    found = Lead.objects.select_related(
        "contact__account", "owner", "source_channel", "prediction"
    ).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def contact_rows(query: str, sort: str) -> QuerySet[Contact]:
    contacts = Contact.objects.select_related("account")
    matched = search.people_match(query, contact="pk")
    if matched is not None:
        contacts = contacts.filter(matched)
    return contacts.order_by(*ordering(sort, CONTACT_SORTS))


def account_rows(query: str, sort: str) -> QuerySet[Account]:
    accounts = Account.objects.all()
    matched = search.company_match(query)
    if matched is not None:
        accounts = accounts.filter(matched)
    return accounts.order_by(*ordering(sort, ACCOUNT_SORTS))
