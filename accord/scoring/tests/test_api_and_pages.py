"""Scoring over real HTTP: the API, the admin pages with the preview step, the lead page per
role, and the `accord scoring` commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from accord.contacts.models import StageTransition
from accord.integrations.tests.api_helpers import key_client
from accord.scoring import profiles, services
from accord.scoring.commands import scoring
from accord.scoring.models import LeadScore, ScoringProfile
from accord.scoring.tests.support import RULES, lead_with, spec, touch_add

pytestmark = pytest.mark.django_db

BODY = {
    "name": "API profile",
    "is_active": True,
    "grade_a_min": 50,
    "grade_b_min": 30,
    "grade_c_min": 10,
    "half_life_days": 30,
    "rules": list(RULES),
    "mql": {"min_score": 60, "min_grade": "B"},
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_creates_lists_and_refuses_bad_profiles(admin_user):
    api = key_client("*")
    created = api.post("/scoring/profiles", BODY)
    assert created.status_code == 201, created.content
    # The definition shown is the agreement's in force (the test fixture published 60/B).
    mql = created.json()["mql"]
    assert (mql["min_score"], mql["min_grade"], mql["agreement_version"]) == (60, "B", 1)
    assert len(created.json()["rules"]) == 4
    without = api.post("/scoring/profiles", {**BODY, "name": "No mql", "mql": None})
    assert without.status_code == 201, without.content
    bad = api.post("/scoring/profiles", {**BODY, "name": "Bad", "half_life_days": 0})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "half_life_days"
    assert not ScoringProfile.objects.filter(name="Bad").exists()
    names = [p["name"] for p in key_client("leads:read").get("/scoring/profiles").json()]
    assert names == ["API profile", "Default", "No mql"]


def test_api_refuses_an_mql_definition_other_than_the_agreements(admin_user):
    api = key_client("*")
    response = api.post("/scoring/profiles", {**BODY, "mql": {"min_score": 75}})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "mql"
    assert "agreement" in response.json()["error"]["message"]
    assert not ScoringProfile.objects.filter(name="API profile").exists()


def test_api_profile_writes_need_an_admin_or_a_full_key(sales_user, admin_user):
    assert key_client("leads:write").post("/scoring/profiles", BODY).status_code == 403
    session = logged_in(sales_user)
    response = session.post(
        "/api/v1/scoring/profiles", json.dumps(BODY), content_type="application/json"
    )
    assert response.status_code == 403
    assert not ScoringProfile.objects.filter(name="API profile").exists()


def test_api_preview_and_replace(admin_user):
    profile = profiles.profile_save(spec=spec())
    lead = lead_with(title="CMO", employees=200)
    touch_add(lead)
    api = key_client("*")
    # A pricing visit worth 5, not 10: 50 fit + 5 = 55, below the agreement's 60.
    weaker = [*RULES[:2], {**RULES[2], "points": 5}, RULES[3]]
    preview = api.post(
        "/scoring/profiles/preview", {**BODY, "profile_id": profile.pk, "rules": weaker}
    )
    assert preview.json() == {
        "leads_compared": 1,
        "grade_changes": 0,
        "mql_gained": 0,
        "mql_lost": 1,
    }
    replaced = api.client.put(
        f"/api/v1/scoring/profiles/{profile.pk}",
        json.dumps({**BODY, "name": "Renamed"}),
        content_type="application/json",
        headers=api.headers,
    )
    assert replaced.status_code == 200 and replaced.json()["version"] == 2


def test_api_lead_score_is_visible_where_the_lead_is(sales_user, make_user):
    profiles.profile_save(spec=spec())
    mine = lead_with(owner=sales_user)
    other = lead_with(owner=make_user(role="sales", username="other-rep"))
    for lead in (mine, other):
        touch_add(lead)
        services.lead_score(lead_id=lead.pk)
    session = logged_in(sales_user)
    response = session.get(f"/api/v1/scoring/leads/{mine.pk}/score")
    body = response.json()
    assert response.status_code == 200
    assert sum(c["points"] for c in body["breakdown"]) == pytest.approx(body["score"], abs=0.5)
    assert session.get(f"/api/v1/scoring/leads/{other.pk}/score").status_code == 404
    assert key_client("leads:read").get(f"/scoring/leads/{other.pk}/score").status_code == 200


def test_lead_page_shows_why_and_respects_roles(
    sales_user, marketing_user, manager_user, make_user
):
    profiles.profile_save(spec=spec())
    mine = lead_with(owner=sales_user, title="CMO", employees=200)
    touch_add(mine)
    services.lead_score(lead_id=mine.pk)
    other = lead_with(owner=make_user(role="sales", username="other-rep"))
    unassigned = lead_with()
    page = logged_in(sales_user).get(f"/leads/{mine.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Why is this lead 60/A?" in html
    assert "Leader" in html and "Pricing" in html and "/pricing" in html
    assert "qualified by score and grade" in html  # the MQL move in the timeline
    assert logged_in(sales_user).get(f"/leads/{other.pk}/").status_code == 404
    assert logged_in(sales_user).get(f"/leads/{unassigned.pk}/").status_code == 200
    for user in (marketing_user, manager_user):
        assert logged_in(user).get(f"/leads/{other.pk}/").status_code == 200
    assert Client().get(f"/leads/{mine.pk}/").status_code == 302


def _form_data(profile_id=None, **overrides):
    data = {
        "name": "Edited",
        "is_active": "on",
        "grade_a_min": "50",
        "grade_b_min": "30",
        "grade_c_min": "10",
        "half_life_days": "30",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-kind": "fit",
        "rules-0-name": "Leader",
        "rules-0-field": "contact.job_title",
        "rules-0-operator": "in",
        "rules-0-value": "CMO, VP Sales",
        "rules-0-points": "50",
        "rules-1-kind": "engagement",
        "rules-1-name": "Pricing",
        "rules-1-url_pattern": "/pricing",
        "rules-1-points": "10",
        "rules-1-cap": "30",
    }
    data.update(overrides)
    return data


def test_admin_pages_preview_before_saving(admin_user, sales_user):
    profile = profiles.profile_save(spec=spec())
    lead_with(title="VP Sales", employees=5)
    client = logged_in(admin_user)
    assert "Test profile" in client.get("/scoring/").content.decode()
    assert client.get(f"/scoring/{profile.pk}/").status_code == 200
    preview = client.post(f"/scoring/{profile.pk}/", _form_data(action="preview"))
    html = preview.content.decode()
    assert "Of 1 open leads, 1 would change grade" in html  # B (30 fit) -> A (50 fit)
    assert ScoringProfile.objects.get(pk=profile.pk).name == "Test profile"
    saved = client.post(f"/scoring/{profile.pk}/", _form_data(action="save"))
    assert saved.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.version, profile.rules.count()) == ("Edited", 2, 2)
    assert logged_in(sales_user).get("/scoring/").status_code == 403


def test_admin_page_shows_every_problem_and_saves_nothing(admin_user):
    profile = profiles.profile_save(spec=spec())
    response = logged_in(admin_user).post(
        f"/scoring/{profile.pk}/",
        _form_data(action="save", half_life_days="0", **{"rules-0-field": "contact.shoe"}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in html and "half_life_days" in html and "contact.shoe" in html
    profile.refresh_from_db()
    assert (profile.name, profile.version) == ("Test profile", 1)


def test_rescore_command_scores_every_lead_with_a_progress_summary():
    profiles.profile_save(spec=spec())
    leads = [lead_with() for _ in range(5)]
    touch_add(leads[0], type="demo_request", url="")
    result = CliRunner().invoke(scoring, ["rescore", "--chunk-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Rescoring 5 leads" in result.output
    assert "Scored 5 leads" in result.output and "1 moved to MQL" in result.output
    assert LeadScore.objects.count() == 5
    assert StageTransition.objects.filter(to_stage="mql").count() == 1
    listing = CliRunner().invoke(scoring, ["profiles"])
    assert "* " in listing.output and "Test profile" in listing.output
    assert "MQL definition in force (hand-off agreement v1): score >= 60" in listing.output


def test_rescore_command_without_an_active_profile_fails_clearly():
    ScoringProfile.objects.update(is_active=False)
    result = CliRunner().invoke(scoring, ["rescore"])
    assert result.exit_code != 0
    assert "No scoring profile is active" in str(result.exception)


def test_blank_extra_rule_rows_are_skipped_as_the_browser_sends_them(admin_user):
    """The editor shows two empty rows; untouched, the browser still submits their selects'
    first options and the default numbers, which must not count as rules to validate."""
    profile = profiles.profile_save(spec=spec())
    blank = {"kind": "fit", "operator": "", "touch_type": "", "points": "0", "min_count": "1"}
    data = _form_data(action="preview", **{"rules-TOTAL_FORMS": "4"})
    for index in (2, 3):
        data.update({f"rules-{index}-{key}": value for key, value in blank.items()})
    html = logged_in(admin_user).post(f"/scoring/{profile.pk}/", data).content.decode()
    assert 'id="preview"' in html and "field-error" not in html
