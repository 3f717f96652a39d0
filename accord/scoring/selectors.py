"""Reads for scoring: profiles as plain ``rules.Profile`` data, leads' facts and touches
loaded in bulk (one query each per chunk of leads, never one per lead), and leads' win
probabilities as the page, the API and exports show them."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Case, F, FloatField, QuerySet, Subquery, Value, When

from accord.contacts.models import Account, Contact, Lead
from accord.scoring import rules
from accord.scoring.models import (
    LeadPrediction,
    MqlDefinition,
    RuleKind,
    ScoringProfile,
    ScoringRule,
)
from accord.scoring.predictive.presentation import (
    PredictionShown,
    percent_text,
    reasons_read,
    reasons_shown,
)
from accord.tracking.models import Channel, Touchpoint

# Model fields a fit rule may test, as the ORM path that reads them in bulk.
_FACT_COLUMNS: dict[str, str] = {
    "contact.email": "contact__email",
    "contact.phone": "contact__phone",
    "contact.first_name": "contact__first_name",
    "contact.last_name": "contact__last_name",
    "contact.job_title": "contact__job_title",
    "account.name": "contact__account__name",
    "account.domain": "contact__account__domain",
    "account.industry": "contact__account__industry",
    "account.employees": "contact__account__employees",
    "account.country": "contact__account__country",
    "lead.source_channel": "source_channel__slug",
    "lead.source_campaign": "source_campaign__utm_campaign",
}
_PROPERTY_COLUMNS = {
    "lead": "properties",
    "contact": "contact__properties",
    "account": "contact__account__properties",
}


@dataclass(frozen=True)
class LeadFacts:
    lead_id: int
    stage: str
    grade: str
    score: int
    facts: dict[str, Any]


@dataclass(frozen=True)
class ActiveProfile:
    id: int
    version: int
    mql_version: int
    #: The agreement version whose MQL definition is in force (None: none published yet).
    agreement_version: int | None
    profile: rules.Profile
    classifier: rules.TouchClassifier


def rule_to_plain(rule: ScoringRule) -> rules.FitRule | rules.EngagementRule | rules.FastTrackRule:
    match = rules.TouchMatch(
        touch_type=rule.touch_type,
        channel=rule.channel,
        campaign=rule.campaign,
        url_pattern=rule.url_pattern,
    )
    if rule.kind == RuleKind.FIT:
        return rules.FitRule(
            id=rule.pk or 0,
            name=rule.name,
            field=rule.field,
            operator=rule.operator,
            value=rule.value,
            points=rule.points,
        )
    if rule.kind == RuleKind.ENGAGEMENT:
        return rules.EngagementRule(
            id=rule.pk or 0,
            name=rule.name,
            match=match,
            points=rule.points,
            cap=rule.cap,
            half_life_days=rule.half_life_days,
        )
    return rules.FastTrackRule(
        id=rule.pk or 0,
        name=rule.name,
        match=match,
        min_count=rule.min_count,
        within_days=rule.within_days,
    )


def profile_plain(
    profile: ScoringProfile, rule_rows: Sequence[ScoringRule], mql: MqlDefinition | None
) -> rules.Profile:
    plain = [rule_to_plain(rule) for rule in rule_rows]
    return rules.Profile(
        fit=tuple(r for r in plain if isinstance(r, rules.FitRule)),
        engagement=tuple(r for r in plain if isinstance(r, rules.EngagementRule)),
        fast_track=tuple(r for r in plain if isinstance(r, rules.FastTrackRule)),
        thresholds=rules.GradeThresholds(
            a=profile.grade_a_min, b=profile.grade_b_min, c=profile.grade_c_min
        ),
        half_life_days=profile.half_life_days,
        mql=mql_plain(mql),
    )


def mql_plain(mql: MqlDefinition | None) -> rules.MqlDefinition:
    if mql is None:
        # A profile without a definition never qualifies anyone by points.
        return rules.MqlDefinition(min_score=2**31, fast_track=False, version=0)
    return rules.MqlDefinition(
        min_score=mql.min_score,
        min_grade=mql.min_grade,
        required_fields=tuple(mql.required_fields or ()),
        fast_track=mql.fast_track,
        version=mql.version,
    )


def mql_in_force() -> MqlDefinition | None:
    """The MQL definition the agreement put in force (``accord.scoring.qualification``)."""
    return MqlDefinition.objects.filter(profile__isnull=True).order_by("-version").first()


def profile_rules(profile_id: int) -> list[ScoringRule]:
    return list(
        ScoringRule.objects.filter(profile_id=profile_id).order_by("kind", "position", "id")
    )


def profile_load(profile_id: int) -> rules.Profile:
    profile = ScoringProfile.objects.get(pk=profile_id)
    return profile_plain(profile, profile_rules(profile_id), mql_in_force())


_active_cache: dict[tuple[int, int, int | None], ActiveProfile] = {}
# Which profile is active (and its version) is re-read at most this often per process, so a
# saved change reaches every worker within seconds without a query per scored lead.
ACTIVE_CHECK_SECONDS = 5.0
_active_head: list[Any] = [0.0, None]


def active_profile_forget() -> None:
    _active_head[0] = 0.0


def active_profile() -> ActiveProfile | None:
    """The active profile, compiled once per process per version."""
    now = time.monotonic()
    if now - _active_head[0] > ACTIVE_CHECK_SECONDS:
        # The definition's version is part of the head: the agreement publishing new terms
        # must recompile every process's profile, as a profile change does.
        in_force = MqlDefinition.objects.filter(profile__isnull=True).order_by("-version")
        _active_head[1] = (
            ScoringProfile.objects.filter(is_active=True)
            .annotate(mql_version=Subquery(in_force.values("version")[:1]))
            .values_list("pk", "version", "mql_version")
            .first()
        )
        _active_head[0] = now
    head = _active_head[1]
    if head is None:
        return None
    found = _active_cache.get(head)
    if found is None:
        profile = ScoringProfile.objects.get(pk=head[0])
        mql = mql_in_force()
        plain = profile_plain(profile, profile_rules(profile.pk), mql)
        found = ActiveProfile(
            id=profile.pk,
            version=profile.version,
            mql_version=mql.version if mql else 0,
            agreement_version=mql.agreement_version if mql else None,
            profile=plain,
            classifier=rules.TouchClassifier(plain),
        )
        _active_cache.clear()
        _active_cache[head] = found
    return found


_channel_slugs: dict[int, str] = {}


def channel_slug(channel_id: int | None) -> str:
    if channel_id is None:
        return ""
    slug = _channel_slugs.get(channel_id)
    if slug is None:
        _channel_slugs.clear()
        _channel_slugs.update(Channel.objects.values_list("pk", "slug"))
        slug = _channel_slugs.setdefault(channel_id, "")
    return slug


_TOUCH_COLUMNS = ("lead_id", "id", "at", "type", "channel_id", "utm_campaign", "url")


def touches_by_lead(lead_ids: Sequence[int]) -> dict[int, list[rules.Touch]]:
    found: dict[int, list[rules.Touch]] = defaultdict(list)
    if not lead_ids:
        return found
    query = Touchpoint.objects.filter(lead_id__in=lead_ids).order_by().values_list(*_TOUCH_COLUMNS)
    slug = channel_slug
    for lead_id, pk, at, kind, channel_id, campaign, url in query.iterator(chunk_size=20_000):
        found[lead_id].append(rules.Touch(pk, at, kind, slug(channel_id), campaign, url))
    return found


def touches_of(lead_id: int) -> list[rules.Touch]:
    """One lead's touches by a plain cursor: the incremental path runs per touch, and the
    ORM's query building would cost more than the query itself."""
    table = Touchpoint._meta.db_table
    sql = (
        f'SELECT "id", "at", "type", "channel_id", "utm_campaign", "url" FROM "{table}" '
        'WHERE "lead_id" = %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lead_id])
        rows = cursor.fetchall()
    slug = channel_slug
    return [
        rules.Touch(pk, _aware(at), kind, slug(ch), campaign, url)
        for pk, at, kind, ch, campaign, url in rows
    ]


def _aware(value: Any) -> datetime:
    """SQLite hands back text in UTC; PostgreSQL an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _facts_columns(profile: rules.Profile) -> tuple[list[str], set[str]]:
    """The columns a profile needs: model fields it tests, and which properties dicts."""
    names = [r.field for r in profile.fit] + list(profile.mql.required_fields)
    columns = sorted({_FACT_COLUMNS[n] for n in names if n in _FACT_COLUMNS})
    entities = {split[0] for n in names if (split := rules.field_property_split(n))}
    return columns, entities


def facts_by_lead(lead_ids: Sequence[int], profile: rules.Profile) -> list[LeadFacts]:
    """Facts of each lead the profile's fit rules and required fields read."""
    columns, entities = _facts_columns(profile)
    reverse = {column: name for name, column in _FACT_COLUMNS.items()}
    property_columns = [_PROPERTY_COLUMNS[e] for e in sorted(entities)]
    rows = (
        Lead.objects.filter(pk__in=lead_ids)
        .order_by("pk")
        .values("pk", "stage", "grade", "score", *columns, *property_columns)
    )
    result = []
    for row in rows:
        facts: dict[str, Any] = {reverse[c]: row[c] for c in columns}
        for entity in entities:
            props = row[_PROPERTY_COLUMNS[entity]]
            if isinstance(props, dict):
                for key, value in props.items():
                    facts[f"{entity}.properties.{key}"] = value
        result.append(
            LeadFacts(
                lead_id=row["pk"],
                stage=row["stage"],
                grade=row["grade"],
                score=row["score"],
                facts=facts,
            )
        )
    return result


def property_known(path: str) -> bool:
    """Whether a field path is a model field or a property that some record carries."""
    if path in rules.MODEL_FIELDS:
        return True
    split = rules.field_property_split(path)
    if split is None:
        return False
    entity, key = split
    model = _MODEL_OF_ENTITY[entity]
    return model.objects.filter(properties__has_key=key).exists()


_MODEL_OF_ENTITY: dict[str, type[Lead] | type[Contact] | type[Account]] = {
    "lead": Lead,
    "contact": Contact,
    "account": Account,
}


def fields_in_use() -> list[str]:
    """Field paths offered to admins: model fields and properties seen on a sample of records."""
    names = set(rules.MODEL_FIELDS)
    for entity, model in (("lead", Lead), ("contact", Contact), ("account", Account)):
        for props in model.objects.order_by("-pk").values_list("properties", flat=True)[:500]:
            if isinstance(props, dict):
                names.update(f"{entity}.properties.{key}" for key in props)
    return sorted(names)


# --- Win probabilities ------------------------------------------------------------------

#: What a lead without a current prediction sorts as: below every real probability.
NO_PROBABILITY = -1.0
# The model's pickled artefact and training details can weigh megabytes: never loaded with a
# lead's prediction, which only needs the model's version.
_MODEL_HEAVY_FIELDS = ("artefact", "metrics", "features", "config")


def lead_prediction_shown(lead: Lead) -> PredictionShown | None:
    """The lead's current win probability and reasons, or None (never scored, or closed:
    a probability of winning means something only while the journey is open)."""
    if not lead.is_open:
        return None
    row = (
        LeadPrediction.objects.filter(lead_id=lead.pk)
        .values(
            "probability",
            "reasons",
            "scored_at",
            "model__version",
            "model__algorithm",
            "model__is_active",
            "model__profile__name",
        )
        .first()
    )
    if row is None:
        return None
    return PredictionShown(
        probability=row["probability"],
        percent_text=percent_text(row["probability"]),
        reasons=reasons_shown(reasons_read(row["reasons"])),
        model_version=row["model__version"],
        model_algorithm=row["model__algorithm"],
        model_active=row["model__is_active"],
        profile_name=row["model__profile__name"],
        scored_at=row["scored_at"],
    )


def leads_with_prediction(
    leads: QuerySet[Lead], *, min_probability: float | None = None
) -> QuerySet[Lead]:
    """``leads`` with their prediction and its model's version in the same query, and
    ``win_probability`` to order by (``NO_PROBABILITY`` for closed or unscored leads).

    ``min_probability`` keeps open leads scored at least that high.
    """
    leads = (
        leads.select_related("prediction__model")
        .defer(*(f"prediction__model__{name}" for name in _MODEL_HEAVY_FIELDS))
        .annotate(
            win_probability=Case(
                When(
                    is_open=True,
                    prediction__isnull=False,
                    then=F("prediction__probability"),
                ),
                default=Value(NO_PROBABILITY),
                output_field=FloatField(),
            )
        )
    )
    if min_probability is not None:
        leads = leads.filter(is_open=True, prediction__probability__gte=min_probability)
    return leads


def lead_prediction_current(lead: Lead) -> LeadPrediction | None:
    """The lead's prediction if it is open and scored (joined in by ``leads_with_prediction``
    or read now)."""
    if not lead.is_open:
        return None
    try:
        return lead.prediction
    except LeadPrediction.DoesNotExist:
        return None
