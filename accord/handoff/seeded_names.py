"""The seeded agreement's and calendar's names in the reader's language.

They are stored in English (``defaults``); while one still carries its seeded name it is
shown translated, and a name a manager gave is shown as written.
"""

from __future__ import annotations

from django.utils.translation import gettext

from accord.handoff import defaults

_SEEDED = frozenset([defaults.AGREEMENT_NAME, defaults.CALENDAR_NAME])


def seeded_name_label(name: str) -> str:
    return gettext(name) if name in _SEEDED else name
