"""What a profile change would do before it is saved: how many leads would change grade,
qualify or stop qualifying, scored both ways over the same leads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accord.scoring import rules, selectors
from accord.scoring.profiles import ProfileInput, problems_raise, spec_plain
from accord.scoring.services import lead_id_chunks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreviewResult:
    leads_compared: int
    grade_changes: int
    mql_gained: int
    mql_lost: int

    @property
    def mql_changes(self) -> int:
        return self.mql_gained + self.mql_lost


def profile_change_preview(
    *, spec: ProfileInput, profile_id: int | None = None, now: datetime | None = None
) -> PreviewResult:
    """How many open leads would change grade or MQL status if ``spec`` replaced the profile.

    Both sides are computed now, from the same facts and touches, so the difference is the
    profile's alone (not staleness of stored scores). Nothing is written.
    """
    problems_raise(spec)
    proposed, _ = spec_plain(spec)
    if profile_id is not None:
        current: rules.Profile | None = selectors.profile_load(profile_id)
    else:
        active = selectors.active_profile()
        current = active.profile if active else None
    now = now or timezone.now()
    new_classifier = rules.TouchClassifier(proposed)
    old_classifier = rules.TouchClassifier(current) if current else None
    compared = grades = gained = lost = 0
    for chunk in lead_id_chunks(open_only=True):
        facts = selectors.facts_by_lead(chunk, _fields_union(proposed, current))
        touches = selectors.touches_by_lead(chunk)
        for lead in facts:
            mine = touches.get(lead.lead_id, ())
            after = rules.breakdown_compute(
                proposed, facts=lead.facts, touches=mine, now=now, classifier=new_classifier
            )
            after_mql = rules.mql_check(proposed.mql, after, lead.facts) is not None
            if current is not None and old_classifier is not None:
                before = rules.breakdown_compute(
                    current, facts=lead.facts, touches=mine, now=now, classifier=old_classifier
                )
                before_grade = before.grade
                before_mql = rules.mql_check(current.mql, before, lead.facts) is not None
            else:
                before_grade, before_mql = "", False
            compared += 1
            grades += before_grade != after.grade
            gained += after_mql and not before_mql
            lost += before_mql and not after_mql
    return PreviewResult(compared, grades, gained, lost)


def _fields_union(a: rules.Profile, b: rules.Profile | None) -> rules.Profile:
    """A profile whose fields are both profiles' fields, so one facts read serves both."""
    if b is None:
        return a
    return rules.Profile(
        fit=a.fit + b.fit,
        engagement=(),
        fast_track=(),
        thresholds=a.thresholds,
        mql=rules.MqlDefinition(
            min_score=0, required_fields=a.mql.required_fields + b.mql.required_fields
        ),
    )
