"""CSV import of people and leads: encodings, dialects, bad rows, duplicates, re-imports."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from accord.contacts.models import Contact, Lead, StageTransition
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.core.errors import InvalidInput
from accord.core.lifecycle import ALLOWED_TRANSITIONS, Stage
from accord.integrations.importing.lead_history import STAGE_PATHS
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def errors_of(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def test_bom_utf8_file_with_cyrillic_names(write_csv):
    path = write_csv(
        "email,first_name,last_name\nivan@example.com,Иван,Петров\n", encoding="utf-8-sig"
    )
    report = import_run(entity="contacts", path=path)
    assert report.ok and report.encoding == "utf-8-sig"
    contact = Contact.objects.get()
    # The BOM must not end up in the first column's name (the email column is found).
    assert (contact.email, contact.first_name, contact.last_name) == (
        "ivan@example.com",
        "Иван",
        "Петров",
    )


def test_windows_1251_semicolon_file(write_csv):
    text = "Email;Имя;Фамилия;Должность\nolga@example.ru;Ольга;Смирнова;Директор по маркетингу\n"
    report = import_run(entity="contacts", path=write_csv(text, encoding="cp1251"))
    assert report.ok, report.errors
    assert (report.encoding, report.delimiter) == ("cp1251", ";")
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.job_title) == (
        "Ольга",
        "Смирнова",
        "Директор по маркетингу",
    )


def test_tab_delimiter_and_quoted_newlines_and_quotes(write_csv):
    text = (
        "email\tfirst_name\tjob_title\n"
        'a@example.com\t"Ann"\t"Head of ""Growth""\n(EMEA)"\n'
        "b@example.com\tBob\tCTO\n"
    )
    report = import_run(entity="contacts", path=write_csv(text))
    assert report.ok and report.delimiter == "\t"
    assert report.rows == 2
    titles = dict(Contact.objects.values_list("email", "job_title"))
    assert titles == {"a@example.com": 'Head of "Growth"\n(EMEA)', "b@example.com": "CTO"}


def test_quoted_comma_rows_keep_their_own_email_and_empty_cells_stay_empty(write_csv):
    # SuiteCRM#5197/#5574: every row got the first email; empty cells inherited values.
    text = (
        "email,first_name,job_title\n"
        'a@example.com,Ann,"Sales, EMEA"\n'
        "b@example.com,,\n"
        "c@example.com,Cid,\n"
    )
    assert import_run(entity="contacts", path=write_csv(text)).ok
    rows = {c.email: (c.first_name, c.job_title) for c in Contact.objects.all()}
    assert rows == {
        "a@example.com": ("Ann", "Sales, EMEA"),
        "b@example.com": ("", ""),
        "c@example.com": ("Cid", ""),
    }


def test_case_variant_emails_collapse_into_one_contact_and_later_rows_fill_blanks(write_csv):
    text = (
        "email,first_name,last_name\nMaria@Example.com,Maria,\n  maria@example.COM ,Other,Lopez\n"
    )
    report = import_run(entity="contacts", path=write_csv(text))
    assert report.ok and report.duplicates_merged == 1 and report.created == 1
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name) == (
        "maria@example.com",
        "Maria",
        "Lopez",
    )


def test_existing_contact_matched_case_insensitively_and_only_gains_data(write_csv):
    ContactFactory(email="known@example.com", first_name="Kept", last_name="")
    text = "email,first_name,last_name\nKNOWN@example.com,Replaced?,Added\n"
    report = import_run(entity="contacts", path=write_csv(text))
    assert (report.created, report.updated) == (0, 1)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name) == ("Kept", "Added")


def test_reimporting_the_same_file_creates_nothing(write_csv):
    text = (
        "Email,First Name,Lifecycle Stage,Record ID\n"
        "a@example.com,Ann,lead,101\n"
        "b@example.com,Bob,marketingqualifiedlead,102\n"
    )
    path = write_csv(text)
    first = import_run(entity="leads", path=path, preset="hubspot")
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    counts = (Contact.objects.count(), Lead.objects.count(), StageTransition.objects.count())
    second = import_run(entity="leads", path=path, preset="hubspot")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert (
        (Contact.objects.count(), Lead.objects.count(), StageTransition.objects.count())
        == counts
        == (2, 2, 3)
    )


def test_one_bad_row_imports_nothing_and_names_row_and_column(write_csv):
    text = (
        "email,phone,first_name\n"
        "good@example.com,,Good\n"
        "not-an-email,,Bad\n"
        "other@example.com,12,Other\n"
    )
    report = import_run(entity="leads", path=write_csv(text), phone_region="US")
    assert not report.imported
    assert [(r, c) for r, c, _ in errors_of(report)] == [(3, "email"), (4, "phone")]
    assert "not a valid email" in report.errors[0].message
    assert Contact.objects.count() == 0 and Lead.objects.count() == 0


def test_text_over_the_field_limit_is_a_row_error_and_the_first_non_blank_column_wins(
    write_csv,
):
    # "First Name" and "given name" both fill first_name: the first non-blank one is kept.
    text = (
        "email,First Name,given name,job title\n"
        "a@example.com,,Ann,\n"
        f"b@example.com,Bob,Bobby,{'x' * 161}\n"
    )
    report = import_run(entity="leads", path=write_csv(text))
    assert errors_of(report) == [(3, "job title", "Longer than 160 characters (161).")]
    assert not report.imported

    report = import_run(entity="leads", path=write_csv(text.replace("x" * 161, " CEO ")))
    assert report.imported and report.created == 2
    people = dict(Contact.objects.values_list("email", "first_name"))
    assert people == {"a@example.com": "Ann", "b@example.com": "Bob"}
    assert Contact.objects.get(email="b@example.com").job_title == "CEO"


def test_skip_invalid_imports_valid_rows_and_writes_the_rejects_file(write_csv, tmp_path):
    text = (
        "email;first_name;created_at\n"
        "good@example.com;Good;2025-03-01 10:00\n"
        "bad@;Bad;2025-03-01\n"
        "late@example.com;Late;yesterday\n"
    )
    path = write_csv(text)
    rejects = tmp_path / "rejected.csv"
    report = import_run(entity="leads", path=path, skip_invalid=True, rejects_path=rejects)
    assert report.imported and report.created == 1
    assert list(Contact.objects.values_list("email", flat=True)) == ["good@example.com"]
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "email;first_name;created_at;error"
    assert lines[1].startswith("bad@;Bad;2025-03-01;email: ")
    assert lines[2].startswith("late@example.com;Late;yesterday;created_at: ")
    assert len(lines) == 3


def test_missing_required_column_is_a_header_error(write_csv):
    report = import_run(entity="spend", path=write_csv("date,channel\n2025-05-01,direct\n"))
    assert errors_of(report) == [
        (1, "cost", 'Required column missing (the file\'s columns: "date", "channel").')
    ]
    assert not report.imported


def test_wrong_delimiter_is_detected(write_csv):
    # A semicolon file (as Excel writes in many locales) must not become one column.
    text = "email;first_name\nx@example.com;Xena\n"
    assert import_run(entity="contacts", path=write_csv(text)).ok
    assert Contact.objects.get().first_name == "Xena"


def test_forced_wrong_delimiter_reports_the_missing_column(write_csv):
    text = "email;first_name\nx@example.com;Xena\n"
    report = import_run(entity="contacts", path=write_csv(text), delimiter=",")
    assert [(e.row, e.column) for e in report.errors] == [(1, "email")]
    assert '"email;first_name"' in report.errors[0].message


def test_row_with_more_values_than_columns(write_csv):
    text = "email,first_name\na@example.com,Ann,extra\n"
    report = import_run(entity="contacts", path=write_csv(text))
    assert [(e.row, e.column) for e in report.errors] == [(2, "*")]
    assert "3 values but the header has 2 columns" in report.errors[0].message


def test_unknown_owner_email_is_a_row_error_naming_the_column(write_csv, sales_user):
    sales_user.email = "Rep@Example.com"
    sales_user.save()
    text = "email,Owner\na@example.com,rep@example.com\nb@example.com,ghost@example.com\n"
    report = import_run(entity="leads", path=write_csv(text), mapping={"Owner": "owner_email"})
    assert errors_of(report) == [(3, "Owner", "No user has the email 'ghost@example.com'.")]
    assert Lead.objects.count() == 0
    import_run(
        entity="leads", path=write_csv(text), mapping={"Owner": "owner_email"}, skip_invalid=True
    )
    assert Lead.objects.get().owner == sales_user


def test_naive_times_use_the_given_time_zone_and_are_reported(write_csv):
    text = "email,created_at\na@example.com,2025-03-01 12:00\nb@example.com,2025-03-01T12:00Z\n"
    report = import_run(entity="leads", path=write_csv(text), timezone_name="Europe/Moscow")
    assert report.naive_times == 1
    assert any("read as Europe/Moscow" in note for note in report.notes)
    created = dict(Lead.objects.values_list("contact__email", "created_at"))
    assert created["a@example.com"] == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert created["b@example.com"] == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_lead_beyond_lead_stage_gets_the_main_path_transitions(write_csv):
    text = "email,stage,created_at\na@example.com,Sales Qualified Lead,2025-01-05 09:00\n"
    assert import_run(entity="leads", path=write_csv(text)).ok
    lead = Lead.objects.get()
    path = list(lead.transitions.values_list("from_stage", "to_stage", "at"))
    at = datetime(2025, 1, 5, 9, tzinfo=UTC)
    assert path == [("", "lead", at), ("lead", "mql", at), ("mql", "sal", at), ("sal", "sql", at)]
    assert (lead.stage, lead.stage_changed_at, lead.is_open) == ("sql", at, True)


def test_every_stage_path_follows_allowed_transitions():
    for target, path in STAGE_PATHS.items():
        assert path[0] == Stage.LEAD and path[-1] == target
        for before, after in itertools.pairwise(path):
            assert Stage(after) in ALLOWED_TRANSITIONS[Stage(before)], (before, after)


def test_existing_open_lead_is_reused_not_duplicated(write_csv):
    lead = LeadFactory(contact=ContactFactory(email="known@example.com"))
    report = import_run(
        entity="leads",
        path=write_csv("email,Region\nknown@example.com,EMEA\n"),
        unknown_to_properties=True,
    )
    assert (report.created, report.updated) == (0, 1)
    lead.refresh_from_db()
    assert Lead.objects.count() == 1 and lead.properties == {"region": "EMEA"}


def test_reimporting_a_customer_reuses_the_closed_lead(write_csv):
    # Only open leads used to be matched, so each re-import made a customer a new lead.
    path = write_csv("email,stage\nc@example.com,customer\n")
    assert import_run(entity="leads", path=path).created == 1
    again = import_run(entity="leads", path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Lead.objects.count() == 1 and not Lead.objects.get().is_open


def test_dry_run_counts_and_writes_nothing(write_csv):
    ContactFactory(email="known@example.com", first_name="")
    text = "email,first_name\nknown@example.com,Kim\nnew@example.com,Nia\n"
    report = import_run(entity="contacts", path=write_csv(text), dry_run=True)
    assert (report.created, report.updated, report.unchanged, report.imported) == (1, 1, 0, False)
    assert Contact.objects.count() == 1
    assert Contact.objects.get().first_name == ""


def test_usage_errors_raise(write_csv):
    path = write_csv("email\na@example.com\n")
    with pytest.raises(InvalidInput, match="no column 'Mail'"):
        import_run(entity="contacts", path=path, mapping={"Mail": "email"})
    with pytest.raises(InvalidInput, match="Unknown field 'mail'"):
        import_run(entity="contacts", path=path, mapping={"email": "mail"})
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        import_run(entity="contacts", path=path, timezone_name="Mars/Olympus")


def test_undecodable_file_is_rejected_whole(write_csv, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(
        b"email,first_name\n" + b"a@example.com,Ann\n" * 5000 + b"b@example.com,\xff\xfe\xfa\n"
    )
    report = import_run(entity="contacts", path=path, encoding="utf-8", skip_invalid=True)
    assert not report.imported and Contact.objects.count() == 0
    assert report.errors[0].column == "*" and "not valid utf-8" in report.errors[0].message
