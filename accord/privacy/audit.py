"""The audit log: one append-only row per access to or change of personal data and rights.

``audit_record`` is the only writer. Rows name a person by a salted hash, never by their
e-mail or name, so the log itself holds no personal data and survives erasure.
"""

from __future__ import annotations

from typing import Any

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
