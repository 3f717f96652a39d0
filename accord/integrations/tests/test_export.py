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
from accord.integrations.commands import export_command, import_command
from accord.integrations.exporting import cell_escape, export_rows

COLUMNS = [("name", "Name"), ("note", "Note"), ("amount", "Amount"), ("day", "Day")]
DANGEROUS = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "\0x"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_text_is_prefixed_with_a_quote(value):
    assert cell_escape(value) == "'" + value


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
    assert names[6] == "'x"  # NUL is not allowed in XML: dropped after escaping
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 9))
    assert values[0][2] == 2.5 and values[0][3] == datetime(2025, 1, 2, 12)


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
