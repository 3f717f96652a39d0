"""Who is asking — a signed-in user or an API key, as one ``Principal`` — and which objects
they see: reps their own (and unassigned) ones, everyone else all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

from accord.accounts.models import ApiKey, Role, User
from accord.accounts.policy.roles import OWNED_RESOURCES, resource_allowed
from accord.core.errors import NotFound

# --- Principals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who is asking: an API key, or a signed-in user."""

    key: ApiKey | None = None
    user: User | None = None

    @property
    def client_id(self) -> str:
        """Identifies the client for idempotency keys and rate limits."""
        return f"key:{self.key.pk}" if self.key else f"user:{self.user.pk}"  # type: ignore[union-attr]

    @property
    def actor(self) -> User | None:
        """The person this principal acts for (audit trail, person-only actions): the signed-in
        user, or the active user who created the key; None for a key that acts for nobody."""
        person = self.key.created_by if self.key is not None else self.user
        if person is None or not person.is_active:
            return None
        return person

    # Kept for the API modules: the rep whose own rows bound what this caller sees.
    def restricted_to(self, resource: str) -> User | None:
        return rep_scope(self, resource)

    def allows(self, resource: str, action: str) -> bool:
        return resource_allowed(self, resource, action)


def principal_for(user: User) -> Principal:
    return Principal(user=user)


def rep_scope(principal: Principal | User | None, resource: str = "leads") -> User | None:
    """The rep whose own (and unassigned) rows bound what the caller sees of ``resource``;
    None when the caller sees every row. A key acting for a rep is bound like the rep."""
    if isinstance(principal, Principal):
        user = principal.user if principal.key is None else principal.key.created_by
    else:
        user = principal
    if resource not in OWNED_RESOURCES or user is None:
        return None
    if user.is_superuser or user.role != Role.SALES:
        return None
    return user


class Owned(Protocol):
    owner_id: int | None


def object_visible(user: User | None, obj: Owned) -> bool:
    """Whether ``user`` may see a lead or a deal (by its owner)."""
    if user is None or not user.is_active:
        return False
    scope = rep_scope(user)
    return scope is None or obj.owner_id in (None, scope.pk)


def object_require(user: User | None, obj: Owned | None, *, label: str, field: str) -> None:
    """404 (not 403) for an object the user may not see: its existence is not leaked."""
    if obj is None or not object_visible(user, obj):
        raise NotFound(_("%(what)s does not exist.") % {"what": label}, field=field)
