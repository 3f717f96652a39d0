"""Data-subject access: everything held about one person as JSON and CSV files in a zip.

The zip holds ``person.json`` (every table, in one document) and one CSV per non-empty table.
Each export is written to the audit log (who, when, a hash of the person; never the data).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accord.core.csvsafe import cell_escape
from accord.privacy.audit import audit_record
from accord.privacy.selectors import contacts_find, identity_parse, person_data
from accord.privacy.suppression import person_digests


@dataclass(frozen=True)
class PersonExport:
    filename: str
    content: bytes
    contacts: int
    rows: int


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return str(value)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    stream = io.StringIO()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, dict | list):
                value = json.dumps(value, default=_json_default, ensure_ascii=False)
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            # Spreadsheet-safe, like every other export (formula prefixes neutralised).
            cells.append("" if value is None else cell_escape(str(value)))
        writer.writerow(cells)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def person_export(
    *, email: str | None = None, phone: str | None = None, actor: Any = None
) -> PersonExport:
    email, phone = identity_parse(email=email, phone=phone)
    contacts = contacts_find(email=email, phone=phone)
    data = person_data(contacts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {
            "generated_at": timezone.now().isoformat(),
            "request": {"email": email, "phone": phone},
            "data": data,
        }
        archive.writestr(
            "person.json",
            json.dumps(document, default=_json_default, ensure_ascii=False, indent=2),
        )
        for table, rows in data.items():
            if rows:
                archive.writestr(f"csv/{table}.csv", _csv(rows))
    row_count = sum(len(r) for r in data.values())
    digests = person_digests(email=email, phone=phone)
    audit_record(
        action="dsar.export",
        actor=actor,
        target=",".join(f"contact:{c.pk}" for c in contacts),
        subject_hash=digests[0][1],
        details={"contacts": len(contacts), "rows": row_count},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return PersonExport(
        filename=f"person-{stamp}.zip",
        content=buffer.getvalue(),
        contacts=len(contacts),
        rows=row_count,
    )
