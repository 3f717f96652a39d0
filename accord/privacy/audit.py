"""The audit log: one append-only row per access to or change of personal data and rights.

``audit_record`` is the only writer. Rows name a person by a salted hash, never by their
e-mail or name, so the log itself holds no personal data and survives erasure.

``accounts`` sits below ``privacy`` and cannot call ``audit_record``: it emits events (a user
created or their access changed, an API key issued or revoked) and the handlers below, wired
in ``accord.wiring``, write the same rows inside the emitter's transaction.
"""

from __future__ import annotations

from typing import Any

from accord.core.events import ApiKeyIssued, ApiKeyRevoked, UserAccessChanged
from accord.privacy.models import AuditEntry


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: str = "",
    subject_hash: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    user = actor if getattr(actor, "pk", None) else None
    label = getattr(actor, "username", "") if user else (str(actor) if actor else "")
    return AuditEntry.objects.create(
        action=action,
        actor=user,
        actor_label=label[:150],
        target=target[:200],
        subject_hash=subject_hash,
        details=details or {},
    )


def user_access_audit(event: UserAccessChanged) -> None:
    """Who created a user or changed whose access, to what (the access fields as saved)."""
    user = event.user
    audit_record(
        action="user.created" if event.created else "user.role_changed",
        actor=event.actor,
        target=f"user:{user.pk}",
        details={name: getattr(user, name) for name in event.fields},
    )


def api_key_issued_audit(event: ApiKeyIssued) -> None:
    audit_record(
        action="api_key.created",
        actor=event.actor,
        target=f"api_key:{event.key.pk}",
        details={"scopes": event.key.scopes},
    )


def api_key_revoked_audit(event: ApiKeyRevoked) -> None:
    audit_record(action="api_key.revoked", actor=event.actor, target=f"api_key:{event.key.pk}")
