"""Audits: templates, the weighted score, who may audit (nothing saved otherwise), the
overview's figures, coaching, and the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.core.errors import InvalidInput, PermissionDenied
from accord.pipeline.tasks.services import task_complete
from accord.quality import selectors, services
from accord.quality.models import Audit, AuditResult, AuditTemplate, CoachingNote
from accord.quality.tests import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return {**support.people(), "template": support.template()}


def _answers(template, *outcomes):
    return {item.pk: o for item, o in zip(template.items.all(), outcomes, strict=True)}


def test_an_audit_scores_the_weighted_share_of_applicable_items(world):
    t = world["template"]
    audit = services.audit_record(
        by=world["sales_head"],
        template_id=t.pk,
        rep_id=world["rep"].pk,
        results=_answers(t, "fail", "pass", "pass"),  # weights 3, 1, 2
        coaching="Call within five minutes",
        coaching_due=support.today() + timedelta(days=3),
    )
    assert audit.score == 50.0
    note = CoachingNote.objects.get(audit=audit)
    assert note.owner == world["rep"]  # the rep audited, unless someone else is named
    # The coaching is the owner's to-do task, due on its day; completing the task closes it.
    assert note.task.owner == world["rep"] and note.task.kind == "todo"
    assert timezone.localtime(note.task.due_at).date() == note.due_date
    assert list(selectors.coaching_open()) == [note]
    task_complete(task_id=note.task.pk, at=timezone.now())
    assert list(selectors.coaching_open()) == []
    na = services.audit_record(
        by=world["marketing_head"],
        template_id=t.pk,
        rep_id=world["rep2"].pk,
        results=_answers(t, "na", "fail", "pass"),
    )
    assert na.score == pytest.approx(66.7)
    failing = selectors.failing_items()
    assert [(f.label, f.failed, f.answered) for f in failing] == [
        ("Addressed by name", 1, 2),
        ("Answered within the SLA", 1, 1),
    ]
    by_rep = {(r.name, r.audits): r.average for r in selectors.scores_by_month(by="rep")}
    assert by_rep == {("q-rep", 1): 50.0, ("q-rep2", 1): 66.7}


def test_only_an_auditor_audits_and_a_refusal_saves_nothing(world):
    t = world["template"]
    for person in (world["rep"], world["marketer"]):
        with pytest.raises(PermissionDenied):
            services.audit_record(
                by=person,
                template_id=t.pk,
                rep_id=world["rep2"].pk,
                results=_answers(t, "pass", "pass", "pass"),
            )
        with pytest.raises(PermissionDenied):
            services.audit_template_create(by=person, name="Mine", items=[("x", 1)])
    assert not Audit.objects.exists() and AuditTemplate.objects.count() == 1


def test_bad_audits_name_the_field_and_save_nothing(world):
    t = world["template"]
    first = t.items.first()
    cases = [
        ({"results": {first.pk: "pass"}}, None),  # items left unanswered
        ({"results": _answers(t, "na", "na", "na")}, "results"),
        ({"rep_id": world["marketer"].pk}, "rep"),
        ({"coaching": "Do better", "coaching_due": support.today() - timedelta(days=1)},
         "coaching_due"),
    ]  # fmt: skip
    for extra, field in cases:
        fields = {
            "by": world["sales_head"],
            "template_id": t.pk,
            "rep_id": world["rep"].pk,
            "results": _answers(t, "pass", "pass", "pass"),
            **extra,
        }
        with pytest.raises(InvalidInput) as refused:
            services.audit_record(**fields)
        if field:
            assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        services.audit_template_create(by=world["sales_head"], name="Empty", items=[("", 1)])
    assert refused.value.field == "items"
    with pytest.raises(InvalidInput):
        services.audit_template_create(by=world["sales_head"], name="Heavy", items=[("x", 11)])
    assert not Audit.objects.exists() and not AuditResult.objects.exists()


def test_the_audit_pages_record_an_audit_and_refuse_reps(client, world):
    t = world["template"]
    client.force_login(world["rep"])
    assert client.get("/audits/").status_code == 403
    assert client.post("/audits/token/").status_code == 403
    client.force_login(world["sales_head"])
    page = client.get("/audits/")
    assert page.status_code == 200 and b"Mystery shopper" in page.content
    minted = client.post("/audits/token/")
    assert b'id="test-token"' in minted.content
    form = {"rep": str(world["rep"].pk), "lead": ""}
    form.update({f"item_{item.pk}": "pass" for item in t.items.all()})
    response = client.post(f"/audits/new/{t.pk}/", form)
    assert response.status_code == 302
    audit = Audit.objects.get()
    assert audit.score == 100.0 and audit.auditor == world["sales_head"]
    assert client.get(f"/audits/{audit.pk}/").status_code == 200
    assert client.get("/audits/speed-to-lead/").status_code == 200


def test_the_audits_api_records_for_auditors_only(client, world):
    t = world["template"]
    body = {
        "template_id": t.pk,
        "rep_id": world["rep"].pk,
        "results": {str(k): v for k, v in _answers(t, "pass", "fail", "pass").items()},
    }
    client.force_login(world["rep"])
    refused = client.post("/api/v1/audits", body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["message"]
    assert client.get("/api/v1/audits").status_code == 403
    client.force_login(world["sales_head"])
    made = client.post("/api/v1/audits", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["score"] == pytest.approx(83.3)
    listed = client.get("/api/v1/audits").json()
    assert [a["id"] for a in listed["items"]] == [made.json()["id"]]
    bad = client.post(
        "/api/v1/audits", {**body, "results": {"abc": "pass"}}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "results.abc"
    assert Audit.objects.count() == 1
