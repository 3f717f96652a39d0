"""The JSON shape of every API error, and the error statuses each operation documents."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    # A 409 conflict: the state as it is now (e.g. a deal's stage and version).
    current: dict[str, Any] | None = None


class ErrorOut(Schema):
    error: ErrorDetail
    # Validation failures also list every problem (pydantic's detail), not just the first.
    errors: list[dict[str, Any]] | None = None


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


# Documented on every operation, so the OpenAPI document covers every answer we give.
COMMON_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
POST_ERRORS: dict[int, Any] = {**COMMON_ERRORS, 409: ErrorOut}
