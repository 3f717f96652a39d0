"""Reads behind the agreement and calendar pages: versions with their diffs, per side."""

from __future__ import annotations

from dataclasses import dataclass

from accord.handoff import rules
from accord.handoff.agreement.labels import ChangeShown, changes_shown
from accord.handoff.agreement.terms import RejectionReason, rejection_reasons
from accord.handoff.models import AgreementVersion, BusinessCalendar, HandoffAgreement


@dataclass(frozen=True)
class VersionRow:
    version: AgreementVersion
    changes: list[ChangeShown]  # against the version it was based on
    reasons: list[RejectionReason]


def agreement_main() -> HandoffAgreement | None:
    return HandoffAgreement.objects.order_by("pk").first()


def version_rows(agreement: HandoffAgreement) -> list[VersionRow]:
    """Every version, newest first, each with what it changed."""
    versions = list(
        agreement.versions.select_related(
            "created_by", "marketing_approved_by", "sales_approved_by"
        ).order_by("-number")
    )
    by_id = {v.pk: v for v in versions}
    rows = []
    for version in versions:
        base = by_id.get(version.based_on_id) if version.based_on_id else None
        rows.append(
            VersionRow(
                version,
                changes_shown(rules.version_diff(base.content if base else {}, version.content)),
                rejection_reasons(version),
            )
        )
    return rows


def calendars() -> list[BusinessCalendar]:
    return list(BusinessCalendar.objects.select_related("team").order_by("-is_default", "name"))
