"""Who is calling the REST API and what they may do.

Two ways in: an API key (``Authorization: Bearer acc_...``), acting org-wide within its
scopes, or the browser session of a signed-in person (CSRF-checked), acting per their role:

- admins and managers read and change everything;
- marketers read everything and change contacts, accounts, leads, touchpoints, campaigns
  and spend, but not deals or activities;
- sales reps read contacts, accounts, touchpoints, campaigns and spend, and change contacts,
  accounts, leads, deals and activities; of leads and deals they see (and change) only their
  own and unassigned ones (the queue they pick from), and only the activities on those.
  Other reps' leads and deals answer 404, as if they did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from accord.accounts.api_keys import RESOURCES, api_key_authenticate, scope_allows
from accord.accounts.models import ApiKey, Role, User
from accord.core.errors import PermissionDenied

_ALL = frozenset(RESOURCES)
ROLE_WRITES: dict[str, frozenset[str]] = {
    Role.ADMIN: _ALL,
    Role.MANAGER: _ALL,
    Role.MARKETING: frozenset(
        {"contacts", "accounts", "leads", "touchpoints", "campaigns", "spend"}
    ),
    Role.SALES: frozenset({"contacts", "accounts", "leads", "deals", "activities"}),
}
# Resources whose rows a sales rep sees only when they own them (or nobody does).
OWNED_RESOURCES = frozenset({"leads", "deals", "activities"})


@dataclass(frozen=True)
class Principal:
    """The caller: an API key, or a signed-in user."""

    key: ApiKey | None = None
    user: User | None = None

    @property
    def client_id(self) -> str:
        """Identifies the client for idempotency keys and rate limits."""
        return f"key:{self.key.pk}" if self.key else f"user:{self.user.pk}"  # type: ignore[union-attr]

    @property
    def actor(self) -> User | None:
        """Who the audit trail names: the person signed in, or whoever created the key."""
        if self.key is not None:
            return self.key.created_by
        return self.user

    def restricted_to(self, resource: str) -> User | None:
        """The user whose own rows bound what this caller sees of ``resource`` (None: all)."""
        if self.key is not None or self.user is None:
            return None
        if self.user.is_superuser or self.user.role != Role.SALES:
            return None
        return self.user if resource in OWNED_RESOURCES else None

    def allows(self, resource: str, action: str) -> bool:
        if self.key is not None:
            return scope_allows(self.key.scopes, resource=resource, action=action)
        user = self.user
        if user is None or not user.is_active:
            return False
        if action == "read" or user.is_superuser:
            return True
        return resource in ROLE_WRITES.get(user.role, frozenset())


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
    if not principal.allows(resource, action):
        if principal.key is not None:
            raise PermissionDenied(
                f"This API key lacks the scope {resource}:{action}.",
                field=None,
                code="insufficient_scope",
            )
        raise PermissionDenied(f"Your role may not {action} {resource}.")
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
