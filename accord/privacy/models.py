"""Personal-data records: the consent ledger and its texts, the suppression list, the audit
log, retention periods and breach incidents.

The ledger (``ConsentEvent``) and the audit log (``AuditEntry``) are append-only: services
only ever create rows, the admin shows them read-only. The one exception is erasure, which
blanks the source IP and page of the erased person's ledger rows (``erasure.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    PROCESSING = "processing", _("Processing of personal data")
    MARKETING = "email_marketing", _("E-mail marketing")
    TRANSFER = "third_party_transfer", _("Transfer to third parties")


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")


class ConsentChannel(models.TextChoices):
    FORM = "form", _("Web form")
    CONFIRMATION = "confirmation", _("Confirmation link")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    ADMIN = "admin", _("Administrator")
    ERASURE = "erasure", _("Erasure")
    MIGRATION = "migration", _("Migrated record")


class ConsentText(models.Model):
    """One version of the text a person agrees to for one purpose, in English and Russian.

    ``sha256_en``/``sha256_ru`` are the SHA-256 of the exact text (UTF-8); a ledger row keeps
    the hash of the text shown, so the text can be proven later even if this row is edited.
    """

    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    version = models.CharField(_("version"), max_length=64)
    text_en = models.TextField(_("text (English)"))
    text_ru = models.TextField(_("text (Russian)"), blank=True, default="")
    sha256_en = models.CharField(_("SHA-256 (English)"), max_length=64, editable=False)
    sha256_ru = models.CharField(_("SHA-256 (Russian)"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["purpose", "-created_at"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="privacy_text_version")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.version}"


class ConsentEvent(models.Model):
    """One consent given or withdrawn; a person's current state per purpose is the latest."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="consent_events"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    lawful_basis = models.CharField(
        _("lawful basis"), max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    source_page = models.CharField(_("source page"), max_length=2000, blank=True, default="")
    text = models.ForeignKey(
        ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text_version = models.CharField(_("text version"), max_length=64, blank=True, default="")
    text_hash = models.CharField(_("text SHA-256"), max_length=64, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [models.Index(fields=["contact", "purpose", "at"])]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.purpose} {'+' if self.granted else '-'}"


class ConsentConfirmation(models.Model):
    """A double opt-in waiting for its link to be clicked; the grant is written then."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    text = models.ForeignKey(ConsentText, null=True, on_delete=models.PROTECT, related_name="+")
    text_version = models.CharField(max_length=64, blank=True, default="")
    text_hash = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    source_page = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent confirmation")
        verbose_name_plural = _("consent confirmations")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.purpose} (pending)"


class SuppressionReason(models.TextChoices):
    ERASED = "erased", _("Erased on request")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class SuppressionEntry(models.Model):
    """A salted hash of an e-mail or phone that must not come back by import."""

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10)  # "email" or "phone"
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("suppression entry")
        verbose_name_plural = _("suppression list")

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}…"


class AuditEntry(models.Model):
    """Who did what to personal data or access rights; never holds the personal data itself
    (a person is named by a salted hash)."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True, default="")
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("target"), max_length=200, blank=True, default="")
    subject_hash = models.CharField(_("subject hash"), max_length=64, blank=True, default="")
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class RetentionDataType(models.TextChoices):
    ANONYMOUS_TOUCHES = "anonymous_touches", _("Anonymous visitor touches")
    UNCONVERTED_LEADS = "unconverted_leads", _("Unconverted leads")
    WEBHOOK_DELIVERIES = "webhook_deliveries", _("Webhook delivery logs")
    IMPORT_FILES = "import_files", _("Import files")
    NOTIFICATIONS = "notifications", _("Notifications")


class RetentionPolicy(models.Model):
    """How long one type of data is kept; ``days`` empty keeps it for ever."""

    data_type = models.CharField(
        _("data type"), max_length=30, choices=RetentionDataType.choices, unique=True
    )
    days = models.PositiveIntegerField(_("keep for (days)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["data_type"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return self.get_data_type_display()


class Incident(models.Model):
    """A personal-data breach: 152-FZ wants a first report within 24 hours of detection and
    the investigation's results within 72 hours."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    affected_count = models.PositiveIntegerField(_("people affected"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title
