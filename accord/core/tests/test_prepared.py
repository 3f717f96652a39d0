"""Prepared hot-path SQL does what the ORM does: the same rows written, the same instances read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_save
from django.utils import timezone

from accord.contacts.models import Contact, Lead
from accord.core.prepared import PreparedQuery, RowShape, row_insert, statement_cursor

_by_email = PreparedQuery(lambda e: Contact.objects.filter(email=e), examples=("@",))
_open_leads = PreparedQuery(
    lambda contact_id: Lead.objects.filter(contact_id=contact_id, is_open=True).order_by(
        "-created_at"
    ),
    examples=(-1,),
)


def test_row_insert_writes_what_save_writes(db):
    at = timezone.now() - timedelta(days=3)
    before = timezone.now()
    contact = row_insert(
        Contact(email="a@example.com", first_name="Ann", properties={"k": [1, "é"]}, created_at=at)
    )
    assert contact.pk and contact._state.adding is False and contact._state.db == "default"
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.email, stored.first_name, stored.phone) == ("a@example.com", "Ann", None)
    assert stored.properties == {"k": [1, "é"]}
    assert stored.created_at == at
    assert stored.updated_at >= before  # auto_now applied as save() would
    assert contact.updated_at == stored.updated_at
    lead = row_insert(Lead(contact=contact, created_at=at, stage_changed_at=at))
    assert Lead.objects.filter(pk=lead.pk, contact=contact, is_open=True, score=0).exists()


def test_row_insert_falls_back_to_save_when_a_receiver_listens(db):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.email)

    pre_save.connect(receiver, sender=Contact)
    try:
        contact = row_insert(Contact(email="b@example.com"))
    finally:
        pre_save.disconnect(receiver, sender=Contact)
    assert seen == ["b@example.com"]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_prepared_query_matches_the_orm(db):
    contact = Contact.objects.create(email="c@example.com", properties={"x": True})
    now = timezone.now()
    older = Lead.objects.create(contact=contact, created_at=now - timedelta(days=1))
    newer = Lead.objects.create(contact=contact, created_at=now)
    Lead.objects.create(contact=contact, created_at=now + timedelta(days=1), is_open=False)

    found = _by_email.first("c@example.com")
    assert found == contact and found._state.adding is False
    assert (found.properties, found.created_at) == (contact.properties, contact.created_at)
    assert _by_email.first("nobody@example.com") is None

    assert _open_leads.first(contact.pk) == newer
    assert _open_leads.all(contact.pk) == [newer, older]
    lead = _open_leads.first(contact.pk)
    assert lead.is_open is True and lead.created_at == newer.created_at
    assert _open_leads.all(-5) == []


def test_prepared_query_refuses_an_argument_it_cannot_place(db):
    unused = PreparedQuery(lambda e: Contact.objects.filter(email="fixed"), examples=("@",))
    with pytest.raises(ValueError, match="appear once"):
        unused.first("x")


def test_row_shape_writes_what_save_writes(db):
    at = timezone.now() - timedelta(days=2)
    shape = RowShape(Contact, ("email", "properties", "created_at", "updated_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            shape.insert_sql(connection),
            shape.params(("r@example.com", {"k": ["é", 1]}, at, at), connection),
        )
        pk = cursor.fetchone()[0]
        # A taken unique email: nothing written, no error, no id back.
        cursor.execute(
            shape.insert_sql(connection, ignore_conflicts=True),
            shape.params(("r@example.com", {}, at, at), connection),
        )
        assert cursor.fetchone() is None
    stored = Contact.objects.get(pk=pk)
    assert (stored.email, stored.phone, stored.first_name, stored.account_id) == (
        "r@example.com",
        None,
        "",
        None,
    )
    assert stored.properties == {"k": ["é", 1]}
    assert stored.created_at == stored.updated_at == at
    assert Contact.objects.count() == 1


def test_row_shape_refuses_to_default_a_per_row_value(db):
    with pytest.raises(ValueError, match="updated_at"):
        RowShape(Contact, ("email", "created_at")).insert_sql(connection)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_statement_cursor_writes_in_the_callers_transaction_and_prepares(db):
    at = timezone.now()
    shape = RowShape(Contact, ("email", "properties", "created_at", "updated_at"))
    sql = shape.insert_sql(connection, ignore_conflicts=True)
    for email in ("p1@example.com", "p2@example.com"):
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, shape.params((email, {"n": email}, at, at), connection))
            assert cursor.fetchone() is not None
    assert dict(Contact.objects.values_list("email", "properties")) == {
        "p1@example.com": {"n": "p1@example.com"},
        "p2@example.com": {"n": "p2@example.com"},
    }
    if connection.vendor == "postgresql":
        # Prepared on the server: its text is ours, with $n placeholders.
        table = Contact._meta.db_table
        assert any(
            f'INSERT INTO "{table}"' in statement and "ON CONFLICT DO NOTHING" in statement
            for statement in _prepared_statements()
        )


def test_statement_cursor_raises_djangos_errors_and_rolls_back_with_the_caller(db):
    at = timezone.now()
    shape = RowShape(Contact, ("email", "properties", "created_at", "updated_at"))
    Contact.objects.create(email="taken@example.com")
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        statement_cursor(connection) as cursor,
    ):
        cursor.execute(
            shape.insert_sql(connection),
            shape.params(("new@example.com", {}, at, at), connection),
        )
        cursor.execute(
            shape.insert_sql(connection),
            shape.params(("taken@example.com", {}, at, at), connection),
        )
    assert list(Contact.objects.values_list("email", flat=True)) == ["taken@example.com"]
