"""152-FZ transfer to third parties: webhooks and list exports send personal data to other
systems, which needs the person's separate consent to transfer.

With ``PRIVACY_REQUIRE_TRANSFER_CONSENT`` on, the personal fields (e-mail, phone, names) of
a person whose latest transfer-consent event is not a grant are replaced by ``[masked]`` in
webhook payloads and in exported lists; ids, stages and amounts still go, so the receiving
system keeps its counts and can ask for the person once consent exists. With the setting off
(the default, for installations outside 152-FZ) nothing is masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings

from accord.contacts.models import Contact
from accord.privacy.models import ConsentEvent, Purpose
from accord.privacy.rules import MASKED, person_mask
from accord.privacy.selectors import transfer_consented


def transfer_consent_required() -> bool:
    return bool(getattr(settings, "PRIVACY_REQUIRE_TRANSFER_CONSENT", False))


def contact_payload_for_transfer(data: dict[str, Any]) -> dict[str, Any]:
    """A webhook's contact object, masked unless the contact consents to transfer (one
    query, only when the setting is on)."""
    if not transfer_consent_required():
        return data
    contact_id = data.get("id")
    if contact_id is not None and contact_id in transfer_consented([contact_id]):
        return data
    return person_mask(data)


def _consented_emails() -> set[str]:
    rows = ConsentEvent.objects.filter(purpose=Purpose.TRANSFER).values_list(
        "contact_id", flat=True
    )
    ids = transfer_consented(rows)
    emails = Contact.objects.filter(pk__in=ids).exclude(email=None).values_list("email", flat=True)
    return {email for email in emails if email}


EXPORT_PERSON_KEYS = ("email", "phone", "first_name", "last_name", "contact_email")


def export_rows_for_transfer(rows: Iterable[dict[str, Any]], *, email_key: str) -> Iterator[dict]:
    """Exported rows, with the personal fields of people without transfer consent masked."""
    if not transfer_consent_required():
        yield from rows
        return
    consented = _consented_emails()
    for row in rows:
        if row.get(email_key) in consented:
            yield row
        else:
            yield {k: (MASKED if k in EXPORT_PERSON_KEYS and v else v) for k, v in row.items()}
