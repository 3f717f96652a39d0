"""The demo's tasks: next steps on open deals (some overdue, some missing), follow-ups on
worked leads, personal to-dos; the same seed writes the same tasks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.demo.tasks_history import tasks_history_write
from accord.pipeline.models import Deal, PipelineStage, Task

pytestmark = pytest.mark.django_db


def _company():
    rep = UserFactory(username="demo-rep", role=Role.SALES)
    for n in range(40):
        Deal.objects.create(name=f"Deal {n}", amount=100, owner=rep)
    Deal.objects.create(name="Closed", amount=100, owner=rep, stage="won", closed_at=timezone.now())
    return rep


def test_demo_tasks_have_overdue_and_done_ones_and_repeat_with_the_seed():
    _company()
    now = timezone.now()
    counts = tasks_history_write(now=now, seed=42)
    assert counts.tasks == Task.objects.count() > 40
    assert counts.overdue > 0 and counts.done > 0
    assert not Task.objects.filter(deal__stage="won").exists()
    assert PipelineStage.objects.filter(key="negotiation", stale_after_days=7).exists()
    first = list(Task.objects.order_by("pk").values_list("title", "due_at", "done_at"))
    Task.objects.all().delete()
    tasks_history_write(now=now, seed=42)
    assert list(Task.objects.order_by("pk").values_list("title", "due_at", "done_at")) == first
