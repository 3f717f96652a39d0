"""Historical leads from CSV: outcome and original dates, then trained on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.contacts.models import Lead, StageTransition
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.train import training_frame

pytestmark = pytest.mark.django_db


def test_outcome_and_original_dates_are_imported(write_csv):
    text = (
        "email,created_at,outcome,outcome_at,segment,income\n"
        "a@example.com,2024-01-05 10:00,won,2024-02-01 12:00,retail,5\n"
        "b@example.com,2024-01-06 10:00,No,,retail,abc\n"
        "c@example.com,2024-01-07 10:00,,,b2b,7\n"
    )
    import_run(entity="leads", path=write_csv(text), unknown_to_properties=True)
    won = Lead.objects.get(contact__email="a@example.com")
    assert won.stage == "customer" and not won.is_open
    assert won.created_at == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert won.stage_changed_at == datetime(2024, 2, 1, 12, tzinfo=UTC)
    last = StageTransition.objects.filter(lead=won).order_by("at", "id").last()
    assert (last.to_stage, last.at) == ("customer", datetime(2024, 2, 1, 12, tzinfo=UTC))
    lost = Lead.objects.get(contact__email="b@example.com")
    assert lost.stage == "disqualified" and lost.stage_changed_at == lost.created_at
    assert Lead.objects.get(contact__email="c@example.com").stage == "lead"

    frame = training_frame(config=FeatureConfig())
    assert sorted(frame.outcome.tolist()) == [0, 1]
    # "abc" in a numeric property is one missing value, not a failed import or run.
    assert "lead.prop.income" in frame.features and "lead.prop.segment" in frame.features
