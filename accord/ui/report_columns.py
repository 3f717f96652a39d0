"""How each report's table columns read on a page: a translatable header and a number format.

One mapping per runner result, keyed by the row keys of ``accord.analytics.reports`` (which
the CLI and the API keep as they are, for machines). Columns whose keys are built from data
(a rep's stage-to-stage rate, a model's credits) are named by ``column_spec``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.analytics.forms import MODEL_LABELS
from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.funnel import FunnelResult
from accord.analytics.runners.kpis import KpisResult
from accord.analytics.runners.quality import (
    HIGH_HIGH,
    HIGH_LOW,
    LOW_HIGH,
    LOW_LOW,
    QualityResult,
)
from accord.analytics.runners.reps import RepsResult
from accord.analytics.runners.velocity import VelocityResult
from accord.core.lifecycle import stage_label
from accord.ui.formatting import active_locale, count_format, percent_format

TEXT, STAGE, COUNT, DECIMAL, PERCENT, MONEY, RATIO, QUADRANT, DAYS = (
    "text",
    "stage",
    "count",
    "decimal",
    "percent",
    "money",
    "ratio",
    "quadrant",
    "days",
)
#: The raters' agreement on a group's ratings (``analytics.agreement``).
TRUST = "trust"
#: Kinds shown right-aligned.
NUMERIC = frozenset({COUNT, DECIMAL, PERCENT, MONEY, RATIO, DAYS})


@dataclass(frozen=True)
class ColumnSpec:
    label: str | Promise
    kind: str = TEXT


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    numeric: bool


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool

    def __str__(self) -> str:
        return self.text


# Lazy: the mappings are read in the language of each request.
GROUP = ColumnSpec(_("Group"))
COLUMNS: dict[type, dict[str, ColumnSpec]] = {
    FunnelResult: {
        "group": GROUP,
        "stage": ColumnSpec(_("Stage"), STAGE),
        "count": ColumnSpec(_("Count"), COUNT),
        "conversion_pct": ColumnSpec(_("From previous stage"), PERCENT),
        "from_leads_pct": ColumnSpec(_("Of all leads"), PERCENT),
    },
    KpisResult: {
        "group": GROUP,
        "spend": ColumnSpec(_("Spend"), MONEY),
        "leads": ColumnSpec(_("Leads"), COUNT),
        "mqls": ColumnSpec(_("MQLs"), COUNT),
        "sqls": ColumnSpec(_("SQLs"), COUNT),
        "opportunities": ColumnSpec(_("Opportunities"), COUNT),
        "won": ColumnSpec(_("Won deals"), COUNT),
        "revenue": ColumnSpec(_("Revenue"), MONEY),
        "pipeline": ColumnSpec(_("Pipeline"), MONEY),
        "cpl": ColumnSpec(_("Cost per lead"), MONEY),
        "cac": ColumnSpec(_("CAC"), MONEY),
        "romi": ColumnSpec(_("ROMI"), RATIO),
        "roas": ColumnSpec(_("ROAS"), DECIMAL),
        "lost": ColumnSpec(_("Lost deals"), COUNT),
        "win_rate_pct": ColumnSpec(_("Win rate"), PERCENT),
        "average_deal_size": ColumnSpec(_("Average deal size"), MONEY),
        "sales_cycle_days": ColumnSpec(_("Sales cycle, days"), DAYS),
        "margin": ColumnSpec(_("Margin"), MONEY),
        "margin_pct": ColumnSpec(_("Margin %"), PERCENT),
        "average_discount_pct": ColumnSpec(_("Average discount"), PERCENT),
    },
    VelocityResult: {
        "measure": ColumnSpec(_("Measure")),
        "count": ColumnSpec(_("Leads"), COUNT),
        "median_days": ColumnSpec(_("Median, days"), DAYS),
        "p90_days": ColumnSpec(_("90th percentile, days"), DAYS),
    },
    QualityResult: {
        "group": GROUP,
        "mqls": ColumnSpec(_("MQLs"), COUNT),
        "accepted": ColumnSpec(_("Accepted (SAL)"), COUNT),
        "sqls": ColumnSpec(_("SQLs"), COUNT),
        "rejected": ColumnSpec(_("Rejected"), COUNT),
        "acceptance_pct": ColumnSpec(_("Acceptance rate"), PERCENT),
        "mql_to_sql_pct": ColumnSpec(_("MQL to SQL"), PERCENT),
        "ratings": ColumnSpec(_("Ratings"), COUNT),
        "average_rating": ColumnSpec(_("Average rating (1 to 5)"), DECIMAL),
        "rating_trust": ColumnSpec(_("Raters' agreement"), TRUST),
        "quadrant": ColumnSpec(_("Volume and quality"), QUADRANT),
    },
    RepsResult: {
        "rep": ColumnSpec(_("Rep")),
        "leads": ColumnSpec(_("Leads"), COUNT),
        "activities": ColumnSpec(_("Activities"), COUNT),
        "first_contact_median_h": ColumnSpec(_("First contact, median hours"), DAYS),
        "sla_pct": ColumnSpec(_("SLA compliance"), PERCENT),
    },
    AttributionResult: {"group": GROUP},
}
TRUST_LABELS = {
    "trusted": _("trusted"),
    "untrusted": _("untrusted: raters disagree"),
    "too_few": _("too few leads rated twice"),
}
QUADRANTS = {
    HIGH_HIGH: _("High volume, high quality"),
    HIGH_LOW: _("High volume, low quality"),
    LOW_HIGH: _("Low volume, high quality"),
    LOW_LOW: _("Low volume, low quality"),
}
TRAFFIC = {
    "impressions": _("Ad impressions"),
    "clicks": _("Ad clicks"),
    "visits": _("Site visits"),
}


def column_spec(result: Any, key: str) -> ColumnSpec:
    """The header and format of column ``key`` of ``result``'s table."""
    spec = COLUMNS.get(type(result), {}).get(key)
    if spec is not None:
        return spec
    if isinstance(result, FunnelResult):
        if key in TRAFFIC:
            return ColumnSpec(TRAFFIC[key], COUNT)
        if key.startswith("stage_"):
            return ColumnSpec(stage_label(key.removeprefix("stage_")), COUNT)
        if key == "overall_pct":
            return ColumnSpec(_("Lead to customer"), PERCENT)
    if isinstance(result, RepsResult) and key.endswith("_pct") and "_to_" in key:
        source, target = key.removesuffix("_pct").split("_to_", 1)
        return ColumnSpec(f"{stage_label(source)} → {stage_label(target)}", PERCENT)
    if isinstance(result, AttributionResult):
        for model, label in MODEL_LABELS.items():
            if key == f"{model}_conversions":
                return ColumnSpec(gettext("%(model)s: conversions") % {"model": label}, DECIMAL)
            if key == f"{model}_revenue":
                return ColumnSpec(gettext("%(model)s: revenue") % {"model": label}, MONEY)
            if key == f"{model}_margin":
                return ColumnSpec(gettext("%(model)s: margin") % {"model": label}, MONEY)
    # A column nobody named yet still shows, under its key.
    return ColumnSpec(key)


def headers(result: Any, keys: tuple[str, ...]) -> tuple[Header, ...]:
    return tuple(
        Header(key=k, label=str(spec.label), numeric=spec.kind in NUMERIC)
        for k, spec in ((k, column_spec(result, k)) for k in keys)
    )


def money_whole(value: float, currency: str) -> str:
    """Money in whole units of the currency (``$9,300``, ``9 300 $``): report tables compare
    amounts; cents only add noise. The CSV export keeps the exact amounts."""
    locale = Locale.parse({"en": "en_US", "ru": "ru_RU"}.get(active_locale(), active_locale()))
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    pattern = re.sub(r"\.0+", "", pattern)
    return format_currency(
        Decimal(round(value)), currency, format=pattern, locale=locale, currency_digits=False
    )


def cell_format(spec: ColumnSpec, value: Any, currency: str) -> str:
    """The value as people read it in the active language; an em dash when there is none."""
    if value is None or value == "":
        return "—"
    kind = spec.kind
    if isinstance(value, str):
        if kind == STAGE:
            if value in TRAFFIC:
                return str(TRAFFIC[value])
            return stage_label(value)
        if kind == QUADRANT:
            return str(QUADRANTS.get(value, value))
        if kind == TRUST:
            return str(TRUST_LABELS.get(value, value))
        return value
    if kind == COUNT:
        return count_format(int(value))
    if kind == PERCENT:
        # Rows carry percentages (12.5 for 12.5%): the CLI prints them as they are.
        return percent_format(value / 100)
    if kind == RATIO:
        return percent_format(value)
    if kind == MONEY:
        return money_whole(value, currency)
    if kind == DAYS:
        # One decimal: 2.5 days, 0.4 hours; never 2.4583.
        return formats.number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    if kind == DECIMAL:
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return str(value)
