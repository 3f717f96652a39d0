"""``accord scoring train|backtest|predict``: the predictive model from the command line.

Exit codes: 0 done, 2 a usage or domain error (too few outcomes, one class, bad cutoff...).
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime

import click
from django.utils import timezone

from accord.core.errors import InvalidInput

_FORMATS = click.Choice(["table", "json"])
SCORER_LABELS = {
    "model": "predictive model",
    "logistic": "logistic regression",
    "naive_bayes": "naive Bayes (Odoo)",
    "rule": "rule score",
}


def _date(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD).", field=field) from None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _feature_options(func):
    options = [
        click.option("--profile", default=None, help="Scoring profile (default: the active one)."),
        click.option(
            "--snapshot-days",
            default=7.0,
            show_default=True,
            type=click.FloatRange(0, 3650),
            help="Features as of lead creation + this many days.",
        ),
        click.option(
            "--safe-field",
            "safe_fields",
            multiple=True,
            help="A field sales fills after first contact, marked safe (e.g. lead.owner).",
        ),
        click.option(
            "--exclude", multiple=True, help="A feature never to use (e.g. lead.prop.budget)."
        ),
        click.option("--since", default=None, help="Only leads created on or after this date."),
        click.option("--until", default=None, help="Only leads created before this date."),
        click.option(
            "--max-rows",
            default=None,
            type=click.IntRange(100),
            help="Above this many closed leads, use a stratified sample of this size "
            "(default: setting SCORING_TRAIN_MAX_ROWS, 100,000).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(snapshot_days: float, safe_fields, exclude):
    from accord.scoring.predictive.features import FeatureConfig

    return FeatureConfig(
        snapshot_days=snapshot_days, safe_fields=tuple(safe_fields), exclude=tuple(exclude)
    )


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def report_table(report: dict) -> str:
    lines = [
        f"Split: {report['description']}",
        f"Held-out leads: {report['n_test']:,} ({report['n_test_won']:,} won); "
        f"trained on {report['n_train']:,}.",
        "",
        f"{'scorer':<22} {'AUC':>6} {'PR-AUC':>7} {'Brier':>6} {'top10%':>7} {'top20%':>7}",
    ]
    for s in report["scorers"]:
        lines.append(
            f"{SCORER_LABELS.get(s['name'], s['name']):<22} {_number(s['auc']):>6} "
            f"{_number(s['pr_auc']):>7} {_number(s['brier']):>6} "
            f"{s['capture_top10']:>7.1%} {s['capture_top20']:>7.1%}"
        )
    lines += ["", *[f"Note: {n}" for n in report.get("notes", [])]]
    return "\n".join(lines)


@click.command("train")
@_feature_options
@click.option("--activate", is_flag=True, help="Make the new version the profile's active model.")
@click.option("--queue", is_flag=True, help="Queue the training for `accord worker` instead.")
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
def train(
    profile, snapshot_days, safe_fields, exclude, since, until, max_rows, activate, queue, fmt
):
    """Train a new model version on closed leads (won vs lost/disqualified), with a backtest."""
    from accord.scoring.predictive import jobs, registry

    config = _config(snapshot_days, safe_fields, exclude)
    since_at, until_at = _date(since, "since"), _date(until, "until")
    if queue:
        task = jobs.scoring_train_enqueue(
            profile=profile,
            config=config.as_dict(),
            since=since_at.isoformat() if since_at else None,
            until=until_at.isoformat() if until_at else None,
            activate=activate,
        )
        click.echo(f"Training queued (task {task}); `accord worker` will run it.")
        return
    started = time.perf_counter()
    model = registry.scoring_model_train(
        profile=registry.profile_resolve(profile),
        config=config,
        since=since_at,
        until=until_at,
        activate=activate,
        max_rows=max_rows,
    )
    report = model.metrics["backtest"]
    if fmt == "json":
        click.echo(json.dumps({"version": model.version, "id": model.pk, "backtest": report}))
        return
    click.echo(
        f"Trained model v{model.version} of profile {model.profile.name!r} on "
        f"{model.n_training:,} leads ({model.n_won:,} won) in "
        f"{time.perf_counter() - started:.1f} s{'; active' if model.is_active else ''}."
    )
    click.echo(f"Chosen model: {model.algorithm} (by inner cross-validation).")
    click.echo(report_table(report))


@click.command("backtest")
@_feature_options
@click.option("--cutoff", default=None, help="Time split: test on leads created from this date.")
@click.option("--folds", default=None, type=int, help="K-fold cross-validation instead.")
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
def backtest(
    profile, snapshot_days, safe_fields, exclude, since, until, max_rows, cutoff, folds, fmt
):
    """Compare the model, both baselines and the rule score on the same held-out leads."""
    from accord.scoring import selectors
    from accord.scoring.predictive import registry
    from accord.scoring.predictive.train import backtest_run, training_frame, training_set

    if cutoff and folds:
        raise click.UsageError("Give --cutoff or --folds, not both.")
    config = _config(snapshot_days, safe_fields, exclude)
    # The rule score column uses the named profile's rules (default: the active profile's).
    rules_profile = None
    if profile:
        rules_profile = selectors.profile_load(registry.profile_resolve(profile).pk)
    data = training_set(
        training_frame(
            config=config,
            since=_date(since, "since"),
            until=_date(until, "until"),
            profile=rules_profile,
            max_rows=max_rows,
        )
    )
    report = backtest_run(data, cutoff=_date(cutoff, "cutoff"), folds=folds).as_dict()
    if fmt == "json":
        click.echo(json.dumps(report))
    else:
        click.echo(report_table(report))


@click.command("predict")
@click.option("--profile", default=None, help="Scoring profile (default: the active one).")
@click.option(
    "--version", "version", default=None, type=int, help="Model version (default: active)."
)
def predict(profile, version):
    """Score every open lead with the active model: probability of winning and top reasons."""
    from accord.scoring.models import ScoringModel
    from accord.scoring.predictive import registry

    chosen = registry.profile_resolve(profile)
    if version is None:
        model = registry.active_model(chosen)
        if model is None:
            raise InvalidInput(
                f"Profile {chosen.name!r} has no active model; train one with --activate.",
                field="model",
            )
    else:
        model = ScoringModel.objects.filter(profile=chosen, version=version).first()
        if model is None:
            raise InvalidInput(f"Profile {chosen.name!r} has no model v{version}.", field="version")
    started = time.perf_counter()
    count = registry.predictions_refresh(model=model)
    click.echo(
        f"Scored {count:,} open leads with model v{model.version} in "
        f"{time.perf_counter() - started:.1f} s."
    )


COMMANDS = [train, backtest, predict]
