"""Channel groups in the reader's language.

The seeded GA4 groups are stored in English (``GA4_DEFAULT_CHANNELS``); while a group still
carries its seeded name it is shown translated, and a name an administrator gave is shown
as written — the same rule as the agreement's seeded rejection reasons.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from accord.tracking.channels import GA4_DEFAULT_CHANNELS

_SEEDED_NAMES = {spec.slug: spec.name for spec in GA4_DEFAULT_CHANNELS}

#: Written out (not built from the specs) so that makemessages finds every name.
_TRANSLATED = {
    "direct": pgettext_lazy("channel group", "Direct"),
    "cross-network": pgettext_lazy("channel group", "Cross-network"),
    "paid-shopping": pgettext_lazy("channel group", "Paid Shopping"),
    "paid-search": pgettext_lazy("channel group", "Paid Search"),
    "paid-social": pgettext_lazy("channel group", "Paid Social"),
    "paid-video": pgettext_lazy("channel group", "Paid Video"),
    "display": pgettext_lazy("channel group", "Display"),
    "paid-other": pgettext_lazy("channel group", "Paid Other"),
    "organic-shopping": pgettext_lazy("channel group", "Organic Shopping"),
    "organic-social": pgettext_lazy("channel group", "Organic Social"),
    "organic-video": pgettext_lazy("channel group", "Organic Video"),
    "organic-search": pgettext_lazy("channel group", "Organic Search"),
    "referral": pgettext_lazy("channel group", "Referral"),
    "email": pgettext_lazy("channel group", "Email"),
    "affiliates": pgettext_lazy("channel group", "Affiliates"),
    "audio": pgettext_lazy("channel group", "Audio"),
    "sms": pgettext_lazy("channel group", "SMS"),
    "mobile-push": pgettext_lazy("channel group", "Mobile Push Notifications"),
    "unassigned": pgettext_lazy("channel group", "Unassigned"),
}


def channel_label(slug: str, name: str) -> str:
    """The channel's name for people: translated while it is the seeded one."""
    if _SEEDED_NAMES.get(slug) == name and slug in _TRANSLATED:
        return str(_TRANSLATED[slug])
    return name
