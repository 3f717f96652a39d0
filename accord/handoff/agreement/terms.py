"""Reading the terms of the agreement in force that sales actions and feedback apply:
rejection reasons (and where each sends a lead) and the campaign rejection alert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from accord.core.errors import InvalidInput
from accord.core.lifecycle import Stage
from accord.handoff import defaults
from accord.handoff.models import AgreementVersion, VersionStatus

#: Reasons that mean "never a customer": the lead is disqualified, not recycled, unless the
#: agreement's reason says otherwise with its own ``outcome``.
DISQUALIFYING_CODES = frozenset({"not_a_fit", "duplicate", "student_or_competitor"})
#: Alert defaults when the agreement does not state them: the last 20 MQLs of a campaign, and
#: the rejection rate the marketing side's accept-rate floor allows (100 - floor).
ALERT_WINDOW_MQLS = 20
ALERT_DEFAULT_FLOOR_PCT = 60


@dataclass(frozen=True)
class RejectionReason:
    code: str
    label: str
    outcome: str
    version_id: int | None


@dataclass(frozen=True)
class AlertTerms:
    window_mqls: int
    max_rejection_pct: float


def version_active() -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(status=VersionStatus.ACTIVE)
        .order_by("-activated_at", "-pk")
        .first()
    )


_SEEDED_LABELS = {r["code"]: r["label"] for r in defaults.CONTENT["rejection_reasons"]}


def reason_label(code: str, label: str) -> str:
    """A reason's label in the reader's language when it is still the seeded one; a label a
    manager wrote is shown as written."""
    return _(label) if _SEEDED_LABELS.get(code) == label else label


def rejection_reasons(version: AgreementVersion | None = None) -> list[RejectionReason]:
    version = version or version_active()
    if version is None:
        return []
    reasons = []
    for item in (version.content or {}).get("rejection_reasons", []):
        if not isinstance(item, dict) or not item.get("code"):
            continue
        code = str(item["code"])
        outcome = item.get("outcome") or (
            Stage.DISQUALIFIED if code in DISQUALIFYING_CODES else Stage.RECYCLED
        )
        reasons.append(
            RejectionReason(
                code=code,
                label=reason_label(code, str(item.get("label") or code)),
                outcome=str(outcome),
                version_id=version.pk,
            )
        )
    return reasons


def rejection_reason_get(code: str) -> RejectionReason:
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("Choose a rejection reason."), field="reason_code")
    for reason in rejection_reasons():
        if reason.code == code:
            return reason
    raise InvalidInput(
        _("%(code)s is not a rejection reason of the agreement in force.") % {"code": code},
        field="reason_code",
    )


def alert_terms(content: dict[str, Any] | None = None) -> AlertTerms:
    if content is None:
        version = version_active()
        content = version.content if version else {}
    marketing = (content or {}).get("marketing") or {}
    window = marketing.get("rejection_alert_window_mqls") or ALERT_WINDOW_MQLS
    threshold = marketing.get("rejection_alert_rate_pct")
    if threshold is None:
        threshold = 100 - float(
            marketing.get("quality_floor_accept_rate_pct", ALERT_DEFAULT_FLOOR_PCT)
        )
    return AlertTerms(window_mqls=int(window), max_rejection_pct=float(threshold))
