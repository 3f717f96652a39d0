"""The agreement is the MQL definition (issue 14): approving a version changes who qualifies."""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django_q.models import OrmQ

from accord.contacts.models import Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.handoff.agreement import services
from accord.handoff.models import AgreementVersion
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head, sales_head
from accord.scoring import jobs, profiles, selectors
from accord.scoring import services as scoring
from accord.scoring.tests.support import lead_with, spec, touch_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]


@pytest.fixture(autouse=True)
def _test_profile():
    selectors.active_profile_forget()
    profiles.profile_save(spec=spec())  # 50 fit points for a CMO at 200 people, 10 a pricing visit
    yield
    selectors.active_profile_forget()


def _approved(**mql_definition) -> AgreementVersion:
    marketing, sales = marketing_head(), sales_head()
    draft = services.agreement_draft_create(user=marketing)
    content = copy.deepcopy(draft.content)
    content["mql_definition"].update(mql_definition)
    services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=content)
    services.agreement_submit(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=sales, version_id=draft.pk)
    draft.refresh_from_db()
    return draft


def _lead_scoring(points: int) -> Lead:
    """A CMO at a 200-person company (50 fit points) with pricing visits up to ``points``."""
    lead = lead_with(title="CMO", employees=200)
    for _ in range((points - 50) // 10):
        touch_add(lead)
    return lead


def test_a_stricter_version_stops_qualifying_at_the_old_threshold():
    assert selectors.mql_in_force().min_score == 70
    version = _approved(min_score=80)
    assert (selectors.mql_in_force().min_score, selectors.mql_in_force().agreement_version) == (
        80,
        version.number,
    )
    seventy = _lead_scoring(70)
    assert scoring.lead_score(lead_id=seventy.pk).score == 70
    assert Lead.objects.get(pk=seventy.pk).stage == "lead"  # 70 no longer qualifies
    eighty = _lead_scoring(80)
    scoring.lead_score(lead_id=eighty.pk)
    move = StageTransition.objects.get(lead=eighty, to_stage="mql")
    assert move.details["agreement_version"] == version.number


def test_activation_rescores_open_leads_so_a_looser_version_qualifies_them():
    sixty = _lead_scoring(60)
    scoring.lead_score(lead_id=sixty.pk)
    assert Lead.objects.get(pk=sixty.pk).stage == "lead"
    OrmQ.objects.all().delete()
    version = _approved(min_score=55)
    queued = [task.task for task in OrmQ.objects.all()]
    chunks = [t for t in queued if t["func"] == "accord.scoring.jobs.leads_rescore_chunk"]
    assert [lead_id for t in chunks for lead_id in t["kwargs"]["lead_ids"]] == [sixty.pk]
    for task in chunks:
        jobs.leads_rescore_chunk(**task["kwargs"])
    assert Lead.objects.get(pk=sixty.pk).stage == "mql"
    move = StageTransition.objects.get(lead=sixty, to_stage="mql")
    assert move.details["agreement_version"] == version.number


def test_a_definition_no_lead_could_meet_is_refused_naming_the_term():
    marketing = marketing_head()
    draft = services.agreement_draft_create(user=marketing)
    content = copy.deepcopy(draft.content)
    content["mql_definition"]["min_score"] = 500
    with pytest.raises(InvalidInput) as error:
        services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=content)
    assert error.value.field == "mql_definition.min_score"
    content["mql_definition"].update(min_score=70, required_fields=["contact.shoe_size"])
    with pytest.raises(InvalidInput) as error:
        services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=content)
    assert error.value.field == "mql_definition.required_fields"
    draft.refresh_from_db()
    assert draft.content["mql_definition"]["min_score"] == 70


def test_the_pages_show_the_preview_and_the_version_behind_a_lead(admin_user):
    seventy = _lead_scoring(70)
    scoring.lead_score(lead_id=seventy.pk)
    marketing = marketing_head()
    draft = services.agreement_draft_create(user=marketing)
    content = copy.deepcopy(draft.content)
    content["mql_definition"]["min_score"] = 80
    services.agreement_draft_edit(user=marketing, version_id=draft.pk, content=content)
    client = Client()
    client.force_login(marketing)
    html = client.get("/handoff/agreement/?preview=1").content.decode()
    assert "1 of 1 open leads meet the MQL definition in force" in html
    assert "0 would start and 1 would stop qualifying" in html
    services.agreement_submit(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=marketing, version_id=draft.pk)
    services.agreement_approve(user=sales_head(), version_id=draft.pk)
    client.force_login(admin_user)
    lead_page = client.get(f"/leads/{seventy.pk}/").content.decode()
    assert "version 2" in lead_page and "qualified as an MQL under version 1" in lead_page
    scoring_page = client.get("/scoring/").content.decode()
    assert "from the hand-off agreement, version 2" in scoring_page
    assert "Score ≥ 80" in scoring_page
