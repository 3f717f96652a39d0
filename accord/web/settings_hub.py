"""The settings hub: one card per settings page, shown to the roles the policy lets open it.

The cards follow ``accord.accounts.policy`` (each names its page rule), so the hub and the
navigation never offer a page that would answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import User
from accord.accounts.policy import page_allowed


@dataclass(frozen=True)
class SettingsCard:
    url_name: str
    title: str | Promise
    text: str | Promise
    page: str  # the policy's page rule
    staff_only: bool = False  # Django's admin site lets only staff in


SETTINGS_CARDS: tuple[SettingsCard, ...] = (
    SettingsCard(
        "handoff:agreement",
        _("Agreement"),
        _("The MQL definition, rejection reasons and service levels both heads approve."),
        "agreement",
    ),
    SettingsCard(
        "handoff:routing_list",
        _("Routing"),
        _("Which team and rep receive each new MQL, rule by rule."),
        "routing",
    ),
    SettingsCard(
        "handoff:calendar_list",
        _("Business calendars"),
        _("Working hours and holidays that SLA clocks count in."),
        "calendars",
    ),
    SettingsCard(
        "pipelines:pipeline_list",
        _("Pipelines"),
        _("Sales pipelines, their stages, probabilities and forecast categories; lost reasons."),
        "pipelines",
    ),
    SettingsCard(
        "scoring:profile_list",
        _("Scoring profiles"),
        _("The rules and weights that score leads."),
        "scoring",
    ),
    SettingsCard(
        "capture_sites:site_list",
        _("Capture sites"),
        _("Websites that send leads and page views, their allowed origins and snippets."),
        "capture_sites",
    ),
    SettingsCard(
        "webhooks:endpoint_list",
        _("Webhooks"),
        _("Signed events posted to other systems, with their delivery log."),
        "webhooks",
    ),
    SettingsCard(
        "privacy:requests",
        _("Privacy requests"),
        _("Data-subject exports and erasures, consent, the audit log and incidents."),
        "privacy",
    ),
    SettingsCard(
        "settings:api",
        _("API access"),
        _("What the REST API lets your role do, your API keys and the API docs."),
        "api_access",
    ),
    SettingsCard(
        "admin:accounts_user_changelist",
        _("Users"),
        _("People, roles and teams, in the administration site."),
        "administration",
        staff_only=True,
    ),
)


@dataclass(frozen=True)
class CardLink:
    url: str
    title: str | Promise
    text: str | Promise


def settings_cards_for(user: User) -> list[CardLink]:
    """The cards this person may open, in hub order."""
    return [
        CardLink(url=reverse(card.url_name), title=card.title, text=card.text)
        for card in SETTINGS_CARDS
        if page_allowed(user, card.page) and (user.is_staff or not card.staff_only)
    ]


def settings_allowed(user: User) -> bool:
    """Whether the hub has at least one card for this person (the menu's Settings entry)."""
    return bool(user.is_authenticated and settings_cards_for(user))
