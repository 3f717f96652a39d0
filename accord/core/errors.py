"""Domain errors: what services raise when a request breaks a business rule.

The API maps every ``DomainError`` to a JSON error with a machine code, a human message and,
where one field is at fault, that field's name. Services raise before writing anything, or
inside the transaction so that nothing they wrote survives.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404


class DomainError(Exception):
    """A request that breaks a business rule. Maps to HTTP 422 unless a subclass says else."""

    code = "domain_error"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    """A value that fails validation (wrong type, out of range, unknown code...)."""

    code = "invalid"


class ForbiddenTransition(DomainError):
    """A lifecycle move that the waterfall does not allow."""

    code = "forbidden_transition"


class NotFound(DomainError, Http404):
    """Also Django's ``Http404``: a page view that lets it through answers 404, as the API
    does (an object the caller may not see is reported this way too)."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError, DjangoPermissionDenied):
    """The one refusal type (``accord.accounts.policy`` raises it). It is also Django's
    ``PermissionDenied``, so page views need no translation of their own: Django answers 403;
    the API's ``DomainError`` handler answers the JSON 403."""

    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    """A write based on a state that has changed since (optimistic concurrency): HTTP 409.

    ``current`` carries the state as it is now, so the caller can show it and decide again.
    """

    code = "conflict"
    status = 409

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        current: dict[str, object] | None = None,
    ):
        super().__init__(message, field=field)
        self.current = current or {}

    def as_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {**super().as_dict(), "current": self.current}
