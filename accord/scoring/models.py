"""Scoring profiles, their rules, the MQL definition and each lead's stored score.

The MQL definition is its own versioned object (a new row per change) so that the hand-off
agreement can adopt it later. Rules are validated by ``accord.scoring.services``; the maths
lives in ``accord.scoring.rules``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.contacts.models import Grade
from accord.core.models import TimestampedModel


class RuleKind(models.TextChoices):
    FIT = "fit", _("Fit")
    ENGAGEMENT = "engagement", _("Engagement")
    FAST_TRACK = "fast_track", _("Fast-track action")


class Operator(models.TextChoices):
    # Values mirror accord.scoring.rules.OPERATORS.
    EQUALS = "equals", _("equals")
    IN = "in", _("is one of")
    RANGE = "range", _("is in the range")
    CONTAINS = "contains", _("contains")
    IS_SET = "is_set", _("is set")


class ScoringProfile(TimestampedModel):
    """One way of scoring leads; the active profile scores every lead."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=False)
    grade_a_min = models.IntegerField(_("grade A from (fit points)"), default=60)
    grade_b_min = models.IntegerField(_("grade B from (fit points)"), default=35)
    grade_c_min = models.IntegerField(_("grade C from (fit points)"), default=15)
    # Null: engagement does not decay.
    half_life_days = models.FloatField(_("half-life (days)"), null=True, blank=True, default=30)
    # Bumped on every save, so cached compiled profiles know they are stale.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scoring profile")
        verbose_name_plural = _("scoring profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="scoring_one_active_profile",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ScoringRule(models.Model):
    profile = models.ForeignKey(ScoringProfile, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    # Fit rules.
    field = models.CharField(_("field"), max_length=200, blank=True, default="")
    operator = models.CharField(
        _("operator"), max_length=20, choices=Operator.choices, blank=True, default=""
    )
    value = models.JSONField(_("value"), null=True, blank=True)
    # Engagement and fast-track rules: which touches count.
    touch_type = models.CharField(_("touch type"), max_length=30, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=60, blank=True, default="")
    campaign = models.CharField(_("campaign (UTM)"), max_length=200, blank=True, default="")
    url_pattern = models.CharField(_("URL pattern"), max_length=500, blank=True, default="")
    points = models.IntegerField(_("points"), default=0)
    cap = models.PositiveIntegerField(_("cap"), null=True, blank=True)
    half_life_days = models.FloatField(_("half-life (days)"), null=True, blank=True)
    # Fast-track rules: how many matching touches within how many days.
    min_count = models.PositiveIntegerField(_("touches"), default=1)
    within_days = models.FloatField(_("within days"), null=True, blank=True)

    class Meta:
        ordering = ["profile", "kind", "position", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class MqlDefinition(models.Model):
    """One version of the MQL definition in force; the highest version (without a profile) is
    the one scoring applies, whatever profile gives the points.

    The hand-off agreement is the document both heads sign, so it is the only writer
    (``accord.scoring.qualification.definition_publish``, called when a version becomes
    active). Rows with a profile are from before that: each profile kept its own definition.
    They are kept for the record and read nowhere.
    """

    profile = models.ForeignKey(
        ScoringProfile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mql_definitions",
    )
    version = models.PositiveIntegerField()
    min_score = models.IntegerField(_("minimum score"))
    min_grade = models.CharField(
        _("minimum grade"), max_length=1, choices=Grade.choices, blank=True, default=""
    )
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    fast_track = models.BooleanField(_("fast-track actions qualify"), default=True)
    #: The number of the agreement version that published it (None: before the agreement).
    agreement_version = models.PositiveIntegerField(_("agreement version"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["profile", "-version"]
        verbose_name = _("MQL definition")
        verbose_name_plural = _("MQL definitions")
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="scoring_mql_version"),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(profile__isnull=True),
                name="scoring_mql_in_force_version",
            ),
        ]

    def __str__(self) -> str:
        return f"MQL v{self.version}"


class LeadScore(models.Model):
    """A lead's latest score, grade and the reasons for them (mirrored on Lead.score/grade)."""

    lead = models.OneToOneField(
        "contacts.Lead", on_delete=models.CASCADE, primary_key=True, related_name="score_detail"
    )
    profile = models.ForeignKey(
        ScoringProfile, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    profile_version = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True, default="")
    fit_points = models.FloatField(default=0)
    engagement_points = models.FloatField(default=0)
    # [{"rule_id", "rule", "kind", "points", "source", "ref", "detail"}, ...]
    breakdown = models.JSONField(default=list, blank=True)
    fast_track = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The MQL criterion this lead meets now ("" when none): whether it moved is in the log.
    qualifies = models.CharField(max_length=40, blank=True, default="")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lead score")
        verbose_name_plural = _("lead scores")

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.score}/{self.grade}"


class ScoringModel(models.Model):
    """One trained predictive model (a registry version); at most one active per profile.

    ``artefact`` is the fitted scikit-learn bundle, pickled by joblib. Unpickling runs code,
    so the bytes are signed with an HMAC of the site's secret key when written and verified
    before loading (``accord.scoring.predictive.registry``): a row forged by someone who can
    write the database but does not hold the secret is refused, never loaded.
    """

    profile = models.ForeignKey(
        ScoringProfile, on_delete=models.CASCADE, related_name="models", verbose_name=_("profile")
    )
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    algorithm = models.CharField(_("algorithm"), max_length=60, default="")
    # The created_at range of the closed leads it learnt from.
    training_from = models.DateTimeField(_("training data from"), null=True, blank=True)
    training_to = models.DateTimeField(_("training data to"), null=True, blank=True)
    n_training = models.PositiveIntegerField(_("training leads"), default=0)
    n_won = models.PositiveIntegerField(_("won leads"), default=0)
    # {"snapshot_days", "safe_fields", "exclude"}
    config = models.JSONField(default=dict, blank=True)
    # [{"name", "kind"}, ...] and the per-property count of values of the wrong type.
    features = models.JSONField(default=list, blank=True)
    # {"backtest": BacktestReport.as_dict(), "invalid_values": {...}}
    metrics = models.JSONField(default=dict, blank=True)
    artefact = models.BinaryField()
    artefact_signature = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        ordering = ["profile", "-version"]
        verbose_name = _("predictive model")
        verbose_name_plural = _("predictive models")
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="scoring_model_version"),
            models.UniqueConstraint(
                fields=["profile"],
                condition=models.Q(is_active=True),
                name="scoring_one_active_model_per_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} model v{self.version}"


class LeadPrediction(models.Model):
    """An open lead's probability of winning from the active model, with its top reasons."""

    lead = models.OneToOneField(
        "contacts.Lead", on_delete=models.CASCADE, primary_key=True, related_name="prediction"
    )
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="predictions")
    probability = models.FloatField(_("probability of winning"))
    # [{"feature", "label", "value", "effect"}, ...]: effect in log-odds, + pushed it up.
    reasons = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lead prediction")
        verbose_name_plural = _("lead predictions")

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.probability:.2f}"
