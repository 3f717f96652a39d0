"""Loading the simulated company into the real database, and `accord demo --no-serve`."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from django.db.models import OuterRef, Subquery

from accord.accounts.models import Role, User
from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.core.lifecycle import ALLOWED_TRANSITIONS, CLOSED_STAGES, Stage
from accord.demo import loader
from accord.demo.models import DemoLoad
from accord.demo.tables import TABLE_ORDER
from accord.pipeline.models import Activity, Deal
from accord.tracking.models import Campaign, SpendEntry, Touchpoint

ANCHOR = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Demo users get real hashed passwords; the slow default hasher adds nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def loaded(db) -> DemoLoad:
    return loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=400, chunk_leads=150)


def test_load_writes_a_whole_company(loaded):
    assert loaded.finished_at is not None
    counts = {
        "tracking.Campaign": Campaign.objects.count(),
        "tracking.SpendEntry": SpendEntry.objects.count(),
        "contacts.Account": Account.objects.count(),
        "contacts.Contact": Contact.objects.count(),
        "contacts.Lead": Lead.objects.count(),
        "contacts.StageTransition": StageTransition.objects.count(),
        "pipeline.Deal": Deal.objects.count(),
        "pipeline.Activity": Activity.objects.count(),
        "tracking.Touchpoint": Touchpoint.objects.count(),
    }
    assert counts == loaded.counts
    assert counts["contacts.Lead"] == 400
    assert all(counts[label] > 0 for label in TABLE_ORDER)
    assert SpendEntry.objects.values("channel").distinct().count() >= 8
    assert Touchpoint.objects.values("channel").distinct().count() >= 8


def test_lead_stage_matches_its_last_transition(loaded):
    last = StageTransition.objects.filter(lead=OuterRef("pk")).order_by("-at", "-id")
    leads = Lead.objects.annotate(
        last_stage=Subquery(last.values("to_stage")[:1]),
        last_at=Subquery(last.values("at")[:1]),
    )
    for lead in leads:
        assert lead.stage == lead.last_stage
        assert lead.stage_changed_at == lead.last_at
        assert lead.is_open == (Stage(lead.stage) not in CLOSED_STAGES)


def test_every_stored_move_is_allowed(loaded):
    moves = StageTransition.objects.values_list("from_stage", "to_stage").distinct()
    for from_stage, to_stage in moves:
        if from_stage == "":
            assert to_stage == "lead"
        else:
            assert Stage(to_stage) in ALLOWED_TRANSITIONS[Stage(from_stage)]


def test_reads_back_through_the_orm(loaded):
    deal = Deal.objects.exclude(closed_at=None).select_related("lead", "account").first()
    assert deal.amount > 0 and deal.stage in {"won", "lost"}
    assert deal.closed_at.tzinfo is not None
    assert deal.lead.stage in {"customer", "lost"}
    lead = Lead.objects.exclude(owner=None).select_related("owner").first()
    assert lead.owner.role == Role.SALES
    assert {"budget_range", "use_case", "company_size"} <= set(lead.properties)
    touch = Touchpoint.objects.filter(lead=lead).first()
    assert touch.contact_id == lead.contact_id


def test_indexes_are_back_after_the_load(loaded):
    assert loader.demo_indexes_repair() == 0


def test_a_second_load_is_refused_and_writes_nothing(loaded):
    with pytest.raises(InvalidInput) as error:
        loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=400)
    assert error.value.field == "reset"
    assert Lead.objects.count() == 400
    assert DemoLoad.objects.count() == 1


def test_reset_removes_the_company_and_the_demo_users(loaded, make_user):
    someone = make_user(username="real-person")
    loader.demo_reset()
    assert not Lead.objects.exists() and not Touchpoint.objects.exists()
    assert not DemoLoad.objects.exists() and not Campaign.objects.exists()
    assert not User.objects.filter(username="admin").exists()
    assert User.objects.filter(pk=someone.pk).exists()
    again = loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=400, chunk_leads=150)
    assert again.counts == loaded.counts
    assert Lead.objects.count() == 400


def _demo(*args: str):
    from accord.cli import cli

    return CliRunner().invoke(
        cli, ["demo", "--no-serve", "--no-train", "--anchor", "2026-03-01", *args]
    )


def test_accord_demo_loads_then_finds_then_resets(db):
    first = _demo("--size", "small")
    assert first.exit_code == 0, first.output
    assert "Loaded 3,000 leads" in first.output
    assert "http://127.0.0.1:8000" in first.output
    for username, password in (
        ("admin", "demo-admin-2026"),
        ("marketing.manager", "demo-manager-2026"),
        ("sales.manager", "demo-manager-2026"),
        ("marketer", "demo-marketing-2026"),
        ("rep.anna", "demo-sales-2026"),
    ):
        assert f"{username}" in first.output and password in first.output
        assert User.objects.get(username=username).check_password(password)
    touchpoints = Touchpoint.objects.count()

    second = _demo()
    assert second.exit_code == 0, second.output
    # The company's 3,000 leads and the auditors' test leads (the quality demo's mystery
    # shoppers, left out of every report).
    leads = Lead.objects.count()
    assert Lead.objects.filter(is_test=False).count() == 3000 and leads > 3000
    assert f"Found {leads:,} leads, {touchpoints:,} touchpoints" in second.output
    assert "--reset" in second.output
    assert Touchpoint.objects.count() == touchpoints

    DemoLoad.objects.update(finished_at=None)
    unfinished = _demo()
    assert unfinished.exit_code == 0
    assert "did not finish" in unfinished.output


def test_accord_demo_help_explains_the_options():
    from accord.cli import cli

    result = CliRunner().invoke(cli, ["demo", "--help"])
    assert result.exit_code == 0
    for option in ("--seed", "--size", "--no-serve", "--reset", "1,000,000 leads"):
        assert option in result.output
