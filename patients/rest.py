"""The REST view of a list of one kind of record under /patients/{id}/, shared by the APIs of
patients and assessments. The machinery it builds on (errors, pagination, strict input, roles) is
ssm_outcomes/rest.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ssm_outcomes.rest import PAGE_PARAMETERS, Pagination, documented, paginated, require_role

from .audit import Audit, audited
from .models import Patient
from .selectors import patient_get_for_user


class PatientCollectionView(APIView):
    """A list of one kind of record under /patients/{id}/, and its POST.

    Subclasses name the serializers, which roles may write, and the selector and service to call.
    The patient is resolved through the shared access rule (404 outside the caller's role), and
    every staff read is written to the audit log.
    """

    input_serializer: type[serializers.Serializer] | None = None
    output_serializer: type[serializers.Serializer]
    write_roles: set[str] = {"clinician"}
    record_name = "records"
    adding: Any = _("add records")  # what a role not in write_roles is refused, translated
    filters: tuple[OpenApiParameter, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)

        def get(self, request, patient_id: int):
            return PatientCollectionView.get(self, request, patient_id)

        def post(self, request, patient_id: int):
            return PatientCollectionView.post(self, request, patient_id)

        cls.get = extend_schema(
            summary=f"List the patient's {cls.record_name}",
            parameters=[*PAGE_PARAMETERS, *cls.filters],
            responses={200: paginated(cls.output_serializer), **documented(401, 404)},
        )(get)
        cls.post = extend_schema(
            summary=f"Add to the patient's {cls.record_name}",
            request=cls.input_serializer,
            responses={201: cls.output_serializer, **documented(400, 401, 403, 404)},
        )(post)

    def get_patient(self, audit: Audit | None = None) -> Patient:
        """The patient `RecordWithinRole` found within the caller's role (or, if a view is ever
        used without that permission, the same rule applied here); a read is audited."""
        found = getattr(self.request, "patient_within_role", None)
        if found is not None and found.pk == self.kwargs["patient_id"]:
            audited(audit, found)
            return found
        return patient_get_for_user(
            user=self.request.user, patient_id=self.kwargs["patient_id"], audit=audit
        )

    def records(self, patient: Patient):
        raise NotImplementedError

    def create(self, patient: Patient, data: dict):
        """Call the service that writes the record, passing it ``audit=self.audit()``: the
        service writes the audit row in the same transaction as the record."""
        raise NotImplementedError

    def audit(self) -> Audit:
        return Audit.of(self.request, "create", self.record_name)

    def output_context(self) -> dict:
        return {"request": self.request}

    def get(self, request, patient_id: int):
        patient = self.get_patient(audit=Audit.of(request, "view", self.record_name))
        paginator = Pagination()
        page: list[Any] | None = paginator.paginate_queryset(
            self.records(patient), request, view=self
        )
        data = self.output_serializer(page, many=True, context=self.output_context()).data
        return paginator.get_paginated_response(data)

    def post(self, request, patient_id: int):
        patient = self.get_patient()
        require_role(request.user, self.write_roles, self.adding)
        if self.input_serializer is None:  # every collection so far takes records
            raise exceptions.MethodNotAllowed(request.method)
        serializer = self.input_serializer(data=request.data, context={"patient": patient})
        serializer.is_valid(raise_exception=True)
        record = self.create(patient, serializer.validated_data)
        return Response(
            self.output_serializer(record, context=self.output_context()).data,
            status=status.HTTP_201_CREATED,
        )
