"""Companies, people and their journeys through the funnel.

A ``Contact`` is a person; a ``Lead`` is one journey of that person through the waterfall.
``StageTransition`` is the append-only log of every stage change; funnel counts, velocity
and cohorts are computed from it, never from the current stage alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.lifecycle import INITIAL_STAGE, Stage
from accord.core.models import TimestampedModel


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Account(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, null=True, blank=True, unique=True)
    industry = models.CharField(_("industry"), max_length=120, blank=True, default="")
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    properties = models.JSONField(_("custom properties"), default=dict, blank=True)
    external_id = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        # The analytics sync reads the rows changed since its last run (accord.analytics.sync).
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.name


class Contact(TimestampedModel):
    # Emails are stored normalised (trimmed, lower-case) and phones as E.164, so the
    # database itself enforces one contact per person (mautic#10282 lacked this).
    # Unique through Meta.constraints, not ``unique=True``: on PostgreSQL the field option
    # adds a second, LIKE-pattern (varchar_pattern_ops) index that no query uses and every
    # insert pays for (migration 0005).
    email = models.CharField(_("email"), max_length=254, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=120, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=120, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=160, blank=True, default="")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    properties = models.JSONField(_("custom properties"), default=dict, blank=True)
    external_id = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at"]
        # The analytics sync reads the rows changed since its last run (accord.analytics.sync).
        indexes = [models.Index(fields=["updated_at"])]
        constraints = [
            # Named as PostgreSQL named the column constraints they replace (migration 0005).
            models.UniqueConstraint(fields=["email"], name="contacts_contact_email_key"),
            models.UniqueConstraint(fields=["phone"], name="contacts_contact_phone_key"),
            models.UniqueConstraint(
                fields=["external_id"], name="contacts_contact_external_id_key"
            ),
            # A person is identified by an email, a phone or an external id (an imported
            # record that carries only its source CRM's id; it cannot be matched by email).
            models.CheckConstraint(
                condition=Q(email__isnull=False)
                | Q(phone__isnull=False)
                | Q(external_id__isnull=False),
                name="contact_has_email_phone_or_external_id",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.phone or f"#{self.pk}"


class Lead(TimestampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="leads",
        db_index=False,  # (contact, created_at) below covers it
    )
    # No index of its own: (stage, created_at) below serves every lookup by stage, and each
    # index costs every insert (PostgreSQL would add a second, LIKE-pattern one for a CharField).
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=INITIAL_STAGE
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    is_open = models.BooleanField(default=True, db_index=True)
    score = models.IntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # (owner, stage) below covers it
        related_name="owned_leads",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,  # a partial index below: most leads have no team
    )
    source_channel = models.ForeignKey(
        "tracking.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("source channel"),
    )
    source_campaign = models.ForeignKey(
        "tracking.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("source campaign"),
    )
    properties = models.JSONField(_("custom properties"), default=dict, blank=True)
    # Unique through Meta.constraints: see Contact.email.
    external_id = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["stage", "created_at"]),
            # A search finds people, then their leads newest first: this answers both from
            # the index alone (the id as a key column: INCLUDE is PostgreSQL-only).
            models.Index(
                fields=["contact", "created_at", "id"], name="contacts_le_contact_time_idx"
            ),
            # The lists' "stage, grade and score range, best first": without it the count reads
            # every lead of the stage (0.5 s for 120,000 MQLs on SQLite at 1M leads).
            models.Index(fields=["stage", "grade", "score"], name="contacts_le_stage_grade_idx"),
            # The analytics sync reads the rows changed since its last run.
            models.Index(fields=["updated_at"]),
            # Only the leads that have a team: finding them (and SET_NULL when a team is
            # deleted) needs no entry for the others, which an import writes by the 100,000.
            models.Index(
                fields=["team"], name="contacts_le_team_set_idx", condition=Q(team__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="contacts_lead_external_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_stage_display()})"


class StageTransition(models.Model):
    """One stage change of one lead. Append-only: rows are never updated or deleted."""

    # (lead, at) below covers lookups by lead; a separate index would only slow inserts.
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
    # Blank for the creation of the lead (nothing -> lead).
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index below: automatic and imported moves have no actor
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    # What fired the move when no person did (e.g. the MQL criterion that matched).
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"]),
            models.Index(fields=["to_stage", "at"]),
            models.Index(
                fields=["actor"], name="contacts_st_actor_set_idx", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage or '∅'} → {self.to_stage}"
