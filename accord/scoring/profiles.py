"""Writes of scoring profiles by people: save (validated), activate, delete; and a profile read
back as the editor's input.

A profile holds rules, weights and grade thresholds. Which score makes an MQL is not the
profile's to say: the hand-off agreement publishes that (``accord.scoring.qualification``), and
every profile is checked and previewed against the definition in force."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.scoring import profile_checks, rules, selectors
from accord.scoring.models import RuleKind, ScoringProfile, ScoringRule
from accord.tracking.models import Channel, TouchType

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ProfileInput:
    """A profile as submitted (API, admin page, data migration): plain values only."""

    name: str
    grade_a_min: int
    grade_b_min: int
    grade_c_min: int
    half_life_days: float | None
    rules: tuple[dict[str, Any], ...]
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


def spec_plain(spec: ProfileInput) -> tuple[rules.Profile, list[ScoringRule]]:
    rows = [_rule_row(i, dict(raw)) for i, raw in enumerate(spec.rules)]
    profile = ScoringProfile(
        grade_a_min=spec.grade_a_min,
        grade_b_min=spec.grade_b_min,
        grade_c_min=spec.grade_c_min,
        half_life_days=spec.half_life_days,
    )
    return selectors.profile_plain(profile, rows, selectors.mql_in_force()), rows


def profile_problems(spec: ProfileInput) -> list[profile_checks.Problem]:
    """Every problem with a submitted profile, the database-dependent ones included."""
    if not spec.name.strip():
        return [profile_checks.Problem("name", "A profile needs a name.")]
    try:
        plain, rows = spec_plain(spec)
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
    return problems


def problems_raise(spec: ProfileInput) -> None:
    problems = profile_problems(spec)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InvalidInput(first.message + more, field=first.field)


def profile_save(
    *, spec: ProfileInput, profile_id: int | None = None, actor: User | None = None
) -> ScoringProfile:
    """Create (no ``profile_id``) or replace a profile with its rules.

    Validated as a whole first; any problem raises ``InvalidInput`` naming the field, and
    nothing is written.
    """
    problems_raise(spec)
    _, rows = spec_plain(spec)
    with transaction.atomic():
        if profile_id is None:
            profile = ScoringProfile()
        else:
            found = ScoringProfile.objects.select_for_update().filter(pk=profile_id).first()
            if found is None:
                raise NotFound(f"Scoring profile {profile_id} does not exist.", field="profile_id")
            profile = found
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
    selectors.active_profile_forget()
    logger.info("Scoring profile %s saved (version %s).", profile.pk, profile.version)
    return profile


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
    )
