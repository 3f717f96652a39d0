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
from datetime import UTC, datetime

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.errors import InvalidInput, NotFound
from accord.scoring import selectors
from accord.scoring.models import LeadPrediction, ScoringModel, ScoringProfile
from accord.scoring.predictive.explain import reasons_compute
from accord.scoring.predictive.features import FeatureConfig, lead_frame, spec_apply
from accord.scoring.predictive.train import (
    backtest_run,
    bundle_fit,
    training_frame,
    training_set,
)

logger = logging.getLogger(__name__)
_WRITE_BATCH = 5000


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
) -> ScoringModel:
    """Backtest (time split), fit on every closed lead, save a new version.

    The model is chosen among candidates by inner cross-validation on the training leads; the
    version records which one (``algorithm``) and why (``metrics["selection"]``).

    Too few outcomes or one class raise ``InvalidInput`` before anything is fitted or saved.
    """
    now = now or timezone.now()
    rules_profile = selectors.profile_load(profile.pk)
    data = training_set(
        training_frame(config=config, since=since, until=until, now=now, profile=rules_profile)
    )
    report = backtest_run(data)
    bundle = bundle_fit(data, config)
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
            metrics={
                "backtest": report.as_dict(),
                "invalid_values": data.spec.invalid_values,
                "explain_features": bundle["explain_features"],
                # Which candidate the final fit chose, and every candidate's inner-CV figures.
                "selection": bundle["selection"],
            },
            artefact=artefact,
            artefact_signature=signature,
        )
        if activate:
            scoring_model_activate(model=model, actor=trained_by, now=now)
    logger.info("Trained predictive model %s v%s on %s leads.", profile, model.version, len(data.y))
    return model


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


def predictions_refresh(
    *, model: ScoringModel | None = None, now: datetime | None = None, progress=None
) -> int:
    """Score every open lead with ``model`` (default: the active model); return the count.

    Predictions of leads that are no longer open are removed: a probability of winning is
    only meaningful while the journey is open.
    """
    from accord.scoring.predictive.estimators import raw_model, threads_for

    now = now or timezone.now()
    model = model or active_model()
    if model is None:
        raise InvalidInput("No active predictive model; train and activate one.", field="model")
    bundle = bundle_load(model)
    config = FeatureConfig.from_dict(bundle["config"])
    frame = lead_frame(Lead.objects.filter(is_open=True), config=config, now=now)
    X = spec_apply(frame.features, bundle["spec"])
    with threads_for(len(X)):
        probabilities = bundle["estimator"].predict_proba(X)[:, 1] if len(X) else np.zeros(0)
        reasons = reasons_compute(
            raw_model(bundle["estimator"]), X, bundle["explain_features"], bundle["references"]
        )
    if progress:
        progress(len(X))
    with transaction.atomic():
        LeadPrediction.objects.all().delete()
        for start in range(0, len(X), _WRITE_BATCH):
            stop = start + _WRITE_BATCH
            LeadPrediction.objects.bulk_create(
                LeadPrediction(
                    lead_id=int(lead_id),
                    model=model,
                    probability=float(p),
                    reasons=r,
                    scored_at=now,
                )
                for lead_id, p, r in zip(
                    frame.lead_ids[start:stop],
                    probabilities[start:stop],
                    reasons[start:stop],
                    strict=True,
                )
            )
    return len(X)
