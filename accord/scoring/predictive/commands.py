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
# Kept in step with estimators.CANDIDATES (not imported: `accord --help` stays light).
_CANDIDATES = ("blend", "logistic_l2", "boosting_shallow", "boosting_deep")
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
        click.option(
            "--keep-feature",
            "keep",
            multiple=True,
            help="A feature flagged as an identifier or leak, used anyway (also: setting "
            "SCORING_KEEP_FEATURES).",
        ),
        click.option(
            "--model",
            "candidate",
            type=click.Choice(["auto", *_CANDIDATES]),
            default="auto",
            show_default=True,
            help="Force a model instead of choosing by cross-validation.",
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


def _config(snapshot_days: float, safe_fields, exclude, keep=()):
    from accord.scoring.predictive.features import FeatureConfig

    return FeatureConfig(
        snapshot_days=snapshot_days,
        safe_fields=tuple(safe_fields),
        exclude=tuple(exclude),
        keep=tuple(keep),
    )


def _forced(candidate: str) -> str | None:
    return None if candidate == "auto" else candidate


def model_summary(selection: dict, n_won: int, n_lost: int) -> list[str]:
    """What was saved, why, and how good it is expected to be — with its uncertainty."""
    from accord.scoring.predictive.estimators import FEW_POSITIVES

    lines = [
        f"Saved model: {selection.get('described') or selection['chosen']}.",
        f"Why: {selection.get('reason', 'chosen by inner cross-validation')}.",
    ]
    estimate = selection.get("estimate") or {}
    if estimate:
        lines.append(
            f"Cross-validated AUC of the saved model: {estimate['auc']:.3f} "
            f"(95% interval {estimate['auc_low']:.3f} to {estimate['auc_high']:.3f}; "
            f"{estimate['folds']} folds x {estimate['repeats']} repeats on "
            f"{estimate['leads']:,} leads, {estimate['won']:,} won)."
        )
    if min(n_won, n_lost) < FEW_POSITIVES:
        smaller = "won" if n_won <= n_lost else "lost"
        lines.append(
            f"Warning: only {min(n_won, n_lost):,} {smaller} leads: every quality figure here "
            "is uncertain (see the interval), and the AUC on new leads may well be lower."
        )
    return lines


def suspects_lines(suspects: list[dict]) -> list[str]:
    out = []
    for s in suspects:
        verb = "Left out" if s["excluded"] else "Kept (--keep-feature)"
        out.append(f"{verb}: {s['feature']} ({s['reason']}): {s['detail']}.")
    return out


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
    profile,
    snapshot_days,
    safe_fields,
    exclude,
    keep,
    candidate,
    since,
    until,
    max_rows,
    activate,
    queue,
    fmt,
):
    """Train a new model version on closed leads (won vs lost/disqualified), with a backtest.

    The backtest holds out the newest 20% of the closed leads (k-fold cross-validation when
    their dates do not allow it); `accord scoring backtest` offers --cutoff and --folds.
    """
    from accord.scoring.predictive import jobs, registry

    config = _config(snapshot_days, safe_fields, exclude, keep)
    since_at, until_at = _date(since, "since"), _date(until, "until")
    if queue:
        task = jobs.scoring_train_enqueue(
            profile=profile,
            config=config.as_dict(),
            since=since_at.isoformat() if since_at else None,
            until=until_at.isoformat() if until_at else None,
            activate=activate,
            model=_forced(candidate),
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
        candidate=_forced(candidate),
    )
    report = model.metrics["backtest"]
    selection = model.metrics["selection"]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "version": model.version,
                    "id": model.pk,
                    "algorithm": model.algorithm,
                    "selection": selection,
                    "suspects": model.metrics.get("suspects", []),
                    "backtest": report,
                }
            )
        )
        return
    click.echo(
        f"Trained model v{model.version} of profile {model.profile.name!r} on "
        f"{model.n_training:,} leads ({model.n_won:,} won) in "
        f"{time.perf_counter() - started:.1f} s{'; active' if model.is_active else ''}."
    )
    for line in model_summary(selection, model.n_won, model.n_training - model.n_won):
        click.echo(line)
    for line in suspects_lines(model.metrics.get("suspects", [])):
        click.echo(line)
    backtested = {s.get("described") or s["chosen"] for s in report.get("selection", [])}
    click.echo("")
    click.echo(
        "Backtest — a model refitted on the training leads of the split only (there it was: "
        f"{', '.join(sorted(backtested))}), scored on leads it never saw:"
    )
    click.echo(report_table(report))


@click.command("backtest")
@_feature_options
@click.option("--cutoff", default=None, help="Time split: test on leads created from this date.")
@click.option("--folds", default=None, type=int, help="K-fold cross-validation instead.")
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
def backtest(
    profile,
    snapshot_days,
    safe_fields,
    exclude,
    keep,
    candidate,
    since,
    until,
    max_rows,
    cutoff,
    folds,
    fmt,
):
    """Compare the model, both baselines and the rule score on the same held-out leads."""
    from accord.scoring import selectors
    from accord.scoring.predictive import registry
    from accord.scoring.predictive.backtesting import backtest_run
    from accord.scoring.predictive.estimators import CANDIDATES
    from accord.scoring.predictive.train import (
        features_kept,
        training_frame,
        training_set,
    )

    if cutoff and folds:
        raise click.UsageError("Give --cutoff or --folds, not both.")
    config = _config(snapshot_days, safe_fields, exclude, keep)
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
        ),
        keep=features_kept(config),
    )
    forced = _forced(candidate)
    report = backtest_run(
        data,
        cutoff=_date(cutoff, "cutoff"),
        folds=folds,
        candidates=(forced,) if forced else CANDIDATES,
    ).as_dict()
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
