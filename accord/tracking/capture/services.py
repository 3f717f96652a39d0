"""Writes of the capture endpoints: accept a lead submission, record a page event.

``lead_submission_accept`` writes everything a submission means in one transaction: the
contact (deduplicated), the open journey or a new lead, the form touchpoint, the stitching of
the visitor's earlier anonymous touches, the consent ledger's grants (``accord.privacy``
subscribes to ``ConsentSubmitted``, emitted inside the transaction) and the follow-up (an
outbox row, ``followups.py``). Either all of it is committed or none of it.

A person not seen before (most submissions) is written as plain rows by ``rows.py``: an
``INSERT ... ON CONFLICT DO NOTHING`` of the contact decides "new or known" with no lookup
first. A known email or phone (or a save receiver that must see the rows) takes the ORM
services: dedupe and blank-filling, the open journey or a new one, consent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.shopper_tokens import shopper_token_spend
from accord.contacts.models import Contact, Lead
from accord.contacts.services import contact_upsert, lead_open_or_create
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import ConsentSubmitted
from accord.core.hooks import emit
from accord.core.prepared import PreparedQuery
from accord.core.timeutils import aware_required
from accord.tracking.capture.channels import site_channel_resolver
from accord.tracking.capture.followups import followup_add
from accord.tracking.capture.origins import origins_from_lines
from accord.tracking.capture.rows import NewPerson, new_person_write, rows_usable
from accord.tracking.capture.sites import SiteSnapshot, site_cache_clear
from accord.tracking.capture.validation import LeadSubmission, PageEvent
from accord.tracking.capture.writeturn import sqlite_write_turn
from accord.tracking.models import Campaign, CaptureSite, Channel, Touchpoint, TouchType
from accord.tracking.services import touchpoint_record


@dataclass(frozen=True)
class SubmissionAccepted:
    contact_id: int
    lead_id: int
    touchpoint_id: int
    contact_created: bool
    lead_created: bool
    stitched: int


def capture_site_create(
    *,
    name: str,
    allowed_origins: list[str] | None = None,
    default_phone_region: str = "",
    public_key: str | None = None,
    double_opt_in: bool = False,
    requires_cookie_consent: bool = False,
) -> CaptureSite:
    values = _site_values(name, allowed_origins, default_phone_region)
    extra = {"public_key": public_key} if public_key else {}
    site = CaptureSite.objects.create(
        **values,
        double_opt_in=double_opt_in,
        requires_cookie_consent=requires_cookie_consent,
        **extra,
    )
    site_cache_clear()
    return site


def capture_site_update(
    *,
    site_id: int,
    name: str,
    allowed_origins: list[str] | None = None,
    default_phone_region: str = "",
    is_active: bool = True,
    double_opt_in: bool = False,
    requires_cookie_consent: bool = False,
) -> CaptureSite:
    """Change a site's settings (its key stays: it is pasted into pages). Other web processes
    see the change within ``SITE_CACHE_SECONDS``; this one at once."""
    values = _site_values(name, allowed_origins, default_phone_region)
    with transaction.atomic():
        site = CaptureSite.objects.select_for_update().filter(pk=site_id).first()
        if site is None:
            raise NotFound(f"Capture site {site_id} does not exist.", field="site_id")
        for attribute, value in values.items():
            setattr(site, attribute, value)
        site.is_active = is_active
        site.double_opt_in = double_opt_in
        site.requires_cookie_consent = requires_cookie_consent
        site.save()
    site_cache_clear()
    return site


def _site_values(
    name: str, allowed_origins: list[str] | None, default_phone_region: str
) -> dict[str, Any]:
    """Checked and normalised site fields, or ``InvalidInput`` naming the field."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("A site needs a name of at most 200 characters."), field="name")
    origins = origins_from_lines("\n".join(allowed_origins or []))
    region = (default_phone_region or "").strip().upper()
    if region and (len(region) != 2 or not region.isalpha()):
        raise InvalidInput(
            _("The phone region is a two-letter country code."), field="default_phone_region"
        )
    return {"name": name, "allowed_origins": origins, "default_phone_region": region}


def lead_submission_accept(
    *, site: SiteSnapshot, submission: LeadSubmission, at: datetime | None = None
) -> SubmissionAccepted:
    at = aware_required(at, field="at")
    # Pure work first: on SQLite the transaction holds the database's only write lock.
    channel = site_channel_resolver(site).resolve(
        source=submission.utm.get("utm_source"),
        medium=submission.utm.get("utm_medium"),
        campaign=submission.utm.get("utm_campaign"),
        referrer=submission.referrer,
        landing_url=submission.landing_page,
    )
    with sqlite_write_turn(), transaction.atomic():
        first_touch = _first_anonymous_touch(submission.visitor_id)
        accepted = None
        if rows_usable():  # the common case, a new person, as plain rows (rows.py)
            accepted = _new_person_accept(site, submission, at, channel, first_touch)
        if accepted is None:  # a known person (or signals to send): the ORM services
            accepted = _known_person_accept(site, submission, at, channel, first_touch)
        if submission.test_lead_token:  # checked by the endpoint (accounts.shopper_tokens)
            _test_lead_mark(accepted)
            shopper_token_spend(submission.test_lead_token, lead_id=accepted.lead_id)
        if first_touch is not None:
            stitched = Touchpoint.objects.filter(
                visitor_id=submission.visitor_id, contact__isnull=True
            ).update(contact_id=accepted.contact_id, lead_id=accepted.lead_id)
            accepted = replace(accepted, stitched=stitched)
        followup_add(lead_id=accepted.lead_id, touchpoint_id=accepted.touchpoint_id)
    return accepted


def _test_lead_mark(accepted: SubmissionAccepted) -> None:
    """A test submission must start a journey of its own: marking a person's open real lead
    as a test would take it out of every figure. Raising rolls the whole submission back."""
    if not accepted.lead_created:
        raise InvalidInput(
            "A test lead needs an e-mail or phone no open lead uses; nothing was saved.",
            field="email",
        )
    Lead.objects.filter(pk=accepted.lead_id).update(is_test=True)


# Compiled once (``PreparedQuery``): the snippet sends a visitor id with nearly every form,
# and the ORM compiled this lookup afresh for each one (~0.25 ms of CPU; prepared ~0.02 ms).
_first_anonymous = PreparedQuery(
    lambda visitor_id: (
        Touchpoint.objects.filter(visitor_id=visitor_id, contact__isnull=True)
        .order_by("at", "id")
        .only("channel_id", "campaign_id")
    ),
    examples=("visitor-example",),
)


def _first_anonymous_touch(visitor_id: str) -> dict[str, int | None] | None:
    """The visitor's earliest touch before they were known: a new journey starts there,
    not at the form."""
    if not visitor_id:
        return None
    touch = _first_anonymous.first(visitor_id)
    if touch is None:
        return None
    return {"channel_id": touch.channel_id, "campaign_id": touch.campaign_id}


def _contact_properties(submission: LeadSubmission) -> dict[str, Any]:
    properties: dict[str, Any] = dict(submission.properties)
    if submission.company:
        properties.setdefault("company", submission.company)
    return properties


def _new_person_accept(
    site: SiteSnapshot,
    submission: LeadSubmission,
    at: datetime,
    channel: Channel,
    first_touch: dict[str, int | None] | None,
) -> SubmissionAccepted | None:
    """The rows the ORM path writes for a person not seen before; ``None`` if known."""
    utm_campaign = submission.utm.get("utm_campaign")
    # What touchpoint_record does: the campaign by utm_campaign, case-insensitive.
    campaign_id = (
        Campaign.objects.filter(utm_campaign__iexact=utm_campaign)
        .values_list("pk", flat=True)
        .first()
        if utm_campaign
        else None
    )
    contact_properties = _contact_properties(submission)
    ids = new_person_write(
        NewPerson(
            email=submission.email,
            phone=submission.phone,
            first_name=submission.first_name,
            last_name=submission.last_name,
            job_title=submission.job_title,
            contact_properties=contact_properties,
            lead_properties=dict(submission.properties),
            source_channel_id=first_touch["channel_id"] if first_touch else channel.pk,
            source_campaign_id=first_touch["campaign_id"] if first_touch else campaign_id,
            at=at,
            visitor_id=submission.visitor_id,
            channel_id=channel.pk,
            campaign_id=campaign_id,
            utm=submission.utm,
            url=submission.landing_page,
            referrer=submission.referrer,
        )
    )
    if ids is None:
        return None
    if submission.consent_given:  # the consent ledger: one INSERT, only with consent
        emit(
            ConsentSubmitted(
                contact_id=ids.contact_id, site=site, submission=submission, at=at, known=False
            )
        )
    return SubmissionAccepted(
        contact_id=ids.contact_id,
        lead_id=ids.lead_id,
        touchpoint_id=ids.touchpoint_id,
        contact_created=True,
        lead_created=True,
        stitched=0,
    )


def _known_person_accept(
    site: SiteSnapshot,
    submission: LeadSubmission,
    at: datetime,
    channel: Channel,
    first_touch: dict[str, int | None] | None,
) -> SubmissionAccepted:
    """Through the services: dedupe, the open journey or a new one, the touch, consent."""
    contact, contact_created = contact_upsert(
        email=submission.email,
        phone=submission.phone,
        phone_region=site.default_phone_region or None,
        first_name=submission.first_name,
        last_name=submission.last_name,
        job_title=submission.job_title,
        properties=_contact_properties(submission),
        created_at=at,
    )
    lead, lead_created = lead_open_or_create(
        contact=contact,
        at=at,
        source_channel_id=first_touch["channel_id"] if first_touch else channel.pk,
        source_campaign_id=first_touch["campaign_id"] if first_touch else None,
        properties=dict(submission.properties),
        contact_is_new=contact_created,
    )
    touch = touchpoint_record(
        type=TouchType.FORM_SUBMISSION,
        at=at,
        contact=contact,
        lead=lead,
        visitor_id=submission.visitor_id,
        channel=channel,
        url=submission.landing_page,
        referrer=submission.referrer,
        rescore=False,  # the follow-up job rescores the lead
        **submission.utm,
    )
    if lead_created and first_touch is None and touch.campaign_id:
        Lead.objects.filter(pk=lead.pk).update(source_campaign_id=touch.campaign_id)
    if submission.consent_given:  # grants only: a form never withdraws (privacy)
        emit(
            ConsentSubmitted(
                contact_id=contact.pk, site=site, submission=submission, at=at, known=True
            )
        )
    return SubmissionAccepted(
        contact_id=contact.pk,
        lead_id=lead.pk,
        touchpoint_id=touch.pk,
        contact_created=contact_created,
        lead_created=lead_created,
        stitched=0,
    )


def page_event_record(
    *, site: SiteSnapshot, event: PageEvent, at: datetime | None = None
) -> Touchpoint:
    """An anonymous touch, or the known person's touch once their visitor id is stitched."""
    at = aware_required(at, field="at")
    with sqlite_write_turn(), transaction.atomic():
        contact_id = (
            Touchpoint.objects.filter(visitor_id=event.visitor_id, contact__isnull=False)
            .order_by("-at", "-id")
            .values_list("contact_id", flat=True)
            .first()
        )
        lead = contact = None
        if contact_id is not None:
            lead = (
                Lead.objects.select_related("contact")
                .filter(contact_id=contact_id, is_open=True)
                .order_by("-created_at")
                .first()
            )
            contact = lead.contact if lead else Contact.objects.get(pk=contact_id)
        return touchpoint_record(
            type=event.type,
            at=at,
            contact=contact,
            lead=lead,
            visitor_id=event.visitor_id,
            channel=site_channel_resolver(site).resolve(
                source=event.utm.get("utm_source"),
                medium=event.utm.get("utm_medium"),
                campaign=event.utm.get("utm_campaign"),
                referrer=event.referrer,
                landing_url=event.url,
            ),
            url=event.url,
            referrer=event.referrer,
            **event.utm,
        )
