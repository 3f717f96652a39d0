"""Reviews through the API and the pages, and the leads list's "Add to a review" action."""

from __future__ import annotations

import pytest

from accord.handoff.agreement.services import defaults_ensure
from accord.quality import services
from accord.quality.models import Review, ReviewItem, ReviewRating
from accord.quality.reasons import FITS
from accord.quality.tests import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    defaults_ensure()
    return {**support.people(), "leads": support.handoffs(big=4, small=1)}


def _body(world):
    return {
        "name": "API review",
        "period_start": str(support.today()),
        "period_end": str(support.today()),
        "per_channel": 2,
        "rater_ids": [world["rep"].pk],
        "due_date": str(support.due()),
        "seed": 1,
    }


def test_the_api_sets_up_and_rates_a_review(client, world):
    client.force_login(world["rep"])
    refused = client.post("/api/v1/reviews", _body(world), content_type="application/json")
    assert refused.status_code == 403 and not Review.objects.exists()
    client.force_login(world["sales_head"])
    made = client.post("/api/v1/reviews", _body(world), content_type="application/json")
    assert made.status_code == 201, made.content
    detail = made.json()
    assert (detail["items"], detail["asked"], detail["rated"]) == (3, 3, 0)
    item = detail["sample"][0]
    url = f"/api/v1/reviews/{detail['id']}/ratings"
    rating = {"item_id": item["id"], "rating": 4, "reason": FITS}
    client.force_login(world["rep2"])  # not a rater
    assert client.post(url, rating, content_type="application/json").status_code == 403
    client.force_login(world["rep"])
    rated = client.post(url, rating, content_type="application/json")
    assert rated.status_code == 201, rated.content
    assert rated.json()["lead_id"] == item["lead_id"]
    again = client.get(f"/api/v1/reviews/{detail['id']}").json()
    assert again["rated"] == 1
    assert [r["id"] for r in client.get("/api/v1/reviews").json()["items"]] == [detail["id"]]


def test_pages_show_progress_and_take_ratings(client, world):
    review = services.review_create(
        by=world["sales_head"],
        name="Pages",
        period_start=support.today(),
        period_end=support.today(),
        per_channel=5,
        rater_ids=[world["rep"].pk],
        due_date=support.due(),
        seed=3,
    )
    client.force_login(world["marketer"])
    assert client.get("/reviews/").status_code == 200
    assert client.get("/reviews/new/").status_code == 403
    assert client.get(f"/reviews/{review.pk}/").status_code == 200
    client.force_login(world["rep"])
    page = client.get(f"/reviews/{review.pk}/")
    assert b"Your leads to rate" in page.content
    item = review.items.first()
    response = client.post(
        f"/reviews/{review.pk}/items/{item.pk}/rate/",
        {f"i{item.pk}-rating": "2", f"i{item.pk}-reason": FITS},
    )
    assert response.status_code == 302
    assert ReviewRating.objects.filter(assignment__item=item).exists()
    client.force_login(world["sales_head"])
    form = client.get("/reviews/new/")
    assert form.status_code == 200


def test_add_to_a_review_from_the_leads_list(client, world):
    review = services.review_create(
        by=world["sales_head"],
        name="Bulk",
        period_start=support.today(),
        period_end=support.today(),
        per_channel=1,
        rater_ids=[world["rep"].pk],
        due_date=support.due(),
        seed=3,
    )
    ids = [str(lead.pk) for lead in world["leads"]["big"]]
    form = {"action": "review", "scope": "selected", "lead": ids, "review": str(review.pk)}
    before = ReviewItem.objects.count()
    client.force_login(world["rep"])
    client.post("/leads/bulk/", form)
    assert ReviewItem.objects.count() == before  # a rep may not add to reviews
    client.force_login(world["sales_head"])
    listed = client.get("/leads/")
    assert b'value="review"' in listed.content
    client.post("/leads/bulk/", form)
    # The sample held one big-channel and one small-channel lead; three big ones are new.
    assert ReviewItem.objects.filter(review=review).count() == 5
