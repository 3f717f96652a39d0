"""`accord demo` loads a company that looks alive today (issue 14 part 9): MQLs through the
year at a pace the reps' quotas take, handled in their time, a few waiting now, SLA clocks
near or past their deadline, ratings, the agreement's rejection reasons, benchmark funnel
rates, and a predictive model that learned something."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner
from django.db.models import Count, Q
from django.utils import timezone

from accord.accounts.models import Role, User
from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.demo.commands import model_backtest_auc
from accord.handoff.agreement.terms import rejection_reasons
from accord.handoff.inbox.selectors import INBOX_STAGES
from accord.handoff.models import Assignment, QualityRating, SlaClock
from accord.handoff.routing.rules import DAYS_PER_MONTH
from accord.scoring import services
from accord.scoring.models import ScoringModel

# A Wednesday some weeks back: "now" is later, so MQLs still waiting then are overdue now.
ANCHOR = "2026-11-04"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _cli(*args: str):
    from accord.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_demo_company_is_in_a_steady_state(db):
    # --no-train: the model is trained once below, by the command the UI suggests.
    loaded = _cli("demo", "--no-serve", "--no-train", "--size", "small", "--anchor", ANCHOR)
    assert loaded.exit_code == 0, loaded.output
    # The logins come last.
    assert loaded.output.rstrip().splitlines()[-1].split()[-2] == "rep.anna"

    leads = Lead.objects.count()
    mqls = StageTransition.objects.filter(to_stage=Stage.MQL).values("lead").distinct().count()
    assert 0.10 <= mqls / leads <= 0.30
    sals = StageTransition.objects.filter(to_stage=Stage.SAL).values("lead").distinct().count()
    sqls = StageTransition.objects.filter(to_stage=Stage.SQL).values("lead").distinct().count()
    assert 0.45 <= sals / mqls <= 0.75
    assert 0.25 <= sqls / mqls <= 0.50

    # Nothing is waiting to become an MQL "now": a rescore of every open lead moves none.
    open_ids = list(Lead.objects.filter(is_open=True).values_list("pk", flat=True))
    assert services.leads_rescore(lead_ids=open_ids).moved_to_mql == 0

    # Each rep's queue today: within the daily quota, and most reps have work.
    reps = User.objects.filter(role=Role.SALES, username__startswith="rep.")
    queues = dict(
        Lead.objects.filter(owner__in=reps, is_open=True, stage__in=INBOX_STAGES)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    for rep in reps:
        assert queues.get(rep.pk, 0) <= rep.monthly_capacity // DAYS_PER_MONTH, rep.username
    assert sum(1 for rep in reps if queues.get(rep.pk, 0) > 0) >= len(reps) - 1

    # The history was handled in its time: one assignment per hand-off, clocks stopped in
    # the past, and only the waiting leads' clocks still running.
    now = timezone.now()
    assert Assignment.objects.count() == StageTransition.objects.filter(to_stage=Stage.MQL).count()
    assert not SlaClock.objects.filter(stopped_at__gt=now).exists()
    running = SlaClock.objects.filter(stopped_at__isnull=True)
    assert running.exists()
    assert not running.exclude(lead__stage__in=INBOX_STAGES).exists()
    assert running.filter(due_at__lt=now).exists()  # a breach now
    assert running.filter(warn_at__lte=now, due_at__gt=now).exists()  # a warning now
    assert SlaClock.objects.filter(breached_at__isnull=False, stopped_at__isnull=False).exists()

    # Reps rated lead quality; accepted leads rate better than rejected ones.
    assert QualityRating.objects.count() >= 100
    accepted = QualityRating.objects.filter(lead__transitions__to_stage=Stage.SAL).values_list(
        "rating", flat=True
    )
    assert sum(accepted) / len(accepted) > 3

    # Rejections of MQLs and SALs use the agreement's reasons.
    codes = {reason.code for reason in rejection_reasons()}
    rejected = StageTransition.objects.filter(
        from_stage__in=[Stage.MQL, Stage.SAL],
        to_stage__in=[Stage.RECYCLED, Stage.DISQUALIFIED],
    )
    used = Counter(rejected.values_list("details__rejection_reason", flat=True))
    assert used and set(used) <= codes, used
    assert not rejected.filter(~Q(reason__in=[r.label for r in rejection_reasons()])).exists()

    # What the UI suggests works on the demo, and the model ranks leads well above chance.
    trained = _cli("scoring", "train", "--activate")
    assert trained.exit_code == 0, trained.output
    assert "; active" in trained.output
    model = ScoringModel.objects.get(is_active=True)
    auc = model_backtest_auc(model.metrics)
    assert auc is not None and auc > 0.65, model.metrics.get("backtest")
