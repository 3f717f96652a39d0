"""@mentions notify once; the feed's filters, search, pinning and paging; the rules."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accord.handoff.models import Notification
from accord.intel.models import PostKind, TagKind
from accord.intel.receipts import post_seen
from accord.intel.rules import mentioned_usernames, reminder_window, win_rate
from accord.intel.selectors import posts_filtered
from accord.intel.services import comment_create, post_create, post_pin
from accord.intel.tests.factories import post_about


def test_mention_parsing():
    assert mentioned_usernames("Ask @rep.anna and @sales.manager. Not mail@example.com") == [
        "rep.anna",
        "sales.manager",
    ]
    assert mentioned_usernames("@Anna @anna") == ["Anna"]


def test_rules():
    now = timezone.now()
    assert reminder_window(now, now + timedelta(hours=47), timedelta(hours=24)) == 1
    assert win_rate(3, 1) == 0.75
    assert win_rate(0, 0) is None


def test_mentions_notify_once_and_not_the_author(marketing_user, sales_user, manager_user):
    post = post_create(
        author=marketing_user,
        kind=PostKind.CUSTOMER_INSIGHT,
        title="Customers ask for annual billing",
        body=f"@{sales_user.username} @{marketing_user.username} @nobody @{sales_user.username}",
    )
    mentions = Notification.objects.filter(kind="intel.mention")
    assert list(mentions.values_list("user_id", flat=True)) == [sales_user.pk]
    assert mentions.get().url == reverse("intel:post_detail", args=[post.pk])
    comment_create(post=post, author=sales_user, body=f"Agreed, @{manager_user.username.upper()}")
    assert mentions.filter(user=manager_user).count() == 1
    assert mentions.count() == 2


def test_filters(marketing_user, sales_user):
    a = post_about(marketing_user, competitor="Acme", title="Acme cuts prices")
    b = post_create(
        author=sales_user,
        kind=PostKind.MARKET_DATA,
        title="Market grows",
        tags=[(TagKind.REGION, "North")],
    )
    c = post_about(
        sales_user, competitor="Globex", title="Globex launches", kind=PostKind.PRODUCT_NEWS
    )
    comment_create(post=b, author=marketing_user, body="Growth in logistics")

    def titles(**filters):
        return [p.title for p in posts_filtered(user=marketing_user, **filters)]

    assert titles(kind=PostKind.MARKET_DATA) == ["Market grows"]
    assert titles(competitor="acme") == ["Acme cuts prices"]
    assert titles(tag_id=b.tags.get().pk) == ["Market grows"]
    assert titles(author_id=sales_user.pk) == ["Globex launches", "Market grows"]
    assert titles(q="logistics") == ["Market grows"]
    assert titles(q="acme prices") == ["Acme cuts prices"]
    post_seen(post=c, user=marketing_user)
    assert titles(unread=True) == ["Market grows", "Acme cuts prices"]
    post_pin(post=a, user=marketing_user, pinned=True)
    assert titles()[0] == "Acme cuts prices"


def test_the_feed_page_filters_and_pages(client, marketing_user):
    for n in range(23):
        post_about(marketing_user, title=f"Post {n:02d}", competitor="Acme" if n % 2 else "")
    client.force_login(marketing_user)
    first = client.get(reverse("intel:feed")).content.decode()
    assert "Post 22" in first and "Post 03" in first and "Post 02" not in first
    second = client.get(reverse("intel:feed") + "?page=2").content.decode()
    assert "Post 02" in second and "Post 00" in second and "Post 03" not in second
    acme = client.get(reverse("intel:feed"), {"kind": "competitor_move", "q": "Post 1"})
    assert acme.status_code == 200
    bad = client.get(reverse("intel:feed"), {"kind": "nonsense"})
    assert bad.status_code == 200
    assert "Type" in bad.content.decode()


def test_comment_and_pin_pages(client, marketing_user, sales_user):
    post = post_about(marketing_user, title="Pin me")
    client.force_login(sales_user)
    url = reverse("intel:comment_create", args=[post.pk])
    assert client.post(url, {"body": ""}).status_code == 400
    assert client.post(url, {"body": "Seen it at a client"}).status_code == 302
    assert post.comments.get().body == "Seen it at a client"
    assert (
        client.post(reverse("intel:post_pin", args=[post.pk]), {"pinned": "1"}).status_code == 403
    )
    client.force_login(marketing_user)
    client.post(reverse("intel:post_pin", args=[post.pk]), {"pinned": "1"})
    post.refresh_from_db()
    assert post.pinned_at is not None
