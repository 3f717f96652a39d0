"""REST endpoints of the consent ledger: a contact's consents, and a decision recorded by an
authorised caller (``contacts:write``; a withdrawal must name a person: a key that acts for
nobody may grant on record but not withdraw)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from accord.api.auth import access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.contacts.models import Contact
from accord.privacy.consent import consent_record, unsubscribe_url
from accord.privacy.models import ConsentChannel, ConsentEvent
from accord.privacy.schemas import ConsentEventOut, ConsentIn, ConsentsOut
from accord.privacy.selectors import consent_state

router = Router(tags=["consents"])


def _contact_get(contact_id: int) -> Contact:
    return row_or_404(Contact, contact_id, label="Contact", field="contact_id")


@router.get("/{contact_id}/consents", response={200: ConsentsOut, **COMMON_ERRORS})
def consents_get(request: HttpRequest, contact_id: int = IdPath):
    access_require(request, "contacts", "read")
    contact = _contact_get(contact_id)
    state = consent_state(contact_id=contact.pk)
    return {
        "current": {purpose: (e.granted if e else None) for purpose, e in state.items()},
        "events": list(ConsentEvent.objects.filter(contact=contact).order_by("at", "id")),
        "unsubscribe_url": unsubscribe_url(contact_id=contact.pk),
    }


@router.post("/{contact_id}/consents", response={201: ConsentEventOut, **POST_ERRORS})
def consents_record(request: HttpRequest, payload: ConsentIn, contact_id: int = IdPath):
    principal = access_require(request, "contacts", "write")
    contact = _contact_get(contact_id)
    event = consent_record(
        contact=contact,
        purpose=payload.purpose,
        granted=payload.granted,
        channel=ConsentChannel.API,
        actor=principal.actor,
        lawful_basis=payload.lawful_basis,
        version=payload.version,
        language=payload.language,
        source_ip=None,
    )
    return Status(201, event)
