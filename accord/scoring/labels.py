"""Scoring names in the reader's language.

The default profile and its rules are seeded in English (``defaults``); while a rule or the
profile still carries its seeded name it is shown translated, and a name an admin wrote is
shown as written (the rule of the agreement's seeded rejection reasons).
"""

from __future__ import annotations

from django.utils.translation import gettext

from accord.scoring import defaults

_SEEDED_NAMES = frozenset([defaults.NAME, *(rule["name"] for rule in defaults.RULES)])


def scoring_name_label(name: str) -> str:
    """A profile's or rule's name for people: translated while it is the seeded one."""
    return gettext(name) if name in _SEEDED_NAMES else name
