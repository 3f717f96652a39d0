"""People's names of seeded pipeline data: the default pipeline's name and the seeded lost
reasons are stored in English; shown in the reader's language while an administrator has not
renamed them (a renamed one is shown as written). Stages: ``pipeline.selectors.stage_label``."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accord.pipeline.models import LostReason
from accord.pipeline.selectors import stage_label

#: The seeded pipeline names, marked for translation.
PIPELINE_NAMES = (gettext_noop("New business"),)


def stage_name(key: str, name: str) -> str:
    return stage_label(key, name)


def lost_reason_label(key: str, label: str) -> str:
    if key not in LostReason.values:
        return label
    seeded = LostReason(key).label
    with translation.override("en"):
        english = str(seeded)
    return str(seeded) if label == english else label


def pipeline_name(name: str) -> str:
    return _(name) if name in PIPELINE_NAMES else name
