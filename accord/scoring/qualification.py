"""The MQL definition in force: published by the hand-off agreement, applied by scoring.

The agreement both heads sign is the only definition of a quality lead (issue 14): a scoring
profile says how many points a lead earns, the agreement says how many points (and what grade,
fields and actions) make it an MQL. Scoring sits below the hand-off in the layers, so the
agreement pushes its terms down through ``definition_publish`` when a version becomes active;
scoring never reads the agreement itself.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accord.accounts.models import User
from accord.core.jobs import enqueue
from accord.scoring import jobs, profile_checks, rules, selectors
from accord.scoring.models import MqlDefinition
from accord.scoring.services import lead_id_chunks

logger = logging.getLogger(__name__)

RESCORE_CHUNK = 500


@dataclass(frozen=True)
class Terms:
    """An MQL definition as the agreement states it."""

    min_score: int
    min_grade: str = ""
    required_fields: tuple[str, ...] = ()
    fast_track: bool = True

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Terms:
        """The terms in an agreement's ``mql_definition`` section (other keys ignored)."""
        return cls(
            min_score=int(raw["min_score"]),
            min_grade=str(raw.get("min_grade") or "").strip().upper(),
            required_fields=tuple(
                str(name).strip() for name in raw.get("required_fields") or () if str(name).strip()
            ),
            fast_track=bool(raw.get("fast_track", True)),
        )

    def plain(self, version: int = 0) -> rules.MqlDefinition:
        return rules.MqlDefinition(
            min_score=self.min_score,
            min_grade=self.min_grade,
            required_fields=self.required_fields,
            fast_track=self.fast_track,
            version=version,
        )

    def same_as(self, row: MqlDefinition | None) -> bool:
        return row is not None and self == Terms(
            min_score=row.min_score,
            min_grade=row.min_grade,
            required_fields=tuple(row.required_fields or ()),
            fast_track=row.fast_track,
        )


def terms_problems(terms: Terms) -> list[profile_checks.Problem]:
    """Ways no lead could meet the terms under the active profile (or its fields do not exist),
    fields named ``mql_definition.*`` as in the agreement."""
    problems = [
        profile_checks.Problem(
            "mql_definition.required_fields",
            f"No lead, contact or account has the property {name!r}.",
        )
        for name in terms.required_fields
        if not selectors.property_known(name)
    ]
    active = selectors.active_profile()
    scored = active.profile if active is not None else None
    if scored is not None:
        with_terms = dataclasses.replace(scored, mql=terms.plain())
        problems.extend(
            profile_checks.Problem(p.field.replace("mql.", "mql_definition.", 1), p.message)
            for p in profile_checks.mql_problems(with_terms)
            if p.field != "mql.required_fields"
        )
    return problems


@dataclass(frozen=True)
class Published:
    definition: MqlDefinition
    changed: bool
    rescore_chunks: int


def definition_publish(
    *, terms: Terms, agreement_version: int, actor: User | None = None
) -> Published:
    """Put ``terms`` in force (a new definition version when they differ from the current
    one) and queue a rescore of every open lead, so leads that now qualify move to MQL.

    Runs in the caller's transaction: the agreement's activation and the definition it
    publishes commit together, and the rescore jobs (keyed by the definition version, so a
    redelivery rescoring twice changes nothing) are in the outbox of the same commit. Leads
    already past MQL stay where they are: a stricter definition applies from now on.
    """
    with transaction.atomic():
        current = selectors.mql_in_force()
        if terms.same_as(current) and current is not None:
            if current.agreement_version != agreement_version:
                current.agreement_version = agreement_version
                current.save(update_fields=["agreement_version"])
            return Published(current, changed=False, rescore_chunks=0)
        last = MqlDefinition.objects.filter(profile__isnull=True).aggregate(n=Max("version"))["n"]
        row = MqlDefinition.objects.create(
            profile=None,
            version=(last or 0) + 1,
            min_score=terms.min_score,
            min_grade=terms.min_grade,
            required_fields=list(terms.required_fields),
            fast_track=terms.fast_track,
            agreement_version=agreement_version,
            created_by=actor,
        )
        chunks = 0
        for chunk in lead_id_chunks(chunk_size=RESCORE_CHUNK, open_only=True):
            enqueue(
                jobs.leads_rescore_chunk,
                key=f"scoring.mql:{row.version}:{chunk[0]}-{chunk[-1]}",
                lead_ids=chunk,
            )
            chunks += 1
    selectors.active_profile_forget()
    logger.info(
        "MQL definition v%s in force (agreement v%s); %s rescore chunks queued.",
        row.version,
        agreement_version,
        chunks,
    )
    return Published(row, changed=True, rescore_chunks=chunks)


@dataclass(frozen=True)
class TermsPreview:
    leads_compared: int
    qualify_now: int
    qualify_after: int
    gained: int
    lost: int


def terms_change_preview(*, terms: Terms, now: datetime | None = None) -> TermsPreview:
    """How many open leads qualify under the terms in force and under ``terms``, scored now
    by the active profile. Nothing is written."""
    active = selectors.active_profile()
    if active is None:
        return TermsPreview(0, 0, 0, 0, 0)
    now = now or timezone.now()
    proposed = terms.plain()
    reading = rules.Profile(
        fit=active.profile.fit,
        engagement=(),
        fast_track=(),
        thresholds=active.profile.thresholds,
        mql=rules.MqlDefinition(
            min_score=0, required_fields=active.profile.mql.required_fields + terms.required_fields
        ),
    )
    compared = before_count = after_count = gained = lost = 0
    for chunk in lead_id_chunks(open_only=True):
        touches = selectors.touches_by_lead(chunk)
        for lead in selectors.facts_by_lead(chunk, reading):
            breakdown = rules.breakdown_compute(
                active.profile,
                facts=lead.facts,
                touches=touches.get(lead.lead_id, ()),
                now=now,
                classifier=active.classifier,
            )
            before = rules.mql_check(active.profile.mql, breakdown, lead.facts) is not None
            after = rules.mql_check(proposed, breakdown, lead.facts) is not None
            compared += 1
            before_count += before
            after_count += after
            gained += after and not before
            lost += before and not after
    return TermsPreview(compared, before_count, after_count, gained, lost)
