"""The market-intelligence feed: posts, their tags, links, attachments, comments, and who has
seen and acknowledged them (``receipts``) when an author asked teams to confirm."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PostKind(models.TextChoices):
    PRICE_CHANGE = "price_change", _("Price change")
    PROMOTION = "promotion", _("Promotion")
    COMPETITOR_MOVE = "competitor_move", _("Competitor move")
    PRODUCT_NEWS = "product_news", _("Product news")
    MARKET_DATA = "market_data", _("Market data")
    CUSTOMER_INSIGHT = "customer_insight", _("Customer insight")
    WIN_LOSS = "win_loss", _("Won/lost story")


class TagKind(models.TextChoices):
    COMPETITOR = "competitor", _("Competitor")
    # Products are a tag until the pipeline's product list lands in main (then a post links
    # to the product row as well; the tag keeps working for products it does not list).
    PRODUCT = "product", _("Product")
    REGION = "region", _("Region")
    SEGMENT = "segment", _("Segment")


class Tag(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=TagKind.choices)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="intel_tag_unique")]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=PostKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intel_posts",
    )
    pinned_at = models.DateTimeField(_("pinned"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    #: Names the occurrence an automatic post reports (``price:<product>:<time>``): the same
    #: event posted twice (a retried hook) adds nothing. Empty for people's posts.
    source_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    deals = models.ManyToManyField("pipeline.Deal", blank=True, related_name="intel_posts")
    accounts = models.ManyToManyField("contacts.Account", blank=True, related_name="intel_posts")
    campaigns = models.ManyToManyField("tracking.Campaign", blank=True, related_name="intel_posts")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intel post")
        verbose_name_plural = _("intel posts")

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file on a post. ``stored_name`` is random (the upload's name never reaches the disk);
    ``content_type`` is what the content is (magic bytes), not what the uploader said."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class Receipt(models.Model):
    """When a person first saw a post (opened it, or expanded it in the feed) and when they
    acknowledged it; one row per person and post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intel_receipts"
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="intel_receipt_unique"),
        ]
        indexes = [
            models.Index(
                fields=["user", "post"],
                condition=Q(seen_at__isnull=False),
                name="intel_receipt_seen",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.post_id}"


class AckRequest(models.Model):
    """An author asked a team to confirm they read a post. ``members`` are the team's people
    when asked: the count ("sales: 7 of 9") does not move when someone joins later."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="ack_requests")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "team"], name="intel_ack_request_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} · {self.team_id}"
