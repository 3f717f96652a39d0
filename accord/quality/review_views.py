"""Lead-quality review pages at /reviews/: the list with progress, setting one up, a review's
results (per channel, with the raters' agreement) and the rater's own leads to rate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.quality import selectors, services
from accord.quality.forms import RateForm, ReviewForm
from accord.quality.models import Review, ReviewItem
from accord.quality.reasons import reason_choices, reason_labels


def _errors_to_messages(request: PageRequest, form: ReviewForm | RateForm) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        first = str(errors[0])
        messages.error(request, f"{label}: {first}" if label else first)


@policy.page_required("reviews")
def review_list(request: PageRequest) -> HttpResponse:
    reviews = list(selectors.reviews()[:50])
    return render(
        request,
        "quality/review_list.html",
        {
            "progress": selectors.progress_of(reviews),
            "may_manage": policy.is_manager(request.user),
        },
    )


@policy.page_required("reviews")
def review_create(request: PageRequest) -> HttpResponse:
    policy.review_manage_require(request.user)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_create(
                by=request.user,
                name=data["name"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                per_channel=data["per_channel"],
                channel_ids=[c.pk for c in data["channels"]],
                rater_ids=data["raters"],
                overlap_pct=data["overlap_pct"],
                due_date=data["due_date"],
                seed=data["seed"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Review set up: its sample is ready to rate."))
            return redirect("reviews:detail", review_id=review.pk)
    return render(request, "quality/review_form.html", {"form": form})


@policy.page_required("reviews")
def review_detail(request: PageRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(selectors.reviews(), pk=review_id)
    progress = selectors.progress_of([review])[0]
    reasons = reason_choices()
    mine = selectors.items_for(review, request.user)
    return render(
        request,
        "quality/review_detail.html",
        {
            "review": review,
            "progress": progress,
            "raters": selectors.raters_progress(review),
            "channels": _with_reasons(selectors.channel_results(review)),
            "agreement": selectors.review_agreement(review),
            "mine": [
                (
                    row,
                    RateForm(
                        reasons=reasons,
                        prefix=f"i{row.item.pk}",
                        initial={
                            "rating": row.rating,
                            "reason": row.reason,
                        },
                    ),
                )
                for row in mine
            ],
            "may_manage": policy.is_manager(request.user),
            "is_open": review.status == "open",
        },
    )


def _with_reasons(rows: list[selectors.ChannelResult]) -> list[tuple[selectors.ChannelResult, str]]:
    """Each channel with its reasons in words, most given first."""
    labels = reason_labels()
    return [
        (
            row,
            " · ".join(
                f"{labels.get(code, code)} ({n})"
                for code, n in sorted(row.reasons.items(), key=lambda pair: (-pair[1], pair[0]))
            ),
        )
        for row in rows
    ]


@require_POST
@policy.page_required("reviews")
def review_rate(request: PageRequest, review_id: int, item_id: int) -> HttpResponse:
    item = get_object_or_404(ReviewItem, pk=item_id, review_id=review_id)
    policy.review_rate_require(
        request.user, rater_ids=item.assignments.values_list("rater_id", flat=True)
    )
    form = RateForm(request.POST, reasons=reason_choices(), prefix=f"i{item_id}")
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("reviews:detail", review_id=review_id)
    try:
        services.review_rate(
            by=request.user,
            item_id=item_id,
            rating=form.cleaned_data["rating"],
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rating saved."))
    return redirect(reverse("reviews:detail", args=[review_id]) + f"#item-{item_id}")


@require_POST
@policy.page_required("reviews")
def review_close(request: PageRequest, review_id: int) -> HttpResponse:
    get_object_or_404(Review, pk=review_id)
    policy.review_manage_require(request.user)
    try:
        services.review_close(by=request.user, review_id=review_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Review closed."))
    return redirect("reviews:detail", review_id=review_id)
