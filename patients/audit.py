"""The audit log of who touched which patient's record: who acts (``Actor``), and writing a row.

Writes are audited by the service that makes them, inside its own transaction: a service that
takes ``actor=`` writes the audit row with the change, so there is never a change without its row
or a row without its change. Reads are audited where the staff surface reads a record. Refused
requests are audited through ``ssm_outcomes.signals.access_refused``. A patient's own use of
their record is not an access to account for, except a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.dispatch import receiver
from django.http import HttpRequest

from ssm_outcomes.log_redaction import redact
from ssm_outcomes.request_ids import request_id_of
from ssm_outcomes.signals import access_refused

from .models import AuditEvent, Patient, User


@dataclass(frozen=True)
class Actor:
    """Who is acting, and the request they act through (its path and id go in the row)."""

    user: User | None
    path: str = ""
    request_id: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> Actor:
        user = request.user if request.user.is_authenticated else None
        # A mistyped one-time link's token stays out of the log.
        return cls(user=user, path=redact(request.path)[:300], request_id=request_id_of(request))


def audit_write(actor: Actor | None, *, patient: Patient | None, action: str, what: str) -> None:
    """Write who did what to which patient's record. No actor (a job, a command): no row."""
    if actor is None:
        return
    user = actor.user
    if user is not None and user.is_patient and action != AuditEvent.Action.DENIED:
        return  # a patient reading or changing their own record is not an access to account for
    AuditEvent.objects.create(
        actor=user,
        actor_role=user.role if user else "anonymous",
        patient=patient,
        action=action,
        what=what[:200],
        path=actor.path,
        request_id=actor.request_id,
    )


def audit_record(*, request: HttpRequest, patient: Patient | None, action: str, what: str) -> None:
    """Write an audit row for this request (reads, and refusals)."""
    audit_write(Actor.of(request), patient=patient, action=action, what=what)


@receiver(access_refused, dispatch_uid="patients.audit.refusals")
def audit_refusal(
    sender: Any, *, request: HttpRequest, status: int, patient_id: object = None, **kwargs: Any
) -> None:
    """Record a refused access: who, what they asked for, and the patient if the id is real."""
    patient = None
    if isinstance(patient_id, int):
        patient = Patient.objects.filter(pk=patient_id).first()
    audit_record(
        request=request, patient=patient, action="denied", what=f"{status} {request.method}"
    )


@dataclass(frozen=True)
class Audit:
    """An access to write to the audit log with a change: who, through which request, doing what.

    A surface makes one (``Audit.of(request, "create", "encounter")``) and hands it to the
    service, which writes the row in the same transaction as the change."""

    actor: Actor
    action: str
    what: str

    @classmethod
    def of(cls, request: HttpRequest, action: str, what: str) -> Audit:
        return cls(Actor.of(request), action, what)


def audited(audit: Audit | None, patient: Patient | None) -> None:
    """Write the audit row of a change, when the service was given one (a job or a command
    that changes records has no request to account for)."""
    if audit is not None:
        audit_write(audit.actor, patient=patient, action=audit.action, what=audit.what)
