"""Where demand comes from: channels, campaigns, spend and every touch a person makes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel
from accord.core.money import DECIMAL_PLACES, DEFAULT_CURRENCY, MAX_DIGITS
from accord.tracking.channels.labels import channel_label


class Channel(models.Model):
    """A channel group (GA4's default groups are seeded; admins may add their own)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_paid = models.BooleanField(_("paid"), default=False)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return channel_label(self.slug, self.name)


class Campaign(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, unique=True)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_campaigns",
    )
    budget = models.DecimalField(
        _("budget"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gte=0),
                name="campaign_budget_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TouchType(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    FORM_SUBMISSION = "form_submission", _("Form submission")
    AD_CLICK = "ad_click", _("Ad click")
    EMAIL_OPEN = "email_open", _("Email open")
    EMAIL_CLICK = "email_click", _("Email click")
    CONTENT_DOWNLOAD = "content_download", _("Content download")
    WEBINAR = "webinar", _("Webinar")
    EVENT = "event", _("Event")
    CHAT = "chat", _("Chat")
    CALL = "call", _("Call")
    DEMO_REQUEST = "demo_request", _("Demo request")
    TRIAL_SIGNUP = "trial_signup", _("Trial sign-up")


class Touchpoint(models.Model):
    """One touch of a person or an anonymous visitor. Append-only."""

    at = models.DateTimeField(db_index=True)
    type = models.CharField(max_length=30, choices=TouchType.choices)
    visitor_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="touchpoints",
    )
    lead = models.ForeignKey(
        "contacts.Lead",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="touchpoints",
    )
    channel = models.ForeignKey(Channel, null=True, on_delete=models.SET_NULL, related_name="+")
    #: The channel was given by the source (an imported file's channel column), not derived
    #: from the channel rules: ``accord channels regroup`` leaves it as it is.
    # db_default: capture and imports insert touches with raw column lists that omit it.
    channel_given = models.BooleanField(default=False, db_default=False)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    utm_source = models.CharField(max_length=200, blank=True, default="")
    utm_medium = models.CharField(max_length=200, blank=True, default="")
    utm_campaign = models.CharField(max_length=200, blank=True, default="")
    utm_content = models.CharField(max_length=200, blank=True, default="")
    utm_term = models.CharField(max_length=200, blank=True, default="")
    url = models.URLField(max_length=2000, blank=True, default="")
    referrer = models.URLField(max_length=2000, blank=True, default="")

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"]),
            # A contact's touches in time order, covering type and channel: the predictive
            # features' touch counts read only this index, never the wide rows (half the time
            # at a million leads).
            models.Index(
                fields=["contact", "at", "type", "channel"], name="tracking_touch_contact_cover"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.at:%Y-%m-%d %H:%M}"


class SpendEntry(models.Model):
    """One day of one channel (or campaign): cost and the top of the funnel it bought.

    Organic channels have rows too, with zero cost, so visits are counted for every channel.
    """

    date = models.DateField(db_index=True)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="spend")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="spend"
    )
    cost = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    impressions = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    visits = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("spend entry")
        verbose_name_plural = _("spend entries")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="spend_cost_not_negative"),
            models.UniqueConstraint(
                fields=["date", "channel", "campaign"],
                name="spend_one_row_per_campaign_day",
                condition=models.Q(campaign__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["date", "channel"],
                name="spend_one_row_per_channel_day",
                condition=models.Q(campaign__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel_id}/{self.campaign_id or '-'}: {self.cost}"


def capture_site_key_new() -> str:
    """A fresh public site key: it is printed in page source, so it grants nothing secret."""
    import secrets

    return secrets.token_urlsafe(18)


class CaptureSite(TimestampedModel):
    """A website allowed to post leads and page views to the public capture endpoints.

    The key is public (it sits in the page's HTML); what protects the endpoint is the list of
    allowed origins (checked against the browser's ``Origin`` header), the honeypot and the
    per-IP rate limit.
    """

    public_key = models.CharField(
        _("public key"), max_length=64, unique=True, default=capture_site_key_new
    )
    name = models.CharField(_("name"), max_length=200)
    # Origins as browsers send them: "https://www.example.com" (scheme, host, optional port).
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    default_phone_region = models.CharField(
        _("default phone region"), max_length=2, blank=True, default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Privacy (accord.privacy): e-mail marketing consent only once the link is clicked; no
    # cookie from the tracking snippet before the visitor consents.
    double_opt_in = models.BooleanField(_("double opt-in for e-mail marketing"), default=False)
    requires_cookie_consent = models.BooleanField(_("tracking needs cookie consent"), default=False)

    class Meta:
        verbose_name = _("capture site")
        verbose_name_plural = _("capture sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChannelRuleField(models.TextChoices):
    # Values mirror accord.tracking.channels.rules.RULE_FIELDS (a test keeps them equal).
    SOURCE = "source", _("Source")
    MEDIUM = "medium", _("Medium")
    CAMPAIGN = "campaign", _("Campaign")
    REFERRER_HOST = "referrer_host", _("Referrer host")
    LANDING_URL = "landing_url", _("Landing page URL")


class ChannelRuleOperator(models.TextChoices):
    # Values mirror accord.tracking.channels.rules.RULE_OPERATORS.
    EXACT = "exact", _("is exactly")
    CONTAINS = "contains", _("contains")
    STARTS_WITH = "starts_with", _("starts with")
    REGEX = "regex", _("matches regular expression")
    IN = "in", _("is one of (comma-separated)")


class ChannelRule(TimestampedModel):
    """An admin's channel rule, evaluated by position before GA4's default rules.

    Written only through ``accord.tracking.channels.grouping`` services, which validate it
    (known field and operator, non-empty value, compilable regex).
    """

    position = models.PositiveIntegerField(_("position"), default=0)
    field = models.CharField(_("field"), max_length=20, choices=ChannelRuleField.choices)
    operator = models.CharField(_("operator"), max_length=20, choices=ChannelRuleOperator.choices)
    value = models.CharField(_("value"), max_length=500)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="rules", verbose_name=_("channel")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("channel rule")
        verbose_name_plural = _("channel rules")

    def __str__(self) -> str:
        return f"{self.field} {self.operator} {self.value!r} → {self.channel_id}"


class SubmissionFollowup(models.Model):
    """Outbox: the pending follow-up (rescoring, hence MQL, routing, webhooks) of one accepted
    lead submission (accord.tracking.capture.followups).

    Written in the submission's own transaction, so it exists exactly when the submission
    committed; deleted in the transaction that runs it. A table of its own, small because
    drained, rather than a column on the (very large) touchpoint table. The ids are plain
    columns, not foreign keys: deleting a lead or a touch must not have to look here, and a
    follow-up whose rows are gone is simply dropped when it runs.
    """

    lead_id = models.BigIntegerField()
    touchpoint_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    #: A lease: claimed by a drainer until then (or, after a failure, retried from then).
    claimed_until = models.DateTimeField(null=True, blank=True)
    #: The token of the drain holding the row (``accord.core.claims``): free again as soon
    #: as that drain's heartbeat stops, without waiting for ``claimed_until``.
    claimed_by = models.CharField(max_length=64, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    #: Set after the last attempt failed: kept for a person to look at, no longer retried.
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("submission follow-up")
        verbose_name_plural = _("submission follow-ups")

    def __str__(self) -> str:
        return f"follow-up of lead {self.lead_id} (touch {self.touchpoint_id})"
