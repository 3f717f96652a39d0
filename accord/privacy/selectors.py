"""Reads of personal data: finding a person, their consents, everything held about them.

``person_data`` reads the rows of ``privacy`` and the apps below it; the apps above (the
webhook delivery logs of ``integrations``) add theirs through ``PersonDataRequested``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.forms.models import model_to_dict

from accord.contacts.models import Contact, Lead, StageTransition
from accord.contacts.rules import email_normalise, phone_normalise
from accord.core.errors import InvalidInput
from accord.core.events import PersonDataRequested
from accord.core.hooks import emit
from accord.handoff.models import Assignment, Notification, QualityRating, SlaClock, SlaEvent
from accord.handoff.routing.assignment import lead_url
from accord.pipeline.models import Activity, Deal
from accord.privacy.models import ConsentConfirmation, ConsentEvent, Purpose
from accord.scoring.models import LeadPrediction, LeadScore
from accord.tracking.models import Touchpoint


def identity_parse(
    *, email: str | None = None, phone: str | None = None
) -> tuple[str | None, str | None]:
    """The normalised e-mail and E.164 phone of a request; one of them is required."""
    email = email_normalise(email) if email else None
    phone = phone_normalise(phone, field="phone") if phone else None
    if not email and not phone:
        raise InvalidInput("An e-mail or a phone number is required.", field="email")
    return email, phone


def contacts_find(*, email: str | None, phone: str | None) -> list[Contact]:
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone=phone)
    return list(Contact.objects.filter(condition).order_by("pk"))


def consent_state(*, contact_id: int) -> dict[str, ConsentEvent | None]:
    """Each purpose's latest event (None: never asked)."""
    state: dict[str, ConsentEvent | None] = dict.fromkeys(Purpose.values)
    for event in ConsentEvent.objects.filter(contact_id=contact_id).order_by("at", "id"):
        state[event.purpose] = event
    return state


def transfer_consented(contact_ids: Iterable[int]) -> set[int]:
    """Which of these contacts currently consent to transfer to third parties."""
    ids = list(set(contact_ids))
    latest: dict[int, bool] = {}
    rows = (
        ConsentEvent.objects.filter(contact_id__in=ids, purpose=Purpose.TRANSFER)
        .order_by("at", "id")
        .values_list("contact_id", "granted")
    )
    for contact_id, granted in rows:
        latest[contact_id] = granted
    return {c for c, granted in latest.items() if granted}


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return [
        model_to_dict(obj, fields=[f.name for f in obj._meta.concrete_fields]) for obj in queryset
    ]


def lead_paths(lead_ids: Iterable[int]) -> list[str]:
    return [lead_url(lead_id) for lead_id in lead_ids if lead_url(lead_id)]


def person_data(contacts: list[Contact]) -> dict[str, list[dict[str, Any]]]:
    """Everything held about these contacts (one person), table by table."""
    contact_ids = [c.pk for c in contacts]
    leads = Lead.objects.filter(contact_id__in=contact_ids).order_by("pk")
    lead_ids = list(leads.values_list("pk", flat=True))
    visitor_ids = set(
        Touchpoint.objects.filter(Q(contact_id__in=contact_ids) | Q(lead_id__in=lead_ids))
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
    )
    deals = Deal.objects.filter(lead_id__in=lead_ids).order_by("pk")
    clocks = SlaClock.objects.filter(lead_id__in=lead_ids).order_by("pk")
    identifiers = [v for c in contacts for v in (c.email, c.phone) if v]
    paths = lead_paths(lead_ids)
    notifications = Notification.objects.filter(url__in=paths).order_by("pk") if paths else []
    data = {
        "contacts": _rows(contacts),
        "leads": _rows(leads),
        "stage_transitions": _rows(
            StageTransition.objects.filter(lead_id__in=lead_ids).order_by("pk")
        ),
        "touchpoints": _rows(
            Touchpoint.objects.filter(
                Q(contact_id__in=contact_ids) | Q(lead_id__in=lead_ids)
            ).order_by("pk")
        ),
        "anonymous_touchpoints": _rows(
            Touchpoint.objects.filter(visitor_id__in=visitor_ids, contact__isnull=True).order_by(
                "pk"
            )
        ),
        "deals": _rows(deals),
        "activities": _rows(
            Activity.objects.filter(Q(lead_id__in=lead_ids) | Q(deal__in=deals)).order_by("pk")
        ),
        "consents": _rows(ConsentEvent.objects.filter(contact_id__in=contact_ids).order_by("pk")),
        "consent_confirmations": _rows(
            ConsentConfirmation.objects.filter(contact_id__in=contact_ids).order_by("pk")
        ),
        "scores": _rows(LeadScore.objects.filter(lead_id__in=lead_ids).order_by("pk")),
        "predictions": _rows(LeadPrediction.objects.filter(lead_id__in=lead_ids)),
        "quality_ratings": _rows(QualityRating.objects.filter(lead_id__in=lead_ids).order_by("pk")),
        "assignments": _rows(Assignment.objects.filter(lead_id__in=lead_ids).order_by("pk")),
        "sla_clocks": _rows(clocks),
        "sla_events": _rows(SlaEvent.objects.filter(clock__in=clocks).order_by("pk")),
        "notifications": _rows(notifications),
    }
    # The rows the apps above privacy hold (webhook delivery logs): their handlers add them.
    request = PersonDataRequested(
        contact_ids=tuple(contact_ids),
        lead_ids=tuple(lead_ids),
        identifiers=tuple(identifiers),
        tables={},
    )
    emit(request)
    data.update((table, _rows(rows)) for table, rows in request.tables.items())
    return data
