"""Stored summaries, computed by jobs and read by pages and the API without recomputing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient, Team


class PatientSummary(models.Model):
    """One patient's patient-weighted picture for one calendar quarter."""

    class WeightsSource(models.TextChoices):
        PATIENT = "patient", _("The patient's own priorities")
        DEFAULT = "default", _("Equal weights (no priorities set)")

    class Direction(models.TextChoices):
        IMPROVED = "improved", _("Improved")
        STABLE = "stable", _("Stable")
        DECLINED = "declined", _("Declined")

    # Indexed by patientsummary_unique (patient, period), which begins with it.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="summaries", db_index=False
    )
    period = models.CharField(max_length=6)
    index = models.FloatField(null=True, blank=True)
    coverage = models.FloatField(default=0)
    weights_source = models.CharField(
        max_length=7, choices=WeightsSource.choices, default=WeightsSource.DEFAULT
    )
    h_score = models.FloatField(null=True, blank=True)
    h_weight = models.FloatField(default=0)
    m_score = models.FloatField(null=True, blank=True)
    m_weight = models.FloatField(default=0)
    r_score = models.FloatField(null=True, blank=True)
    r_weight = models.FloatField(default=0)
    goal_attainment = models.FloatField(null=True, blank=True)
    markers_relevant = models.PositiveIntegerField(default=0)
    markers_with_reading = models.PositiveIntegerField(default=0)
    markers_in_target = models.PositiveIntegerField(default=0)
    change = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    perspective_gap = models.FloatField(null=True, blank=True)
    attribution_caveat = models.BooleanField(default=False)
    context_events = models.JSONField(default=list, blank=True)
    encounters = models.PositiveIntegerField(default=0)
    patient_initiated = models.PositiveIntegerField(default=0)
    # Each validated instrument answered in the quarter: its code to the scores of the latest
    # response (by completed_on, then id). Beside the index; never part of it.
    instruments = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "period"]
        verbose_name_plural = _("patient summaries")
        constraints = [
            models.UniqueConstraint(fields=["patient", "period"], name="patientsummary_unique"),
            models.CheckConstraint(
                condition=Q(index__isnull=True) | (Q(index__gte=0) & Q(index__lte=100)),
                name="patientsummary_index_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(coverage__gte=0) & Q(coverage__lte=1),
                name="patientsummary_coverage_0_to_1",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "patient"], name="patientsummary_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.period}"


# Every figure stored on a patient summary, in the order the writers (the Python path's COPY and
# the SQL rebuild's INSERT) list them after patient_id and period.
FIGURE_FIELDS = [
    "index",
    "coverage",
    "weights_source",
    "h_score",
    "h_weight",
    "m_score",
    "m_weight",
    "r_score",
    "r_weight",
    "goal_attainment",
    "markers_relevant",
    "markers_with_reading",
    "markers_in_target",
    "change",
    "direction",
    "perspective_gap",
    "attribution_caveat",
    "context_events",
    "encounters",
    "patient_initiated",
    "instruments",
    "computed_at",
]


# The one staleness rule: a patient's summaries are stale while records have changed (``dirty``)
# since the count the last computation started from (``computed_up_to``).
STALE = Q(dirty__gt=F("computed_up_to"))


class SummaryStateQuerySet(models.QuerySet):
    def stale(self) -> SummaryStateQuerySet:
        """The patients whose summaries are stale (``STALE``)."""
        return self.filter(STALE)


class SummaryState(models.Model):
    """Whether a patient's summaries reflect their latest data.

    Every save of data that feeds a summary bumps ``dirty``; a computation records the ``dirty``
    value it started from in ``computed_up_to``. The summaries are stale while
    ``dirty > computed_up_to`` (``STALE``, ``is_stale``). Counting instead of a flag means a save
    that lands while a computation runs is never lost.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="summary_state"
    )
    dirty = models.BigIntegerField(default=1)
    computed_up_to = models.BigIntegerField(default=0)
    marked_at = models.DateTimeField(auto_now=True)

    objects = SummaryStateQuerySet.as_manager()

    class Meta:
        ordering = ["patient"]
        indexes = [
            models.Index(
                fields=["marked_at"],
                condition=STALE,
                name="summarystate_stale_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {'stale' if self.is_stale else 'fresh'}"

    @property
    def is_stale(self) -> bool:
        """``STALE`` for a state already read."""
        return self.dirty > self.computed_up_to


class GroupSummary(models.Model):
    """Aggregates over a group of patients for one quarter; the figures live in ``figures``."""

    period = models.CharField(max_length=6)
    patients = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)
    stale = models.BooleanField(default=True)
    # Bumped by every marking: a refresh that read ``marks`` before computing sees, when it
    # stores its figures, whether a patient's change landed meanwhile, and leaves the row stale.
    marks = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class TeamSummary(GroupSummary):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="summaries")

    class Meta:
        ordering = ["team", "period"]
        verbose_name_plural = _("team summaries")
        constraints = [
            models.UniqueConstraint(fields=["team", "period"], name="teamsummary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.period}"


class CaseloadSummary(GroupSummary):
    """A clinician's caseload for one quarter, for their own reflection; never a ranking."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_summaries"
    )

    class Meta:
        ordering = ["clinician", "period"]
        verbose_name_plural = _("caseload summaries")
        constraints = [
            models.UniqueConstraint(fields=["clinician", "period"], name="caseloadsummary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.clinician} {self.period}"


class ComparisonRun(models.Model):
    """One quarter's fair comparison of every team: the case-mix models and how they were used.

    ``figures`` holds, per figure (``TeamComparison.Figure``), the fitted model as
    ``comparison.Fit.to_dict`` gives it (coefficients, standard errors, levels, fit statistics),
    the target (θ₀ for a mean, p₀ for a share), the residual σ (a mean), the overdispersion check
    (φ, its threshold, τ², k) and the method in a sentence, so every stored figure can be
    reproduced. A figure whose model could not be fitted holds only the reason.
    """

    period = models.CharField(max_length=6, unique=True)
    computed_at = models.DateTimeField()
    patients = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["period"]

    def __str__(self) -> str:
        return f"comparison {self.period}"


class TeamComparison(models.Model):
    """A team's figure in one comparison run: observed beside expected, adjusted, its limits for
    its number of patients, where it lies in words, and the caveats beside it.

    A team with fewer than 5 patients in a figure is stored as not shown: no figure, no limits,
    only ``position`` saying why.
    """

    class Figure(models.TextChoices):
        MEAN_CHANGE = "mean_change", _("Mean change in the patient-weighted index")
        IMPROVED_SHARE = "improved_share", _("Share of patients improved")
        PATIENT_INITIATED_SHARE = (
            "patient_initiated_share",
            _("Share of patients with a patient-initiated contact"),
        )

    run = models.ForeignKey(ComparisonRun, on_delete=models.CASCADE, related_name="teams")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="comparisons")
    figure = models.CharField(max_length=32, choices=Figure.choices)
    shown = models.BooleanField(default=False)
    n = models.PositiveIntegerField(null=True, blank=True)
    observed = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    adjusted = models.FloatField(null=True, blank=True)
    lower_95 = models.FloatField(null=True, blank=True)
    upper_95 = models.FloatField(null=True, blank=True)
    lower_998 = models.FloatField(null=True, blank=True)
    upper_998 = models.FloatField(null=True, blank=True)
    position = models.CharField(max_length=64)
    # Caveats: the share of the team's patients with a context event in the quarter, the median
    # coverage of their ratings, and whether the team has few patients (wide limits).
    context_share = models.FloatField(null=True, blank=True)
    coverage_median = models.FloatField(null=True, blank=True)
    few_patients = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "team__name", "figure"]
        constraints = [
            models.UniqueConstraint(fields=["run", "team", "figure"], name="teamcomparison_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.run.period} {self.figure}"
