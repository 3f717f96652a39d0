"""Automatic posts from the pipeline's events, the intel.posted webhook, and the API."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from accord.core.events import ProductPriceChanged, PromotionStarted
from accord.core.hooks import emit
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.intel.models import Post, PostKind
from accord.intel.selectors import ack_summary
from accord.intel.tests.factories import closed_deal, post_about, team_with
from accord.pipeline.models import ProductPriceChange
from accord.pipeline.products.inputs import ProductChanges
from accord.pipeline.products.services import product_create, product_update, promotion_create


def test_a_price_change_and_a_promotion_post_themselves_once(db):
    """Through the pipeline's services: a first price is no news, a change posts once (the
    same change emitted again posts nothing more), and a new promotion posts."""
    product = product_create(
        sku="PRO", name="Accord Pro", list_price=Decimal("100"), currency="EUR", by=None
    )
    assert not Post.objects.filter(kind=PostKind.PRICE_CHANGE).exists()
    product_update(
        product_id=product.pk, changes=ProductChanges(list_price=Decimal("120")), by=None
    )
    change = ProductPriceChange.objects.filter(product=product).order_by("-pk").first()
    emit(ProductPriceChanged(change=change))  # delivered twice: still one post
    post = Post.objects.get(kind=PostKind.PRICE_CHANGE)
    assert "Accord Pro" in post.title and "120.00 EUR" in post.title
    assert "+20.0%" in post.body
    assert [(t.kind, t.name) for t in post.tags.all()] == [("product", "Accord Pro")]
    promotion_create(
        name="Spring sale",
        code="SPRING",
        starts_on=timezone.now().date(),
        discount_kind="percent",
        discount_value=Decimal("15"),
        product_id=product.pk,
        by=None,
    )
    promo = Post.objects.get(kind=PostKind.PROMOTION)
    assert "Spring sale" in promo.title and "15%" in promo.body and "SPRING" in promo.body


def test_a_post_is_announced_to_webhooks(marketing_user):
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x", secret="whsec_dGVzdA==", events=["intel.posted"]
    )
    post = post_about(marketing_user, competitor="Acme", title="Acme news")
    delivery = WebhookDelivery.objects.get(event="intel.posted")
    assert delivery.event_key.endswith(f"intel.post:{post.pk}")
    assert '"title":"Acme news"' in delivery.body


def test_api_posts_comments_and_acknowledgement(client, marketing_user, sales_user, make_user):
    sales, people = team_with("Field", 2)
    other = make_user(username="other-rep", role="sales")
    mine = closed_deal("Mine", won=False, owner=people[0])
    theirs = closed_deal("Theirs", won=True, owner=other)
    client.force_login(marketing_user)
    created = client.post(
        "/api/v1/intel/posts",
        {
            "kind": "win_loss",
            "title": "Why we lost Mine",
            "tags": [{"kind": "competitor", "name": "Acme"}],
            "deal_ids": [mine.pk, theirs.pk],
            "ack_team_ids": [sales.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["acknowledgements"] == [{"team": "Field", "total": 2, "seen": 0, "acknowledged": 0}]
    post_id = body["id"]

    client.force_login(people[0])
    got = client.get(f"/api/v1/intel/posts/{post_id}").json()
    assert got["deal_ids"] == [mine.pk]  # the other rep's deal is not shown to this rep
    assert (
        client.post(
            f"/api/v1/intel/posts/{post_id}/comments",
            {"body": "Noted"},
            content_type="application/json",
        ).status_code
        == 201
    )
    ack = client.post(f"/api/v1/intel/posts/{post_id}/acknowledge").json()
    assert ack["acknowledgements"][0]["acknowledged"] == 1
    assert ack_summary(Post.objects.get(pk=post_id))[0].acknowledged == 1
    listed = client.get("/api/v1/intel/posts", {"competitor": "Acme", "limit": 1}).json()
    assert [item["id"] for item in listed["items"]] == [post_id]
    comments = client.get(f"/api/v1/intel/posts/{post_id}/comments").json()
    assert [c["body"] for c in comments["items"]] == ["Noted"]


def test_api_refuses_an_empty_team_and_another_reps_deal(client, sales_user, make_user):
    from accord.accounts.models import Team

    empty = Team.objects.create(name="Ghosts")
    other = make_user(username="other-rep", role="sales")
    theirs = closed_deal("Theirs", won=True, owner=other)
    client.force_login(sales_user)
    refused = client.post(
        "/api/v1/intel/posts",
        {"kind": "market_data", "title": "T", "ack_team_ids": [empty.pk]},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "team_ids"
    hidden = client.post(
        "/api/v1/intel/posts",
        {"kind": "market_data", "title": "T", "deal_ids": [theirs.pk]},
        content_type="application/json",
    )
    assert hidden.status_code == 422
    assert hidden.json()["error"]["field"] == "deal_ids"
    assert Post.objects.count() == 0


def test_the_pipelines_row_shaped_events_post_too(db):
    """The product list's branch sends rows (``change``, ``promotion``): the same posts."""
    from datetime import date
    from types import SimpleNamespace

    from accord.intel.hooks import price_changed_post, promotion_started_post

    product = SimpleNamespace(name="Accord Team")
    at = timezone.now()
    change = SimpleNamespace(
        pk=5, product_id=9, product=product, old_list_price=Decimal("10"),
        new_list_price=Decimal("12"), currency="USD", changed_at=at, changed_by_id=None,
    )  # fmt: skip
    price_changed_post(SimpleNamespace(change=change))  # type: ignore[arg-type]
    cost_only = SimpleNamespace(**{**vars(change), "pk": 6, "new_list_price": Decimal("10")})
    price_changed_post(SimpleNamespace(change=cost_only))  # type: ignore[arg-type]
    assert Post.objects.filter(kind=PostKind.PRICE_CHANGE).count() == 1
    promotion = SimpleNamespace(
        pk=4, name="Summer", code="SUN", starts_on=date(2026, 6, 1), ends_on=None,
        discount_kind="percent", discount_value=Decimal("10"), product_id=9, product=product,
        created_by_id=None, campaign_id=None, created_at=at,
    )  # fmt: skip
    promotion_started_post(SimpleNamespace(promotion=promotion))  # type: ignore[arg-type]
    post = Post.objects.get(kind=PostKind.PROMOTION)
    assert post.title.endswith("Summer") and "10%" in post.body
