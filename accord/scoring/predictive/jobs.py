"""Worker jobs: retrain a profile's model and rescore every open lead.

Both are keyed, idempotent jobs (``accord.core.jobs``): a second delivery of the same key does
nothing. Training refused for bad data (too few outcomes, one class) raises; the job is then
retried and finally kept as a failed task with the message, and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accord.accounts.models import User
from accord.core.jobs import enqueue, idempotent
from accord.scoring.models import ScoringModel
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.registry import (
    predictions_refresh,
    profile_resolve,
    scoring_model_train,
)


@idempotent
def scoring_train_job(
    *,
    profile: str | None = None,
    config: dict | None = None,
    since: str | None = None,
    until: str | None = None,
    activate: bool = False,
    trained_by_id: int | None = None,
    model: str | None = None,
) -> int:
    trained = scoring_model_train(
        profile=profile_resolve(profile),
        config=FeatureConfig.from_dict(config or {}),
        trained_by=User.objects.filter(pk=trained_by_id).first() if trained_by_id else None,
        since=datetime.fromisoformat(since) if since else None,
        until=datetime.fromisoformat(until) if until else None,
        activate=activate,
        candidate=model,
    )
    if activate:
        predictions_refresh(model=trained)
    return trained.pk


@idempotent
def scoring_predict_job(*, model_id: int | None = None) -> int:
    model = ScoringModel.objects.get(pk=model_id) if model_id else None
    return predictions_refresh(model=model)


def scoring_train_enqueue(**kwargs) -> str:
    """Queue a training run; the key is unique per request (retraining is new work)."""
    key = f"scoring.train:{kwargs.get('profile') or 'active'}:{timezone.now().isoformat()}"
    return enqueue(scoring_train_job, key=key, **kwargs)
