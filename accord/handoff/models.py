"""The hand-off between marketing and sales: business calendars, the versioned agreement
(the "smarketing SLA") and the SLA clocks it starts.

Calendars, agreement versions and clocks come first in this module; routing, assignments and
the sales inbox's models follow at the end (another part of the hand-off).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.handoff.seeded_names import seeded_name_label


class BusinessCalendar(models.Model):
    """When a team works: its time zone, weekly working hours and holidays.

    ``working_hours`` maps weekday keys ``mon``..``sun`` to lists of ``["HH:MM", "HH:MM"]``
    intervals in the calendar's own zone; ``holidays`` is a list of ISO dates. The shape is
    checked by ``accord.handoff.rules.working_hours_parse`` before anything is saved.
    A calendar without a team is the default, used for leads whose team has none.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    team = models.OneToOneField(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="business_calendar",
        verbose_name=_("team"),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    working_hours = models.JSONField(_("working hours"), default=dict)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    is_default = models.BooleanField(_("default calendar"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="handoff_one_default_calendar",
            )
        ]

    def __str__(self) -> str:
        return seeded_name_label(self.name)


class HandoffAgreement(models.Model):
    """The agreement between marketing and sales; its terms live in its versions."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hand-off agreement")
        verbose_name_plural = _("hand-off agreements")

    def __str__(self) -> str:
        return seeded_name_label(self.name)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")


class AgreementVersion(models.Model):
    """One version of the agreement: a document that is also the configuration.

    ``content`` holds ``mql_definition``, ``sales`` and ``marketing`` commitments,
    ``rejection_reasons`` and ``escalation`` (shape: ``accord.handoff.rules.AGREEMENT_FIELDS``).
    A version becomes active only with both approvals; the previous active one is superseded.
    Active and superseded versions are never edited again: they are the history.
    """

    agreement = models.ForeignKey(
        HandoffAgreement, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    content = models.JSONField(_("content"), default=dict)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("what changed and why"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    marketing_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marketing_approved_at = models.DateTimeField(null=True, blank=True)
    sales_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sales_approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="handoff_agreement_version_number"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(status="active"),
                name="handoff_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} v{self.number} ({self.status})"


class ClockKind(models.TextChoices):
    ACCEPT = "accept", _("Accept or reject")
    FIRST_ATTEMPT = "first_attempt", _("First contact attempt")


class SlaClock(models.Model):
    """One SLA deadline running for one lead and its owner.

    Deadlines are computed once, at start, in business time of the lead's calendar. A clock
    stops when its action happens (``stopped_at``); a clock past ``due_at`` and not stopped is
    breached and escalated by the worker, once (``accord.handoff.jobs``).
    """

    lead = models.ForeignKey("contacts.Lead", on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(_("kind"), max_length=20, choices=ClockKind.choices)
    agreement_version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="clocks"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sla_clocks",
        verbose_name=_("owner at start"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True, db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stop_reason = models.CharField(_("stop reason"), max_length=40, blank=True, default="")
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # When the sweep last queued the warning/breach job, so it does not queue it every minute.
    warn_queued_at = models.DateTimeField(null=True, blank=True)
    breach_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind"],
                condition=models.Q(stopped_at__isnull=True),
                name="handoff_one_running_clock_per_kind",
            )
        ]
        indexes = [models.Index(fields=["stopped_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaEventKind(models.TextChoices):
    STARTED = "started", _("Started")
    WARNED = "warned", _("Warned")
    BREACHED = "breached", _("Breached")
    ESCALATED = "escalated", _("Escalated")
    REASSIGNMENT_REQUESTED = "reassignment_requested", _("Reassignment requested")
    REASSIGNED = "reassigned", _("Reassigned")
    STOPPED = "stopped", _("Stopped")


class SlaEvent(models.Model):
    """Append-only log of what happened to a clock: rows are never updated or deleted."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=SlaEventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        indexes = [models.Index(fields=["clock", "kind"])]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# ---- Routing, assignments and the sales inbox (appended below by their part) ----
# Their migrations depend on ("handoff", "0002_defaults_and_sla_sweep").


class RoutingRule(models.Model):
    """Which team gets a lead: rules are tried by ``position``; the first whose conditions all
    hold wins. ``conditions`` is a list of ``{field, operator, value}`` (shape and fields:
    ``accord.handoff.routing.rules``); an empty list matches every lead."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=100)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="routing_rules"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class RoutingCursor(models.Model):
    """One row per team, locked while a lead of that team is being given to a rep.

    The lock is what makes round robin safe: reading reps' loads and writing the assignment
    happen under it, so two leads routed at once cannot both see the same rep as next
    (PostgreSQL: ``SELECT ... FOR UPDATE`` on this row; SQLite: the IMMEDIATE transaction
    already holds the database's write lock). It also counts, for the manager's view.
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="routing_cursor"
    )
    assigned_count = models.PositiveBigIntegerField(default=0)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("routing cursor")
        verbose_name_plural = _("routing cursors")

    def __str__(self) -> str:
        return f"cursor of team {self.team_id}"


class AssignmentKind(models.TextChoices):
    AUTO = "auto", _("Round robin")
    ACCOUNT_OWNER = "account_owner", _("Account owner")
    OWNER_KEPT = "owner_kept", _("Kept by the lead's owner")
    MANUAL = "manual", _("Reassigned by a manager")
    FALLBACK = "fallback", _("Fallback queue")
    QUEUED = "queued", _("Waiting in the team queue")


class Assignment(models.Model):
    """Append-only log of who a lead was given to, by whom and why. Never updated."""

    lead = models.ForeignKey("contacts.Lead", on_delete=models.CASCADE, related_name="assignments")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments_received",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AssignmentKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["to_user", "at"]),
            models.Index(fields=["lead", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.to_user_id or '∅'} ({self.kind})"


class RoutingWarningKind(models.TextChoices):
    NO_RULE = "no_rule", _("No routing rule matched")
    NO_ACTIVE_REPS = "no_active_reps", _("The team has no active reps")
    QUOTA_FULL = "quota_full", _("Every rep of the team reached the daily quota")


class RoutingWarning(models.Model):
    """A lead that routing could not give to anyone; shown to managers until resolved."""

    lead = models.ForeignKey(
        "contacts.Lead", on_delete=models.CASCADE, related_name="routing_warnings"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RoutingWarningKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing warning")
        verbose_name_plural = _("routing warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(resolved_at__isnull=True),
                name="handoff_one_open_routing_warning",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.kind}"


class QualityRating(models.Model):
    """Sales' rating of a handed-off lead's quality (1 worst to 5 best); one per person."""

    lead = models.ForeignKey(
        "contacts.Lead", on_delete=models.CASCADE, related_name="quality_ratings"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lead-quality rating")
        verbose_name_plural = _("lead-quality ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="handoff_rating_1_to_5"
            ),
            models.UniqueConstraint(fields=["lead", "by"], name="handoff_one_rating_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.rating}/5"


class Notification(models.Model):
    """An in-app notification (the bell); ``key`` makes each occurrence notify once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, default="")
    url = models.CharField(_("link"), max_length=500, blank=True, default="")
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail outbox (``accord.handoff.notifications``): ``email_pending`` until the
    # e-mail is sent (or found to have no address); while pending, ``emailed_at`` is the
    # lease of the sender that claimed it; once done, when it was sent.
    email_pending = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # Only the few pending rows, however many notifications there are.
            models.Index(
                fields=["id"],
                condition=models.Q(email_pending=True),
                name="handoff_notif_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title
