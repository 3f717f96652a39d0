"""API keys: create (the plain key is returned once), authenticate, revoke, check scopes.

A key is ``acc_`` followed by 43 URL-safe characters (256 random bits). Because the secret is
high-entropy, one SHA-256 is enough to store it safely (a slow password hash would only slow
every API call); the database holds the hash and a short prefix for display, never the key.

Scopes are ``<resource>:<read|write>``; ``*`` stands for every resource (``*:read``), and the
bare ``*`` for everything. ``write`` includes ``read``. Keys act org-wide within their scopes.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import ApiKey, User
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import ApiKeyIssued, ApiKeyRevoked
from accord.core.hooks import emit

logger = logging.getLogger(__name__)

KEY_PREFIX = "acc_"
DISPLAY_PREFIX_LENGTH = 12
RESOURCES = (
    "contacts",
    "accounts",
    "leads",
    "touchpoints",
    "campaigns",
    "spend",
    "deals",
    "activities",
    "tasks",
    "agreements",
    "calendars",
    "plans",
    "reviews",
    "audits",
    "intel",
    "pipelines",
    "products",
    "promotions",
    "forecasts",
)
ACTIONS = ("read", "write")
# last_used_at is refreshed at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def secret_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def scopes_clean(scopes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in scopes:
        scope = (raw or "").strip().lower()
        if scope == "*":
            cleaned.append(scope)
            continue
        resource, _, action = scope.partition(":")
        if resource not in (*RESOURCES, "*") or action not in ACTIONS:
            raise InvalidInput(
                f"Unknown scope {raw!r}; use <resource>:<read|write> with a resource among "
                f"{', '.join(RESOURCES)} or *, or * alone.",
                field="scopes",
            )
        cleaned.append(scope)
    if not cleaned:
        raise InvalidInput("A key needs at least one scope.", field="scopes")
    return sorted(set(cleaned))


def scope_allows(scopes: Iterable[str], *, resource: str, action: str) -> bool:
    granted = set(scopes)
    if "*" in granted:
        return True
    actions = ("read", "write") if action == "read" else ("write",)
    return any(f"{name}:{act}" in granted for name in (resource, "*") for act in actions)


def api_key_create(
    *, name: str, scopes: Iterable[str], created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Create a key; return it with the plain key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A key needs a name.", field="name")
    if len(name) > 120:
        raise InvalidInput("The name is longer than 120 characters.", field="name")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        prefix=raw_key[:DISPLAY_PREFIX_LENGTH],
        hashed_secret=secret_hash(raw_key),
        scopes=scopes_clean(scopes),
        created_by=created_by,
    )
    logger.info("API key %s (%s) created", key.pk, key.prefix)
    emit(ApiKeyIssued(key=key, actor=created_by))  # the audit log (accord.wiring)
    return key, raw_key


def api_key_revoke(*, key_id: int, actor: User | str | None = None) -> ApiKey:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise NotFound(f"API key {key_id} does not exist.", field="key_id")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            logger.info("API key %s (%s) revoked", key.pk, key.prefix)
            emit(ApiKeyRevoked(key=key, actor=actor))  # the audit log (accord.wiring)
    return key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, or None (unknown, malformed or revoked)."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    key = ApiKey.objects.filter(hashed_secret=secret_hash(raw_key), revoked_at=None).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
