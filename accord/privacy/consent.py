"""Writes of the consent ledger: grants and withdrawals, consent texts, double opt-in.

The ledger is append-only: every function here creates rows; none updates or deletes one
(erasure, in ``erasure.py``, is the single documented exception). A person's current answer
for a purpose is their latest event (``selectors.consent_state``).

Who may write what:

* the public capture form only ever GRANTS (``capture.py``): it cannot withdraw, and a
  marketing grant for someone who withdrew it (or is suppressed) waits for a confirmation
  link sent to the address, so knowing someone's e-mail is not enough to change their answer;
* withdrawal comes from the signed unsubscribe link, or from an authorised user (admin page,
  API) through ``consent_record`` with an ``actor``.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.contacts.models import Contact
from accord.core.errors import InvalidInput, NotFound
from accord.core.jobs import enqueue, idempotent
from accord.privacy.models import (
    ConsentChannel,
    ConsentConfirmation,
    ConsentEvent,
    ConsentText,
    LawfulBasis,
    Purpose,
    SuppressionReason,
)
from accord.privacy.rules import text_sha256
from accord.privacy.selectors import contacts_find, identity_parse
from accord.privacy.suppression import suppression_add

TEXT_CACHE_SECONDS = 30.0
_CONFIRM_SALT = "accord.privacy.confirm"
_UNSUBSCRIBE_SALT = "accord.privacy.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600

_texts: dict[tuple[str, str], tuple[float, ConsentText | None]] = {}


def consent_text_create(
    *, purpose: str, version: str, text_en: str, text_ru: str = ""
) -> ConsentText:
    if purpose not in Purpose.values:
        raise InvalidInput(f"Unknown purpose {purpose!r}.", field="purpose")
    version = (version or "").strip()
    if not version or len(version) > 64:
        raise InvalidInput("A version of 1 to 64 characters is required.", field="version")
    if not (text_en or "").strip():
        raise InvalidInput("The English text is required.", field="text_en")
    if ConsentText.objects.filter(purpose=purpose, version=version).exists():
        raise InvalidInput(
            f"Version {version!r} of this purpose exists; texts are never edited, add a new "
            "version.",
            field="version",
        )
    return ConsentText.objects.create(
        purpose=purpose,
        version=version,
        text_en=text_en,
        text_ru=text_ru,
        sha256_en=text_sha256(text_en),
        sha256_ru=text_sha256(text_ru) if text_ru else "",
    )


def consent_text_get(purpose: str, version: str) -> ConsentText | None:
    """The text of this purpose and version, cached per process for a short while (capture
    is a hot path; texts are added rarely and never edited)."""
    if not version:
        return None
    now = time.monotonic()
    cached = _texts.get((purpose, version))
    if cached is None or cached[0] < now:
        text = ConsentText.objects.filter(purpose=purpose, version=version).first()
        if len(_texts) > 1000:
            _texts.clear()
        cached = _texts[(purpose, version)] = (now + TEXT_CACHE_SECONDS, text)
    return cached[1]


def consent_text_cache_clear() -> None:
    _texts.clear()


def text_hash_for(text: ConsentText | None, language: str) -> str:
    if text is None:
        return ""
    return text.sha256_ru if language == "ru" and text.sha256_ru else text.sha256_en


def consent_record(
    *,
    contact: Contact,
    purpose: str,
    granted: bool,
    channel: str,
    actor=None,
    lawful_basis: str = LawfulBasis.CONSENT,
    version: str = "",
    language: str = "",
    source_ip: str | None = None,
    source_page: str = "",
    at: datetime | None = None,
) -> ConsentEvent:
    """Append one event. Withdrawals need an authorised actor or a signed link's channel."""
    if purpose not in Purpose.values:
        raise InvalidInput(f"Unknown purpose {purpose!r}.", field="purpose")
    if lawful_basis not in LawfulBasis.values:
        raise InvalidInput(f"Unknown lawful basis {lawful_basis!r}.", field="lawful_basis")
    if channel not in ConsentChannel.values:
        raise InvalidInput(f"Unknown channel {channel!r}.", field="channel")
    if channel == ConsentChannel.FORM and not granted:
        raise InvalidInput("A public form can give consent but not withdraw it.", field="granted")
    if not granted and channel in (ConsentChannel.ADMIN, ConsentChannel.API) and actor is None:
        raise InvalidInput("A withdrawal needs an authorised user.", field="actor")
    text = consent_text_get(purpose, version) if version else None
    if version and text is None:
        raise InvalidInput(f"No {purpose} consent text has version {version!r}.", field="version")
    return ConsentEvent.objects.create(
        contact=contact,
        purpose=purpose,
        lawful_basis=lawful_basis,
        channel=channel,
        granted=granted,
        at=at or timezone.now(),
        source_ip=source_ip or None,
        source_page=source_page[:2000],
        text=text,
        text_version=version,
        text_hash=text_hash_for(text, language),
        language=language,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def consent_change(
    *,
    email: str | None,
    phone: str | None,
    purpose: str,
    granted: bool,
    actor,
    lawful_basis: str = LawfulBasis.CONSENT,
) -> ConsentEvent:
    """An authorised user records a person's decision (admin page, channel ``admin``)."""

    email, phone = identity_parse(email=email, phone=phone)
    contacts = contacts_find(email=email, phone=phone)
    if not contacts:
        raise NotFound("No contact has this e-mail or phone.", field="email" if email else "phone")
    with transaction.atomic():
        events = [
            consent_record(
                contact=contact,
                purpose=purpose,
                granted=granted,
                channel=ConsentChannel.ADMIN,
                actor=actor,
                lawful_basis=lawful_basis,
            )
            for contact in contacts
        ]
        if not granted and purpose == Purpose.MARKETING:
            for contact in contacts:
                suppression_add(
                    email=contact.email, phone=None, reason=SuppressionReason.UNSUBSCRIBED
                )
    return events[0]


# --- signed links ------------------------------------------------------------------------------


def unsubscribe_token(*, contact_id: int) -> str:
    """A link token that withdraws e-mail marketing for one person (no expiry: it sits in
    every marketing e-mail, and unsubscribing must keep working)."""
    return signing.dumps({"c": contact_id}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_url(*, contact_id: int) -> str:
    path = reverse("privacy:unsubscribe", args=[unsubscribe_token(contact_id=contact_id)])
    return settings.PRIVACY_PUBLIC_URL.rstrip("/") + path


def unsubscribe_by_token(*, token: str) -> ConsentEvent | None:
    """Withdraw e-mail marketing; None if it was already withdrawn (a second click)."""
    try:
        contact_id = signing.loads(token, salt=_UNSUBSCRIBE_SALT)["c"]
    except (signing.BadSignature, KeyError, TypeError):
        raise InvalidInput("This unsubscribe link is not valid.", field="token") from None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("This unsubscribe link is not valid.", field="token")
    with transaction.atomic():
        latest = (
            ConsentEvent.objects.filter(contact=contact, purpose=Purpose.MARKETING)
            .order_by("-at", "-id")
            .first()
        )
        if latest is not None and not latest.granted:
            return None
        event = consent_record(
            contact=contact,
            purpose=Purpose.MARKETING,
            granted=False,
            channel=ConsentChannel.UNSUBSCRIBE,
        )
        suppression_add(email=contact.email, phone=None, reason=SuppressionReason.UNSUBSCRIBED)
    return event


def confirmation_token(*, confirmation_id: int) -> str:
    return signing.dumps({"k": confirmation_id}, salt=_CONFIRM_SALT)


def confirmation_url(*, confirmation_id: int) -> str:
    path = reverse("privacy:confirm", args=[confirmation_token(confirmation_id=confirmation_id)])
    return settings.PRIVACY_PUBLIC_URL.rstrip("/") + path


def confirmation_request(
    *,
    contact_id: int,
    purpose: str,
    text: ConsentText | None,
    version: str,
    language: str,
    source_ip: str | None,
    source_page: str,
) -> ConsentConfirmation:
    """Record a grant waiting for its link and queue the e-mail (in the caller's
    transaction: no e-mail for a submission that rolled back)."""
    confirmation = ConsentConfirmation.objects.create(
        contact_id=contact_id,
        purpose=purpose,
        text=text,
        text_version=version,
        text_hash=text_hash_for(text, language),
        language=language,
        source_ip=source_ip or None,
        source_page=source_page[:2000],
    )
    enqueue(
        confirmation_email_send,
        key=f"privacy.confirm:{confirmation.pk}",
        confirmation_id=confirmation.pk,
    )
    return confirmation


@idempotent
def confirmation_email_send(*, confirmation_id: int) -> None:
    """The worker's job: send the double opt-in e-mail (the last thing it does)."""
    confirmation = (
        ConsentConfirmation.objects.select_related("contact").filter(pk=confirmation_id).first()
    )
    if confirmation is None or confirmation.sent_at or not confirmation.contact.email:
        return
    ConsentConfirmation.objects.filter(pk=confirmation_id).update(sent_at=timezone.now())
    with translation.override(confirmation.language or settings.LANGUAGE_CODE):
        body = _(
            "Please confirm that you want to receive our e-mails by opening this link:\n\n"
            "%(url)s\n\nIf you did not ask for this, ignore this message."
        ) % {"url": confirmation_url(confirmation_id=confirmation_id)}
        EmailMessage(
            subject=_("Please confirm your subscription"),
            body=body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[confirmation.contact.email],
        ).send()


def confirmation_accept(*, token: str) -> ConsentEvent | None:
    """The link was clicked: write the grant (once; None on a second click)."""
    try:
        confirmation_id = signing.loads(token, salt=_CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)["k"]
    except signing.SignatureExpired:
        raise InvalidInput("This confirmation link has expired.", field="token") from None
    except (signing.BadSignature, KeyError, TypeError):
        raise InvalidInput("This confirmation link is not valid.", field="token") from None
    with transaction.atomic():
        confirmation = (
            ConsentConfirmation.objects.select_for_update()
            .select_related("contact")
            .filter(pk=confirmation_id)
            .first()
        )
        if confirmation is None:
            raise NotFound("This confirmation link is not valid.", field="token")
        if confirmation.confirmed_at is not None:
            return None
        confirmation.confirmed_at = timezone.now()
        confirmation.save(update_fields=["confirmed_at"])
        return ConsentEvent.objects.create(
            contact=confirmation.contact,
            purpose=confirmation.purpose,
            lawful_basis=LawfulBasis.CONSENT,
            channel=ConsentChannel.CONFIRMATION,
            granted=True,
            at=confirmation.confirmed_at,
            source_ip=confirmation.source_ip,
            source_page=confirmation.source_page,
            text=confirmation.text,
            text_version=confirmation.text_version,
            text_hash=confirmation.text_hash,
            language=confirmation.language,
        )
