"""A plan's editable content (the terms both heads approve): its shape, checks and labels.

The content is one JSON document, so the history can diff two revisions with the agreement's
``version_diff`` and show each change in people's words (``change_label``). Every check names
the field it refuses, and refuses before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core.errors import InvalidInput
from accord.planning import rules

STAGE_LABELS = {
    "visit": gettext_lazy("Visits"),
    "lead": gettext_lazy("Leads"),
    "mql": gettext_lazy("MQLs"),
    "sal": gettext_lazy("SALs"),
    "sql": gettext_lazy("SQLs"),
    "opportunity": gettext_lazy("Opportunities"),
    "won": gettext_lazy("Won deals"),
}
SIZE_BAND_CHOICES = ("1-10", "11-50", "51-200", "201-1000", "1001+")


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def rate_label(key: str) -> str:
    upper, lower = key.split("_", 1)
    return _("Conversion %(upper)s → %(lower)s") % {
        "upper": stage_label(upper),
        "lower": stage_label(lower),
    }


def lag_label(stage: str) -> str:
    return _("%(stage)s: months before the won month") % {"stage": stage_label(stage)}


def change_label(path: str) -> str:
    """A changed path of the content as people say it."""
    head, _dot, rest = path.partition(".")
    fixed = {
        "revenue_target": _("Revenue target"),
        "deal_size": _("Average deal size"),
        "icp.description": _("Ideal customer profile"),
        "icp.size_bands": _("ICP: company sizes"),
        "icp.industries": _("ICP: industries"),
        "target_segments": _("Target segments"),
        "key_channels": _("Key channels"),
    }
    if path in fixed:
        return fixed[path]
    if head == "rates":
        return rate_label(rest)
    if head == "lags":
        return lag_label(rest)
    if head == "channels":
        slug, _dot, item = rest.rpartition(".")
        names = {
            "budget": _("budget"),
            "cpl": _("cost per lead"),
            "lead_mql": _("lead → MQL"),
            "share": _("share of MQLs"),
        }
        return _("Channel %(channel)s: %(item)s") % {"channel": slug, "item": names.get(item, item)}
    return path


def _strings(value: Any, *, field: str, limit: int = 20) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list):
        raise InvalidInput(_("Give a list."), field=field)
    items = [str(v).strip()[:120] for v in value if str(v).strip()]
    if len(items) > limit:
        raise InvalidInput(_("At most %(n)s items.") % {"n": limit}, field=field)
    return items


def _channels(raw: Any) -> dict[str, dict[str, float | None]]:
    if not isinstance(raw, Mapping):
        raise InvalidInput(_("Give the channels as an object by channel."), field="channels")
    channels: dict[str, dict[str, float | None]] = {}
    for slug, item in raw.items():
        if not isinstance(item, Mapping):
            raise InvalidInput(_("Give the channel's numbers."), field=f"channels.{slug}")
        base = f"channels.{slug}"
        name = _("Channel %(channel)s") % {"channel": slug}
        cpl = item.get("cpl")
        channels[str(slug)] = {
            "budget": rules.not_negative(
                item.get("budget", 0),
                field=f"{base}.budget",
                label=_("%(c)s: budget") % {"c": name},
            ),
            "cpl": None
            if cpl in (None, "")
            else rules.positive(
                cpl, field=f"{base}.cpl", label=_("%(c)s: cost per lead") % {"c": name}
            ),
            "lead_mql": rules.rate(
                item.get("lead_mql"),
                field=f"{base}.lead_mql",
                label=_("%(c)s: lead → MQL") % {"c": name},
            ),
            "share": rules.not_negative(
                item.get("share", 0),
                field=f"{base}.share",
                label=_("%(c)s: share of MQLs") % {"c": name},
            ),
        }
    return channels


def content_validate(raw: Any) -> dict[str, Any]:
    """The content normalised, or ``InvalidInput`` naming the first bad field."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(_("The plan's content must be an object."), field="content")
    rates_raw = raw.get("rates") or {}
    lags_raw = raw.get("lags") or {}
    content: dict[str, Any] = {
        "revenue_target": rules.positive(
            raw.get("revenue_target"), field="revenue_target", label=_("Revenue target")
        ),
        "deal_size": rules.positive(
            raw.get("deal_size"), field="deal_size", label=_("Average deal size")
        ),
        "rates": {
            key: rules.rate(rates_raw.get(key), field=f"rates.{key}", label=rate_label(key))
            for key in rules.RATE_KEYS
        },
        "lags": {
            stage: rules.lag(lags_raw.get(stage, 0), field=f"lags.{stage}", label=lag_label(stage))
            for stage in rules.LAG_STAGES
        },
        "channels": _channels(raw.get("channels") or {}),
    }
    rules.lags_check(content["lags"])
    icp = raw.get("icp") or {}
    if not isinstance(icp, Mapping):
        raise InvalidInput(_("Give the ideal customer profile as an object."), field="icp")
    bands = _strings(icp.get("size_bands"), field="icp.size_bands")
    for band in bands:
        if band not in SIZE_BAND_CHOICES:
            raise InvalidInput(
                _("Company size must be one of %(choices)s.")
                % {"choices": ", ".join(SIZE_BAND_CHOICES)},
                field="icp.size_bands",
            )
    content["icp"] = {
        "description": str(icp.get("description") or "").strip()[:2000],
        "size_bands": bands,
        "industries": _strings(icp.get("industries"), field="icp.industries"),
    }
    content["target_segments"] = _strings(raw.get("target_segments"), field="target_segments")
    key_channels = _strings(raw.get("key_channels"), field="key_channels")
    for slug in key_channels:
        if slug not in content["channels"]:
            raise InvalidInput(
                _("Key channel %(channel)s is not among the plan's channels.") % {"channel": slug},
                field="key_channels",
            )
    content["key_channels"] = key_channels
    return content
