"""The campaign rejection alert's settings are terms of the agreement: marketing proposes them
in the editor, they apply only once both sides have approved, and the feedback check reads
them from the version in force."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.core.errors import PermissionDenied
from accord.handoff.agreement import services
from accord.handoff.agreement.forms import form_name
from accord.handoff.agreement.terms import alert_terms
from accord.handoff.inbox import actions
from accord.handoff.inbox.feedback import campaign_rejections_check
from accord.handoff.models import AgreementVersion, Notification, VersionStatus
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head, sales_head
from accord.tracking.models import Campaign

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("accord.handoff.tests.urls_mounted"),
    pytest.mark.usefixtures(handoff_defaults.__name__),
]

WINDOW = form_name("marketing.rejection_alert_window_mqls")
RATE = form_name("marketing.rejection_alert_rate_pct")


def _editable(form) -> dict:
    data = {name: field.initial for name, field in form.fields.items() if not field.disabled}
    return {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}


def test_alert_terms_apply_only_after_both_approvals(client):
    marketing, sales = marketing_head(), sales_head()
    assert alert_terms() == alert_terms({"marketing": {"quality_floor_accept_rate_pct": 60}})
    draft = services.agreement_draft_create(user=marketing)

    # Sales may not set marketing's alert: the field is read-only for them, and the service
    # refuses the change outright.
    client.force_login(sales)
    form = client.get(reverse("handoff:draft_edit", args=[draft.pk])).context["form"]
    assert form.fields[WINDOW].disabled and form.fields[RATE].disabled
    changed = dict(draft.content, marketing={**draft.content["marketing"]})
    changed["marketing"]["rejection_alert_rate_pct"] = 5
    with pytest.raises(PermissionDenied) as refused:
        services.agreement_draft_edit(user=sales, version_id=draft.pk, content=changed)
    assert refused.value.field == "marketing.rejection_alert_rate_pct"

    client.force_login(marketing)
    url = reverse("handoff:draft_edit", args=[draft.pk])
    data = _editable(client.get(url).context["form"])
    bad = {**data, WINDOW: "4", RATE: "140"}
    response = client.post(url, bad)
    assert response.status_code == 200 and response.context["form"].errors[RATE]
    draft.refresh_from_db()
    assert "rejection_alert_rate_pct" not in draft.content["marketing"]
    assert client.post(url, {**data, WINDOW: "4", RATE: "25"}).status_code == 302
    draft.refresh_from_db()
    assert draft.content["marketing"]["rejection_alert_window_mqls"] == 4
    assert draft.content["marketing"]["rejection_alert_rate_pct"] == 25

    services.agreement_submit(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=marketing, version_id=draft.pk)
    assert alert_terms().window_mqls == 20  # one side's approval changes nothing yet
    services.agreement_approve(user=sales, version_id=draft.pk)
    assert AgreementVersion.objects.get(pk=draft.pk).status == VersionStatus.ACTIVE
    terms = alert_terms()
    assert (terms.window_mqls, terms.max_rejection_pct) == (4, 25.0)
    page = client.get(reverse("handoff:agreement")).content.decode()
    assert "more than 25% of its last 4 MQLs" in page

    # The feedback check judges the campaign by the terms in force: 2 of 4 = 50% > 25%.
    owner = marketing
    campaign = Campaign.objects.create(name="Autumn", utm_campaign="autumn", owner=owner)
    _, reps = team_with_reps(reps=1)
    leads = [mql_lead(campaign=campaign) for _ in range(4)]
    for lead in leads:
        lead_route(lead_id=lead.pk)
    actions.lead_reject(lead_id=leads[0].pk, by=reps[0], reason_code="no_budget")
    assert not Notification.objects.filter(kind="campaign.rejections").exists()  # 25% is allowed
    actions.lead_reject(lead_id=leads[1].pk, by=reps[0], reason_code="no_budget")
    alert = Notification.objects.get(kind="campaign.rejections")
    assert alert.user == owner and "50%" in alert.title
    check = campaign_rejections_check(campaign_id=campaign.pk)
    assert (check.window, check.rejected, check.threshold_pct) == (4, 2, 25.0)


def test_clearing_the_alert_terms_falls_back_to_the_defaults(client):
    marketing = marketing_head()
    draft = services.agreement_draft_create(user=marketing)
    content = dict(draft.content, marketing={**draft.content["marketing"]})
    content["marketing"]["rejection_alert_window_mqls"] = 7
    services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=content)
    client.force_login(marketing)
    url = reverse("handoff:draft_edit", args=[draft.pk])
    form = client.get(url).context["form"]
    assert form.fields[WINDOW].initial == 7
    data = _editable(form)
    data.pop(WINDOW)
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert "rejection_alert_window_mqls" not in draft.content["marketing"]
    assert alert_terms(draft.content).window_mqls == 20
