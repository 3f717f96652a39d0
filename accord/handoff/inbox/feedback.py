"""Sales' feedback to marketing: lead-quality ratings, rejection reasons per channel and
campaign, and the alert to a campaign's owner when too many of its recent MQLs are rejected.

Rejections are read from the stage log (a rejection is a transition whose ``details`` carry
``rejection_reason``, written by ``accord.handoff.inbox.actions.lead_reject``), so the numbers are
the same ones every other report sees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.core.lifecycle import Stage
from accord.handoff import defaults
from accord.handoff.agreement.terms import alert_terms, reason_label, rejection_reasons
from accord.handoff.models import QualityRating
from accord.handoff.notifications import notify
from accord.tracking.models import Campaign


def lead_rate(*, lead_id: int, by: User, rating: int | str, comment: str = "") -> QualityRating:
    """Rate a handed-off lead's quality 1 to 5 (one rating per person; rating again replaces)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update(of=("self",)).filter(pk=lead_id).first()
        # Who may rate comes before what they sent: a refused caller learns nothing about
        # the lead from a validation error.
        policy.object_require(by, lead, label=f"Lead {lead_id}", field="lead_id")
        assert lead is not None  # object_require refused a missing lead
        policy.lead_act_require(by, lead)
        try:
            value = int(rating)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("A rating is a whole number from 1 to 5."), field="rating"
            ) from None
        if not 1 <= value <= 5:
            raise InvalidInput(_("A rating is a whole number from 1 to 5."), field="rating")
        comment = (comment or "").strip()
        if len(comment) > 500:
            raise InvalidInput(_("The comment is longer than 500 characters."), field="comment")
        if not StageTransition.objects.filter(lead=lead, to_stage=Stage.MQL).exists():
            raise InvalidInput(_("Only a lead handed off to sales can be rated."), field="lead_id")
        rated, _created = QualityRating.objects.update_or_create(
            lead=lead, by=by, defaults={"rating": value, "comment": comment}
        )
    return rated


@dataclass
class FeedbackRow:
    key: int | None
    name: str
    mqls: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    rating_avg: float | None = None
    #: The reasons by their labels in the reader's language (the agreement's), most first.
    reason_labels: list[tuple[str, int]] = field(default_factory=list)

    @property
    def rejection_pct(self) -> float | None:
        return round(100 * self.rejected / self.mqls, 1) if self.mqls else None


def feedback_by(
    *, group: str, start: datetime | None = None, end: datetime | None = None
) -> list[FeedbackRow]:
    """MQLs, rejections (with reasons) and ratings per ``channel`` or ``campaign`` for leads
    that became MQL in [start, end)."""
    if group not in ("channel", "campaign"):
        raise InvalidInput("Group by channel or campaign.", field="group")
    column = f"lead__source_{group}"
    mql = StageTransition.objects.filter(to_stage=Stage.MQL)
    if start:
        mql = mql.filter(at__gte=start)
    if end:
        mql = mql.filter(at__lt=end)
    lead_ids = set(mql.values_list("lead_id", flat=True))
    rows: dict[int | None, FeedbackRow] = {}

    def row(key: int | None, name: str | None) -> FeedbackRow:
        if key not in rows:
            rows[key] = FeedbackRow(key=key, name=name or _("(none)"))
        return rows[key]

    for item in (
        Lead.objects.filter(pk__in=lead_ids)
        .values(f"source_{group}", f"source_{group}__name")
        .annotate(n=Count("pk"))
    ):
        row(item[f"source_{group}"], item[f"source_{group}__name"]).mqls = item["n"]
    rejected_leads: dict[int | None, set[int]] = defaultdict(set)
    for item in StageTransition.objects.filter(
        lead_id__in=lead_ids, details__has_key="rejection_reason"
    ).values("lead_id", column, f"{column}__name", "details"):
        target = row(item[column], item[f"{column}__name"])
        rejected_leads[item[column]].add(item["lead_id"])
        code = str(item["details"].get("rejection_reason"))
        target.reasons[code] = target.reasons.get(code, 0) + 1
    for key, ids in rejected_leads.items():
        rows[key].rejected = len(ids)
    labels = _reason_labels()
    for each in rows.values():
        each.reason_labels = sorted(
            ((labels.get(code, code), n) for code, n in each.reasons.items()),
            key=lambda pair: (-pair[1], pair[0]),
        )
    for item in (
        QualityRating.objects.filter(lead_id__in=lead_ids)
        .values(column, f"{column}__name")
        .annotate(n=Count("pk"), avg=Avg("rating"))
    ):
        target = row(item[column], item[f"{column}__name"])
        target.ratings = item["n"]
        target.rating_avg = round(float(item["avg"]), 2)
    return sorted(rows.values(), key=lambda r: (-r.mqls, r.name))


def _reason_labels() -> dict[str, str]:
    """Reason code → label: the agreement in force, else the seeded reasons (translated)."""
    labels = {
        str(item["code"]): reason_label(str(item["code"]), str(item["label"]))
        for item in defaults.CONTENT["rejection_reasons"]
    }
    labels.update({reason.code: reason.label for reason in rejection_reasons()})
    return labels


@dataclass(frozen=True)
class CampaignAlert:
    campaign_id: int
    window: int
    rejected: int
    rejection_pct: float
    threshold_pct: float
    notified: bool


def campaign_rejections_check(*, campaign_id: int) -> CampaignAlert | None:
    """After a rejection: if the campaign's last N MQLs (N and the threshold from the
    agreement) are rejected more often than allowed, tell the campaign's owner, once a day."""

    terms = alert_terms()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    window = list(
        StageTransition.objects.filter(to_stage=Stage.MQL, lead__source_campaign_id=campaign_id)
        .order_by("-at", "-pk")
        .values_list("lead_id", flat=True)[: terms.window_mqls]
    )
    if len(window) < terms.window_mqls:
        return None  # too few MQLs yet to judge the campaign
    rejected = (
        StageTransition.objects.filter(lead_id__in=window, details__has_key="rejection_reason")
        .values("lead_id")
        .distinct()
        .count()
    )
    pct = 100 * rejected / len(window)
    notified = False
    if pct > terms.max_rejection_pct and campaign.owner_id:
        notified = (
            notify(
                user_id=campaign.owner_id,
                kind="campaign.rejections",
                title=_("Sales rejected %(pct)s%% of the last %(n)s MQLs of %(campaign)s")
                % {"pct": round(pct), "n": len(window), "campaign": campaign.name},
                body=_("The agreement allows %(max)s%%. See the reasons on the marketing view.")
                % {"max": round(terms.max_rejection_pct)},
                url="",
                key=f"campaign-rejections:{campaign_id}:{timezone.localdate().isoformat()}",
            )
            is not None
        )
    return CampaignAlert(
        campaign_id=campaign_id,
        window=len(window),
        rejected=rejected,
        rejection_pct=pct,
        threshold_pct=terms.max_rejection_pct,
        notified=notified,
    )
