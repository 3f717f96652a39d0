"""API keys a person makes for themselves: which scopes they may pick, create, revoke.

A key acts for the person who created it (``ApiKey.created_by``): the policy bounds it by
that person's rights whatever its scopes say, so anyone who may use the API may hold keys.
The scopes offered are still only those the person could use (reading everything, writing
their role's resources), so a key never claims more than it can do.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accord.accounts.api_keys import RESOURCES, api_key_create, api_key_revoke
from accord.accounts.models import ApiKey, User
from accord.accounts.policy import page_require, writes_of
from accord.core.errors import InvalidInput, NotFound

READ_ALL = "*:read"


def scopes_offered(user: User) -> list[str]:
    """``*:read`` and ``<resource>:write`` for each resource the person writes."""
    writes = frozenset(RESOURCES) if user.is_superuser else writes_of(user)
    return [READ_ALL, *(f"{resource}:write" for resource in RESOURCES if resource in writes)]


def own_keys(user: User) -> list[ApiKey]:
    return list(ApiKey.objects.filter(created_by=user).order_by("-created_at", "-pk"))


def own_key_create(*, user: User, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
    """A key acting for ``user``; the plain key is returned once. Scopes outside what the
    person may use are refused, naming the field."""
    page_require(user, "api_access")
    chosen = [scope for scope in scopes if scope]
    offered = set(scopes_offered(user))
    beyond = sorted(set(chosen) - offered)
    if beyond:
        raise InvalidInput(
            _("Your role may not use the scope %(scope)s.") % {"scope": beyond[0]},
            field="scopes",
        )
    if not chosen:
        raise InvalidInput(_("Pick at least one scope."), field="scopes")
    if not (name or "").strip():
        raise InvalidInput(_("A key needs a name."), field="name")
    return api_key_create(name=name, scopes=chosen, created_by=user)


def own_key_revoke(*, user: User, key_id: int) -> ApiKey:
    """Revoke one of the person's own keys; another person's key does not exist for them."""
    if not ApiKey.objects.filter(pk=key_id, created_by=user).exists():
        raise NotFound(_("You have no such API key."), field="key_id")
    return api_key_revoke(key_id=key_id, actor=user)
