"""The lists ``accord export`` writes: columns and rows of contacts, leads and deals.

Column keys match the import fields where they mean the same thing, so an export can be
edited and imported back (the importer ignores columns it has no field for, such as a lead's
``win_probability`` and ``top_reasons``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from accord.contacts.models import Contact, Lead
from accord.integrations.exporting import Column
from accord.pipeline.models import Deal
from accord.scoring.predictive.presentation import reasons_read, reasons_text
from accord.scoring.selectors import lead_prediction_current

CONTACT_COLUMNS: list[Column] = [
    ("external_id", "external_id"),
    ("email", "email"),
    ("phone", "phone"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("job_title", "job_title"),
    ("company", "company"),
    ("created_at", "created_at"),
]

LEAD_COLUMNS: list[Column] = [
    *CONTACT_COLUMNS[1:7],
    ("external_id", "external_id"),
    ("stage", "stage"),
    ("score", "score"),
    ("owner_email", "owner_email"),
    ("source_channel", "source_channel"),
    ("source_campaign", "source_campaign"),
    ("created_at", "created_at"),
    ("win_probability", "win_probability"),
    ("top_reasons", "top_reasons"),
]

DEAL_COLUMNS: list[Column] = [
    ("external_id", "external_id"),
    ("name", "name"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("stage", "stage"),
    ("expected_close", "expected_close"),
    ("owner_email", "owner_email"),
    ("company", "company"),
    ("contact_email", "contact_email"),
    ("created_at", "created_at"),
]


def _contact_rows() -> Iterator[dict[str, Any]]:
    rows = Contact.objects.select_related("account").order_by("id")
    for c in rows.iterator(chunk_size=2000):
        yield {
            "external_id": c.external_id,
            "email": c.email,
            "phone": c.phone,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "job_title": c.job_title,
            "company": c.account.name if c.account else "",
            "created_at": c.created_at,
        }


def _lead_rows() -> Iterator[dict[str, Any]]:
    rows = Lead.objects.select_related(
        "contact__account", "owner", "source_channel", "source_campaign", "prediction"
    ).order_by("id")
    for lead in rows.iterator(chunk_size=2000):
        c = lead.contact
        prediction = lead_prediction_current(lead)
        yield {
            "email": c.email,
            "phone": c.phone,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "job_title": c.job_title,
            "company": c.account.name if c.account else "",
            "external_id": lead.external_id,
            "stage": lead.stage,
            "score": lead.score,
            "owner_email": lead.owner.email if lead.owner else "",
            "source_channel": lead.source_channel.slug if lead.source_channel else "",
            "source_campaign": lead.source_campaign.utm_campaign if lead.source_campaign else "",
            "created_at": lead.created_at,
            # Blank for closed and unscored leads, as in the API.
            "win_probability": round(prediction.probability, 4) if prediction else None,
            "top_reasons": reasons_text(reasons_read(prediction.reasons)) if prediction else "",
        }


def _deal_rows() -> Iterator[dict[str, Any]]:
    rows = Deal.objects.select_related("account", "owner", "lead__contact").order_by("id")
    for d in rows.iterator(chunk_size=2000):
        yield {
            "external_id": d.external_id,
            "name": d.name,
            "amount": d.amount,
            "currency": d.currency,
            "stage": d.stage,
            "expected_close": d.expected_close,
            "owner_email": d.owner.email if d.owner else "",
            "company": d.account.name if d.account else "",
            "contact_email": d.lead.contact.email if d.lead else "",
            "created_at": d.created_at,
        }


EXPORT_LISTS = {
    "contacts": (CONTACT_COLUMNS, _contact_rows),
    "leads": (LEAD_COLUMNS, _lead_rows),
    "deals": (DEAL_COLUMNS, _deal_rows),
}
