from __future__ import annotations

import pytest
from click.testing import CliRunner

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.planning.commands import plan
from accord.planning.tests.planning_support import plan_seed


@pytest.mark.django_db
def test_plan_show_prints_the_reverse_funnel():
    seeded = plan_seed(user=UserFactory(username="a", role=Role.ADMIN))
    result = CliRunner().invoke(plan, ["show", str(seeded.pk)])
    assert result.exit_code == 0, result.output
    won = next(line for line in result.output.splitlines() if line.startswith("won"))
    # 90,000 over Jan-Mar 2026 at 10,000 a deal: 3 won deals a month, 9 in all.
    assert won.split() == ["won", "3", "3", "3", "9"]
    assert CliRunner().invoke(plan, ["show", "999999"]).exit_code != 0
    assert "Seed plan" in CliRunner().invoke(plan, ["list"]).output
