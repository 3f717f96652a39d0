"""How a lead's win probability reads to people: labels, values and effects of its reasons.

Pure functions over the plain data a ``LeadPrediction`` row holds (no ORM), shared by the
lead page, the API and exports. The reasons' stored ``label`` is English, fixed when the
model scored; the page shows a label rebuilt from the feature name in the reader's language,
falling back to the stored one for names it does not know.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.tracking.models import TouchType

#: Below this share of the largest effect a bar would be invisible: drawn this wide instead.
MIN_BAR_PERCENT = 4
_MINUS = "\u2212"  # a real minus sign: reads better, and never opens a spreadsheet formula

_FIELD_LABELS = {
    "lead.source_channel": gettext_lazy("Source channel"),
    "lead.source_campaign": gettext_lazy("Source campaign"),
    "lead.owner": gettext_lazy("Owner"),
    "lead.team": gettext_lazy("Team"),
    "lead.grade": gettext_lazy("Grade"),
    "lead.score": gettext_lazy("Rule score"),
    "contact.email_domain": gettext_lazy("Email domain"),
    "contact.has_phone": gettext_lazy("Has a phone number"),
    "contact.job_title": gettext_lazy("Job title"),
    "account.industry": gettext_lazy("Industry"),
    "account.employees": gettext_lazy("Employees"),
    "account.country": gettext_lazy("Country"),
    "touch.count": gettext_lazy("Touches"),
    "touch.days_since_first": gettext_lazy("Days since first touch"),
    "touch.days_since_last": gettext_lazy("Days since last touch"),
    "touch.per_week": gettext_lazy("Touches per week"),
}


@dataclass(frozen=True)
class Reason:
    """One feature that pushed a probability up (effect > 0) or down, in log-odds."""

    feature: str
    label: str
    value: Any
    effect: float

    @property
    def is_up(self) -> bool:
        return self.effect > 0


@dataclass(frozen=True)
class ReasonShown:
    label: str
    value: Any  # a number (the template localises it), text, or None when missing
    effect_text: str  # "+0.42", or with a minus sign; localised
    is_up: bool
    bar_percent: int  # width relative to the lead's strongest reason, 0 to 100


@dataclass(frozen=True)
class PredictionShown:
    probability: float
    percent_text: str
    reasons: tuple[ReasonShown, ...]
    model_version: int
    model_algorithm: str
    model_active: bool
    profile_name: str
    scored_at: datetime


def reasons_read(raw: Any) -> list[Reason]:
    """The reasons stored on a prediction; entries that are not well-formed are skipped."""
    out: list[Reason] = []
    if not isinstance(raw, list):
        return out
    for item in raw:
        if not isinstance(item, dict):
            continue
        feature, effect = item.get("feature"), item.get("effect")
        if not isinstance(feature, str) or isinstance(effect, bool):
            continue
        if not isinstance(effect, int | float) or not math.isfinite(effect):
            continue
        label = item.get("label")
        value = item.get("value")
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            value = None
        out.append(
            Reason(
                feature=feature,
                label=label if isinstance(label, str) and label else feature,
                value=value,
                effect=float(effect),
            )
        )
    return out


def reason_label(feature: str, fallback: str = "") -> str:
    """A feature's name in the reader's language: "touch.type.webinar" -> "Touches: Webinar"."""
    known = _FIELD_LABELS.get(feature)
    if known is not None:
        return str(known)
    prefixed = (
        ("touch.type.", lambda rest: _("Touches: %(type)s") % {"type": _touch_type(rest)}),
        ("touch.channel.", lambda rest: _("Touches from %(channel)s") % {"channel": rest}),
        ("lead.prop.", lambda rest: rest),
        ("contact.prop.", lambda rest: _("Contact: %(property)s") % {"property": rest}),
        ("account.prop.", lambda rest: _("Account: %(property)s") % {"property": rest}),
    )
    for prefix, build in prefixed:
        if feature.startswith(prefix) and len(feature) > len(prefix):
            return build(feature[len(prefix) :])
    return fallback or feature


def _touch_type(value: str) -> str:
    try:
        return str(TouchType(value).label)
    except ValueError:
        return value


def _display_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _signed(effect: float, text: str) -> str:
    return ("+" if effect >= 0 else _MINUS) + text


def percent_text(probability: float) -> str:
    """ "42%"; never "0%" or "100%", which a calibrated model does not mean."""
    percent = probability * 100
    if percent < 1:
        return "<1%"
    if percent > 99:
        return ">99%"
    return f"{round(percent)}%"


def reasons_shown(reasons: Iterable[Reason]) -> tuple[ReasonShown, ...]:
    """Up-reasons first (strongest first), then down-reasons (strongest first)."""
    ordered = sorted(reasons, key=lambda r: (not r.is_up, -abs(r.effect)))
    strongest = max((abs(r.effect) for r in ordered), default=0.0)
    return tuple(
        ReasonShown(
            label=reason_label(r.feature, r.label),
            value=_display_value(r.value),
            effect_text=_signed(
                r.effect, formats.number_format(abs(r.effect), decimal_pos=2, use_l10n=True)
            ),
            is_up=r.is_up,
            bar_percent=max(MIN_BAR_PERCENT, round(100 * abs(r.effect) / strongest))
            if strongest
            else MIN_BAR_PERCENT,
        )
        for r in ordered
    )


def reasons_text(reasons: Iterable[Reason]) -> str:
    """One cell of an export, "plan: +0.42; seats: \u22120.31" (with a real minus sign), in
    the stored English labels so a file reads the same whoever exported it."""
    ordered = sorted(reasons, key=lambda r: (not r.is_up, -abs(r.effect)))
    return "; ".join(f"{r.label}: {_signed(r.effect, f'{abs(r.effect):.2f}')}" for r in ordered)
