"""Training data, the backtest run and the trained bundle (no registry writes here).

``training_frame`` reads closed leads (won: customer; lost: disqualified or lost) with their
features as of the snapshot; ``training_check`` refuses too little or one-sided data before
anything is fitted; ``backtest_run`` fits the model and both baselines on the same training
leads and scores the same held-out leads, with the rule score alongside; ``bundle_fit`` fits
the model on every closed lead and packs what scoring needs (spec, references, explained
features) into one picklable dict.

The model is chosen inside each fit (``estimators.InnerCVSelected``) by inner cross-validation
on that fit's training leads only, so a backtest's held-out leads never influence which
candidate scores them. The rule score of a backtest is recomputed as of each lead's snapshot
(``rule_scores_as_of``), like the features, so the rules get no more hindsight than the model.

Above ``SCORING_TRAIN_MAX_ROWS`` closed leads only a stratified sample is read and fitted
(``sample_closed``): model, baselines and backtest all use the same sample, and the model
records it (``metrics["sample"]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.errors import InvalidInput
from accord.scoring import rules, selectors
from accord.scoring.predictive.estimators import (
    CANDIDATES,
    MODEL,
    raw_model,
    scorers_build,
    threads_for,
)
from accord.scoring.predictive.explain import explain_features_choose, references
from accord.scoring.predictive.features import (
    LOST_STAGES,
    WON_STAGES,
    FeatureConfig,
    FeatureSpec,
    LeadFrame,
    lead_frame,
    outcome_of,
    spec_apply,
    spec_infer,
)
from accord.scoring.predictive.leaks import Suspect, creation_order, suspects_find

MIN_OUTCOMES = 50
BUNDLE_FORMAT = 1
RULE_SCORE_NOTE = (
    "Rule score: the profile's rules applied as of each lead's snapshot (touches up to the "
    "snapshot, decayed to it; properties as stored), not the lead's current score."
)
STORED_SCORE_NOTE = (
    "Rule score: each lead's current stored score (lead.score), which may have seen "
    "engagement after the snapshot."
)
NO_PROFILE_NOTE = "Rule score: there is no active scoring profile, so every lead scores 0."
_RULE_CHUNK = 5000
#: Above this many closed leads, training reads and fits a stratified sample of this size
#: (setting ``SCORING_TRAIN_MAX_ROWS``): the model's quality levels off long before a
#: million leads while the cost of every fit keeps growing with the rows.
TRAIN_MAX_ROWS = 100_000
#: Open leads read to compare fill rates with the closed ones (``leaks.late_fills``).
OPEN_SAMPLE = 2000


def train_max_rows() -> int:
    return int(getattr(settings, "SCORING_TRAIN_MAX_ROWS", TRAIN_MAX_ROWS))


def features_kept(config: FeatureConfig) -> tuple[str, ...]:
    """Suspect features used anyway: the run's ``keep`` and setting SCORING_KEEP_FEATURES."""
    return tuple(dict.fromkeys([*config.keep, *getattr(settings, "SCORING_KEEP_FEATURES", ())]))


@dataclass(frozen=True)
class TrainingSample:
    """Which closed leads training used when there were more than ``max_rows``.

    Each class is kept at the same rate (the won share, hence the probabilities, unchanged),
    except that a rare class (at most half the sample) is kept whole and the other class
    fills the rest: then the fitted odds of winning are too high by rate_won / rate_lost, and
    ``odds_factor`` (rate_lost / rate_won) brings them back.
    """

    max_rows: int
    closed: int
    won: int
    kept: int
    won_kept: int
    #: The rare class was kept whole (else both classes at the same rate).
    whole_class: bool = False

    @property
    def rate_won(self) -> float:
        return self.won_kept / self.won

    @property
    def rate_lost(self) -> float:
        return (self.kept - self.won_kept) / (self.closed - self.won)

    @property
    def odds_factor(self) -> float:
        return self.rate_lost / self.rate_won if self.whole_class else 1.0

    def as_dict(self) -> dict:
        return {
            "max_rows": self.max_rows,
            "closed_leads": self.closed,
            "won": self.won,
            "sampled_leads": self.kept,
            "sampled_won": self.won_kept,
            "odds_factor": round(self.odds_factor, 6),
        }


def sample_closed(
    ids: np.ndarray, outcome: np.ndarray, max_rows: int
) -> tuple[np.ndarray, TrainingSample | None]:
    """The sorted ids to train on: all of them, or a stratified sample of ``max_rows``."""
    won, closed = int((outcome == 1).sum()), len(ids)
    if closed <= max_rows or won == 0 or won == closed:
        return ids, None
    smaller = min(won, closed - won)
    # A rare class (at most half the sample) is kept whole; otherwise both at the same rate.
    rare = smaller <= max_rows // 2
    keep_small = smaller if rare else round(max_rows * smaller / closed)
    small_label = 1 if won == smaller else 0
    rng = np.random.default_rng(0)
    picked = [
        rng.choice(np.flatnonzero(outcome == small_label), keep_small, replace=False),
        rng.choice(np.flatnonzero(outcome != small_label), max_rows - keep_small, replace=False),
    ]
    rows = np.sort(np.concatenate(picked))
    won_kept = keep_small if small_label == 1 else max_rows - keep_small
    return ids[rows], TrainingSample(max_rows, closed, won, max_rows, won_kept, rare)


def odds_shift(probabilities: np.ndarray, factor: float) -> np.ndarray:
    """Probabilities with their odds multiplied by ``factor`` (1: unchanged)."""
    if factor == 1.0:
        return probabilities
    odds = probabilities * factor
    return odds / (odds + (1.0 - probabilities))


@dataclass
class TrainingSet:
    frame: LeadFrame
    spec: FeatureSpec
    X: pd.DataFrame
    y: np.ndarray
    sample: TrainingSample | None = None
    #: Identifiers and leaks found before training (``leaks``); excluded ones are not in spec.
    suspects: list[Suspect] = field(default_factory=list)

    @property
    def odds_factor(self) -> float:
        return self.sample.odds_factor if self.sample else 1.0


def training_frame(
    *,
    config: FeatureConfig,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    profile: rules.Profile | None = None,
    max_rows: int | None = None,
) -> LeadFrame:
    """Closed leads' features as of their snapshots, with the rule score as of then too.

    ``profile`` scores the rule column (default: the active profile; none: zeros). Above
    ``max_rows`` closed leads (default: ``train_max_rows()``) only a stratified sample is
    read (``sample_closed``); the frame's ``sample`` says which.
    """
    # Test leads (the mystery shopper's) are no customer's journey: never learnt from.
    leads = Lead.objects.filter(stage__in=[*WON_STAGES, *LOST_STAGES], is_test=False)
    if since:
        leads = leads.filter(created_at__gte=since)
    if until:
        leads = leads.filter(created_at__lt=until)
    now = now or timezone.now()
    max_rows = train_max_rows() if max_rows is None else max_rows
    pairs = list(leads.order_by("id").values_list("id", "stage"))
    ids = np.array([p[0] for p in pairs], dtype=np.int64)
    outcome = np.array([outcome_of(p[1]) for p in pairs], dtype=np.int8)
    kept, sample = sample_closed(ids, outcome, max_rows)
    frame = lead_frame(leads, config=config, now=now, only=kept if sample else None)
    frame.sample = sample
    if profile is None:
        active = selectors.active_profile()
        profile = active.profile if active else None
    frame.rule_score = rule_scores_as_of(
        frame.lead_ids, frame.created, profile, snapshot_days=config.snapshot_days, now=now
    )
    frame.rule_note = RULE_SCORE_NOTE if profile is not None else NO_PROFILE_NOTE
    frame.open_features = _open_sample(config, now)
    return frame


def _open_sample(config: FeatureConfig, now: datetime) -> pd.DataFrame | None:
    """Raw features of up to ``OPEN_SAMPLE`` open leads (a seeded random sample)."""
    open_leads = Lead.objects.filter(is_open=True, is_test=False)
    ids = np.fromiter(open_leads.order_by("id").values_list("id", flat=True), dtype=np.int64)
    if not len(ids):
        return None
    if len(ids) > OPEN_SAMPLE:
        ids = np.sort(np.random.default_rng(0).choice(ids, OPEN_SAMPLE, replace=False))
    return lead_frame(open_leads, config=config, now=now, only=ids).features


def rule_scores_as_of(
    lead_ids: np.ndarray,
    created: np.ndarray,
    profile: rules.Profile | None,
    *,
    snapshot_days: float,
    now: datetime,
) -> np.ndarray:
    """Each lead's rule score as of its snapshot (creation + N days, never after ``now``).

    The pure rules of ``scoring.rules`` see only the touches dated at or before the snapshot,
    decayed as seen from the snapshot; properties carry no history and are taken as stored
    (as for the model's features). Zero for every lead when there is no profile.
    """
    scores = np.zeros(len(lead_ids))
    if profile is None or not len(lead_ids):
        return scores
    classifier = rules.TouchClassifier(profile)
    now_naive = timezone.make_naive(now, UTC) if timezone.is_aware(now) else now
    latest = np.datetime64(now_naive, "us")
    offset = np.timedelta64(int(snapshot_days * 86_400 * 1e6), "us")
    snapshots = np.minimum(created.astype("datetime64[us]") + offset, latest)
    for start in range(0, len(lead_ids), _RULE_CHUNK):
        chunk = [int(i) for i in lead_ids[start : start + _RULE_CHUNK]]
        facts = {lead.lead_id: lead.facts for lead in selectors.facts_by_lead(chunk, profile)}
        touches = selectors.touches_by_lead(chunk)
        for offset_in_chunk, lead_id in enumerate(chunk):
            position = start + offset_in_chunk
            snapshot = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
                microseconds=int(snapshots[position].astype(np.int64))
            )
            seen = [t for t in touches.get(lead_id, ()) if t.at <= snapshot]
            breakdown = rules.breakdown_compute(
                profile,
                facts=facts.get(lead_id, {}),
                touches=seen,
                now=snapshot,
                classifier=classifier,
            )
            scores[position] = breakdown.score
    return scores


def training_check(y: np.ndarray) -> None:
    """Refuse, with a message a person can act on, data a model cannot honestly learn from."""
    won = int((y == 1).sum())
    lost = int((y == 0).sum())
    if won + lost < MIN_OUTCOMES:
        raise InvalidInput(
            f"Training needs at least {MIN_OUTCOMES} leads with a known outcome (won or "
            f"lost/disqualified); found {won + lost} ({won} won, {lost} lost). Nothing was "
            "trained or saved.",
            field="outcomes",
        )
    if won == 0 or lost == 0:
        only = "won" if lost == 0 else "lost"
        raise InvalidInput(
            f"All {won + lost} leads with an outcome are {only}; a model needs both won and "
            "lost leads to learn the difference. Nothing was trained or saved.",
            field="outcomes",
        )


def training_set(frame: LeadFrame, *, keep: tuple[str, ...] = ()) -> TrainingSet:
    """Typed features and outcomes of the closed leads, identifiers and leaks left out.

    ``keep``: suspect features (``leaks.suspects_find``) to use anyway.
    """
    closed = frame.outcome >= 0
    y = frame.outcome[closed].astype(int)
    training_check(y)
    raw = frame.features.loc[closed].reset_index(drop=True)
    spec = spec_infer(raw)
    open_X = None
    if frame.open_features is not None:
        open_X = spec_apply(frame.open_features, spec)
    suspects = suspects_find(
        X=spec_apply(raw, spec),
        spec=spec,
        y=y,
        order=creation_order(frame.created[closed], frame.lead_ids[closed]),
        open_X=open_X,
        keep=keep,
    )
    excluded = {s.feature for s in suspects if s.excluded}
    spec = FeatureSpec(
        tuple(c for c in spec.columns if c[0] not in excluded),
        {k: v for k, v in spec.invalid_values.items() if k not in excluded},
    )
    if not spec.columns:
        flagged = f" ({len(excluded)} flagged as identifiers or leaks; see --keep-feature)"
        raise InvalidInput(
            f"The leads have no features to learn from{flagged if excluded else ''}.",
            field="features",
        )
    kept = LeadFrame(
        frame.lead_ids[closed],
        frame.created[closed],
        frame.outcome[closed],
        frame.rule_score[closed],
        raw,
        frame.rule_note,
        frame.sample,
    )
    return TrainingSet(kept, spec, spec_apply(raw, spec), y, frame.sample, suspects)


def selection_of(model) -> dict:
    """Which candidate a fitted model chose and why (its inner-CV figures, in words too)."""
    return {
        "chosen": model.chosen_,
        "members": list(model.members_) if model.chosen_ == "blend" else [],
        "described": model.describe(),
        "reason": model.reason_,
        "calibration": model.calibration_,
        "candidates": model.selection_,
        "estimate": model.estimate_,
    }


def bundle_fit(
    data: TrainingSet, config: FeatureConfig, candidates: tuple[str, ...] = CANDIDATES
) -> dict:
    """Fit the model on every closed lead; return what scoring an open lead needs."""
    model = scorers_build(data.spec, len(data.y), candidates)[MODEL]
    with threads_for(len(data.y)):
        model.fit(data.X, data.y)
        # The sample's odds of winning back to the real ones (see TrainingSample).
        model.odds_factor_ = data.odds_factor
        refs = references(data.X, data.spec)
        explained = explain_features_choose(raw_model(model), data.X, data.spec, refs)
    return {
        "format": BUNDLE_FORMAT,
        "estimator": model,
        "algorithm": model.describe(),
        "selection": selection_of(model),
        "spec": data.spec,
        "config": config.as_dict(),
        "references": refs,
        "explain_features": explained,
    }
