"""What matters to a person and how it is going: framework, ratings, priorities, goals, markers."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patients.models import Encounter, Patient, TimeStamped
from patients.validation import (
    EXPECTED_OUTCOME_MAX,
    GOAL_MAX,
    ITEM_LABEL_MAX,
    REASON_MAX,
    at_least,
    at_most,
    between,
    length_message,
    rule,
)
from ssm_outcomes.digits import whole_number

LOW_ABOVE_HIGH = _("%(field)s must not be above %(other_field)s")


class Domain(models.Model):
    """One of the three domains of success: H, M or R."""

    code = models.CharField(max_length=1, primary_key=True)
    name = models.CharField(max_length=120)
    plain_name = models.CharField(max_length=120, help_text=_("The name patients see."))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__in=["H", "M", "R"]), name="domain_code_hmr")
        ]

    def __str__(self) -> str:
        return self.name


def personal_item_id(key: str) -> int | None:
    """The id in a personal item's key ("P12" -> 12); None for any other key."""
    key = str(key).strip()
    return whole_number(key[1:]) if key[:1] == "P" else None


class ElementQuerySet(models.QuerySet):
    def framework(self):
        return self.filter(patient__isnull=True, active=True)

    def keyed(self, key: str, *, patient=None):
        """The elements a key names: a framework code (H1…R4), or a personal item ("P12"),
        of ``patient`` when given."""
        item_id = personal_item_id(key)
        if item_id is not None:
            found = self.filter(pk=item_id)
            return found.filter(patient=patient) if patient is not None else found
        return self.filter(code=str(key).strip(), patient__isnull=True)

    def for_patient(self, patient):
        """The active framework elements plus this patient's own items."""
        return self.filter(Q(patient__isnull=True, active=True) | Q(patient=patient))


class Element(TimeStamped):
    """A thing that can be rated and weighted: a framework element or a patient's personal item.

    Framework elements have a stable code (H1…R4) and no patient; personal items belong to one
    patient, have no code and are known by the key ``P<id>``. Every calculation treats both alike.
    """

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="elements")
    code = models.CharField(max_length=8, blank=True)
    label = models.CharField(
        max_length=ITEM_LABEL_MAX, error_messages={"max_length": length_message("label")}
    )
    plain_label = models.CharField(
        max_length=200, blank=True, help_text=_("How the element is put to patients.")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="personal_items"
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ElementQuerySet.as_manager()

    class Meta:
        ordering = ["domain__order", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(patient__isnull=True) & ~Q(code=""))
                | (Q(patient__isnull=False) & Q(code="")),
                name="element_code_xor_patient",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(patient__isnull=True),
                name="element_framework_code_unique",
            ),
            models.UniqueConstraint(
                fields=["patient", "label"],
                condition=Q(patient__isnull=False),
                name="element_personal_label_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.label}"

    @property
    def key(self) -> str:
        return self.code or f"P{self.pk}"

    @property
    def is_personal(self) -> bool:
        return self.patient_id is not None

    @property
    def wording(self) -> str:
        return self.plain_label or self.label


class Rater(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PROXY = "proxy", _("Proxy (the patient's answer, entered on their behalf)")
    CLINICIAN = "clinician", _("Clinician's own view")


class Rating(TimeStamped):
    """A 0–10 rating: 0 as bad as it could be for this person, 10 as good as it could be."""

    # Indexed by rating_patient_date_idx, which begins with it (so no index of its own).
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    # RESTRICT, not PROTECT: a framework element with ratings cannot be deleted, but a personal
    # item goes with its patient, ratings and all.
    element = models.ForeignKey(Element, on_delete=models.RESTRICT, related_name="ratings")
    value = models.PositiveSmallIntegerField(validators=between(0, 10))
    rated_on = models.DateField()
    rater = models.CharField(max_length=9, choices=Rater.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )

    class Meta:
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=10), name="rating_value_0_to_10"
            ),
            models.CheckConstraint(
                condition=Q(rater__in=["patient", "proxy", "clinician"]), name="rating_rater_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "rated_on"], name="rating_patient_date_idx"),
            # The caseload's "new ratings": a patient's latest own rating, one index probe.
            models.Index(
                fields=["patient", "rater", "created_at"], name="rating_patient_rater_saved_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.element.key}={self.value} on {self.rated_on} ({self.rater})"


class PrioritySet(TimeStamped):
    """How a patient shares points over what matters to them, from a date on. Kept as history."""

    # Indexed by priority_patient_date_idx, which begins with it.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="priority_sets", db_index=False
    )
    effective_from = models.DateField()
    total = models.PositiveSmallIntegerField(
        validators=between(1, 100, "total points"), help_text=_("Sum of the points, 1 to 100.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_proxy = models.BooleanField(default=False)

    # Set by portal.selectors.priorities_history for display; not a column.
    largest: "list[PriorityPoint]"

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=1) & Q(total__lte=100), name="priorityset_total_1_to_100"
            )
        ]
        indexes = [
            models.Index(fields=["patient", "effective_from"], name="priority_patient_date_idx")
        ]

    def __str__(self) -> str:
        return f"Priorities of {self.patient} from {self.effective_from}"


class PriorityPoint(models.Model):
    # Indexed by prioritypoint_unique_element (priority_set, element), which begins with it.
    priority_set = models.ForeignKey(
        PrioritySet, on_delete=models.CASCADE, related_name="points", db_index=False
    )
    element = models.ForeignKey(Element, on_delete=models.RESTRICT, related_name="+")
    points = models.PositiveSmallIntegerField(validators=at_least(0, "points"))

    class Meta:
        ordering = ["priority_set", "element__domain__order", "element__order", "element_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority_set", "element"], name="prioritypoint_unique_element"
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="prioritypoint_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.element.key}: {self.points}"


class Goal(TimeStamped):
    """A goal in the patient's own words, reviewed on the Goal Attainment Scale."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField(max_length=GOAL_MAX, validators=at_most(GOAL_MAX, "description"))
    expected_outcome = models.TextField(
        blank=True,
        max_length=EXPECTED_OUTCOME_MAX,
        validators=at_most(EXPECTED_OUTCOME_MAX, "expected_outcome"),
        help_text=_("What 'as expected' (a score of 0) would look like."),
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    importance = models.PositiveSmallIntegerField(default=2, validators=between(1, 3, "importance"))
    difficulty = models.PositiveSmallIntegerField(default=2, validators=between(1, 3, "difficulty"))
    baseline_on = models.DateField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Set by the clinic's and the portal's selectors for display; not columns.
    review_list: "list[GoalReview]"
    latest_review: "GoalReview | None"

    class Meta:
        ordering = ["-baseline_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(importance__gte=1) & Q(importance__lte=3),
                name="goal_importance_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(difficulty__gte=1) & Q(difficulty__lte=3),
                name="goal_difficulty_1_to_3",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="goal_description_not_empty"),
        ]
        indexes = [models.Index(fields=["patient", "baseline_on"], name="goal_patient_date_idx")]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def weight(self) -> int:
        return self.importance * self.difficulty


class GoalReview(TimeStamped):
    class Attainment(models.IntegerChoices):
        MUCH_LESS = -2, _("Much less than expected")
        LESS = -1, _("A bit less than expected")
        EXPECTED = 0, _("As expected")
        MORE = 1, _("A bit more than expected")
        MUCH_MORE = 2, _("Much more than expected")

    # Indexed by goalreview_goal_date_idx, which begins with it.
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    attainment = models.SmallIntegerField(
        choices=Attainment.choices,
        validators=between(-2, 2, "attainment"),
        error_messages={"invalid_choice": "attainment must be between -2 and 2"},
    )
    reviewed_on = models.DateField()
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="goal_reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attainment__gte=-2) & Q(attainment__lte=2),
                name="goalreview_attainment_minus2_to_2",
            )
        ]
        indexes = [models.Index(fields=["goal", "reviewed_on"], name="goalreview_goal_date_idx")]

    def __str__(self) -> str:
        return f"{self.goal}: {self.attainment:+d} on {self.reviewed_on}"


class Marker(models.Model):
    """A biomedical marker a service records, coded in LOINC with its UCUM unit."""

    loinc = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=120)
    plain_name = models.CharField(max_length=120, blank=True)
    unit = models.CharField(max_length=20, help_text=_("UCUM unit, e.g. mmol/mol, %, mm[Hg]."))
    display_unit = models.CharField(max_length=20, blank=True)
    plausible_low = models.DecimalField(max_digits=8, decimal_places=2)
    plausible_high = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["name", "loinc"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plausible_low__lt=F("plausible_high")),
                name="marker_plausible_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_label})"

    @property
    def unit_label(self) -> str:
        return self.display_unit or self.unit


class Reading(TimeStamped):
    # Indexed by reading_patient_date_idx, which begins with it.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="readings")
    value = models.DecimalField(max_digits=8, decimal_places=2)
    taken_on = models.DateField()
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="readings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["patient", "taken_on"], name="reading_patient_date_idx")]

    def __str__(self) -> str:
        return f"{self.patient} {self.marker.name} {self.value} on {self.taken_on}"


class PersonalTarget(TimeStamped):
    """The range agreed with this person for a marker, and whether the marker matters for them."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="targets")
    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="+")
    low = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    relevant = models.BooleanField(default=True)
    reason = models.TextField(
        blank=True,
        max_length=REASON_MAX,
        validators=at_most(REASON_MAX, "reason"),
        help_text=_("Why the target was set or marked not relevant."),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["patient", "marker__name"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "marker"], name="target_unique_per_marker"),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="target_low_not_above_high",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.marker.name}: {self.low}–{self.high}"

    def clean(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise rule("low", LOW_ABOVE_HIGH, "target_low_above_high", other_field="high")

    def contains(self, value) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def has_range(self) -> bool:
        return self.low is not None or self.high is not None


class InstrumentRater(models.TextChoices):
    """Who answered a validated instrument: the patient, or staff on their behalf."""

    PATIENT = "patient", _("Patient")
    PROXY = "proxy", _("Proxy (entered by staff on the patient's behalf)")


class InstrumentResponse(TimeStamped):
    """One completion of a validated instrument (assessments/instruments): the answers by item
    link id and the scores ``score()`` gave them. It sits beside the patient-weighted index and
    never enters it."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="instrument_responses"
    )
    instrument = models.CharField(max_length=16)
    answers = models.JSONField(help_text=_("Item link id to the answer given, or null if skipped."))
    scores = models.JSONField(help_text=_("What score() gave these answers when they were saved."))
    completed_on = models.DateField()
    rater = models.CharField(max_length=8, choices=InstrumentRater.choices)
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instrument_responses",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "instrument", "completed_on"], name="response_latest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rater__in=["patient", "proxy"]), name="response_rater_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} of {self.patient} on {self.completed_on}"


class InstrumentWording(TimeStamped):
    """A licensed instrument's wording in one language, installed from a site's pack with
    ``manage.py load_instrument_pack`` (never shipped in the repository). Open instruments'
    English wording ships with the code; other languages of them are installed the same way."""

    instrument = models.CharField(max_length=16)
    language = models.CharField(max_length=16, default="en-gb")
    pack = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instrument", "language"], name="wording_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.language})"


class Schedule(models.TextChoices):
    QUARTERLY = "quarterly", _("Once each quarter")
    BEFORE_APPOINTMENT = "before_appointment", _("Before each appointment")


class TeamInstrument(TimeStamped):
    """An instrument a team offers its patients, and how often it falls due."""

    team = models.ForeignKey(
        "patients.Team", on_delete=models.CASCADE, related_name="instruments_offered"
    )
    instrument = models.CharField(max_length=16)
    schedule = models.CharField(max_length=20, choices=Schedule.choices, default=Schedule.QUARTERLY)

    class Meta:
        ordering = ["team", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["team", "instrument"], name="instrument_once_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} for {self.team} ({self.get_schedule_display()})"
