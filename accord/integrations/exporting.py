"""Export any list as CSV or XLSX, safe to open in a spreadsheet.

Every cell goes through ``core.csvsafe.cell_escape`` (formula injection: control characters
stripped, formula prefixes quoted; its docstring says why each). Numbers, dates and booleans
are written as values, not escaped. CSV follows RFC 4180 (CRLF line ends, fields with
delimiters, quotes or newlines quoted, quotes doubled) and starts with a UTF-8 BOM so
spreadsheets read non-Latin text correctly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpResponse

from accord.core.csvsafe import cell_escape

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: ``(key, header)``: ``key`` reads the value from a mapping row (or an attribute).
Column = tuple[str, str]


def _value(row: Any, key: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)
    return getattr(row, key, None)


def _csv_cell(value: Any) -> str:
    value = cell_escape(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_csv(rows: Iterable[Any], columns: Sequence[Column], stream: io.TextIOBase) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([cell_escape(header) for _, header in columns])
    for row in rows:
        writer.writerow([_csv_cell(_value(row, key)) for key, _ in columns])


def _xlsx_cell(value: Any) -> Any:
    value = cell_escape(value)  # control characters already stripped (invalid in XML)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # XLSX has no time zones: cells hold UTC wall time.
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


#: One sheet of a workbook: its name, its rows and its columns.
Sheet = tuple[str, Iterable[Any], Sequence[Column]]

#: Characters a sheet's name may not hold (Excel refuses the file otherwise).
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as Excel accepts it: without its forbidden characters, at most 31 characters,
    unique in the workbook (case-insensitively, as Excel compares)."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", str(name)).strip().strip("'")[:31] or "Sheet"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def export_xlsx(rows: Iterable[Any], columns: Sequence[Column], stream: io.BufferedIOBase) -> None:
    export_workbook([("Export", rows, columns)], stream)


def export_workbook(sheets: Sequence[Sheet], stream: io.BufferedIOBase) -> None:
    """An XLSX workbook with a sheet per ``(name, rows, columns)``, in order."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for name, rows, columns in sheets:
        sheet = workbook.create_sheet(_sheet_name(name, taken))
        sheet.append([_xlsx_cell(header) for _, header in columns])
        for row in rows:
            sheet.append([_xlsx_cell(_value(row, key)) for key, _ in columns])
    workbook.save(stream)


def export_rows(rows: Iterable[Any], columns: Sequence[Column], format: str) -> bytes:
    """The rows as a CSV or XLSX file's bytes; any list view, API or command can call it."""
    if format == "csv":
        text = io.StringIO()
        export_csv(rows, columns, text)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    if format == "xlsx":
        binary = io.BytesIO()
        export_xlsx(rows, columns, binary)
        return binary.getvalue()
    raise ValueError(f"Unknown export format {format!r}; expected one of: {', '.join(FORMATS)}.")


def export_response(
    rows: Iterable[Any], columns: Sequence[Column], format: str, filename: str
) -> HttpResponse:
    return _attachment(export_rows(rows, columns, format), format, filename)


def export_workbook_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    """Several tables in one XLSX download, a sheet each."""
    binary = io.BytesIO()
    export_workbook(sheets, binary)
    return _attachment(binary.getvalue(), "xlsx", filename)


def _attachment(content: bytes, format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response
