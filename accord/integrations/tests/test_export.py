"""Exports: formula-injection escaping, RFC 4180 quoting, XLSX cells, the command."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.core.csvsafe import cell_escape
from accord.integrations.commands import export_command, import_command
from accord.integrations.exporting import export_rows, export_workbook

COLUMNS = [("name", "Name"), ("note", "Note"), ("amount", "Amount"), ("day", "Day")]
DANGEROUS = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "\0=x"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_text_is_prefixed_with_a_quote(value):
    assert cell_escape(value) == "'" + value.replace("\0", "")


@pytest.mark.parametrize("value", ["plain", "a=b", "", "Иван", "e@mail"])
def test_harmless_text_is_left_alone(value):
    assert cell_escape(value) == value


def test_numbers_and_dates_are_values_not_escaped():
    assert cell_escape(-5) == -5
    assert cell_escape(Decimal("-1.50")) == Decimal("-1.50")
    assert cell_escape(date(2025, 1, 2)) == date(2025, 1, 2)
    assert cell_escape(None) == ""


def test_csv_escapes_and_quotes_per_rfc_4180():
    rows = [
        {
            "name": "=cmd|' /C calc'!A0",
            "note": 'says "hi",\nthen leaves',
            "amount": Decimal("-3.5"),
            "day": date(2025, 1, 2),
        },
        {"name": "Анна", "note": None, "amount": 7, "day": None},
    ]
    data = export_rows(rows, COLUMNS, "csv")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "Name,Note,Amount,Day"
    assert '"says ""hi"",\nthen leaves"' in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ["'=cmd|' /C calc'!A0", 'says "hi",\nthen leaves', "-3.5", "2025-01-02"]
    assert parsed[2] == ["Анна", "", "7", ""]


def test_xlsx_keeps_formulas_as_text():
    rows = [
        {
            "name": value,
            "note": "ok",
            "amount": Decimal("2.50"),
            "day": datetime(2025, 1, 2, 12, tzinfo=UTC),
        }
        for value in DANGEROUS
    ]
    book = load_workbook(io.BytesIO(export_rows(rows, COLUMNS, "xlsx")))
    sheet = book.active
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    names = [row[0] for row in values]
    assert names[:5] == ["'" + v for v in DANGEROUS[:5]]
    assert names[5] == "'\nx"  # XML reads a stored CR back as LF; the quote is what matters
    assert names[6] == "'=x"  # NUL dropped BEFORE escaping, so the = is still defused
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 9))
    assert values[0][2] == 2.5 and values[0][3] == datetime(2025, 1, 2, 12)


def test_a_workbook_has_a_sheet_per_table_with_names_excel_accepts():
    long_name = "Requested vs approved discounts by the ladder's rung"
    sheets = [
        ("Q1: a/b [draft]?", [{"name": "=1+1"}], [("name", "Name")]),
        (long_name, [], [("name", "Name")]),
        (long_name.upper(), [], [("name", "Name")]),  # Excel compares names case-blind
        ("", [], [("name", "Name")]),
    ]
    binary = io.BytesIO()
    export_workbook(sheets, binary)
    book = load_workbook(io.BytesIO(binary.getvalue()))
    assert book.sheetnames == [
        "Q1  a b  draft",
        long_name[:31],
        long_name.upper()[:27] + " (2)",
        "Sheet",
    ]
    first = list(book["Q1  a b  draft"].iter_rows(values_only=True))
    assert first == [("Name",), ("'=1+1",)]  # the same escaping as one-table exports
    assert list(book["Sheet"].iter_rows(values_only=True)) == [("Name",)]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown export format"):
        export_rows([], COLUMNS, "pdf")


@pytest.mark.django_db
def test_export_command_round_trips_through_import(tmp_path):
    LeadFactory(contact=ContactFactory(email="a@example.com", first_name="=1+1"))
    cli = click.Group(commands={"import": import_command, "export": export_command})
    out = tmp_path / "leads.csv"
    result = CliRunner().invoke(cli, ["export", "leads", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["email"], r["first_name"], r["stage"]) for r in rows] == [
        ("a@example.com", "'=1+1", "lead")
    ]
    xlsx = tmp_path / "leads.xlsx"
    result = CliRunner().invoke(cli, ["export", "leads", "--format", "xlsx", "--output", str(xlsx)])
    assert result.exit_code == 0
    assert load_workbook(xlsx).active["A2"].value == "a@example.com"
    # Importing the export back changes nothing.
    result = CliRunner().invoke(cli, ["import", "leads", str(out), "--no-progress"])
    assert result.exit_code == 0 and "Created 0, update 0, leave 1 unchanged" in result.output


# The whole OWASP CSV-injection prefix set, with the full-width forms.
OWASP_PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
CONTROLS = ["\x00", "\x01", "\x02", "\x03", "\x04", "\x05", "\x06", "\x07", "\x08", "\x1f"]


def _injection_payloads() -> list[str]:
    payloads = []
    for prefix in OWASP_PREFIXES:
        payloads += [f"{prefix}1+1", f"{prefix}cmd|' /C calc'!A0"]
        payloads += [f"{control}{prefix}1+1" for control in CONTROLS]
        for separator in (";", ","):
            payloads += [
                f"a{separator}{prefix}1+1",
                f"a{separator} {prefix}1+1",
                f"a{separator}\x01{prefix}1+1",
                f"{prefix}1{separator}{prefix}2",
            ]
    return payloads


PAYLOADS = _injection_payloads()


def _is_live(field: str) -> bool:
    """Would a spreadsheet evaluate this field (leading spaces ignored, as some do)?"""
    return field.lstrip(" ").startswith(tuple(OWASP_PREFIXES))


def _fields_by_separator(text: str) -> list[str]:
    """Every field a spreadsheet could see: parsed with quotes, and naively split, on , and ;."""
    fields = []
    for separator in (",", ";"):
        for row in csv.reader(io.StringIO(text), delimiter=separator):
            fields += row
        for line in text.splitlines():
            fields += line.split(separator)
    return fields


def test_csv_injection_owasp_prefixes_and_both_separators_give_no_live_formula():
    rows = [{"name": payload, "note": "x", "amount": 1, "day": None} for payload in PAYLOADS]
    text = export_rows(rows, COLUMNS, "csv").decode("utf-8-sig")
    live = [field for field in _fields_by_separator(text) if _is_live(field)]
    assert live == []
    assert not any(control in text for control in CONTROLS)


def test_xlsx_injection_controls_before_prefix_give_no_formula_cell():
    """Regression: XLSX cells with a leading \\x01..\\x08 then = became live formulas."""
    rows = [{"name": payload, "note": payload, "amount": 1, "day": None} for payload in PAYLOADS]
    book = load_workbook(io.BytesIO(export_rows(rows, COLUMNS, "xlsx")))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    live = [part for text in texts for sep in (",", ";") for part in text.split(sep)]
    assert [part for part in live if _is_live(part)] == []


@pytest.mark.parametrize("separator", [";", ","])
def test_separator_split_cell_is_neutralised(separator):
    assert cell_escape(f"a{separator}=1+1") == f"a{separator}'=1+1"
    assert cell_escape(f"a{separator}\x02=1+1") == f"a{separator}'=1+1"
