"""The lead page's summary header: who owns the lead, where it stands, its score with the
scale the agreement gives it ("72 points — MQL from 70, grade C or better (agreement, version
3)"), its win probability and its SLA in business time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.contacts.models import Lead
from accord.handoff import defaults
from accord.handoff.inbox.selectors import INBOX_STAGES, LeadAgreement, lead_is_hot
from accord.handoff.models import AgreementVersion, SlaClock
from accord.handoff.sla.shown import SlaShown, sla_shown
from accord.scoring.models import LeadScore

#: The seeded agreement's name, in the reader's language (a name a head wrote is kept).
SEEDED_AGREEMENT_NAME = gettext_lazy("Marketing and sales hand-off")


@dataclass(frozen=True)
class LeadSummary:
    owner: str
    stage: str
    score: int
    grade: str
    scale: str  # how to read the score: the agreement's MQL definition
    is_hot: bool
    win_probability: str  # "" when there is no prediction
    sla: SlaShown | None
    agreement: str  # "Marketing and sales hand-off, version 3" ("" without one)


def agreement_name(version: AgreementVersion | None) -> str:
    """The agreement's display name (the seeded one in the reader's language) and version."""
    if version is None:
        return ""
    name = version.agreement.name
    shown = str(SEEDED_AGREEMENT_NAME) if name == defaults.AGREEMENT_NAME else name
    return _("%(name)s, version %(n)s") % {"name": shown, "n": version.number}


def score_scale(version: AgreementVersion | None) -> str:
    if version is None:
        return _("No agreement in force: no MQL definition to compare with.")
    definition = (version.content or {}).get("mql_definition") or {}
    minimum, grade = definition.get("min_score"), definition.get("min_grade")
    if grade:
        text = _("MQL from %(score)s points, grade %(grade)s or better") % {
            "score": minimum,
            "grade": grade,
        }
    else:
        text = _("MQL from %(score)s points") % {"score": minimum}
    hot = definition.get("hot_min_score")
    if hot is not None:
        text += "; " + _("hot from %(score)s") % {"score": hot}
    return text


def lead_summary(
    lead: Lead,
    *,
    score: LeadScore | None,
    agreement: LeadAgreement,
    win_probability: str = "",
    now: datetime | None = None,
) -> LeadSummary:
    now = now or timezone.now()
    clock = (
        SlaClock.objects.filter(lead_id=lead.pk, stopped_at__isnull=True)
        .select_related("calendar")
        .order_by("due_at")
        .first()
        if lead.is_open and lead.stage in INBOX_STAGES
        else None
    )
    is_hot = lead_is_hot(lead.pk)
    version = agreement.in_force
    if version is not None:
        version = AgreementVersion.objects.select_related("agreement").get(pk=version.pk)
    return LeadSummary(
        owner=str(lead.owner) if lead.owner else str(_("unassigned")),
        stage=str(lead.get_stage_display()),
        score=lead.score,
        grade=lead.grade,
        scale=score_scale(version),
        is_hot=is_hot,
        win_probability=win_probability,
        sla=sla_shown(clock, now=now) if clock else None,
        agreement=agreement_name(version),
    )
