"""The import's bulk write paths: transitions derived in SQL, SQLite indexes built after,
multi-row inserts, and the indexes an imported row has to update."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.integrations.importing import bulk_insert, index_deferral
from accord.integrations.importing.bulk_insert import tuples_insert
from accord.integrations.importing.index_deferral import indexes_deferred
from accord.integrations.importing.lead_history import IMPORT_DETAILS, IMPORT_REASON
from accord.integrations.importing.people import AccountsPlan
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _index_sql(table: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        return set(cursor.fetchall())


def test_transitions_follow_the_path_and_keep_the_outcome_date(write_csv):
    text = (
        "email,stage,created_at,outcome,outcome_at\n"
        "won@example.com,,2024-01-10 09:00,won,2024-02-01 12:00\n"
        "lost@example.com,,2024-01-10 09:00,lost,2023-12-31 00:00\n"
        "mql@example.com,mql,2024-03-05 08:30,,\n"
    )
    report = import_run(entity="leads", path=write_csv(text))
    assert report.imported and report.created == 3, report.errors
    created = datetime(2024, 1, 10, 9, tzinfo=UTC)

    def history(email: str) -> list[tuple]:
        return list(
            StageTransition.objects.filter(lead__contact__email=email)
            .order_by("id")
            .values_list("from_stage", "to_stage", "at", "reason", "details", "actor_id")
        )

    won_path = ["lead", "mql", "sal", "sql", "opportunity", "customer"]
    won = history("won@example.com")
    assert [t[1] for t in won] == won_path and won[0][0] == ""
    # Every step at creation, the closing one at the outcome's date.
    assert [t[2] for t in won] == [created] * 5 + [datetime(2024, 2, 1, 12, tzinfo=UTC)]
    assert {(t[3], t[5]) for t in won} == {("", None)} and won[0][4] == IMPORT_DETAILS
    # An outcome dated before the lead's creation is moved to the creation.
    assert history("lost@example.com") == [
        ("", "lead", created, "", IMPORT_DETAILS, None),
        ("lead", "disqualified", created, IMPORT_REASON, IMPORT_DETAILS, None),
    ]
    mql_at = datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert [(t[0], t[1], t[2]) for t in history("mql@example.com")] == [
        ("", "lead", mql_at),
        ("lead", "mql", mql_at),
    ]
    # Numbered lead by lead, step by step.
    ids = list(StageTransition.objects.order_by("lead_id", "id").values_list("id", flat=True))
    assert ids == sorted(ids)


def test_transitions_only_for_the_new_leads(write_csv):
    first = import_run(entity="leads", path=write_csv("email,stage\na@example.com,sql\n"))
    assert first.imported
    second = import_run(
        entity="leads", path=write_csv("email,stage\na@example.com,sql\nb@example.com,mql\n")
    )
    assert (second.created, second.unchanged) == (1, 1)
    assert StageTransition.objects.filter(lead__contact__email="a@example.com").count() == 4
    assert StageTransition.objects.filter(lead__contact__email="b@example.com").count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_large_import_rebuilds_the_same_indexes(write_csv, monkeypatch):
    monkeypatch.setattr(index_deferral, "MIN_ROWS", 1)
    tables = [m._meta.db_table for m in (Contact, Lead, StageTransition)]
    before = {t: _index_sql(t) for t in tables}
    rows = "".join(f"p{i}@example.com,{'customer' if i % 2 else 'lead'}\n" for i in range(30))
    report = import_run(entity="leads", path=write_csv("email,stage\n" + rows))
    assert report.imported and report.created == 30
    assert {t: _index_sql(t) for t in tables} == before
    assert StageTransition.objects.count() == 15 * 6 + 15
    # The rebuilt index answers queries that use it.
    assert Lead.objects.filter(stage="customer").count() == 15


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_indexes_come_back_when_the_import_fails(monkeypatch):
    monkeypatch.setattr(index_deferral, "MIN_ROWS", 1)
    table = Lead._meta.db_table
    before = _index_sql(table)
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        indexes_deferred({Lead: 10}) as deferred,
    ):
        assert deferred and not (_index_sql(table) & before)
        raise RuntimeError("the write failed")
    assert _index_sql(table) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_no_deferral_for_a_table_larger_than_the_import(monkeypatch):
    monkeypatch.setattr(index_deferral, "MIN_ROWS", 1)
    for i in range(3):
        Lead.objects.create(contact=Contact.objects.create(email=f"x{i}@example.com"))
    with transaction.atomic(), indexes_deferred({Lead: 2, Contact: 0}) as deferred:
        assert deferred == []
    plain = {name for name, sql in _index_sql(Lead._meta.db_table) if "UNIQUE" not in sql}
    with transaction.atomic(), indexes_deferred({Lead: 3}) as deferred:
        # UNIQUE indexes stay: they must refuse duplicates as rows arrive.
        assert set(deferred) == plain and len(plain) >= 8
        with pytest.raises(IntegrityError), transaction.atomic():
            Lead.objects.create(
                contact=Contact.objects.get(email="x0@example.com"), external_id="E"
            )
            Lead.objects.create(
                contact=Contact.objects.get(email="x1@example.com"), external_id="E"
            )


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL never defers")
def test_postgres_never_drops_indexes(monkeypatch):
    monkeypatch.setattr(index_deferral, "MIN_ROWS", 0)
    with transaction.atomic(), indexes_deferred({Lead: 1_000_000}) as deferred:
        assert deferred == []


def test_rows_go_in_over_several_statements_with_a_short_last_one(monkeypatch):
    monkeypatch.setattr(bulk_insert, "ROWS_PER_INSERT", 4)
    rows = [(f"p{i}@example.com", f"N{i}", {"i": i} if i % 3 == 0 else {}) for i in range(10)]
    with transaction.atomic():
        assert tuples_insert(Contact, ("email", "first_name", "properties"), rows) == 10
    stored = list(Contact.objects.order_by("id").values_list("email", "first_name", "properties"))
    assert stored == rows
    assert all(c.created_at and c.updated_at for c in Contact.objects.all())


def test_a_row_the_database_refuses_raises_djangos_integrity_error():
    # The service turns Django's DatabaseError into "nothing was written"; the fast insert
    # paths (multi-row INSERT, COPY) must raise that, not the driver's own class.
    rows = [("same@example.com",), ("other@example.com",), ("same@example.com",)]
    with pytest.raises(IntegrityError), transaction.atomic():
        tuples_insert(Contact, ("email",), rows)
    assert Contact.objects.count() == 0


def test_accounts_by_name_without_domain_resolve_to_one_account_each():
    plan = AccountsPlan()
    first = plan.resolve("Acme", None)
    assert plan.resolve("Acme", None) is first
    assert plan.resolve("ACME", "") is first  # names match case-insensitively
    with_domain = plan.resolve("Globex", "https://www.globex.com/about")
    assert plan.resolve("Globex", None) is with_domain
    assert plan.resolve(None, "globex.com") is with_domain
    assert plan.resolve("", None) is None
    assert [a.name for a in plan.new] == ["Acme", "Globex"]
    assert isinstance(first, Account) and first.domain is None


def test_uniques_still_refuse_duplicates_without_pattern_indexes():
    Contact.objects.create(email="a@example.com", phone="+15550000001", external_id="C1")
    for duplicate in ({"email": "a@example.com"}, {"phone": "+15550000001"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contact.objects.create(**duplicate)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(email="b@example.com", external_id="C1")
    lead = Lead.objects.create(contact=Contact.objects.get(), external_id="L1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(contact=lead.contact, external_id="L1")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s, %s)",
                [Contact._meta.db_table, Lead._meta.db_table, StageTransition._meta.db_table],
            )
            indexes = dict(cursor.fetchall())
        # Migration 0005: no LIKE-pattern copies of the unique indexes; the foreign keys that
        # imported rows leave empty are indexed only where set.
        assert not [name for name, sql in indexes.items() if "pattern_ops" in sql]
        assert "WHERE (actor_id IS NOT NULL)" in indexes["contacts_st_actor_set_idx"]
        assert "WHERE (team_id IS NOT NULL)" in indexes["contacts_le_team_set_idx"]
