"""The model registry: train a version, activate it, load it, score open leads with it.

Services here are the only writers of ``ScoringModel`` and ``LeadPrediction``.

Pickle's trust model: unpickling executes code chosen by whoever wrote the bytes. Artefacts
are only ever written by ``scoring_model_train`` and are signed with HMAC-SHA256 under the
site's ``SECRET_KEY``; ``bundle_load`` verifies the signature before unpickling, so database
write access alone is not enough to run code in the worker. Never load artefacts from uploads.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import multiprocessing
from datetime import UTC, datetime
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.errors import InvalidInput, NotFound
from accord.scoring import selectors
from accord.scoring.batch_write import table_upsert
from accord.scoring.models import LeadPrediction, ScoringModel, ScoringProfile
from accord.scoring.predictive.backtesting import backtest_run
from accord.scoring.predictive.explain import log_odds_and_effects, reasons_from_effects
from accord.scoring.predictive.features import FeatureConfig, lead_frame, spec_apply
from accord.scoring.predictive.parallel import chunks_predicted
from accord.scoring.predictive.train import (
    bundle_fit,
    features_kept,
    training_frame,
    training_set,
)

logger = logging.getLogger(__name__)
#: Open leads scored per chunk: bounds the frame's memory at a million leads.
PREDICT_CHUNK = 50_000


def _signature(data: bytes) -> str:
    key = f"accord.scoring.artefact:{settings.SECRET_KEY}".encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def bundle_dump(bundle: dict) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    joblib.dump(bundle, buffer, compress=3)
    data = buffer.getvalue()
    return data, _signature(data)


def bundle_load(model: ScoringModel) -> dict:
    data = bytes(model.artefact)
    if not hmac.compare_digest(_signature(data), model.artefact_signature):
        raise InvalidInput(
            f"Model v{model.version}'s artefact does not carry this site's signature (was "
            "SECRET_KEY changed, or the row edited?); retrain it. It was not loaded.",
            field="artefact",
        )
    return joblib.load(io.BytesIO(data))


def profile_resolve(name: str | None) -> ScoringProfile:
    if name:
        profile = ScoringProfile.objects.filter(name=name).first()
        if profile is None:
            raise NotFound(f"No scoring profile is named {name!r}.", field="profile")
        return profile
    profile = ScoringProfile.objects.filter(is_active=True).first()
    if profile is None:
        raise InvalidInput("There is no active scoring profile; name one.", field="profile")
    return profile


def scoring_model_train(
    *,
    profile: ScoringProfile,
    config: FeatureConfig,
    trained_by=None,
    since: datetime | None = None,
    until: datetime | None = None,
    activate: bool = False,
    now: datetime | None = None,
    max_rows: int | None = None,
    candidate: str | None = None,
) -> ScoringModel:
    """Backtest (time split), fit on every closed lead, save a new version.

    The model is chosen among candidates by inner cross-validation on the training leads
    (``candidate`` forces one); the version records which one (``algorithm``), why and its
    cross-validated AUC with a 95% interval (``metrics["selection"]``). Identifiers and leaks
    found before training are left out and listed (``metrics["suspects"]``) unless kept
    (``config.keep`` or setting SCORING_KEEP_FEATURES).

    Above ``max_rows`` closed leads (default: setting ``SCORING_TRAIN_MAX_ROWS``) a stratified
    sample is used (``train.sample_closed``; recorded in ``metrics["sample"]``).

    Too few outcomes or one class raise ``InvalidInput`` before anything is fitted or saved.
    """
    now = now or timezone.now()
    # estimators loads scikit-learn (~0.5 s per process): only when a model is trained or used.
    from accord.scoring.predictive.estimators import CANDIDATES

    if candidate is not None and candidate not in CANDIDATES:
        raise InvalidInput(
            f"Unknown model {candidate!r}; choose one of {', '.join(CANDIDATES)}.", field="model"
        )
    candidates = (candidate,) if candidate else CANDIDATES
    rules_profile = selectors.profile_load(profile.pk)
    data = training_set(
        training_frame(
            config=config,
            since=since,
            until=until,
            now=now,
            profile=rules_profile,
            max_rows=max_rows,
        ),
        keep=features_kept(config),
    )
    report = backtest_run(data, candidates=candidates, fallback_folds=True)
    bundle = bundle_fit(data, config, candidates)
    artefact, signature = bundle_dump(bundle)
    created = data.frame.created
    with transaction.atomic():
        last = ScoringModel.objects.filter(profile=profile).order_by("-version").first()
        model = ScoringModel.objects.create(
            profile=profile,
            version=(last.version + 1) if last else 1,
            created_at=now,
            trained_by=trained_by,
            algorithm=bundle["algorithm"],
            training_from=_aware(created.min()),
            training_to=_aware(created.max()),
            n_training=len(data.y),
            n_won=int(data.y.sum()),
            config=config.as_dict(),
            features=[{"name": n, "kind": k} for n, k in data.spec.columns],
            metrics=_metrics(report, data, bundle),
            artefact=artefact,
            artefact_signature=signature,
        )
        if activate:
            scoring_model_activate(model=model, actor=trained_by, now=now)
    logger.info("Trained predictive model %s v%s on %s leads.", profile, model.version, len(data.y))
    return model


def _metrics(report: Any, data: Any, bundle: dict) -> dict[str, Any]:
    """What a saved model records about how it was made and how well it did."""
    return {
        "backtest": report.as_dict(),
        "invalid_values": data.spec.invalid_values,
        "explain_features": bundle["explain_features"],
        # Which candidate the final fit chose, and every candidate's inner-CV figures.
        "selection": bundle["selection"],
        # Identifiers and leaks found before training, excluded unless kept.
        "suspects": [s.as_dict() for s in data.suspects],
        # Set when there were more closed leads than SCORING_TRAIN_MAX_ROWS.
        "sample": data.sample.as_dict() if data.sample else None,
    }


def _aware(value: np.datetime64) -> datetime:
    seconds = value.astype("datetime64[us]").astype(np.int64) / 1e6
    return datetime.fromtimestamp(seconds, tz=UTC)


def scoring_model_activate(*, model: ScoringModel, actor=None, now: datetime | None = None):
    """Make ``model`` its profile's one active model (the previous one is deactivated)."""
    with transaction.atomic():
        ScoringModel.objects.filter(profile_id=model.profile_id, is_active=True).exclude(
            pk=model.pk
        ).update(is_active=False)
        model.is_active = True
        model.activated_by = actor
        model.activated_at = now or timezone.now()
        model.save(update_fields=["is_active", "activated_by", "activated_at"])
    return model


def active_model(profile: ScoringProfile | None = None) -> ScoringModel | None:
    profile = profile or ScoringProfile.objects.filter(is_active=True).first()
    if profile is None:
        return None
    return ScoringModel.objects.filter(profile=profile, is_active=True).first()


def probabilities_compute(bundle: dict, leads, *, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    config = FeatureConfig.from_dict(bundle["config"])
    frame = lead_frame(leads, config=config, now=now)
    X = spec_apply(frame.features, bundle["spec"])
    if X.empty:
        return frame.lead_ids, np.zeros(0)
    return frame.lead_ids, bundle["estimator"].predict_proba(X)[:, 1]


def _open_chunks(chunk: int):
    """Open leads' id ranges of at most ``chunk`` leads each, in id order."""
    ids = np.fromiter(
        Lead.objects.filter(is_open=True).order_by("id").values_list("id", flat=True),
        dtype=np.int64,
    )
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        yield int(part[0]), int(part[-1])


def _touch_counts_filled(features, spec):
    """Touch counts of the model that a chunk's leads never had are 0, not missing.

    A chunk lacks the column of a touch type or channel none of its leads has; the count of
    each of its leads is then 0, as it is in a frame of all leads where another lead has one.
    """
    missing = [
        name
        for name, _ in spec.columns
        if name.startswith(("touch.type.", "touch.channel.")) and name not in features
    ]
    return features.assign(**dict.fromkeys(missing, 0.0)) if missing else features


def predictions_chunk(bundle: dict, leads, *, now: datetime) -> tuple[np.ndarray, np.ndarray, list]:
    """Lead ids, probabilities and reasons (JSON text) of ``leads`` (a queryset)."""
    # scikit-learn again (see scoring_model_train): loaded only when predictions are made.
    from accord.scoring.predictive.estimators import raw_model, threads_for, won_from_log_odds

    config = FeatureConfig.from_dict(bundle["config"])
    frame = lead_frame(leads, config=config, now=now)
    X = spec_apply(_touch_counts_filled(frame.features, bundle["spec"]), bundle["spec"])
    if X.empty:
        return frame.lead_ids, np.zeros(0), []
    estimator, names = bundle["estimator"], bundle["explain_features"]
    with threads_for(len(X)):
        # One pass of the model gives both: its log-odds (calibrated into the probability)
        # and each explained feature's effect on them.
        log_odds, effects = log_odds_and_effects(
            raw_model(estimator), X, names, bundle["references"]
        )
        probabilities = won_from_log_odds(estimator, log_odds)
        if probabilities is None:
            probabilities = estimator.predict_proba(X)[:, 1]
    return frame.lead_ids, probabilities, reasons_from_effects(effects, X, names)


def predictions_refresh(
    *,
    model: ScoringModel | None = None,
    now: datetime | None = None,
    progress=None,
    chunk: int = PREDICT_CHUNK,
    workers: int | None = None,
) -> int:
    """Score every open lead with ``model`` (default: the active model); return the count.

    Open leads are scored ``chunk`` at a time (bounded memory); each chunk's predictions are
    upserted in one statement (``batch_write.table_upsert``). With more than one chunk, the
    chunks are computed by ``workers`` processes (default: one per core, at most two;
    ``parallel.chunks_predicted``) while this one writes. Predictions not written by this
    run — of leads no longer open — are removed at the end: a probability of winning is only
    meaningful while the journey is open.
    """
    now = now or timezone.now()
    model = model or active_model()
    if model is None:
        raise InvalidInput("No active predictive model; train and activate one.", field="model")
    bundle = bundle_load(model)
    table = LeadPrediction._meta.db_table
    columns = [str(f.column) for f in LeadPrediction._meta.concrete_fields]  # all concrete
    scored_at = (
        now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    )
    ranges = list(_open_chunks(chunk))
    if workers is None:
        workers = min(2, multiprocessing.cpu_count())
    # Child processes read committed rows only: inside a transaction, score here; so does a
    # job worker, a daemon process that may not start processes of its own.
    parallel = not connection.in_atomic_block and not multiprocessing.current_process().daemon
    if parallel and workers > 1 and len(ranges) > 1:
        chunks = chunks_predicted(model_id=model.pk, ranges=ranges, now=now, workers=workers)
    else:
        chunks = (
            predictions_chunk(
                bundle, Lead.objects.filter(is_open=True, id__gte=lo, id__lte=hi), now=now
            )
            for lo, hi in ranges
        )
    count = 0
    for lead_ids, probabilities, reasons in chunks:
        values = {"model_id": model.pk, "scored_at": scored_at}
        rows = []
        for lead_id, p, r in zip(lead_ids.tolist(), probabilities.tolist(), reasons, strict=True):
            values.update(lead_id=lead_id, probability=p, reasons=r)
            rows.append(tuple(values[c] for c in columns))
        with transaction.atomic(), connection.cursor() as cursor:
            table_upsert(cursor, table, columns, rows, "lead_id")
        count += len(rows)
        if progress:
            progress(count)
    LeadPrediction.objects.exclude(scored_at=now).delete()
    return count
