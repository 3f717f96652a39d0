"""Erasure on request: the person goes, the counts stay.

A person's rows are anonymised in place rather than deleted, so funnels, attribution and
revenue are unchanged: the contact becomes a tombstone (a placeholder address
``erased-<id>@erased.invalid``, no phone, names or properties), the leads lose their
custom properties, touch URLs and referrers lose their query strings and fragments (where
forms and trackers put e-mails and names; also for the visitor's anonymous touches before
they were known; the visitor id, a random token, stays), activity notes, deal names, the
field values behind scores and predictions, rating comments and notifications about their
leads are blanked or masked. The consent
ledger keeps its rows (the proof that consent existed and was withdrawn: a withdrawal per
granted purpose is appended) but loses the IP and page.
The e-mail and phone go on the suppression list; the audit log gets a row naming the person
by hash only.

The apps above ``privacy`` hold the person too; they react to ``ContactAnonymised`` (emitted
inside the erasure's transaction, subscribed in ``accord.wiring``): ``integrations`` masks the
webhook delivery payloads naming them, and ``analytics`` clears, once the erasure commits,
the only personal field its copy holds (the leads' properties; no e-mail, phone or name).
The incremental sync then re-reads the anonymised rows (``updated_at`` is bumped), so nothing
comes back.

Nothing is queued that holds the person: exports are made on request, never queued, and
queued jobs carry ids only.

Erasure is idempotent: a second run finds no contact with that e-mail or phone, the
suppression entry is already there, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accord.contacts.models import Contact, Lead
from accord.core.events import ContactAnonymised
from accord.core.hooks import emit
from accord.handoff.models import Notification, QualityRating
from accord.pipeline.models import Activity, Deal
from accord.privacy.audit import audit_record
from accord.privacy.models import (
    ConsentChannel,
    ConsentConfirmation,
    ConsentEvent,
    LawfulBasis,
    SuppressionReason,
)
from accord.privacy.rules import ERASED, url_scrub
from accord.privacy.selectors import consent_state, contacts_find, identity_parse, lead_paths
from accord.privacy.suppression import person_digests, suppression_add
from accord.scoring.models import LeadPrediction, LeadScore
from accord.tracking.models import Touchpoint

TOMBSTONE_DOMAIN = "erased.invalid"


@dataclass
class ErasureResult:
    contacts: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    suppressed: int = 0

    @property
    def nothing_done(self) -> bool:
        return not self.contacts and not self.suppressed


def person_erase(
    *, email: str | None = None, phone: str | None = None, actor: Any = None
) -> ErasureResult:
    email, phone = identity_parse(email=email, phone=phone)
    result = ErasureResult()
    with transaction.atomic():
        contacts = contacts_find(email=email, phone=phone)
        for contact in contacts:
            # The contact's other identifier (the request named one) is suppressed too.
            result.suppressed += suppression_add(
                email=contact.email, phone=contact.phone, reason=SuppressionReason.ERASED
            )
            for name, count in contact_anonymise(contact=contact).items():
                result.changed[name] = result.changed.get(name, 0) + count
        result.contacts = len(contacts)
        result.suppressed += suppression_add(
            email=email, phone=phone, reason=SuppressionReason.ERASED
        )
        if not result.nothing_done:
            audit_record(
                action="dsar.erase",
                actor=actor,
                target=",".join(f"contact:{c.pk}" for c in contacts),
                subject_hash=person_digests(email=email, phone=phone)[0][1],
                details={"contacts": result.contacts, "changed": result.changed},
            )
    return result


def tombstone_email(contact_id: int) -> str:
    return f"erased-{contact_id}@{TOMBSTONE_DOMAIN}"


def contact_anonymise(*, contact: Contact) -> dict[str, int]:
    """Anonymise one contact and everything of theirs (rows kept); return counts changed.
    Also used by retention for people kept past their period."""
    with transaction.atomic():
        lead_ids = list(Lead.objects.filter(contact=contact).values_list("pk", flat=True))
        changed = _contact_rows_erase(contact, lead_ids)
        # The person's rows in the apps above privacy (webhook delivery logs, the analytics
        # copy): their handlers (accord.wiring) add their counts to ``changed``.
        emit(
            ContactAnonymised(
                contact_id=contact.pk,
                lead_ids=tuple(lead_ids),
                identifiers=tuple(v for v in (contact.email, contact.phone) if v),
                secrets=tuple(_secrets(contact)),
                changed=changed,
            )
        )
        Contact.objects.filter(pk=contact.pk).update(
            # A contact needs an e-mail or a phone (a check constraint): a tombstone address
            # under the reserved .invalid domain, unique, that no real person can have.
            email=tombstone_email(contact.pk),
            phone=None,
            first_name="",
            last_name="",
            job_title="",
            external_id=None,
            properties={"erased_at": timezone.now().isoformat()},
            updated_at=timezone.now(),
        )
    return changed


def _secrets(contact: Contact) -> list[str]:
    """What names the person wherever it is written: e-mail, phone, full and single names."""
    return [
        v
        for v in (
            contact.email,
            contact.phone,
            f"{contact.first_name} {contact.last_name}".strip(),
            contact.last_name,
            contact.first_name,
        )
        if v
    ]


def _contact_rows_erase(contact: Contact, lead_ids: list[int]) -> dict[str, int]:
    now = timezone.now()
    changed: dict[str, int] = {}
    changed["leads"] = Lead.objects.filter(contact=contact).update(properties={}, updated_at=now)
    touches = Touchpoint.objects.filter(Q(contact=contact) | Q(lead_id__in=lead_ids))
    visitors = set(touches.exclude(visitor_id="").values_list("visitor_id", flat=True))
    touches = touches | Touchpoint.objects.filter(visitor_id__in=visitors, contact__isnull=True)
    scrubbed = 0
    for touch_id, url, referrer in touches.filter(
        Q(url__contains="?")
        | Q(url__contains="#")
        | Q(referrer__contains="?")
        | Q(referrer__contains="#")
    ).values_list("pk", "url", "referrer"):
        scrubbed += Touchpoint.objects.filter(pk=touch_id).update(
            url=url_scrub(url), referrer=url_scrub(referrer)
        )
    changed["touchpoints"] = scrubbed
    deals = Deal.objects.filter(lead_id__in=lead_ids)
    changed["activities"] = (
        Activity.objects.filter(Q(lead_id__in=lead_ids) | Q(deal__in=deals))
        .exclude(notes="")
        .update(notes="")
    )
    renamed = 0
    for deal_id in deals.values_list("pk", flat=True):
        renamed += Deal.objects.filter(pk=deal_id).update(name=f"Deal #{deal_id}", updated_at=now)
    changed["deals"] = renamed
    changed["scores"] = _score_basis_erase(lead_ids)
    changed["quality_ratings"] = (
        QualityRating.objects.filter(lead_id__in=lead_ids).exclude(comment="").update(comment="")
    )
    paths = lead_paths(lead_ids)
    changed["notifications"] = (
        Notification.objects.filter(url__in=paths).update(title=ERASED, body="") if paths else 0
    )
    # The ledger: proof of what was consented stays; where it came from goes.
    changed["consents"] = ConsentEvent.objects.filter(contact=contact).update(
        source_ip=None, source_page=""
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            contact=contact,
            purpose=purpose,
            lawful_basis=LawfulBasis.CONSENT,
            channel=ConsentChannel.ERASURE,
            granted=False,
            at=now,
        )
        for purpose, event in consent_state(contact_id=contact.pk).items()
        if event is not None and event.granted
    )
    ConsentConfirmation.objects.filter(contact=contact).delete()
    return changed


def _score_basis_erase(lead_ids: list[int]) -> int:
    """The score basis keeps its rules and points; the person's field values that a fit rule
    matched (``detail``) and the feature values behind a prediction (``value``) go."""
    changed = 0
    for score_id, breakdown in LeadScore.objects.filter(lead_id__in=lead_ids).values_list(
        "pk", "breakdown"
    ):
        cleaned = [
            {**line, "detail": ""} if line.get("kind") == "fit" and line.get("detail") else line
            for line in breakdown or []
            if isinstance(line, dict)
        ]
        if cleaned != breakdown:
            changed += LeadScore.objects.filter(pk=score_id).update(breakdown=cleaned)
    for lead_id, reasons in LeadPrediction.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id", "reasons"
    ):
        cleaned = [
            {**reason, "value": None} if isinstance(reason, dict) else reason
            for reason in reasons or []
        ]
        if cleaned != reasons:
            changed += LeadPrediction.objects.filter(lead_id=lead_id).update(reasons=cleaned)
    return changed
