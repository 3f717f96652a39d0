"""Reviews: the sample drawn from real hand-offs, who may set up and rate, progress, the
rating feeding the hand-off's quality rating, the scheduled review and the bulk action."""

from datetime import timedelta

import pytest

from accord.core.errors import InvalidInput, PermissionDenied
from accord.handoff.agreement.services import defaults_ensure
from accord.handoff.models import QualityRating
from accord.quality import selectors, services
from accord.quality.jobs import reviews_schedule_run
from accord.quality.models import Review, ReviewAssignment, ReviewItem, ReviewRating
from accord.quality.reasons import FITS
from accord.quality.tests import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    defaults_ensure()
    who = support.people()
    return {**who, "leads": support.handoffs()}


def _review(world, **extra):
    fields = {
        "by": world["sales_head"],
        "name": "November",
        "period_start": support.today(),
        "period_end": support.today(),
        "per_channel": 5,
        "rater_ids": [world["rep"].pk, world["rep2"].pk],
        "due_date": support.due(),
        "seed": 42,
        "overlap_pct": 50,
    }
    return services.review_create(**{**fields, **extra})


def test_the_sample_is_stratified_by_channel_and_leaves_test_leads_out(world):
    review = _review(world)
    items = list(review.items.select_related("channel"))
    per_channel = {}
    for item in items:
        per_channel[item.channel.slug] = per_channel.get(item.channel.slug, 0) + 1
    assert per_channel == {"q-big": 5, "q-small": 2}
    test_id = world["leads"]["test"][0].pk
    assert test_id not in {i.lead_id for i in items}
    # Deterministic: the same seed over the same hand-offs draws the same leads.
    again = _review(world, name="Again")
    assert sorted(i.lead_id for i in again.items.all()) == sorted(i.lead_id for i in items)
    # Half the items (every second) go to both raters.
    assert ReviewAssignment.objects.filter(item__review=review).count() == 7 + 4


def test_a_rep_or_a_marketer_cannot_set_up_a_review_and_nothing_is_saved(world):
    for person in (world["rep"], world["marketer"]):
        with pytest.raises(PermissionDenied):
            _review(world, by=person)
    assert not Review.objects.exists()


def test_bad_input_names_the_field_and_saves_nothing(world):
    cases = [
        ({"per_channel": 0}, "per_channel"),
        ({"rater_ids": [world["marketer"].pk]}, "raters"),
        ({"rater_ids": []}, "raters"),
        ({"period_start": support.today() + timedelta(days=1)}, "period_start"),
        ({"due_date": support.today() - timedelta(days=1)}, "due_date"),
        ({"name": "  "}, "name"),
    ]
    for extra, field in cases:
        with pytest.raises(InvalidInput) as refused:
            _review(world, **extra)
        assert refused.value.field == field
    past = support.today() - timedelta(days=40)
    with pytest.raises(InvalidInput):  # no hand-offs in that period
        _review(world, period_start=past, period_end=past)
    assert not Review.objects.exists() and not ReviewItem.objects.exists()


def test_a_rater_rates_with_a_reason_and_it_is_the_leads_quality_rating(world):
    review = _review(world)
    item = ReviewItem.objects.filter(review=review, assignments__rater=world["rep"]).first()
    services.review_rate(by=world["rep"], item_id=item.pk, rating=2, reason="no_budget")
    quality = QualityRating.objects.get(lead_id=item.lead_id, by=world["rep"])
    assert quality.rating == 2
    answer = ReviewRating.objects.get(assignment__item=item, assignment__rater=world["rep"])
    assert (answer.reason, answer.rating_id) == ("no_budget", quality.pk)
    progress = selectors.progress_of([review])[0]
    assert (progress.rated, progress.asked, progress.done) == (1, 11, False)


def test_someone_who_is_not_a_rater_is_refused_and_nothing_is_saved(world):
    review = _review(world)
    item = review.items.first()
    for person in (world["marketer"], world["sales_head"], world["marketing_head"]):
        with pytest.raises(PermissionDenied):
            services.review_rate(by=person, item_id=item.pk, rating=4, reason=FITS)
    with pytest.raises(InvalidInput) as refused:
        mine = ReviewItem.objects.filter(review=review, assignments__rater=world["rep"]).first()
        services.review_rate(by=world["rep"], item_id=mine.pk, rating=4, reason="made-up")
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput):
        services.review_rate(by=world["rep"], item_id=mine.pk, rating=6, reason=FITS)
    assert not QualityRating.objects.exists() and not ReviewRating.objects.exists()


def test_an_unfinished_review_past_its_due_date_is_overdue_and_stays_unfinished_closed(world):
    review = _review(world)
    later = review.due_date + timedelta(days=1)
    progress = selectors.progress_of([review], today=later)[0]
    assert progress.overdue and progress.unfinished and not progress.done
    services.review_close(by=world["sales_head"], review_id=review.pk)
    review.refresh_from_db()
    closed = selectors.progress_of([review], today=later)[0]
    assert closed.unfinished and not closed.overdue
    item = ReviewItem.objects.filter(review=review, assignments__rater=world["rep"]).first()
    with pytest.raises(InvalidInput):  # a closed review takes no more ratings
        services.review_rate(by=world["rep"], item_id=item.pk, rating=3, reason=FITS)


def test_channel_results_measure_agreement_on_leads_rated_twice(world):
    review = _review(world, overlap_pct=100)  # every lead to both raters
    for item in review.items.all():
        for rater, value in ((world["rep"], 4), (world["rep2"], 4)):
            services.review_rate(by=rater, item_id=item.pk, rating=value, reason=FITS)
    results = {r.name: r for r in selectors.channel_results(review)}
    assert results["Big"].agreement.leads == 5 and results["Big"].agreement.trust == "trusted"
    assert results["Small"].agreement.trust == "too_few"  # 2 leads rated twice
    assert results["Big"].average == 4.0
    assert selectors.progress_of([review])[0].done


def test_adding_leads_by_hand_all_or_nothing(world):
    review = _review(world, per_channel=1)
    fresh = [lead.pk for lead in world["leads"]["big"]]
    test_lead = world["leads"]["test"][0].pk
    before = review.items.count()
    with pytest.raises(InvalidInput):
        services.review_leads_add(
            by=world["sales_head"], review_id=review.pk, lead_ids=[*fresh, test_lead]
        )
    assert review.items.count() == before
    with pytest.raises(PermissionDenied):
        services.review_leads_add(by=world["rep"], review_id=review.pk, lead_ids=fresh)
    added = services.review_leads_add(
        by=world["marketing_head"], review_id=review.pk, lead_ids=fresh
    )
    assert added == len(fresh) - 1  # one was sampled already
    assert review.items.count() == before + added
    assert all(i.assignments.exists() for i in review.items.all())


def test_the_scheduled_review_is_made_once_per_month(world):
    from accord.contacts.models import StageTransition

    last_month = support.today().replace(day=1) - timedelta(days=3)
    StageTransition.objects.filter(to_stage="mql").update(
        at=StageTransition.objects.first().at.replace(
            year=last_month.year, month=last_month.month, day=last_month.day
        )
    )
    made = reviews_schedule_run(today=support.today())
    assert made is not None
    review = Review.objects.get(pk=made)
    assert review.schedule_key == f"monthly:{last_month:%Y-%m}"
    assert set(review.raters.all()) == {world["rep"], world["rep2"], world["sales_head"]}
    assert reviews_schedule_run(today=support.today()) is None
    assert Review.objects.count() == 1
