"""The score's basis in people's words: not ``touch #57230: ad_click`` but "Clicked an ad
(Google Ads, 12 Mar)", not ``account.employees = 250`` but "Company size: 250".

Seeded rule names (``accord.scoring.defaults``) are shown in the reader's language; a rule a
marketer named is shown as named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.scoring.labels import scoring_name_label
from accord.tracking.models import Touchpoint

#: What a person did, by touch type ("Clicked an ad").
TOUCH_VERBS = {
    "page_view": gettext_lazy("Viewed a page"),
    "form_submission": gettext_lazy("Filled in a form"),
    "ad_click": gettext_lazy("Clicked an ad"),
    "email_open": gettext_lazy("Opened an email"),
    "email_click": gettext_lazy("Clicked a link in an email"),
    "content_download": gettext_lazy("Downloaded content"),
    "webinar": gettext_lazy("Attended a webinar"),
    "event": gettext_lazy("Came to an event"),
    "chat": gettext_lazy("Chatted with us"),
    "call": gettext_lazy("Talked on the phone"),
    "demo_request": gettext_lazy("Requested a demo"),
    "trial_signup": gettext_lazy("Signed up for a trial"),
}

#: The facts fit rules read, by field path.
FIELD_LABELS = {
    "contact.job_title": gettext_lazy("Job title"),
    "contact.email": gettext_lazy("Email"),
    "contact.country": gettext_lazy("Country"),
    "account.employees": gettext_lazy("Company size"),
    "account.industry": gettext_lazy("Industry"),
    "account.name": gettext_lazy("Company"),
    "account.annual_revenue": gettext_lazy("Annual revenue"),
    "lead.properties.budget_range": gettext_lazy("Budget"),
    "lead.properties.use_case": gettext_lazy("Use case"),
}


@dataclass(frozen=True)
class BasisLine:
    rule: str  # the rule, in people's words
    reason: str  # what the person did or is: "Clicked an ad (Google Ads, 12 Mar)"
    points: float
    kind: str  # fit | engagement


def rule_label(name: str) -> str:
    """A rule's name for people: the seeded ones translated (one rule for every page)."""
    return scoring_name_label(name)


def field_label(path: str) -> str:
    known = FIELD_LABELS.get(path)
    if known is not None:
        return str(known)
    last = path.rsplit(".", 1)[-1]
    return last.replace("_", " ").capitalize()


def touch_words(touch_type: str, *, channel: str = "", campaign: str = "", at: Any = None) -> str:
    """ "Clicked an ad (Google Ads, 12 Mar)"."""
    verb = TOUCH_VERBS.get(touch_type)
    words = str(verb) if verb is not None else touch_type.replace("_", " ").capitalize()
    context = [part for part in (channel, campaign) if part]
    if at is not None:
        context.append(formats.date_format(timezone.localtime(at), "j M"))
    return f"{words} ({', '.join(context)})" if context else words


def _touch_from_detail(detail: str) -> tuple[str, str]:
    """A contribution's detail is ``"<type> <path> <date>"``: the type and the date text."""
    parts = (detail or "").split()
    return (parts[0] if parts else "", parts[-1] if len(parts) > 1 else "")


def score_basis(contributions: Iterable[Mapping[str, Any]]) -> list[BasisLine]:
    """The breakdown stored with a lead's score, biggest effect first, in people's words."""
    rows = sorted(contributions, key=lambda c: (-abs(c.get("points") or 0), str(c.get("rule"))))
    touch_ids = [
        int(c["ref"])
        for c in rows
        if c.get("source") == "touchpoint" and str(c.get("ref")).isdigit()
    ]
    touches = {
        t.pk: t
        for t in Touchpoint.objects.filter(pk__in=touch_ids).select_related("channel", "campaign")
    }
    lines = []
    for c in rows:
        if c.get("source") == "touchpoint":
            touch = touches.get(int(c["ref"])) if str(c.get("ref")).isdigit() else None
            if touch is not None:
                campaign = str(touch.campaign or touch.utm_campaign or "")
                reason = touch_words(
                    touch.type, channel=str(touch.channel or ""), campaign=campaign, at=touch.at
                )
            else:  # the touch was erased (privacy): what the breakdown kept
                kind, day = _touch_from_detail(str(c.get("detail") or ""))
                reason = touch_words(kind) + (f" ({day})" if day else "")
        else:
            value = c.get("detail")
            field = field_label(str(c.get("ref") or ""))
            reason = f"{field}: {value}" if value not in (None, "") else field
        lines.append(
            BasisLine(
                rule=rule_label(str(c.get("rule") or "")),
                reason=reason,
                points=float(c.get("points") or 0),
                kind=str(c.get("kind") or ""),
            )
        )
    return lines


def fast_track_words(hits: Iterable[Mapping[str, Any]]) -> list[str]:
    return [rule_label(str(hit.get("rule") or "")) for hit in hits]


def kind_label(kind: str) -> str:
    return {"fit": _("who they are"), "engagement": _("what they did")}.get(kind, kind)
