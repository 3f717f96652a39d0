"""The competitor page: its posts, the deals lost to it, the win rate and freshness."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accord.intel.models import Post, Tag, TagKind
from accord.intel.selectors import battlecard, deal_competitor_field, deals_lost_to
from accord.intel.tests.factories import closed_deal, post_about
from accord.pipeline.models import Deal, LostReason


def _against(tag_name: str, deal: Deal) -> None:
    """Record that ``deal`` was fought against the competitor: by name where deals record
    it, else through a won/lost story linking the deal."""
    if deal_competitor_field():
        Deal.objects.filter(pk=deal.pk).update(competitor=tag_name)
    else:
        post_about(
            None, competitor=tag_name, title=f"Story {deal.pk}", kind="win_loss", deal_ids=[deal.pk]
        )


def test_battlecard_numbers(marketing_user, sales_user, make_user):
    post = post_about(marketing_user, competitor="Acme", title="Acme raises prices")
    other_rep = make_user(username="rep-two", role="sales")
    lost_own = closed_deal("Lost A", won=False, owner=sales_user)
    lost_other = closed_deal("Lost B", won=False, owner=other_rep)
    lost_price = closed_deal("Lost on price", won=False, lost_reason=LostReason.PRICE)
    won = [closed_deal(f"Won {n}", won=True) for n in range(3)]
    unrelated = closed_deal("Lost to Globex", won=False)
    for deal in (lost_own, lost_other, lost_price, *won):
        _against("Acme", deal)
    _against("Globex", unrelated)

    tag = Tag.objects.get(kind=TagKind.COMPETITOR, name="Acme")
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timedelta(days=3))
    Post.objects.filter(tags=tag).exclude(pk=post.pk).update(
        updated_at=timezone.now() - timedelta(days=10)
    )
    card = battlecard(tag)
    # Lost *to* Acme: the two with reason "chose a competitor", not the one lost on price.
    assert set(deals_lost_to(tag)) == {lost_own, lost_other}
    assert (card.won, card.lost) == (3, 2)
    assert card.win_rate == 0.6
    assert card.days_since_update == 3

    # The page: the numbers for everyone; the rows only for the deals the viewer may see.
    from django.test import Client

    client = Client()
    client.force_login(sales_user)
    page = client.get(reverse("intel:competitor", args=[tag.pk])).content.decode()
    assert 'data-kpi="win-rate">60%' in page
    assert 'data-kpi="lost">2<' in page
    assert "Lost A" in page and "Lost B" not in page
    assert "Acme raises prices" in page
    client.force_login(marketing_user)
    page = client.get(reverse("intel:competitor", args=[tag.pk])).content.decode()
    assert "Lost A" in page and "Lost B" in page
    listing = client.get(reverse("intel:competitors")).content.decode()
    # A competitor has a battlecard once someone posts about it (tagged).
    assert "Acme" in listing
    assert ("Globex" in listing) == Tag.objects.filter(name="Globex").exists()


def test_a_competitor_without_deals_has_no_win_rate(marketing_user):
    post_about(marketing_user, competitor="Initech")
    card = battlecard(Tag.objects.get(name="Initech"))
    assert (card.won, card.lost, card.win_rate, card.days_since_update) == (0, 0, None, 0)


def test_a_tag_that_is_no_competitor_has_no_page(client, marketing_user):
    region = Tag.objects.create(kind=TagKind.REGION, name="North")
    client.force_login(marketing_user)
    assert client.get(reverse("intel:competitor", args=[region.pk])).status_code == 404
