"""Writes for scoring: profiles (validated as a whole), lead scores, and the move to MQL.

``lead_score`` rescoring one lead is the incremental path (a worker job per new touch or
property change); ``leads_rescore`` scores a chunk of leads with one query for their facts and
one for their touches, and is what the batch command and the decay sweep use.

A lead that meets the MQL definition is moved to MQL through the lifecycle service, once per
journey: the transition log is checked under the lead's row lock, so concurrent jobs (or a
repeat of a job) never move it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Lead, StageTransition
from accord.contacts.services import lead_transition
from accord.core.errors import InvalidInput, NotFound
from accord.core.lifecycle import Stage
from accord.scoring import incremental, profile_checks, rules, selectors
from accord.scoring.models import LeadScore, MqlDefinition, RuleKind, ScoringProfile, ScoringRule
from accord.tracking.models import Channel, TouchType

logger = logging.getLogger(__name__)

#: Stages from which scoring may move a lead to MQL (the waterfall allows lead/recycled → MQL).
QUALIFIABLE_STAGES = frozenset({Stage.LEAD, Stage.RECYCLED})
RULE_ATTRIBUTES = (
    "kind",
    "name",
    "field",
    "operator",
    "value",
    "touch_type",
    "channel",
    "campaign",
    "url_pattern",
    "points",
    "cap",
    "half_life_days",
    "min_count",
    "within_days",
)
MQL_ATTRIBUTES = ("min_score", "min_grade", "required_fields", "fast_track")


# --- Profiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInput:
    """A profile as submitted (API, admin page, data migration): plain values only."""

    name: str
    grade_a_min: int
    grade_b_min: int
    grade_c_min: int
    half_life_days: float | None
    rules: tuple[dict[str, Any], ...]
    mql: dict[str, Any]
    description: str = ""
    is_active: bool = False


def _rule_row(index: int, raw: dict[str, Any]) -> ScoringRule:
    unknown = set(raw) - set(RULE_ATTRIBUTES) - {"id", "position"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"Unknown rule attribute {name!r}.", field=f"rules.{index}.{name}")
    kind = raw.get("kind")
    if kind not in RuleKind.values:
        raise InvalidInput(
            f"Unknown rule kind {kind!r}; expected one of: {', '.join(RuleKind.values)}.",
            field=f"rules.{index}.kind",
        )
    name = str(raw.get("name") or "").strip()
    if not name:
        raise InvalidInput("Every rule needs a name.", field=f"rules.{index}.name")
    values = {key: raw[key] for key in RULE_ATTRIBUTES if raw.get(key) is not None}
    for text in ("field", "operator", "touch_type", "channel", "campaign", "url_pattern"):
        values[text] = str(values.get(text) or "").strip()
    values["name"] = name[:120]
    values.setdefault("points", 0)
    values.setdefault("min_count", 1)
    return ScoringRule(pk=index, position=index, **values)


def _spec_plain(spec: ProfileInput) -> tuple[rules.Profile, list[ScoringRule]]:
    rows = [_rule_row(i, dict(raw)) for i, raw in enumerate(spec.rules)]
    profile = ScoringProfile(
        grade_a_min=spec.grade_a_min,
        grade_b_min=spec.grade_b_min,
        grade_c_min=spec.grade_c_min,
        half_life_days=spec.half_life_days,
    )
    mql = _mql_row(spec.mql)
    return selectors.profile_plain(profile, rows, mql), rows


def _mql_row(raw: dict[str, Any]) -> MqlDefinition:
    unknown = set(raw) - set(MQL_ATTRIBUTES)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"Unknown MQL attribute {name!r}.", field=f"mql.{name}")
    if raw.get("min_score") is None:
        raise InvalidInput("The MQL definition needs a minimum score.", field="mql.min_score")
    required = raw.get("required_fields") or []
    if not isinstance(required, list | tuple):
        raise InvalidInput("Required fields must be a list.", field="mql.required_fields")
    return MqlDefinition(
        version=0,
        min_score=int(raw["min_score"]),
        min_grade=(raw.get("min_grade") or "").strip().upper(),
        required_fields=[str(name).strip() for name in required if str(name).strip()],
        fast_track=bool(raw.get("fast_track", True)),
    )


def profile_problems(spec: ProfileInput) -> list[profile_checks.Problem]:
    """Every problem with a submitted profile, the database-dependent ones included."""
    if not spec.name.strip():
        return [profile_checks.Problem("name", "A profile needs a name.")]
    try:
        plain, rows = _spec_plain(spec)
    except InvalidInput as error:
        return [profile_checks.Problem(error.field or "rules", error.message)]
    problems = profile_checks.profile_problems(plain)
    flagged = {p.field for p in problems}
    slugs = set(Channel.objects.values_list("slug", flat=True))
    for row in rows:
        i = row.pk
        if row.kind == RuleKind.FIT:
            if f"rules.{i}.field" not in flagged and not selectors.property_known(row.field):
                problems.append(
                    profile_checks.Problem(
                        f"rules.{i}.field",
                        f"No lead, contact or account has the property {row.field!r}; check "
                        "the name (custom properties are lead.properties.NAME, "
                        "contact.properties.NAME or account.properties.NAME).",
                    )
                )
            continue
        if row.touch_type and row.touch_type not in TouchType.values:
            problems.append(
                profile_checks.Problem(
                    f"rules.{i}.touch_type",
                    f"Unknown touch type {row.touch_type!r}; expected one of: "
                    f"{', '.join(TouchType.values)}.",
                )
            )
        if row.channel and row.channel not in slugs:
            problems.append(
                profile_checks.Problem(f"rules.{i}.channel", f"Unknown channel {row.channel!r}.")
            )
    for name in plain.mql.required_fields:
        if "mql.required_fields" not in flagged and not selectors.property_known(name):
            problems.append(
                profile_checks.Problem(
                    "mql.required_fields", f"No record has the property {name!r}."
                )
            )
    return problems


def _problems_raise(spec: ProfileInput) -> None:
    problems = profile_problems(spec)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InvalidInput(first.message + more, field=first.field)


def profile_save(
    *, spec: ProfileInput, profile_id: int | None = None, actor: User | None = None
) -> ScoringProfile:
    """Create (no ``profile_id``) or replace a profile with its rules and MQL definition.

    Validated as a whole first; any problem raises ``InvalidInput`` naming the field, and
    nothing is written. A changed MQL definition becomes a new version.
    """
    _problems_raise(spec)
    _, rows = _spec_plain(spec)
    with transaction.atomic():
        if profile_id is None:
            profile = ScoringProfile()
        else:
            profile = ScoringProfile.objects.select_for_update().filter(pk=profile_id).first()
            if profile is None:
                raise NotFound(f"Scoring profile {profile_id} does not exist.", field="profile_id")
            profile.version += 1
        name = spec.name.strip()[:120]
        taken = ScoringProfile.objects.filter(name=name).exclude(pk=profile.pk)
        if taken.exists():
            raise InvalidInput(f"A profile named {name!r} exists.", field="name")
        if spec.is_active:
            ScoringProfile.objects.filter(is_active=True).exclude(pk=profile.pk).update(
                is_active=False
            )
        profile.name = name
        profile.description = spec.description.strip()
        profile.is_active = spec.is_active
        profile.grade_a_min = spec.grade_a_min
        profile.grade_b_min = spec.grade_b_min
        profile.grade_c_min = spec.grade_c_min
        profile.half_life_days = spec.half_life_days
        profile.save()
        ScoringRule.objects.filter(profile=profile).delete()
        for row in rows:
            row.pk = None
            row.profile = profile
        ScoringRule.objects.bulk_create(rows)
        _mql_version_save(profile, _mql_row(spec.mql), actor)
    selectors.active_profile_forget()
    logger.info("Scoring profile %s saved (version %s).", profile.pk, profile.version)
    return profile


def _mql_version_save(profile: ScoringProfile, wanted: MqlDefinition, actor: User | None) -> None:
    current = selectors.mql_current(profile.pk)
    if current is not None and all(
        getattr(current, name) == getattr(wanted, name) for name in MQL_ATTRIBUTES
    ):
        return
    wanted.profile = profile
    wanted.version = (current.version if current else 0) + 1
    wanted.created_by = actor
    wanted.save()


def profile_activate(*, profile_id: int) -> ScoringProfile:
    with transaction.atomic():
        profile = ScoringProfile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None:
            raise NotFound(f"Scoring profile {profile_id} does not exist.", field="profile_id")
        ScoringProfile.objects.filter(is_active=True).exclude(pk=profile.pk).update(is_active=False)
        profile.is_active = True
        profile.version += 1
        profile.save(update_fields=["is_active", "version", "updated_at"])
    selectors.active_profile_forget()
    return profile


def profile_delete(*, profile_id: int) -> None:
    profile = ScoringProfile.objects.filter(pk=profile_id).first()
    if profile is None:
        raise NotFound(f"Scoring profile {profile_id} does not exist.", field="profile_id")
    if profile.is_active:
        raise InvalidInput(
            "The active profile cannot be deleted; activate another one first.", field="profile_id"
        )
    profile.delete()


def profile_input_of(profile: ScoringProfile) -> ProfileInput:
    """A stored profile as the input that would save it again (editing starts from it)."""
    mql = selectors.mql_current(profile.pk)
    rows = selectors.profile_rules(profile.pk)
    return ProfileInput(
        name=profile.name,
        description=profile.description,
        is_active=profile.is_active,
        grade_a_min=profile.grade_a_min,
        grade_b_min=profile.grade_b_min,
        grade_c_min=profile.grade_c_min,
        half_life_days=profile.half_life_days,
        rules=tuple(
            {
                key: getattr(row, key)
                for key in RULE_ATTRIBUTES
                if getattr(row, key) not in ("", None)
            }
            for row in rows
        ),
        mql={name: getattr(mql, name) for name in MQL_ATTRIBUTES}
        if mql
        else {"min_score": 0, "min_grade": "", "required_fields": [], "fast_track": True},
    )


# --- Scoring leads ------------------------------------------------------------------------


def breakdown_json(breakdown: rules.ScoreBreakdown) -> list[dict[str, Any]]:
    return [
        {
            "rule_id": c.rule_id,
            "rule": c.rule_name,
            "kind": c.kind,
            "points": c.points,
            "source": c.source,
            "ref": c.ref,
            "detail": c.detail,
        }
        for c in breakdown.contributions
    ]


def _score_row(
    lead_id: int,
    active: selectors.ActiveProfile,
    breakdown: rules.ScoreBreakdown,
    decision: rules.MqlDecision | None,
    now: datetime,
) -> LeadScore:
    return LeadScore(
        lead_id=lead_id,
        profile_id=active.id,
        profile_version=active.version,
        score=breakdown.score,
        grade=breakdown.grade,
        fit_points=breakdown.fit_hundredths / 100,
        engagement_points=breakdown.engagement_hundredths / 100,
        breakdown=breakdown_json(breakdown),
        fast_track=[
            {"rule_id": h.rule_id, "rule": h.rule_name, "touch_ids": list(h.touch_ids)}
            for h in breakdown.fast_track
        ],
        warnings=list(breakdown.warnings),
        qualifies=decision.criterion if decision else "",
        computed_at=now,
    )


def _mql_fire(
    *,
    lead_id: int,
    decision: rules.MqlDecision,
    breakdown: rules.ScoreBreakdown,
    active: selectors.ActiveProfile,
) -> bool:
    """Move the lead to MQL unless it already went there in this journey; True if moved."""
    # No savepoint: a failure here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        state = incremental.mql_state_locked(lead_id)
        if state is None or state[0] not in QUALIFIABLE_STAGES or state[1]:
            return False
        lead_transition(
            lead_id=lead_id,
            to_stage=Stage.MQL,
            reason="",
            details={
                "criterion": decision.criterion,
                "rule_id": decision.rule_id,
                "rule": decision.rule_name,
                "score": breakdown.score,
                "grade": breakdown.grade,
                "profile_id": active.id,
                "mql_version": active.mql_version,
            },
        )
    return True


def lead_score(
    *, lead_id: int, now: datetime | None = None, qualify: bool = True
) -> LeadScore | None:
    """Rescore one lead with the active profile; move it to MQL if it now qualifies.

    Returns None when there is no active profile or the lead no longer exists. This is the
    per-touch worker path: its statements are prepared once per process (``incremental``)
    and the profile is compiled once per profile version (``selectors.active_profile``).
    """
    active = selectors.active_profile()
    if active is None:
        return None
    now = now or timezone.now()
    found = incremental.facts_one(lead_id, active.profile)
    if found is None:
        return None
    lead, reached_mql = found
    breakdown = rules.breakdown_compute(
        active.profile,
        facts=lead.facts,
        touches=selectors.touches_of(lead_id),
        now=now,
        classifier=active.classifier,
    )
    decision = rules.mql_check(active.profile.mql, breakdown, lead.facts)
    row = _score_row(lead_id, active, breakdown, decision, now)
    with transaction.atomic(savepoint=False):
        incremental.score_upsert(row)
        if (lead.score, lead.grade) != (row.score, row.grade):
            incremental.lead_columns_set(lead_id, row.score, row.grade)
        # An MQL move is never undone within a journey, so a lead seen to have one needs no
        # lock; otherwise _mql_fire re-checks under the lead's row lock.
        if (
            qualify
            and decision is not None
            and lead.stage in QUALIFIABLE_STAGES
            and not reached_mql
        ):
            _mql_fire(lead_id=lead_id, decision=decision, breakdown=breakdown, active=active)
    return row


@dataclass(frozen=True)
class RescoreResult:
    scored: int = 0
    grade_changed: int = 0
    moved_to_mql: int = 0
    warnings: int = 0

    def __add__(self, other: RescoreResult) -> RescoreResult:
        return RescoreResult(
            self.scored + other.scored,
            self.grade_changed + other.grade_changed,
            self.moved_to_mql + other.moved_to_mql,
            self.warnings + other.warnings,
        )


_SCORE_UPDATE_FIELDS = [f.name for f in LeadScore._meta.concrete_fields if f.name not in {"lead"}]


def leads_rescore(
    *,
    lead_ids: Sequence[int],
    now: datetime | None = None,
    qualify: bool = True,
    active: selectors.ActiveProfile | None = None,
) -> RescoreResult:
    """Score a chunk of leads in bulk: one read of facts, one of touches, two writes."""
    active = active or selectors.active_profile()
    if active is None or not lead_ids:
        return RescoreResult()
    now = now or timezone.now()
    leads = selectors.facts_by_lead(lead_ids, active.profile)
    touches = selectors.touches_by_lead([lead.lead_id for lead in leads])
    rows, candidates, grade_changed, warnings = [], [], 0, 0
    for lead in leads:
        breakdown = rules.breakdown_compute(
            active.profile,
            facts=lead.facts,
            touches=touches.get(lead.lead_id, ()),
            now=now,
            classifier=active.classifier,
        )
        decision = rules.mql_check(active.profile.mql, breakdown, lead.facts)
        rows.append(_score_row(lead.lead_id, active, breakdown, decision, now))
        grade_changed += lead.grade != breakdown.grade
        warnings += bool(breakdown.warnings)
        if qualify and decision is not None and lead.stage in QUALIFIABLE_STAGES:
            candidates.append((lead.lead_id, decision, breakdown))
    moved = 0
    with transaction.atomic():
        LeadScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["lead"],
            update_fields=_SCORE_UPDATE_FIELDS,
        )
        _lead_columns_sync([row.lead_id for row in rows])
        if candidates:
            done = set(
                StageTransition.objects.filter(
                    lead_id__in=[c[0] for c in candidates], to_stage=Stage.MQL
                ).values_list("lead_id", flat=True)
            )
            for lead_id, decision, breakdown in candidates:
                if lead_id not in done:
                    moved += _mql_fire(
                        lead_id=lead_id, decision=decision, breakdown=breakdown, active=active
                    )
    return RescoreResult(
        scored=len(rows), grade_changed=grade_changed, moved_to_mql=moved, warnings=warnings
    )


def _lead_columns_sync(lead_ids: Sequence[int]) -> None:
    """Copy score and grade onto the leads (one UPDATE ... FROM; both databases support it)."""
    if not lead_ids:
        return
    lead_table = Lead._meta.db_table
    score_table = LeadScore._meta.db_table
    marks = ", ".join(["%s"] * len(lead_ids))
    sql = (
        f'UPDATE "{lead_table}" SET "score" = s."score", "grade" = s."grade" '
        f'FROM "{score_table}" s WHERE s."lead_id" = "{lead_table}"."id" '
        f'AND "{lead_table}"."id" IN ({marks}) '
        f'AND ("{lead_table}"."score" <> s."score" OR "{lead_table}"."grade" <> s."grade")'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(lead_ids))


def lead_id_chunks(*, chunk_size: int = 1000, open_only: bool = False) -> Iterable[list[int]]:
    """Lead ids in ascending chunks, read by keyset (no OFFSET, no list of every id in memory)."""
    last = 0
    leads = Lead.objects.filter(is_open=True) if open_only else Lead.objects.all()
    while True:
        chunk = list(
            leads.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


# --- Preview ------------------------------------------------------------------------------


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
    _problems_raise(spec)
    proposed, _ = _spec_plain(spec)
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
