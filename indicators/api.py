"""REST API for stored summaries: a patient's quarters and a team's quarter."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.audit import Audit
from patients.selectors import patient_get_for_user
from ssm_outcomes.rest import require_role

from .comparisons import COMPARISON_READERS, comparison_for_user
from .instrument_figures import INDICATIVE_BELOW
from .scoring import parse_period
from .selectors import (
    staff_teams_for_user,
    summaries_for_patient,
    summary_for_patient,
    team_summary,
)
from .small_numbers import (
    FEWER_THAN_5,
    FEWER_THAN_PATIENTS,
    NO_EARLIER_QUARTER,
    PROTECTS_SMALLER,
    WITHHELD_REASONS,
)

# scoring.PERIOD_FORMAT_MESSAGE in the reader's language (the scoring module has no Django).
PERIOD_RULE = _("period must look like 2026Q3")


class Spread(serializers.Serializer):
    median = serializers.FloatField()
    q1 = serializers.FloatField()
    q3 = serializers.FloatField()
    n = serializers.IntegerField()


class DomainScore(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField()


class MarkerCounts(serializers.Serializer):
    relevant = serializers.IntegerField()
    with_reading = serializers.IntegerField()
    in_target = serializers.IntegerField()


class ContextEventBrief(serializers.Serializer):
    """A context event of the quarter. A patient receives only those shared with them."""

    kind = serializers.CharField()
    occurred_on = serializers.DateField()
    visible_to_patient = serializers.BooleanField()


class PatientSummaryOutput(serializers.Serializer):
    """Documents the shape of a stored patient summary (the selector builds the data)."""

    period = serializers.CharField()
    index = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField()
    weights_source = serializers.ChoiceField(choices=["patient", "default"])
    domains = serializers.DictField(child=DomainScore())
    goal_attainment = serializers.FloatField(allow_null=True)
    markers = MarkerCounts()
    change = serializers.FloatField(allow_null=True)
    direction = serializers.ChoiceField(choices=["improved", "stable", "declined"], allow_null=True)
    perspective_gap = serializers.FloatField(allow_null=True)
    attribution_caveat = serializers.BooleanField()
    context_events = ContextEventBrief(many=True)
    encounters = serializers.IntegerField()
    patient_initiated = serializers.IntegerField()
    instruments = serializers.DictField(
        child=serializers.DictField(),
        help_text="Each validated instrument answered in the quarter: its code to the scores of "
        "the latest response (by completion date), as GET /api/v1/patients/{id}/responses/ gives "
        "them. Beside the index; never part of it.",
    )
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)


class HeldShare(serializers.Serializer):
    """How many patients put points on something, and the mean share of their points it holds
    (both null when fewer than 5 hold it)."""

    patients = serializers.IntegerField(allow_null=True)
    mean_share = serializers.FloatField(allow_null=True)


class CommonItem(serializers.Serializer):
    """A personal item's wording that 5 or more patients of the group share."""

    # The serializer metaclass takes declared fields off the class, so this field does not
    # replace Field.label, as the stubs believe.
    label = serializers.CharField()  # type: ignore[assignment]
    domain = serializers.ChoiceField(choices=["H", "M", "R"])
    patients = serializers.IntegerField()


class GroupPriorities(serializers.Serializer):
    patients = serializers.IntegerField()
    domains = serializers.DictField(child=HeldShare())
    elements = serializers.DictField(child=HeldShare())
    common_items = CommonItem(many=True)
    other_items = serializers.IntegerField()


class GroupInstrument(serializers.Serializer):
    """One validated instrument in a group's quarter, from each patient's latest response in it.
    Null figures are withheld (``suppressed_reasons``, e.g. ``instruments.PHQ2.median``)."""

    n = serializers.IntegerField(
        allow_null=True, help_text="Patients with a response in the quarter."
    )
    main_score = serializers.CharField(help_text="The score the median and quartiles are of.")
    median = serializers.FloatField(allow_null=True)
    q1 = serializers.FloatField(allow_null=True)
    q3 = serializers.FloatField(allow_null=True)
    share_positive = serializers.FloatField(
        allow_null=True, required=False, help_text="Screens only: the share screening positive."
    )
    top_score_share = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="collaboRATE only: the share giving the top score on every item.",
    )
    indicative = serializers.BooleanField(
        required=False,
        help_text=f"collaboRATE only: true when fewer than {INDICATIVE_BELOW} patients responded.",
    )


class TeamSummaryOutput(serializers.Serializer):
    """Documents the shape of a stored team summary; null figures rest on fewer than 5."""

    team = serializers.IntegerField()
    period = serializers.CharField()
    patients = serializers.IntegerField(allow_null=True)
    with_own_priorities = serializers.IntegerField(allow_null=True)
    index = Spread(allow_null=True)
    coverage = Spread(allow_null=True)
    domains = serializers.DictField(child=Spread(allow_null=True))
    improved = serializers.IntegerField(allow_null=True)
    stable = serializers.IntegerField(allow_null=True)
    declined = serializers.IntegerField(allow_null=True)
    goal_attainment_median = serializers.FloatField(allow_null=True)
    markers_in_target_share = serializers.FloatField(allow_null=True)
    patient_initiated_share = serializers.FloatField(allow_null=True)
    context_share = serializers.FloatField(allow_null=True)
    priorities = GroupPriorities(allow_null=True)
    context_patients = serializers.IntegerField(allow_null=True)
    patient_initiated_patients = serializers.IntegerField(allow_null=True)
    context_kinds = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    declined_context = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    instruments = serializers.DictField(
        child=GroupInstrument(),
        required=False,
        help_text="The validated instruments the team offers or its patients answered in the "
        "quarter, by code. Beside the patient-weighted index; never part of it. Absent from "
        "summaries stored before instruments were summarised.",
    )
    suppressed = serializers.BooleanField()
    suppressed_fields = serializers.ListField(child=serializers.CharField())
    suppressed_reasons = serializers.DictField(
        child=serializers.ChoiceField(choices=WITHHELD_REASONS),
        required=False,
        help_text="Why each null figure is withheld, by dotted name (e.g. declined_context."
        f"with_context): {FEWER_THAN_5} (it rests on {FEWER_THAN_PATIENTS}), "
        f"{PROTECTS_SMALLER} (hidden so that a smaller number cannot be worked out from "
        f"the totals) or {NO_EARLIER_QUARTER} (no patient has an index in the quarter before). "
        f"A null share inside priorities always rests on {FEWER_THAN_PATIENTS}. "
        "Absent from summaries stored before reasons were kept.",
    )
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)


def period_checked(period: str) -> str:
    """A quarter named in a path (``2026Q3``); anything else is bad input, a 400 naming it, not
    a quarter with nothing in it."""
    try:
        return parse_period(period)
    except ValueError:
        raise exceptions.ValidationError({"period": [PERIOD_RULE]}) from None


class PatientSummariesView(APIView):
    """Every quarter of a patient's patient-weighted summary, oldest first."""

    @extend_schema(responses=PatientSummaryOutput(many=True))
    def get(self, request, patient_id: int):
        patient = patient_get_for_user(
            user=request.user,
            patient_id=patient_id,
            audit=Audit.of(request, "view", "summaries"),
        )
        return Response(summaries_for_patient(patient=patient, to_patient=request.user.is_patient))


class PatientSummaryView(APIView):
    """One quarter (e.g. 2026Q3) of a patient's summary."""

    @extend_schema(
        responses={200: PatientSummaryOutput, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}
    )
    def get(self, request, patient_id: int, period: str):
        period = period_checked(period)
        patient = patient_get_for_user(
            user=request.user,
            patient_id=patient_id,
            audit=Audit.of(request, "view", f"summary {period}"),
        )
        return Response(
            summary_for_patient(patient=patient, period=period, to_patient=request.user.is_patient)
        )


class TeamSummaryView(APIView):
    """A team's aggregate summary for one quarter; figures on fewer than 5 patients are null."""

    @extend_schema(
        responses={200: TeamSummaryOutput, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}
    )
    def get(self, request, team_id: int, period: str):
        period = period_checked(period)
        team = get_object_or_404(staff_teams_for_user(user=request.user), pk=team_id)
        return Response(team_summary(team=team, period=period))


# --- Fair comparison of teams ------------------------------------------------------------------


class ComparisonLimits(serializers.Serializer):
    lower_95 = serializers.FloatField(allow_null=True)
    upper_95 = serializers.FloatField(allow_null=True)
    lower_998 = serializers.FloatField(allow_null=True)
    upper_998 = serializers.FloatField(allow_null=True)


class ComparisonCaveats(serializers.Serializer):
    context_share = serializers.FloatField(
        allow_null=True, help_text="The share of the team's patients with a context event."
    )
    coverage_median = serializers.FloatField(
        allow_null=True, help_text="The median coverage of the team's patients' ratings."
    )
    few_patients = serializers.BooleanField(help_text="Fewer than 20 patients: wide limits.")


class ComparisonFigure(serializers.Serializer):
    """A team's figure: observed (O) beside expected (E), adjusted, and its limits for its n.
    A team of fewer than 5 patients is not shown: every figure null, ``position`` says why."""

    shown = serializers.BooleanField()
    n = serializers.IntegerField(allow_null=True)
    observed = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)
    adjusted = serializers.FloatField(allow_null=True)
    limits = ComparisonLimits()
    position = serializers.CharField(
        help_text="Where the adjusted figure lies, in words (e.g. within the expected range); "
        "never a rank."
    )
    caveats = ComparisonCaveats()


class ComparisonTeam(serializers.Serializer):
    team = serializers.IntegerField()
    name = serializers.CharField()
    figures = serializers.DictField(
        child=ComparisonFigure(),
        help_text="By figure: mean_change, improved_share, patient_initiated_share.",
    )


class ComparisonMethod(serializers.Serializer):
    """How a figure was compared: the case-mix model over every team and the limits used."""

    kind = serializers.ChoiceField(choices=["mean", "proportion"])
    fitted = serializers.BooleanField()
    reason = serializers.CharField(required=False, help_text="Why no model was fitted.")
    target = serializers.FloatField(required=False, help_text="θ₀ (a mean) or p₀ (a share).")
    sigma = serializers.FloatField(required=False, allow_null=True)
    phi = serializers.FloatField(required=False)
    tau2 = serializers.FloatField(required=False)
    overdispersed = serializers.BooleanField(required=False)
    overdispersion = serializers.ChoiceField(
        choices=["none", "random_effects"],
        required=False,
        help_text="random_effects when the limits were widened by τ².",
    )
    limits_method = serializers.ChoiceField(choices=["normal", "exact_binomial"], required=False)
    teams_shown = serializers.IntegerField(required=False)
    sentence = serializers.CharField(
        required=False,
        help_text="Which limits were used and how far the case mix was adjusted for, in English.",
    )
    model = serializers.CharField(
        required=False, help_text="The case-mix model in words, in English."
    )
    case_mix_adjusted = serializers.BooleanField(
        required=False,
        help_text="False when no case-mix model could be used: E is the overall figure.",
    )
    no_adjustment_reason = serializers.ChoiceField(
        choices=["same_outcome", "no_factor", "too_few", "not_fitted"],
        allow_null=True,
        required=False,
    )
    factors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The factors in the model."
    )
    dropped_factors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The factors left out of the model altogether.",
    )
    dropped = serializers.DictField(
        child=serializers.ChoiceField(choices=["constant", "collinear", "separation"]),
        required=False,
        help_text="Each column left out (a factor, or name[level]) and why.",
    )
    patients = serializers.IntegerField(required=False)
    coefficients = serializers.DictField(child=serializers.FloatField(), required=False)
    standard_errors = serializers.DictField(child=serializers.FloatField(), required=False)
    statistics = serializers.DictField(child=serializers.FloatField(), required=False)


class ComparisonOutput(serializers.Serializer):
    period = serializers.CharField()
    computed_at = serializers.DateTimeField()
    method = serializers.DictField(child=ComparisonMethod())
    teams = ComparisonTeam(many=True)


class ComparisonView(APIView):
    """The fair comparison of the caller's teams in one quarter (managers and network leads):
    each team alphabetically, observed beside expected, adjusted, limits and the method."""

    @extend_schema(
        responses={
            200: ComparisonOutput,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
        }
    )
    def get(self, request, period: str):
        period = period_checked(period)
        require_role(request.user, set(COMPARISON_READERS), _("read the comparison of teams"))
        return Response(comparison_for_user(user=request.user, period=period))
