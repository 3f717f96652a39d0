"""Errors the capture endpoints answer with; each maps to one HTTP status and a JSON body."""

from __future__ import annotations

from accord.core.errors import DomainError


class MalformedBody(DomainError):
    """The body cannot be read at all (broken JSON, not an object, bad encoding)."""

    code = "malformed"
    status = 400


class BodyTooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class SiteRejected(DomainError):
    """Unknown or inactive site key."""

    code = "unknown_site"
    status = 403


class OriginNotAllowed(DomainError):
    code = "origin_not_allowed"
    status = 403


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
