"""The suppression list: salted hashes of the e-mails and phones of people who were erased
or unsubscribed, so that an import does not bring them back by mistake.

The salt is ``PRIVACY_SUPPRESSION_SALT`` (or, when unset, a key derived from ``SECRET_KEY``;
rotating that key then empties the list in effect, so production sets the salt).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from accord.privacy.models import SuppressionEntry, SuppressionReason
from accord.privacy.rules import identity_digest


def _salt() -> bytes:
    salt = getattr(settings, "PRIVACY_SUPPRESSION_SALT", "")
    if salt:
        return salt.encode()
    return hashlib.sha256(f"accord.privacy.suppression:{settings.SECRET_KEY}".encode()).digest()


def email_digest(email: str) -> str:
    return identity_digest(kind="email", value=email, salt=_salt())


def phone_digest(phone: str) -> str:
    return identity_digest(kind="phone", value=phone, salt=_salt())


def person_digests(*, email: str | None, phone: str | None) -> list[tuple[str, str]]:
    found = []
    if email:
        found.append(("email", email_digest(email)))
    if phone:
        found.append(("phone", phone_digest(phone)))
    return found


def suppression_add(*, email: str | None, phone: str | None, reason: str) -> int:
    """Add the person's hashes (an existing entry keeps its first reason); return how many
    were new."""
    added = 0
    for kind, digest in person_digests(email=email, phone=phone):
        _, created = SuppressionEntry.objects.get_or_create(
            digest=digest, defaults={"kind": kind, "reason": reason}
        )
        added += created
    return added


def suppressed_find(
    *, emails: Iterable[str] = (), phones: Iterable[str] = ()
) -> dict[str, SuppressionEntry]:
    """For each listed e-mail or phone (as given), its suppression entry, if any."""
    by_digest = {email_digest(e): e for e in emails if e}
    by_digest.update({phone_digest(p): p for p in phones if p})
    if not by_digest:
        return {}
    return {
        by_digest[entry.digest]: entry
        for entry in SuppressionEntry.objects.filter(digest__in=list(by_digest))
    }


def suppression_message(reason: str, since: datetime) -> str:
    day = since.date().isoformat()
    if reason == SuppressionReason.ERASED:
        return f"suppressed: the person asked to be erased on {day}"
    return f"suppressed: the person unsubscribed on {day}"
