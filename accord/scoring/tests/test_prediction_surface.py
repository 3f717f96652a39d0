"""Win probabilities where people read them: the lead page, the API and exports, per role.

Predictions are written directly (a ``ScoringModel`` row without a trained artefact): what is
under test is how a stored prediction is shown, not how it was computed.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.core.lifecycle import Stage
from accord.integrations.export_lists import EXPORT_LISTS
from accord.integrations.exporting import export_rows
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.scoring.models import LeadPrediction, ScoringModel, ScoringProfile
from accord.scoring.predictive.presentation import (
    Reason,
    percent_text,
    reason_label,
    reasons_read,
    reasons_shown,
    reasons_text,
)

pytestmark = pytest.mark.django_db

SCORED_AT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
REASONS = [
    {"feature": "lead.prop.plan", "label": "plan", "value": "pro", "effect": 0.42},
    {"feature": "touch.type.webinar", "label": "touches: webinar", "value": 3.0, "effect": 0.2},
    {"feature": "account.employees", "label": "account employees", "value": None, "effect": -0.31},
]


def _model(*, version: int = 3, active: bool = True) -> ScoringModel:
    profile = ScoringProfile.objects.get(name="Default")
    return ScoringModel.objects.create(
        profile=profile,
        version=version,
        algorithm="HistGradientBoosting + calibration",
        artefact=b"",
        artefact_signature="",
        is_active=active,
    )


def _predict(lead, *, probability=0.734, reasons=REASONS, model=None) -> LeadPrediction:
    return LeadPrediction.objects.create(
        lead=lead,
        model=model or _model(),
        probability=probability,
        reasons=reasons,
        scored_at=SCORED_AT,
    )


def _session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Presentation (pure) ----------------------------------------------------------------


def test_percent_never_claims_certainty():
    assert [percent_text(p) for p in (0.0, 0.004, 0.01, 0.734, 0.99, 0.999)] == [
        "<1%",
        "<1%",
        "1%",
        "73%",
        "99%",
        ">99%",
    ]


def test_reasons_read_skips_malformed_entries():
    raw = [
        *REASONS,
        "junk",
        {"feature": "x"},
        {"feature": "y", "effect": "big"},
        {"feature": "z", "effect": True},
        {"feature": "w", "effect": float("nan")},
        {"feature": "v", "effect": 0.1, "value": {"nested": 1}},
    ]
    read = reasons_read(raw)
    assert [r.feature for r in read] == [r["feature"] for r in REASONS] + ["v"]
    assert read[-1].value is None and read[-1].label == "v"
    assert reasons_read(None) == [] and reasons_read({"feature": "x"}) == []


def test_reasons_shown_up_first_with_bars_relative_to_the_strongest():
    shown = reasons_shown(reasons_read(REASONS))
    assert [(r.label, r.is_up, r.bar_percent) for r in shown] == [
        ("plan", True, 100),
        ("Touches: Webinar", True, 48),
        ("Employees", False, 74),
    ]
    assert [r.effect_text for r in shown] == ["+0.42", "+0.20", "\u22120.31"]
    assert shown[1].value == 3  # a whole float reads as a whole number
    tiny = reasons_shown([Reason("a", "a", 1, 1.0), Reason("b", "b", 1, -0.001)])
    assert tiny[1].bar_percent == 4  # still visible


def test_labels_are_rebuilt_from_feature_names():
    assert reason_label("touch.count") == "Touches"
    assert reason_label("contact.prop.size") == "Contact: size"
    assert reason_label("touch.channel.paid-search") == "Touches from paid-search"
    assert reason_label("something.new", "stored label") == "stored label"


def test_reasons_text_is_one_readable_cell():
    assert reasons_text(reasons_read(REASONS)) == (
        "plan: +0.42; touches: webinar: +0.20; account employees: \u22120.31"
    )
    assert reasons_text([]) == ""


# --- Lead page ----------------------------------------------------------------------------


def test_lead_page_shows_probability_reasons_and_model(sales_user):
    lead = LeadFactory(owner=sales_user)
    _predict(lead)
    html = _session(sales_user).get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="win-probability"' in html
    assert 'data-probability="0.734"' in html and ">73%<" in html
    assert "model v3 of “Default” (HistGradientBoosting + calibration)" in html
    assert "scored 2026-11-20 08:30" in html
    assert "no longer the active model" not in html
    assert html.index("plan: pro") < html.index("Touches: Webinar: 3") < html.index("Employees")
    assert html.count('class="reason reason-up"') == 2
    assert html.count('class="reason reason-down"') == 1
    assert '<rect width="100" height="1"/>' in html and "\u22120.31" in html
    assert "No prediction yet" not in html


def test_lead_page_empty_states(sales_user):
    unscored = LeadFactory(owner=sales_user)
    html = _session(sales_user).get(f"/leads/{unscored.pk}/").content.decode()
    assert 'id="win-probability"' in html
    assert "No prediction yet" in html and "accord scoring train --activate" in html
    closed = LeadFactory(owner=sales_user, stage=Stage.LOST, is_open=False)
    _predict(closed)  # left over from before it closed
    html = _session(sales_user).get(f"/leads/{closed.pk}/").content.decode()
    assert "this lead is closed" in html and "data-probability" not in html


def test_lead_page_flags_a_prediction_from_a_replaced_model(admin_user):
    lead = LeadFactory()
    _predict(lead, model=_model(version=1, active=False), reasons=[])
    html = _session(admin_user).get(f"/leads/{lead.pk}/").content.decode()
    assert "no longer the active model" in html
    assert "it looks like a typical lead" in html


def test_lead_page_keeps_its_roles(sales_user, make_user):
    theirs = LeadFactory(owner=make_user(role="sales", username="other-rep"))
    _predict(theirs)
    assert _session(sales_user).get(f"/leads/{theirs.pk}/").status_code == 404


# --- API ----------------------------------------------------------------------------------


def test_api_lead_detail_carries_the_prediction_or_null():
    api = key_client("leads:read")
    lead = LeadFactory()
    assert api.get(f"/leads/{lead.pk}").json()["prediction"] is None
    _predict(lead)
    body = api.get(f"/leads/{lead.pk}").json()["prediction"]
    assert body == {
        "probability": 0.734,
        "reasons": REASONS,
        "model_version": 3,
        "scored_at": "2026-11-20T08:30:00Z",
    }


def test_api_closed_lead_has_no_prediction_and_odd_reasons_are_dropped():
    api = key_client("leads:read")
    closed = LeadFactory(stage=Stage.LOST, is_open=False)
    _predict(closed)
    assert api.get(f"/leads/{closed.pk}").json()["prediction"] is None
    odd = LeadFactory()
    _predict(
        odd, reasons=[*REASONS[:1], {"feature": "broken"}, "junk"], model=closed.prediction.model
    )
    assert api.get(f"/leads/{odd.pk}").json()["prediction"]["reasons"] == REASONS[:1]


def test_api_lead_list_filters_and_orders_by_probability_without_n_plus_one():
    model = _model()
    low, high, mid = LeadFactory(), LeadFactory(), LeadFactory()
    unscored = LeadFactory()
    closed = LeadFactory(stage=Stage.LOST, is_open=False)
    for lead, p in ((low, 0.1), (high, 0.9), (mid, 0.5), (closed, 0.95)):
        _predict(lead, probability=p, model=model)
    api = key_client("leads:read")
    with CaptureQueriesContext(connection) as queries:
        items = api.get("/leads", ordering="-win_probability").json()["items"]
    assert [i["id"] for i in items][:3] == [high.pk, mid.pk, low.pk]
    assert {i["id"] for i in items[3:]} == {unscored.pk, closed.pk}
    assert [i["prediction"] and i["prediction"]["probability"] for i in items[:3]] == [
        0.9,
        0.5,
        0.1,
    ]
    lead_queries = [q for q in queries.captured_queries if "scoring_leadprediction" in q["sql"]]
    assert len(lead_queries) == 1  # predictions come with the leads, not one query per lead
    assert '"artefact"' not in lead_queries[0]["sql"]  # the pickled model stays put
    ascending = api.get("/leads", ordering="win_probability").json()["items"]
    assert [i["id"] for i in ascending][2:] == [low.pk, mid.pk, high.pk]
    kept = api.get("/leads", min_probability=0.5).json()["items"]
    assert {i["id"] for i in kept} == {high.pk, mid.pk}  # the closed 0.95 is not a candidate


def test_api_pages_through_probability_ordering_without_repeats():
    model = _model()
    leads = [LeadFactory() for _ in range(7)]
    for index, lead in enumerate(leads[:5]):
        _predict(lead, probability=0.5 if index < 3 else 0.2 * index, model=model)  # ties
    api = key_client("leads:read")
    seen, cursor = [], None
    while True:
        params = {"ordering": "-win_probability", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/leads", **params).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(lead.pk for lead in leads) and len(seen) == 7


def _cursor(ordering: str, value) -> str:
    raw = json.dumps([ordering, value, 5]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_api_refuses_bad_probability_filters_and_orderings():
    api = key_client("leads:read")
    for value in (None, [1], {"a": 1}, "high"):
        cursor = _cursor("-win_probability", value)
        response = api.get("/leads", ordering="-win_probability", cursor=cursor)
        assert response.status_code == 422, value
        assert response.json()["error"]["field"] == "cursor"
    for value in ("1.5", "-0.1", "high"):
        response = api.get("/leads", min_probability=value)
        assert response.status_code == 422, value
    assert api.get("/leads", ordering="-probability").status_code == 422


def test_api_patch_answers_with_the_prediction():
    lead = LeadFactory()
    _predict(lead)
    response = key_client("leads:write").patch(f"/leads/{lead.pk}", {"properties": {"a": 1}})
    assert response.status_code == 200
    body = response.json()
    assert body["properties"] == {"a": 1} and body["prediction"]["model_version"] == 3


def test_api_sales_rep_sees_predictions_only_of_leads_they_could_see(sales_user, make_user):
    model = _model()
    mine = LeadFactory(owner=sales_user)
    theirs = LeadFactory(owner=make_user(role="sales", username="other-rep"))
    for lead in (mine, theirs):
        _predict(lead, model=model)
    client = Client()
    client.force_login(sales_user)
    rep = ApiClient(client=client)
    items = rep.get("/leads", min_probability=0.1, ordering="-win_probability").json()["items"]
    assert [i["id"] for i in items] == [mine.pk]
    assert rep.get(f"/leads/{theirs.pk}").status_code == 404


def test_openapi_documents_the_prediction():
    schema = key_client("leads:read").get("/openapi.json").json()
    lead_out = schema["components"]["schemas"]["LeadOut"]
    assert "prediction" in lead_out["required"]
    params = {p["name"] for p in schema["paths"]["/api/v1/leads"]["get"]["parameters"]}
    assert {"min_probability", "ordering"} <= params


# --- Exports ------------------------------------------------------------------------------


def _export(fmt: str) -> bytes:
    columns, rows = EXPORT_LISTS["leads"]
    return export_rows(rows(), columns, fmt)


def test_lead_export_has_probability_and_reasons_columns_escaped():
    scored = LeadFactory(contact=ContactFactory(email="scored@example.com"))
    _predict(
        scored,
        reasons=[{"feature": "lead.prop.=cmd", "label": "=cmd", "value": 1, "effect": 0.5}],
    )
    LeadFactory(contact=ContactFactory(email="unscored@example.com"))
    closed = LeadFactory(contact=ContactFactory(email="closed@example.com"), is_open=False)
    _predict(closed, model=scored.prediction.model)
    with CaptureQueriesContext(connection) as queries:
        text = _export("csv").decode("utf-8-sig")
    joined = [q for q in queries.captured_queries if "scoring_leadprediction" in q["sql"]]
    assert len(joined) == 1  # predictions come with the leads, not one query per lead
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["scored@example.com"]["win_probability"] == "0.734"
    assert rows["scored@example.com"]["top_reasons"] == "'=cmd: +0.50"  # formula defused
    assert rows["unscored@example.com"]["win_probability"] == ""
    assert rows["closed@example.com"]["top_reasons"] == ""
    sheet = load_workbook(io.BytesIO(_export("xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    values = {
        row[header.index("email")]: row for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    row = values["scored@example.com"]
    assert row[header.index("win_probability")] == 0.734  # a number, not text
    assert row[header.index("top_reasons")] == "'=cmd: +0.50"
    assert values["unscored@example.com"][header.index("win_probability")] in (None, "")
