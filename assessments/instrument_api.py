"""REST API of the validated instruments: the library (with each one's licence and, where it may
be shown, its wording) and a patient's responses with their scores."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.rest import PatientCollectionView
from ssm_outcomes.rest import DATE_FILTERS, StrictSerializer, choice_field, dated, id_field

from .api import patient_encounter
from .instrument_selectors import instruments_worded
from .instruments import INSTRUMENTS, Instrument
from .models import InstrumentRater, InstrumentResponse
from .responses import INSTRUMENT_RULE, response_record

# How freely an instrument's wording may be shown (assessments/instruments/model.py LicenceKind).
LICENCE_KINDS = [(kind, kind) for kind in ("open", "attribution", "registration", "licensed")]


class InstrumentOptionOutput(serializers.Serializer):
    value = serializers.IntegerField()
    # The serializer metaclass takes declared fields off the class, so this field does not
    # replace Field.label, as the stubs believe.
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]


class InstrumentItemOutput(serializers.Serializer):
    link_id = serializers.CharField()
    text = serializers.CharField(allow_null=True, help_text="Null when a pack is not installed.")
    options = InstrumentOptionOutput(many=True)


class InstrumentLicenceOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LICENCE_KINDS)
    notice = serializers.CharField()


class InstrumentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    licence = InstrumentLicenceOutput()
    informs = serializers.ListField(child=serializers.CharField())
    items = InstrumentItemOutput(many=True)


def instrument_data(form: Instrument) -> dict[str, Any]:
    return {
        "code": form.code,
        "name": form.name,
        "version": form.version,
        "licence": {"kind": form.licence.kind, "notice": form.licence.notice},
        "informs": list(form.informs),
        "items": [
            {
                "link_id": item.link_id,
                "text": item.text,
                "options": [{"value": o.value, "label": o.label} for o in item.options],
            }
            for item in form.items
        ],
    }


def request_languages(request: Request) -> list[str]:
    """The languages asked for, in the order Accept-Language prefers them (its weights, as the
    page language reads them), then the request's language (LocaleMiddleware, the user's own
    choice), for installed wording; each falls back to its base language (nl-be: nl), and all
    to British English (``wording_languages``)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    asked = [code for code, _weight in parse_accept_lang_header(header) if code != "*"]
    return list(dict.fromkeys([*asked, translation.get_language() or "en-gb"]))


class InstrumentsView(APIView):
    """The validated instruments the product can record, with their licences. They sit beside
    the patient-weighted index and never enter it."""

    @extend_schema(responses=InstrumentOutput(many=True))
    def get(self, request: Request) -> Response:
        forms = instruments_worded(request_languages(request))
        return Response([instrument_data(form) for form in forms])


class ResponseOutput(serializers.ModelSerializer):
    scores = serializers.JSONField()
    answers = serializers.JSONField()
    entered_by = serializers.SerializerMethodField()

    class Meta:
        model = InstrumentResponse
        fields = [
            "id",
            "instrument",
            "answers",
            "scores",
            "completed_on",
            "rater",
            "encounter",
            "entered_by",
        ]

    def get_entered_by(self, response: InstrumentResponse) -> str | None:
        return str(response.entered_by) if response.entered_by else None


class ResponseInput(StrictSerializer):
    instrument = serializers.CharField(max_length=16)
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text='Item link id ("1", "2", …) to the answer, or null if skipped.',
    )
    completed_on = serializers.DateField()
    rater = choice_field("rater", InstrumentRater.choices)
    encounter = id_field(required=False, allow_null=True, default=None)


class ResponsesView(PatientCollectionView):
    input_serializer, output_serializer = ResponseInput, ResponseOutput
    write_roles = {"clinician", "patient"}
    record_name = "instrument responses"
    adding = _("add instrument responses")
    filters = (
        OpenApiParameter("instrument", str, enum=list(INSTRUMENTS)),
        *DATE_FILTERS,
    )

    def records(self, patient):
        responses = patient.instrument_responses.select_related("entered_by").order_by(
            "-completed_on", "-id"
        )
        params = self.request.query_params
        if (code := params.get("instrument")) is not None:
            if code not in INSTRUMENTS:
                raise serializers.ValidationError({"instrument": [INSTRUMENT_RULE]})
            responses = responses.filter(instrument=code)
        return dated(responses, self.request, "completed_on")

    def create(self, patient, data):
        encounter = patient_encounter(patient, data.pop("encounter"))
        return response_record(
            patient=patient,
            entered_by=self.request.user,
            encounter=encounter,
            audit=self.audit(),
            **data,
        )
