"""REST API for patients and the records of care."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.rest import PatientCollectionView
from patients.services import (
    condition_record,
    context_event_record,
    encounter_record,
    encounter_time_checked,
    patient_create,
    patient_update,
)
from patients.validation import date_rule, field_rule
from ssm_outcomes.digits import whole_number
from ssm_outcomes.rest import (
    DATE_FILTERS,
    PAGE_PARAMETERS,
    Pagination,
    StrictSerializer,
    choice_field,
    dated,
    id_field,
    number_field,
    paginated,
    require_role,
    text_field,
    whole_number_field,
)

from .audit import Audit
from .models import Condition, ContextEvent, Encounter, Membership, Patient, Strategy, Team
from .selectors import patient_get_for_user, patients_visible_to, teams_for_user
from .validation import DISPLAY_NAME_MAX, EVENT_NOTE_MAX, NOTE_MAX, birth_year_valid

# --- Patients ----------------------------------------------------------------------------------


class PatientOutput(serializers.ModelSerializer):
    teams: serializers.PrimaryKeyRelatedField[Team] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Patient
        fields = ["id", "display_name", "birth_year", "teams", "created_at", "updated_at"]


class PatientInput(StrictSerializer):
    display_name = text_field(DISPLAY_NAME_MAX, "display_name")
    birth_year = serializers.IntegerField(validators=[birth_year_valid])
    teams = serializers.ListField(child=id_field(), min_length=1)

    def validate_teams(self, ids):
        user = self.context["user"]
        teams = list(teams_for_user(user=user, role=Membership.Role.CLINICIAN).filter(pk__in=ids))
        if len(teams) != len(set(ids)):
            raise serializers.ValidationError(gettext("teams must be teams you work in"))
        return teams


class PatientListView(APIView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("search", str, description="Part of the display name."),
            OpenApiParameter("team", int, description="Only patients of this team."),
        ],
        responses=paginated(PatientOutput),
        operation_id="patients_list",
    )
    def get(self, request):
        require_role(request.user, {"clinician", "patient"}, _("list patients"))
        patients = patients_visible_to(user=request.user).prefetch_related("teams")
        if search := request.query_params.get("search", "").strip():
            patients = patients.filter(display_name__icontains=search)
        if (team := request.query_params.get("team")) is not None:  # "?team=" is no team id
            if (team_id := whole_number(team)) is None:
                rule = gettext("team must be a team id (a whole number)")
                raise ValidationError({"team": [rule]})
            patients = patients.filter(teams__id=team_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(patients.order_by("display_name", "id"), request)
        return paginator.get_paginated_response(PatientOutput(page, many=True).data)

    @extend_schema(request=PatientInput, responses={201: PatientOutput})
    def post(self, request):
        require_role(request.user, {"clinician"}, _("register patients"))
        serializer = PatientInput(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        patient = patient_create(
            **serializer.validated_data, audit=Audit.of(request, "create", "patient")
        )
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)


class PatientPatchInput(PatientInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PatientDetailView(APIView):
    @extend_schema(responses=PatientOutput)
    def get(self, request, patient_id: int):
        patient = patient_get_for_user(
            user=request.user,
            patient_id=patient_id,
            audit=Audit.of(request, "view", "patient"),
        )
        return Response(PatientOutput(patient).data)

    @extend_schema(request=PatientPatchInput, responses=PatientOutput)
    def patch(self, request, patient_id: int):
        patient = patient_get_for_user(user=request.user, patient_id=patient_id)
        require_role(request.user, {"clinician"}, _("change patient details"))
        serializer = PatientPatchInput(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        patient = patient_update(
            patient=patient,
            changed_by=request.user,
            audit=Audit.of(request, "update", "patient"),
            **serializer.validated_data,
        )
        return Response(PatientOutput(patient).data)


# --- Conditions --------------------------------------------------------------------------------


class ConditionOutput(serializers.ModelSerializer):
    snomed_code = serializers.CharField(source="code.snomed_code")
    display = serializers.CharField(source="code.display")
    stage_system = serializers.CharField(source="code.stage_system")

    class Meta:
        model = Condition
        fields = ["id", "snomed_code", "display", "onset", "stage", "stage_system"]


class ConditionInput(StrictSerializer):
    snomed_code = serializers.CharField(max_length=18)
    onset = serializers.DateField(required=False, allow_null=True)
    stage = number_field("stage", max_digits=3, decimal_places=1, required=False, allow_null=True)


class ConditionsView(PatientCollectionView):
    input_serializer, output_serializer = ConditionInput, ConditionOutput
    record_name = "conditions"
    adding = _("add conditions")

    def records(self, patient):
        return patient.conditions.select_related("code").order_by("code__display", "id")

    def create(self, patient, data):
        return condition_record(patient=patient, audit=self.audit(), **data)


# --- Encounters --------------------------------------------------------------------------------


class EncounterOutput(serializers.ModelSerializer):
    clinician = serializers.CharField(source="clinician.get_full_name")

    class Meta:
        model = Encounter
        fields = [
            "id",
            "occurred_at",
            "mode",
            "initiated_by",
            "duration_minutes",
            "strategies",
            "note",
            "agenda_discussed",
            "clinician",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context["request"].user.is_patient:
            del data["note"]  # staff only
        return data


class EncounterInput(StrictSerializer):
    occurred_at = serializers.DateTimeField(validators=[field_rule(encounter_time_checked)])
    mode = choice_field("mode", Encounter.Mode.choices)
    initiated_by = choice_field("initiated_by", Encounter.Initiator.choices)
    duration_minutes = whole_number_field("duration_minutes", 1, 480)
    strategies = serializers.ListField(
        child=choice_field("strategies", Strategy.choices), required=False, default=list
    )
    note = text_field(NOTE_MAX, "note", required=False, allow_blank=True, default="")
    agenda_discussed = serializers.BooleanField(required=False, allow_null=True, default=None)


class EncountersView(PatientCollectionView):
    input_serializer, output_serializer = EncounterInput, EncounterOutput
    record_name = "encounters"
    adding = _("add encounters")
    filters = DATE_FILTERS

    def records(self, patient):
        records = patient.encounters.select_related("clinician").order_by("-occurred_at", "-id")
        return dated(records, self.request, "occurred_at__date")

    def create(self, patient, data):
        return encounter_record(
            patient=patient, clinician=self.request.user, audit=self.audit(), **data
        )


# --- Context events ----------------------------------------------------------------------------


class ContextEventOutput(serializers.ModelSerializer):
    class Meta:
        model = ContextEvent
        fields = ["id", "kind", "occurred_on", "note", "visible_to_patient"]


class ContextEventInput(StrictSerializer):
    kind = choice_field("kind", ContextEvent.Kind.choices)
    occurred_on = serializers.DateField(validators=[date_rule("occurred_on")])
    note = text_field(EVENT_NOTE_MAX, "note", required=False, allow_blank=True, default="")
    visible_to_patient = serializers.BooleanField(required=False, default=True)


class ContextEventsView(PatientCollectionView):
    input_serializer, output_serializer = ContextEventInput, ContextEventOutput
    record_name = "context events"
    adding = _("add context events")

    def records(self, patient):
        events = patient.context_events.order_by("-occurred_on", "-id")
        if self.request.user.is_patient:
            events = events.filter(visible_to_patient=True)
        return events

    def create(self, patient, data):
        return context_event_record(
            patient=patient, recorded_by=self.request.user, audit=self.audit(), **data
        )


# --- FHIR R4 -----------------------------------------------------------------------------------
