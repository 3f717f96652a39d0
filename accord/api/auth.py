"""Who is calling the REST API, resolved from the request; what they may do is
``accord.accounts.policy`` (the one authorization policy), re-exported here for the routers.

Two ways in: an API key (``Authorization: Bearer acc_...``), acting org-wide within its
scopes, or the browser session of a signed-in person (CSRF-checked), acting per their role.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from accord.accounts.api_keys import api_key_authenticate
from accord.accounts.policy import (
    OWNED_RESOURCES,
    ROLE_WRITES,
    Principal,
    resource_require,
)

__all__ = ["OWNED_RESOURCES", "ROLE_WRITES", "Principal", "access_require", "principal_of"]


class ApiKeyAuth(HttpBearer):
    openapi_description = "An API key: `Authorization: Bearer acc_...`."

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        key = api_key_authenticate(token)
        return Principal(key=key) if key else None


class UserSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = super().authenticate(request, key)
        return Principal(user=user) if user else None  # type: ignore[arg-type]


def principal_of(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def access_require(request: HttpRequest, resource: str, action: str) -> Principal:
    """The caller, if allowed to ``action`` (read/write) ``resource``; 403 otherwise."""
    principal = principal_of(request)
    resource_require(principal, resource, action)
    return principal


def principal_resolve(request: HttpRequest) -> Principal | None:
    """The caller, resolved the same way the operations do (used before ninja runs)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        key = api_key_authenticate(token.strip())
        if key:
            return Principal(key=key)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Principal(user=user)
    return None
