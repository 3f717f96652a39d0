"""The probe's agreement case: dual approval needs two different people, even when a manager
changes department between the two signatures."""

from __future__ import annotations

import pytest

from accord.accounts.models import Department
from accord.core.errors import PermissionDenied
from accord.handoff.agreement import services
from accord.handoff.models import VersionStatus
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]


def test_hole_one_manager_cannot_approve_both_sides_after_changing_department():
    manager = marketing_head()
    draft = services.agreement_draft_create(user=manager, note="One signer")
    services.agreement_submit(user=manager, version_id=draft.pk)
    services.agreement_approve(user=manager, version_id=draft.pk)
    manager.department = Department.SALES
    manager.save()
    with pytest.raises(PermissionDenied):
        services.agreement_approve(user=manager, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PENDING
    assert draft.sales_approved_by_id is None
