"""The forecast page's calls: a rep submits this week's forecast, a second one is refused
with the reason beside the form, and the head of the team adjusts it (a rep may not)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accord.pipeline.forecast.periods import period_start
from accord.pipeline.models import ForecastSubmission, ManagerAdjustment
from accord.pipeline.tests.forecast_support import forecast_team_seed

pytestmark = pytest.mark.django_db


def test_a_rep_submits_and_the_head_adjusts(client):
    team = forecast_team_seed()
    quarter = f"quarter:{period_start(timezone.localdate(), 'quarter').isoformat()}"
    before = ForecastSubmission.objects.count()
    client.force_login(team["ann"])
    page = client.get("/reports/forecast/")
    assert page.status_code == 200 and b"data-forecast-submit" in page.content

    bad = client.post("/reports/forecast/submit/",
                      {"period": quarter, "commit": "500", "best_case": "400"})  # fmt: skip
    assert bad.status_code == 422 and "Best case cannot be below commit." in bad.text
    assert ForecastSubmission.objects.count() == before

    call = {"period": quarter, "commit": "900", "best_case": "1200", "notes": "Two at risk."}
    done = client.post("/reports/forecast/submit/", call)
    assert done.status_code == 302
    sub = ForecastSubmission.objects.latest("pk")
    assert (sub.user, sub.commit, sub.notes) == (team["ann"], Decimal("900.00"), "Two at risk.")
    again = client.post("/reports/forecast/submit/", {"period": quarter})
    assert again.status_code == 422 and "already in" in again.text

    form = {"submission": sub.pk, f"s{sub.pk}-commit": "700", f"s{sub.pk}-best_case": "800",
            f"s{sub.pk}-reason": "Procurement is slow."}  # fmt: skip
    assert client.post("/reports/forecast/adjust/", form).status_code == 403
    client.force_login(team["head"])
    assert f'name="s{sub.pk}-commit"' in client.get("/reports/forecast/").text
    missing = client.post("/reports/forecast/adjust/", {**form, f"s{sub.pk}-reason": ""})
    assert missing.status_code == 422
    assert not ManagerAdjustment.objects.filter(submission=sub).exists()
    assert client.post("/reports/forecast/adjust/", form).status_code == 302
    made = ManagerAdjustment.objects.get(submission=sub)
    assert (made.submission_id, made.by, made.commit) == (sub.pk, team["head"], Decimal("700.00"))
    sub.refresh_from_db()
    assert sub.commit == Decimal("900.00")  # the rep's call stays as submitted
