"""Building blocks shared by the API schemas of every app.

``InSchema`` is the base of every request schema. It refuses what the databases would choke
on later (and so answer 500 instead of a clear 422): unknown fields, NUL characters (which
PostgreSQL cannot store in text or JSON) and unpaired UTF-16 surrogates (``"\\ud800"`` in
JSON: not encodable as UTF-8) in any string, object key or nested value, non-finite numbers,
dates outside 1900-2200, and time zone offsets no place uses. The error's ``field`` is the
top-level field (``properties``), its message the exact place (``properties.plan``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

from accord.api.errors import ErrorDetail
from accord.api.paging import DEFAULT_LIMIT, MAX_LIMIT

MAX_ID = 2**53  # JavaScript-safe and far below BIGINT: ids above it cannot exist
MAX_INT = 2**31 - 1  # PostgreSQL integer
MAX_BIGINT = 2**63 - 1
MAX_BATCH = 100
MIN_OFFSET, MAX_OFFSET = timedelta(hours=-12), timedelta(hours=14)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_BIGINT)]
Properties = Annotated[dict[str, Any], Field(description="Custom properties (a JSON object).")]


# NUL, and the surrogate range (valid UTF-8 never decodes to it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _check_value(value: Any, where: str) -> None:
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is not None:
            where = ascii(where)[1:-1] if _UNSTORABLE.search(where) else where
            if found.group() == "\x00":
                raise ValueError(f"{where}: NUL characters are not accepted.")
            raise ValueError(f"{where}: unpaired UTF-16 surrogates are not accepted.")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: numbers must be finite.")
    elif isinstance(value, datetime | date):
        if not 1900 <= value.year <= 2200:
            raise ValueError(f"{where}: dates must fall between 1900 and 2200.")
        offset = value.utcoffset() if isinstance(value, datetime) else None
        # ISO 8601 allows offsets up to ±23:59, PostgreSQL stores at most ±15:59 and no
        # place on Earth uses more than -12:00 to +14:00.
        if offset is not None and not MIN_OFFSET <= offset <= MAX_OFFSET:
            raise ValueError(f"{where}: time zone offsets must be between -12:00 and +14:00.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, f"{where}.{key}")
            _check_value(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")


class InSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        # Per field, so that the error's location names it; nested schemas check themselves.
        if not isinstance(value, Schema):
            _check_value(value, info.field_name or "")
        return value


class ListParams(InSchema):
    cursor: str | None = Field(
        None, max_length=500, description="`next_cursor` of the page before."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class BatchResult(Schema):
    index: int
    status: Literal["created", "updated", "error"]
    id: int | None = None
    error: ErrorDetail | None = None


class BatchOut(Schema):
    results: list[BatchResult]
