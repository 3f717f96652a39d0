"""Agreement and calendar pages over real HTTP: who sees them, the approval flow, errors."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accord.accounts.tests.factories import TEST_PASSWORD
from accord.handoff.agreement.forms import form_name
from accord.handoff.models import AgreementVersion, BusinessCalendar, VersionStatus
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head, sales_head

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("accord.handoff.tests.urls_mounted"),
    pytest.mark.usefixtures(handoff_defaults.__name__),
]


def _login(client, user):
    # django-axes checks every authentication against its lockouts, which needs the request.
    request = RequestFactory().post("/login/")
    assert client.login(request=request, username=user.username, password=TEST_PASSWORD)
    return client


def test_reps_and_marketers_cannot_open_the_pages(client, sales_user, marketing_user):
    for user in (sales_user, marketing_user):
        _login(client, user)
        assert client.get(reverse("handoff:agreement")).status_code == 403
        assert client.get(reverse("handoff:calendar_list")).status_code == 403
    client.logout()
    assert client.get(reverse("handoff:agreement")).status_code == 302  # to the login page


def test_propose_edit_submit_and_approve_through_the_pages(client):
    sales, marketing = sales_head(), marketing_head()
    _login(client, sales)
    page = client.get(reverse("handoff:agreement"))
    assert page.status_code == 200 and b"version 1" in page.content
    response = client.post(reverse("handoff:draft_create"))
    draft = AgreementVersion.objects.get(status=VersionStatus.DRAFT)
    assert response.url == reverse("handoff:draft_edit", args=[draft.pk])
    form = client.get(response.url).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if not field.disabled}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data[form_name("sales.accept_within_business_hours")] = "2"
    data["note"] = "Two hours is enough"
    assert client.post(reverse("handoff:draft_edit", args=[draft.pk]), data).status_code == 302
    draft.refresh_from_db()
    assert draft.content["sales"]["accept_within_business_hours"] == 2
    assert draft.content["marketing"] == AgreementVersion.objects.get(number=1).content["marketing"]

    for action in ("submit", "approve"):
        client.post(reverse("handoff:version_action", args=[draft.pk, action]))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PENDING and draft.sales_approved_by == sales

    _login(client, marketing)
    client.post(reverse("handoff:version_action", args=[draft.pk, "approve"]))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.ACTIVE
    history = client.get(reverse("handoff:agreement")).content.decode()
    assert "Accept or reject within (business hours)" in history and "<del>4</del>" in history


def test_calendar_with_overlapping_hours_is_refused_on_the_page(client, manager_user):
    _login(client, manager_user)
    before = BusinessCalendar.objects.count()
    data = {"name": "Tokyo", "time_zone": "Asia/Tokyo", "hours_mon": "09:00-13:00, 12:00-18:00"}
    response = client.post(reverse("handoff:calendar_create"), data)
    assert response.status_code == 200
    assert "overlap" in response.context["form"].errors["hours_mon"][0]
    data["time_zone"] = "Asia/Atlantis"
    data["hours_mon"] = "09:00-18:00"
    response = client.post(reverse("handoff:calendar_create"), data)
    assert "time zone" in response.context["form"].errors["time_zone"][0].lower()
    assert BusinessCalendar.objects.count() == before
    data["time_zone"] = "Asia/Tokyo"
    assert client.post(reverse("handoff:calendar_create"), data).status_code == 302
    tokyo = BusinessCalendar.objects.get(name="Tokyo")
    assert tokyo.working_hours["mon"] == [["09:00", "18:00"]] and tokyo.working_hours["sat"] == []
    assert b"Tokyo" in client.get(reverse("handoff:calendar_list")).content
