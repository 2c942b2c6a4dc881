"""REST API for the framework, personal items, ratings, priorities, goals and markers."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.audit import Audit, audit_record
from patients.rest import PatientCollectionView
from patients.selectors import patient_get_for_user, patients_visible_to
from patients.validation import (
    EXPECTED_OUTCOME_MAX,
    GOAL_MAX,
    ITEM_LABEL_MAX,
    ONE_OF_THIS_PATIENTS,
    REASON_MAX,
    date_rule,
    field_rule,
)
from ssm_outcomes.rest import (
    DATE_FILTERS,
    StrictSerializer,
    choice_field,
    dated,
    id_field,
    number_field,
    require_role,
    text_field,
    whole_number_field,
)
from ssm_outcomes.rules import BETWEEN, filled, one_of

from .models import Domain, Element, Goal, GoalReview, PersonalTarget, PrioritySet, Rater, Rating
from .services import (
    GOAL_SAYS,
    element_for_key,
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
    reading_record,
    target_set,
)

BOTH = {"clinician", "patient"}


# --- Framework ---------------------------------------------------------------------------------


class FrameworkElementOutput(serializers.ModelSerializer):
    class Meta:
        model = Element
        fields = ["code", "label", "plain_label"]


class FrameworkDomainOutput(serializers.ModelSerializer):
    elements = FrameworkElementOutput(many=True, source="framework_elements")

    class Meta:
        model = Domain
        fields = ["code", "name", "plain_name", "elements"]


class FrameworkOutput(serializers.Serializer):
    domains = FrameworkDomainOutput(many=True)


class FrameworkView(APIView):
    """The success framework: three domains and their elements, with stable codes. Names and
    labels are in the request's language (Accept-Language, or the signed-in user's choice),
    falling back to English where a text has none; codes and field names never change."""

    @extend_schema(responses=FrameworkOutput)
    def get(self, request):
        domains = Domain.objects.prefetch_related(
            Prefetch(
                "elements",
                queryset=Element.objects.framework().order_by("order", "id"),
                to_attr="framework_elements",
            )
        )
        return Response({"domains": FrameworkDomainOutput(domains, many=True).data})


# --- Personal items ----------------------------------------------------------------------------


class ItemOutput(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True)
    domain = serializers.CharField(source="domain_id")

    class Meta:
        model = Element
        fields = ["id", "key", "label", "domain"]


class ItemInput(StrictSerializer):
    # The serializer metaclass takes declared fields off the class, so this field does not
    # replace Field.label, as the stubs believe.
    label = text_field(ITEM_LABEL_MAX, "label")  # type: ignore[assignment]
    domain = choice_field("domain", ["H", "M", "R"])


class ItemsView(PatientCollectionView):
    input_serializer, output_serializer = ItemInput, ItemOutput
    write_roles = BOTH
    record_name = "personal items"
    adding = _("add personal items")

    def records(self, patient):
        return patient.personal_items.order_by("id")

    def create(self, patient, data):
        return personal_item_create(patient=patient, audit=self.audit(), **data)


# --- Ratings -----------------------------------------------------------------------------------


def _encounter_field():
    return id_field(required=False, allow_null=True, default=None)


def patient_encounter(patient, encounter_id):
    """The patient's encounter named by id in a request body; 400 naming the field if not one
    of theirs."""
    if encounter_id is None:
        return None
    encounter = patient.encounters.filter(pk=encounter_id).first()
    if encounter is None:
        raise serializers.ValidationError(
            {"encounter": [filled(ONE_OF_THIS_PATIENTS, {"field": "encounter"})]}
        )
    return encounter


class RatingOutput(serializers.ModelSerializer):
    element = serializers.CharField(source="element.key")
    entered_by = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = ["id", "element", "value", "rated_on", "rater", "encounter", "entered_by"]

    def get_entered_by(self, rating) -> str | None:
        return str(rating.entered_by) if rating.entered_by else None


class PatientInput(StrictSerializer):
    """An input whose element and encounter are checked against the patient it is posted for
    (the serializer's ``patient``) with its other fields, so that every problem is said at once;
    each comes out as the record itself, for the service, which checks it again without a read."""

    def validate_element(self, key):
        patient = self.context.get("patient")
        if patient is None:
            return key
        return field_rule(lambda k: element_for_key(patient=patient, key=k))(key)

    def validate_encounter(self, encounter_id):
        patient = self.context.get("patient")
        if patient is None or encounter_id is None:
            return encounter_id
        # Another patient's and one that does not exist are told alike: nothing leaks.
        encounter = patient.encounters.filter(pk=encounter_id).first()
        if encounter is None:
            raise serializers.ValidationError(
                [filled(ONE_OF_THIS_PATIENTS, {"field": "encounter"})]
            )
        return encounter


class RatingInput(PatientInput):
    element = serializers.CharField(max_length=12)
    value = whole_number_field("value", 0, 10, BETWEEN)
    rated_on = serializers.DateField(validators=[date_rule("rated_on")])
    rater = choice_field("rater", Rater.choices)
    encounter = _encounter_field()


class RatingsView(PatientCollectionView):
    input_serializer, output_serializer = RatingInput, RatingOutput
    write_roles = BOTH
    record_name = "ratings"
    adding = _("add ratings")
    filters = (
        OpenApiParameter("element", str, description="An element code (H1…R4) or item key (P12)."),
        OpenApiParameter("rater", str, enum=Rater.values),
        *DATE_FILTERS,
    )

    def records(self, patient):
        ratings = patient.ratings.select_related("element", "entered_by").order_by(
            "-rated_on", "-id"
        )
        params = self.request.query_params
        if element := params.get("element"):
            # A key that names none of this patient's elements filters to no ratings, as it
            # always has (integrations may ask for an element before it is rated).
            ratings = ratings.filter(element__in=Element.objects.keyed(element, patient=patient))
        if (rater := params.get("rater")) is not None:
            # The schema's enum: any other value (an empty one too) is a mistake, not "no filter".
            if rater not in Rater.values:
                raise serializers.ValidationError({"rater": [one_of("rater", Rater.values)]})
            ratings = ratings.filter(rater=rater)
        return dated(ratings, self.request, "rated_on")

    def create(self, patient, data):
        return rating_record(
            patient=patient, entered_by=self.request.user, audit=self.audit(), **data
        )


# --- Priorities --------------------------------------------------------------------------------


class PriorityOutput(serializers.ModelSerializer):
    points = serializers.SerializerMethodField()

    class Meta:
        model = PrioritySet
        fields = ["id", "effective_from", "points", "total", "by_proxy", "created_at"]

    def get_points(self, priority_set) -> dict[str, int]:
        return {p.element.key: p.points for p in priority_set.points.all()}


POINTS_RULE = filled(_("%(field)s must be whole numbers, 0 or more"), {"field": "points"})


class PriorityInput(StrictSerializer):
    effective_from = serializers.DateField()  # the service says it with the points
    points = serializers.DictField(
        child=serializers.IntegerField(min_value=0, error_messages={"min_value": POINTS_RULE}),
        allow_empty=False,
    )


class PrioritiesView(PatientCollectionView):
    input_serializer, output_serializer = PriorityInput, PriorityOutput
    write_roles = BOTH
    record_name = "priorities"
    adding = _("add priorities")

    def records(self, patient):
        return patient.priority_sets.prefetch_related("points__element").order_by(
            "-effective_from", "-id"
        )

    def create(self, patient, data):
        return priorities_set(
            patient=patient, entered_by=self.request.user, audit=self.audit(), **data
        )


# --- Goals -------------------------------------------------------------------------------------


class GoalReviewOutput(serializers.ModelSerializer):
    class Meta:
        model = GoalReview
        fields = ["id", "attainment", "reviewed_on", "encounter"]


class GoalOutput(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain_id")
    reviews = GoalReviewOutput(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "description",
            "expected_outcome",
            "domain",
            "importance",
            "difficulty",
            "baseline_on",
            "active",
            "reviews",
        ]


class GoalInput(StrictSerializer):
    description = text_field(
        GOAL_MAX,
        "description",
        error_messages={"blank": filled(GOAL_SAYS, {"field": "description"})},
    )
    expected_outcome = text_field(
        EXPECTED_OUTCOME_MAX, "expected_outcome", required=False, allow_blank=True, default=""
    )
    domain = choice_field("domain", ["H", "M", "R"])
    importance = whole_number_field("importance", 1, 3)
    difficulty = whole_number_field("difficulty", 1, 3)
    baseline_on = serializers.DateField()


class GoalsView(PatientCollectionView):
    input_serializer, output_serializer = GoalInput, GoalOutput
    write_roles = BOTH
    record_name = "goals"
    adding = _("add goals")

    def records(self, patient):
        return patient.goals.prefetch_related("reviews").order_by("-baseline_on", "-id")

    def create(self, patient, data):
        return goal_create(
            patient=patient, created_by=self.request.user, audit=self.audit(), **data
        )


class GoalReviewInput(StrictSerializer):
    attainment = whole_number_field("attainment", -2, 2, BETWEEN)
    reviewed_on = serializers.DateField()
    encounter = _encounter_field()


class GoalReviewsView(APIView):
    """Reviews of one goal on the Goal Attainment Scale (−2 … +2)."""

    def get_goal(self, goal_id: int) -> Goal:
        visible = patients_visible_to(user=self.request.user)
        return get_object_or_404(
            Goal.objects.select_related("patient"), pk=goal_id, patient__in=visible
        )

    @extend_schema(responses=GoalReviewOutput(many=True))
    def get(self, request, goal_id: int):
        goal = self.get_goal(goal_id)
        audit_record(request=request, patient=goal.patient, action="view", what="goal reviews")
        return Response(
            GoalReviewOutput(goal.reviews.order_by("-reviewed_on", "-id"), many=True).data
        )

    @extend_schema(request=GoalReviewInput, responses={201: GoalReviewOutput})
    def post(self, request, goal_id: int):
        goal = self.get_goal(goal_id)
        require_role(request.user, BOTH, _("review goals"))
        serializer = GoalReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        encounter = patient_encounter(goal.patient, data.pop("encounter"))
        review = goal_review_record(
            goal=goal,
            reviewed_by=request.user,
            encounter=encounter,
            audit=Audit.of(request, "create", "goal review"),
            **data,
        )
        return Response(GoalReviewOutput(review).data, status=status.HTTP_201_CREATED)


# --- Readings and targets ----------------------------------------------------------------------


class ReadingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    loinc = serializers.CharField(source="marker.loinc")
    name = serializers.CharField(source="marker.name")
    value = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    unit = serializers.CharField(source="marker.unit")
    taken_on = serializers.DateField()
    encounter = serializers.IntegerField(source="encounter_id", allow_null=True)


class ReadingInput(PatientInput):
    loinc = serializers.CharField(max_length=10)
    value = number_field("value", max_digits=8, decimal_places=2)
    unit = serializers.CharField(max_length=20)
    taken_on = serializers.DateField()  # the service says it with the unit and value
    encounter = _encounter_field()


class ReadingsView(PatientCollectionView):
    input_serializer, output_serializer = ReadingInput, ReadingOutput
    record_name = "readings"
    adding = _("add readings")
    filters = (OpenApiParameter("loinc", str, description="A marker's LOINC code."), *DATE_FILTERS)

    def records(self, patient):
        readings = patient.readings.select_related("marker").order_by("-taken_on", "-id")
        params = self.request.query_params
        if loinc := params.get("loinc"):
            readings = readings.filter(marker__loinc=loinc)
        return dated(readings, self.request, "taken_on")

    def create(self, patient, data):
        return reading_record(
            patient=patient, recorded_by=self.request.user, audit=self.audit(), **data
        )


class TargetOutput(serializers.Serializer):
    loinc = serializers.CharField(source="marker.loinc")
    low = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    high = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    relevant = serializers.BooleanField()
    reason = serializers.CharField()


class TargetInput(StrictSerializer):
    low = number_field("low", max_digits=8, decimal_places=2, required=False, allow_null=True)
    high = number_field("high", max_digits=8, decimal_places=2, required=False, allow_null=True)
    relevant = serializers.BooleanField(required=False, default=True)
    reason = text_field(REASON_MAX, "reason", required=False, allow_blank=True, default="")


class TargetView(APIView):
    """The personal target for one marker (by LOINC code), agreed with the patient."""

    @extend_schema(responses=TargetOutput)
    def get(self, request, patient_id: int, loinc: str):
        patient = patient_get_for_user(
            user=request.user,
            patient_id=patient_id,
            audit=Audit.of(request, "view", "personal target"),
        )
        # The code read as the PUT reads it (marker_for_loinc): spaces round it are not part of it.
        target = get_object_or_404(PersonalTarget, patient=patient, marker__loinc=loinc.strip())
        return Response(TargetOutput(target).data)

    @extend_schema(request=TargetInput, responses=TargetOutput)
    def put(self, request, patient_id: int, loinc: str):
        patient = patient_get_for_user(user=request.user, patient_id=patient_id)
        require_role(request.user, {"clinician"}, _("set personal targets"))
        serializer = TargetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = target_set(
            patient=patient,
            loinc=loinc,
            set_by=request.user,
            audit=Audit.of(request, "update", "personal target"),
            **serializer.validated_data,
        )
        return Response(TargetOutput(target).data)
