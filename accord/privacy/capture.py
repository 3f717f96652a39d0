"""The consent a capture submission carries, written to the ledger.

``tracking`` (below ``privacy``) emits ``ConsentSubmitted`` inside the submission's
transaction, and only when the submission ticked at least one consent box; ``accord.wiring``
subscribes ``consent_submitted_record``. A submission without consent costs nothing here.
A submission with consent costs one INSERT (all its grants in one ``bulk_create``); texts
come from a per-process cache. A form only GRANTS; an unticked box withdraws nothing.

E-mail marketing is granted at once unless a confirmation is needed, which is when the site
asks for double opt-in, or the person withdrew marketing before (or is on the suppression
list): then a ``ConsentConfirmation`` waits and the worker e-mails the signed link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.core.events import ConsentSubmitted
from accord.privacy.consent import confirmation_request, consent_text_get, text_hash_for
from accord.privacy.models import ConsentChannel, ConsentEvent, LawfulBasis, Purpose
from accord.privacy.suppression import suppressed_find


def submission_purposes(submission: Any) -> list[str]:
    """The purposes the submission grants (a ticked box each)."""
    return [
        purpose
        for purpose, ticked in (
            (Purpose.PROCESSING, submission.consent),
            (Purpose.MARKETING, submission.consent_marketing),
            (Purpose.TRANSFER, submission.consent_transfer),
        )
        if ticked
    ]


def consent_submitted_record(event: ConsentSubmitted) -> None:
    """The hook handler: the grants of a submission that carries consent."""
    submission_consents_record(
        contact_id=event.contact_id,
        site=event.site,
        submission=event.submission,
        at=event.at,
        known=event.known,
    )


def submission_consents_record(
    *, contact_id: int, site: Any, submission: Any, at: datetime, known: bool
) -> int:
    """Write the submission's grants; return how many were written (pending confirmations
    not counted)."""
    purposes = submission_purposes(submission)
    if not purposes:
        return 0
    version = submission.consent_version
    language = submission.consent_language
    events = []
    for purpose in purposes:
        text = consent_text_get(purpose, version)
        if purpose == Purpose.MARKETING and _needs_confirmation(
            site=site, contact_id=contact_id, email=submission.email, known=known
        ):
            confirmation_request(
                contact_id=contact_id,
                purpose=purpose,
                text=text,
                version=version,
                language=language,
                source_ip=submission.source_ip or None,
                source_page=submission.landing_page,
            )
            continue
        events.append(
            ConsentEvent(
                contact_id=contact_id,
                purpose=purpose,
                lawful_basis=LawfulBasis.CONSENT,
                channel=ConsentChannel.FORM,
                granted=True,
                at=at,
                source_ip=submission.source_ip or None,
                source_page=submission.landing_page[:2000],
                text=text,
                text_version=version,
                text_hash=text_hash_for(text, language),
                language=language,
            )
        )
    ConsentEvent.objects.bulk_create(events)
    return len(events)


def _needs_confirmation(*, site: Any, contact_id: int, email: str | None, known: bool) -> bool:
    if not email:
        return False  # nowhere to send a link: the grant stands as given (phone-only form)
    if getattr(site, "double_opt_in", False):
        return True
    if known:
        latest = (
            ConsentEvent.objects.filter(contact_id=contact_id, purpose=Purpose.MARKETING)
            .order_by("-at", "-id")
            .values_list("granted", flat=True)
            .first()
        )
        if latest is False:
            return True
    return bool(suppressed_find(emails=[email]))
