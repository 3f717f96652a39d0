"""What the report filters offer to pick, named as people name things.

The filters keep their machine values (a channel's slug, a campaign's UTM name, a team's
name, a rep's username, a segment like ``size:11-50``), so links, pins, the CLI and the API
stay as they are; the pickers show the human label beside each value, read from the
operational tables (small reference lists: channels, campaigns, teams, reps).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accord.accounts.models import Team, User
from accord.analytics.filters import SIZE_BANDS
from accord.handoff.routing.assignment import REP_ROLES
from accord.tracking.models import Campaign, Channel


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def person_name(user: User | None, username: str | None = None) -> str:
    """Full name, else the username."""
    if user is None:
        return username or ""
    return user.get_full_name() or user.username


def channel_choices() -> list[Choice]:
    return [
        Choice(slug, str(name))
        for slug, name in Channel.objects.order_by("name").values_list("slug", "name")
    ]


def campaign_choices() -> list[Choice]:
    return [
        Choice(utm, name or utm)
        for utm, name in Campaign.objects.order_by("name").values_list("utm_campaign", "name")
    ]


def team_choices() -> list[Choice]:
    return [Choice(n, n) for n in Team.objects.order_by("name").values_list("name", flat=True)]


def rep_choices() -> list[Choice]:
    reps = User.objects.filter(role__in=REP_ROLES).order_by("first_name", "last_name", "username")
    choices = [Choice(u.username, person_name(u)) for u in reps]
    return sorted(choices, key=lambda c: c.label.casefold())


def segment_choices() -> list[Choice]:
    return [
        Choice(f"size:{band}", _("Company size: %(band)s employees") % {"band": band})
        for band in SIZE_BANDS
    ]


def channel_names() -> dict[str, str]:
    return {c.value: c.label for c in channel_choices()}


def campaign_names() -> dict[str, str]:
    return {c.value: c.label for c in campaign_choices()}


def user_names() -> dict[str, str]:
    """Every user's display name by username (reps in reports may have changed role)."""
    return {u.username: person_name(u) for u in User.objects.all()}
