"""REST endpoints of reviews and audits: permission-checked fetch, one service call, a
response. Everyone with ``reviews:read`` reads reviews; the heads set them up; a review's
raters rate. Audits are read and recorded by auditors (managers and administrators) only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.core.errors import InvalidInput
from accord.quality import selectors, services
from accord.quality.models import Audit, Review
from accord.quality.schemas import (
    AUDIT_ORDERINGS,
    REVIEW_ORDERINGS,
    AuditDetailOut,
    AuditFilters,
    AuditIn,
    AuditOut,
    AuditPage,
    LeadsAddIn,
    LeadsAddOut,
    RatingIn,
    RatingOut,
    ReviewDetailOut,
    ReviewFilters,
    ReviewIn,
    ReviewPage,
)

reviews_router = Router(tags=["reviews"])
audits_router = Router(tags=["audits"])


def _review_detail(review: Review) -> dict[str, Any]:
    progress = selectors.progress_of([review])[0]
    sample = [
        {
            "id": item.pk,
            "lead_id": item.lead_id,
            "channel_id": item.channel_id,
            "raters": [a.rater_id for a in item.assignments.all()],
        }
        for item in review.items.prefetch_related("assignments")
    ]
    return {
        **{f: getattr(review, f) for f in ReviewDetailOut.model_fields if hasattr(review, f)},
        "items": progress.items,
        "asked": progress.asked,
        "rated": progress.rated,
        "overdue": progress.overdue,
        "finished": progress.done,
        "agreement": selectors.review_agreement(review),
        "channels": [
            {**row.__dict__, "average": row.average} for row in selectors.channel_results(review)
        ],
        "sample": sample,
    }


@reviews_router.get("", response={200: ReviewPage, **COMMON_ERRORS})
def review_list(request: HttpRequest, filters: Query[ReviewFilters]):
    access_require(request, "reviews", "read")
    reviews = Review.objects.all()
    if filters.status:
        reviews = reviews.filter(status=filters.status)
    return page_of(reviews, filters, allowed=REVIEW_ORDERINGS)


@reviews_router.post("", response={201: ReviewDetailOut, **POST_ERRORS})
def review_create(request: HttpRequest, payload: ReviewIn):
    principal = access_require(request, "reviews", "write")
    person = policy.person_require(principal)
    review = services.review_create(by=person, **payload.dict())
    return Status(201, _review_detail(review))


@reviews_router.get("/{review_id}", response={200: ReviewDetailOut, **COMMON_ERRORS})
def review_get(request: HttpRequest, review_id: int = IdPath):
    access_require(request, "reviews", "read")
    return _review_detail(
        row_or_404(Review.objects.all(), review_id, label="Review", field="review_id")
    )


@reviews_router.post("/{review_id}/ratings", response={201: RatingOut, **POST_ERRORS})
def review_rating(request: HttpRequest, payload: RatingIn, review_id: int = IdPath):
    principal = access_require(request, "reviews", "write")
    person = policy.person_require(principal)
    review = row_or_404(Review.objects.all(), review_id, label="Review", field="review_id")
    if not review.items.filter(pk=payload.item_id).exists():
        raise InvalidInput("This item is not part of the review.", field="item_id")
    answer = services.review_rate(
        by=person,
        item_id=payload.item_id,
        rating=payload.rating,
        reason=payload.reason,
        comment=payload.comment,
    )
    return Status(
        201,
        {
            "item_id": payload.item_id,
            "lead_id": answer.rating.lead_id,
            "rating": answer.rating.rating,
            "reason": answer.reason,
            "rated_at": answer.rated_at,
        },
    )


@reviews_router.post("/{review_id}/leads", response={200: LeadsAddOut, **POST_ERRORS})
def review_leads(request: HttpRequest, payload: LeadsAddIn, review_id: int = IdPath):
    principal = access_require(request, "reviews", "write")
    person = policy.person_require(principal)
    row_or_404(Review.objects.all(), review_id, label="Review", field="review_id")
    added = services.review_leads_add(by=person, review_id=review_id, lead_ids=payload.lead_ids)
    return {"added": added}


def _auditor(request: HttpRequest, action: str) -> Principal:
    principal = access_require(request, "audits", action)
    if principal.actor is not None or principal.key is None:
        policy.auditor_require(principal.actor)
    return principal


def _audit_detail(audit: Audit) -> dict[str, Any]:
    results = [
        {"item_id": r.item_id, "label": r.item.label, "weight": r.item.weight, "outcome": r.outcome}
        for r in audit.results.select_related("item")
    ]
    return {**{f: getattr(audit, f) for f in AuditOut.model_fields}, "results": results}


@audits_router.get("", response={200: AuditPage, **COMMON_ERRORS})
def audit_list(request: HttpRequest, filters: Query[AuditFilters]):
    _auditor(request, "read")
    audits = Audit.objects.all()
    if filters.rep_id:
        audits = audits.filter(rep_id=filters.rep_id)
    if filters.template_id:
        audits = audits.filter(template_id=filters.template_id)
    return page_of(audits, filters, allowed=AUDIT_ORDERINGS)


@audits_router.post("", response={201: AuditDetailOut, **POST_ERRORS})
def audit_create(request: HttpRequest, payload: AuditIn):
    principal = access_require(request, "audits", "write")
    person = policy.person_require(principal)
    results: dict[int, str] = {}
    for key, outcome in payload.results.items():
        if not key.isdigit():
            raise InvalidInput("Results are keyed by checklist item id.", field=f"results.{key}")
        results[int(key)] = outcome
    fields = payload.dict()
    fields["results"] = results
    audit = services.audit_record(by=person, **fields)
    return Status(201, _audit_detail(audit))


@audits_router.get("/{audit_id}", response={200: AuditDetailOut, **COMMON_ERRORS})
def audit_get(request: HttpRequest, audit_id: int = IdPath):
    _auditor(request, "read")
    return _audit_detail(row_or_404(Audit.objects.all(), audit_id, label="Audit", field="audit_id"))
