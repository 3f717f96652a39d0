"""Lead-quality reviews (sales rate a sample of marketing's handed-off leads) and lead-handling
audits (a manager checks how a rep handled a lead, often a test lead).

A review's rating is sales' ordinary lead-quality rating (``handoff.QualityRating``, one per
person and lead, which every lead-quality report already reads); ``ReviewRating`` links it to
the review and adds the agreement's reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Review(models.Model):
    name = models.CharField(_("name"), max_length=160)
    #: The hand-offs sampled: leads whose first MQL move falls in [period_start, period_end].
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    per_channel = models.PositiveSmallIntegerField(_("leads per channel"))
    #: The channels sampled (none chosen: every channel with hand-offs in the period).
    channels = models.ManyToManyField(
        "tracking.Channel", blank=True, related_name="+", verbose_name=_("channels")
    )
    raters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="quality_reviews", verbose_name=_("raters")
    )
    #: Share of the sample given to two raters, so their agreement can be measured.
    overlap_pct = models.PositiveSmallIntegerField(_("rated twice (%)"), default=20)
    due_date = models.DateField(_("due date"))
    seed = models.PositiveIntegerField(_("sampling seed"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    #: Set by the scheduled job ("monthly:2026-11"): one scheduled review per period.
    schedule_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead-quality review")
        verbose_name_plural = _("lead-quality reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="quality_review_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(overlap_pct__lte=100), name="quality_review_overlap_pct"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ItemSource(models.TextChoices):
    SAMPLE = "sample", _("Sampled")
    ADDED = "added", _("Added by hand")


class ReviewItem(models.Model):
    """One lead of a review's sample."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    lead = models.ForeignKey("contacts.Lead", on_delete=models.CASCADE, related_name="+")
    #: The stratum: the lead's source channel when it was sampled.
    channel = models.ForeignKey(
        "tracking.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ItemSource.choices, default=ItemSource.SAMPLE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            models.UniqueConstraint(fields=["review", "lead"], name="quality_item_once_per_review")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.lead_id}"


class ReviewAssignment(models.Model):
    """A rater asked to rate an item (two raters on the overlap share)."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="assignments")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [
            models.UniqueConstraint(fields=["item", "rater"], name="quality_assignment_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.rater_id}"


class ReviewRating(models.Model):
    """A rater's answer to an assignment: sales' quality rating plus the agreement's reason."""

    assignment = models.OneToOneField(
        ReviewAssignment, on_delete=models.CASCADE, related_name="answer"
    )
    rating = models.ForeignKey("handoff.QualityRating", on_delete=models.CASCADE, related_name="+")
    #: A reason code of the agreement in force when rated (its rejection/quality reasons).
    reason = models.CharField(_("reason"), max_length=60)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("review rating")
        verbose_name_plural = _("review ratings")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.reason}"


class AuditTemplate(models.Model):
    name = models.CharField(_("name"), max_length=160, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("audit template")
        verbose_name_plural = _("audit templates")

    def __str__(self) -> str:
        return self.name


class AuditItem(models.Model):
    """A weighted checklist item of a template ("answered within the SLA", weight 3)."""

    template = models.ForeignKey(AuditTemplate, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=10), name="quality_item_weight_1_10"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Audit(models.Model):
    """An auditor's check of how a rep handled a lead."""

    template = models.ForeignKey(AuditTemplate, on_delete=models.PROTECT, related_name="audits")
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audits_received"
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("audited at"), default=timezone.now)
    #: Weighted share of the applicable items passed, 0-100.
    score = models.FloatField(_("score"))
    notes = models.TextField(_("notes"), blank=True, default="")
    #: A test lead normally stays out of the rep's SLA statistics; the auditor may count it.
    counts_in_sla = models.BooleanField(_("count in the rep's SLA statistics"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        indexes = [models.Index(fields=["rep", "at"])]

    def __str__(self) -> str:
        return f"{self.template_id}: {self.rep_id} {self.score:.0f}"


class AuditResult(models.Model):
    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_APPLICABLE = "na", _("Not applicable")

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(AuditItem, on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(_("result"), max_length=4, choices=Outcome.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit result")
        verbose_name_plural = _("audit results")
        constraints = [
            models.UniqueConstraint(fields=["audit", "item"], name="quality_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}: {self.item_id} {self.outcome}"


class CoachingNote(models.Model):
    """What the rep is to work on after an audit, with an owner and a due date. Recording it
    schedules a to-do ``Task`` for the owner (``task``), so the coaching shows in their task
    list and reminders; completing either completes the coaching."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="coaching")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_notes"
    )
    text = models.CharField(_("coaching"), max_length=500)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    task = models.OneToOneField(
        "pipeline.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coaching_note",
        verbose_name=_("task"),
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")

    def __str__(self) -> str:
        return self.text
