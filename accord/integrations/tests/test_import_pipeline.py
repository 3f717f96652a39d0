"""Large imports written in chunks while they are read: the same rows as the one-piece import,
and nothing written when anything fails late."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.integrations.importing import batches, pipeline, service
from accord.integrations.importing.service import import_run
from accord.tracking.models import Campaign, Channel

# The writer thread has its own connection: it must see committed rows, and the test's
# own transaction would hold SQLite's write lock.
pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "Email,Phone,First Name,Company,Stage,Source,Campaign,Created,Lead ID,Region\n"
STAGES = ["lead", "mql", "sql", "customer", "disqualified"]


def _row(i: int, **cells: str) -> str:
    values = {
        "email": f"P{i}@Example.com",
        "phone": "",
        "first": f"N{i}" if i % 7 else "",
        "company": f"Co {i % 13}" if i % 5 else "",
        "stage": STAGES[i % 5],
        "source": "paid-search-t" if i % 3 == 0 else "",
        "campaign": f"Camp {i % 4}" if i % 2 else "",
        "created": f"2025-0{1 + i % 9}-1{i % 10}T10:00:00Z",
        "ext": f"L-{i}" if i % 4 else "",
        "region": "EMEA" if i % 6 == 0 else "",
    }
    values.update(cells)
    return ",".join(values.values()) + "\n"


def _file(tmp_path, rows: list[str], name: str = "leads.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def channel():
    return Channel.objects.get_or_create(slug="paid-search-t", defaults={"name": "Paid T"})[0]


@pytest.fixture
def small_chunks(monkeypatch):
    """The pipelined path for files of any size, in many small chunks."""
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "CHUNK_RECORDS", 40)
    monkeypatch.setattr(batches, "BATCH_ROWS", 25)


def _in_one_piece(monkeypatch) -> None:
    monkeypatch.setattr(service, "pipeline_possible", lambda *args, **kwargs: False)


def _tables() -> dict[str, list[tuple]]:
    """Every imported row in id order, with references as natural keys (ids differ between
    two runs on one database, their order must not)."""
    return {
        "accounts": list(Account.objects.order_by("id").values_list("name", "domain")),
        "campaigns": list(
            Campaign.objects.order_by("id").values_list("name", "utm_campaign", "channel__slug")
        ),
        "contacts": list(
            Contact.objects.order_by("id").values_list(
                "email",
                "phone",
                "first_name",
                "last_name",
                "account__name",
                "properties",
                "external_id",
                "created_at",
            )
        ),
        "leads": list(
            Lead.objects.order_by("id").values_list(
                "contact__email",
                "stage",
                "stage_changed_at",
                "created_at",
                "is_open",
                "score",
                "owner_id",
                "source_channel__slug",
                "source_campaign__name",
                "properties",
                "external_id",
            )
        ),
        "transitions": list(
            StageTransition.objects.order_by("id").values_list(
                "lead__external_id", "lead__contact__email", "from_stage", "to_stage", "at"
            )
        ),
    }


def _clear() -> None:
    StageTransition.objects.all().delete()
    Lead.objects.all().delete()
    Contact.objects.all().delete()
    Account.objects.all().delete()
    Campaign.objects.all().delete()


def _summary(report) -> tuple:
    return (
        report.imported,
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.duplicates_merged,
        report.notes,
        [(e.row, e.column, e.message) for e in report.errors],
    )


def _stored_people() -> None:
    """Rows a re-import meets: a contact with a lead, and an account and a campaign."""
    at = datetime(2024, 5, 6, tzinfo=UTC)
    contact = Contact.objects.create(email="p3@example.com", first_name="", created_at=at)
    Lead.objects.create(
        contact=contact, stage="mql", external_id="L-3", created_at=at, stage_changed_at=at
    )
    Account.objects.create(name="Co 4")
    Campaign.objects.create(name="Camp 1", utm_campaign="camp 1")


def _both_ways(tmp_path, monkeypatch, rows: list[str], **options):
    """Import ``rows`` pipelined, then (after clearing) in one piece; return both outcomes."""
    path = _file(tmp_path, rows)
    _stored_people()
    fast = import_run(entity="leads", path=path, unknown_to_properties=True, **options)
    fast_tables = _tables()
    fast_rejects = fast.rejects_path.read_text() if fast.rejects_path else None
    _clear()
    _stored_people()
    with monkeypatch.context() as patch:
        _in_one_piece(patch)
        slow = import_run(entity="leads", path=path, unknown_to_properties=True, **options)
    slow_rejects = slow.rejects_path.read_text() if slow.rejects_path else None
    assert not slow.pipelined
    assert _summary(fast) == _summary(slow)
    assert fast_tables == _tables()
    assert fast_rejects == slow_rejects
    return fast, slow


def test_pipelined_import_writes_exactly_the_rows_of_the_one_piece_import(
    tmp_path, monkeypatch, small_chunks
):
    rows = [_row(i) for i in range(400)]
    rows[30] = _row(30, email="p29@example.com", first="Late")  # a duplicate in its chunk
    rows[200] = "\n"  # a blank line
    fast, _ = _both_ways(tmp_path, monkeypatch, rows)
    assert fast.pipelined
    assert (fast.created, fast.updated, fast.duplicates_merged) == (397, 1, 1)
    assert Lead.objects.count() == 398 and Account.objects.count() == 13
    # The second import of the same file creates nothing, pipelined too.
    again = import_run(entity="leads", path=tmp_path / "leads.csv", unknown_to_properties=True)
    assert again.pipelined and (again.created, again.updated) == (0, 0)
    assert Lead.objects.count() == 398


def test_skipped_rows_and_rejects_file_are_the_same(tmp_path, monkeypatch, small_chunks):
    rows = [_row(i) for i in range(300)]
    rows[10] = _row(10, email="not-an-email")
    rows[290] = _row(290, stage="nonsense")
    fast, _ = _both_ways(tmp_path, monkeypatch, rows, skip_invalid=True)
    assert fast.pipelined and fast.rejected_rows == 2 and fast.created == 297


def test_a_late_duplicate_of_a_written_row_falls_back_to_one_piece(
    tmp_path, monkeypatch, small_chunks
):
    rows = [_row(i) for i in range(300)]
    # Row 290 merges into row 5's record (chunk 1, already written): it fills its blank name
    # and its blank lead id, which the one-piece plan writes at creation.
    rows[290] = _row(290, email="p5@example.com", first="Filled", ext="L-EXTRA")
    rows[5] = _row(5, first="", ext="")
    fast, _ = _both_ways(tmp_path, monkeypatch, rows)
    assert not fast.pipelined and fast.duplicates_merged == 1
    contact = Contact.objects.get(email="p5@example.com")
    assert contact.first_name == "Filled" and contact.leads.get().external_id == "L-EXTRA"


def test_one_stored_contact_met_by_two_chunks_falls_back(tmp_path, monkeypatch, small_chunks):
    rows = [_row(i) for i in range(300)]
    # The stored p3@example.com gets this phone: row 250 (no email) finds it by phone.
    rows[3] = _row(3, phone="+14155550100")
    rows[250] = _row(250, email="", phone="+14155550100", first="ByPhone", ext="")
    fast, _ = _both_ways(tmp_path, monkeypatch, rows)
    assert not fast.pipelined


def test_an_invalid_row_in_a_late_chunk_writes_nothing(tmp_path, monkeypatch, small_chunks):
    abandoned = []
    abandon = pipeline.LeadsPipeline.abandon

    def abandon_seen(self):
        abandoned.append(self.writer is not None)  # a writer had chunks to write
        return abandon(self)

    monkeypatch.setattr(pipeline.LeadsPipeline, "abandon", abandon_seen)
    rows = [_row(i) for i in range(400)]
    rows[390] = _row(390, email="not-an-email")
    report = import_run(entity="leads", path=_file(tmp_path, rows))
    assert not report.imported and abandoned[:1] == [True]
    assert [(e.row, e.column) for e in report.errors] == [(392, "Email")]
    assert Contact.objects.count() == 0 and Lead.objects.count() == 0
    assert Account.objects.count() == 0


def _refuse_email(email: str) -> None:
    """A trigger that makes the database refuse one contact (a late database error)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON contacts_contact "
                f"WHEN NEW.email = '{email}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.email = '{email}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON contacts_contact "
                "FOR EACH ROW EXECUTE FUNCTION refuse_one()"
            )


def _drop_refusal() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER refuse_one"
            + ("" if connection.vendor == "sqlite" else " ON contacts_contact")
        )
        if connection.vendor != "sqlite":
            cursor.execute("DROP FUNCTION refuse_one()")


def test_a_database_error_in_a_late_chunk_writes_nothing(tmp_path, small_chunks):
    rows = [_row(i) for i in range(400)]
    _refuse_email("p380@example.com")
    try:
        with pytest.raises(InvalidInput, match="nothing was written"):
            import_run(entity="leads", path=_file(tmp_path, rows))
    finally:
        _drop_refusal()
    assert Contact.objects.count() == 0 and Lead.objects.count() == 0
    assert StageTransition.objects.count() == 0 and Account.objects.count() == 0
    # The database is usable again at once: the writer's transaction was rolled back.
    report = import_run(entity="leads", path=tmp_path / "leads.csv")
    assert report.imported and report.pipelined and Lead.objects.count() == 400


def test_small_files_and_dry_runs_stay_in_one_piece(tmp_path, monkeypatch):
    rows = [_row(i) for i in range(50)]
    report = import_run(entity="leads", path=_file(tmp_path, rows))
    assert report.imported and not report.pipelined
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    report = import_run(entity="leads", path=_file(tmp_path, rows), dry_run=True)
    assert not report.pipelined and report.unchanged == 50
