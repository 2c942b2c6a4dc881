"""FHIR R4 routes of the REST API: a patient's record as a Bundle, readings imported from
Observations, and each validated instrument as a Questionnaire."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.instrument_api import request_languages
from assessments.instrument_selectors import instrument_worded
from assessments.instruments import INSTRUMENTS
from interop.fhir import patient_everything
from interop.fhir_import import observations_import
from interop.fhir_patients import patients_import, team_for_import
from interop.questionnaires import questionnaire
from patients.audit import Actor, Audit
from patients.imports import teams_importable
from patients.selectors import patient_get_for_user
from ssm_outcomes.input_guard import GuardedFhirJSONParser, GuardedJSONParser
from ssm_outcomes.rest import require_role

FHIR_JSON = "application/fhir+json"


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON


class FhirView(APIView):
    """A FHIR route: it answers, and reads a body, as application/json or as FHIR's own
    application/fhir+json, which a FHIR client sends and asks for."""

    renderer_classes = [JSONRenderer, FhirJSONRenderer]
    parser_classes = [GuardedJSONParser, GuardedFhirJSONParser]


class FhirEverythingView(FhirView):
    """The patient's whole record as a FHIR R4 Bundle (type collection), without staff notes."""

    @extend_schema(responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT})
    def get(self, request, patient_id: int):
        patient = patient_get_for_user(
            user=request.user,
            patient_id=patient_id,
            audit=Audit.of(request, "export", "FHIR $everything"),
        )
        return Response(patient_everything(patient=patient), content_type=FHIR_JSON)


class FhirObservationImportView(FhirView):
    """Create readings from a FHIR Observation, or a Bundle of them (LOINC, UCUM units)."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, patient_id: int):
        patient = patient_get_for_user(user=request.user, patient_id=patient_id)
        require_role(request.user, {"clinician"}, _("import observations"))
        readings = observations_import(
            patient=patient,
            payload=request.data,
            user=request.user,
            audit=Audit.of(request, "create", "FHIR import"),
        )
        return Response(
            {"created": len(readings), "readings": [r.pk for r in readings]},
            status=status.HTTP_201_CREATED,
        )


class FhirQuestionnaireView(FhirView):
    """A validated instrument as a FHIR R4 Questionnaire: its items, answer values (each with its
    ordinalValue) and licence notice as copyright. A licensed instrument has item texts only
    where the site has installed its wording. Not patient data: any signed-in user may read it."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, enum=list(INSTRUMENTS),
                description="The instrument's code, as GET /api/v1/instruments/ lists them.",
            )
        ],
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )  # fmt: skip
    def get(self, request, code: str):
        if code not in INSTRUMENTS:
            raise NotFound(
                f"No questionnaire {code!r}: the questionnaires are {', '.join(INSTRUMENTS)}."
            )
        form = instrument_worded(code, request_languages(request))
        return Response(questionnaire(form), content_type=FHIR_JSON)


class FhirTransactionView(FhirView):
    """Bring patients in from a record system: a transaction Bundle of Patient (identifier = the
    team's local id) and Condition resources, all or nothing, matched on the local id as a
    spreadsheet import is; answered with a transaction-response Bundle."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "team", int, OpenApiParameter.QUERY, required=False,
                description="The team to import into; needed when the caller has several.",
            )
        ],
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )  # fmt: skip
    def post(self, request):
        require_role(request.user, {"clinician", "admin"}, _("import patients"))
        teams = teams_importable(request.user)
        team = team_for_import(request.user, request.query_params.get("team"), teams)
        answer = patients_import(
            payload=request.data, team=team, user=request.user, actor=Actor.of(request)
        )
        return Response(answer, content_type=FHIR_JSON)
