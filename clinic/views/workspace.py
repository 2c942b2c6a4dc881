"""The clinician workspace: caseload, patient record, encounter logging, supporting records."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assessments.encounters import encounter_log
from assessments.instrument_selectors import SCREEN_FLAG_DAYS, patients_with_positive_screens
from assessments.models import Element, Goal, Marker
from assessments.services import goal_update, target_set
from clinic.forms import (
    AppointmentForm,
    ConditionForm,
    ContextEventForm,
    EncounterLogForm,
    GoalWordingForm,
    TargetForm,
    condition_codes,
)
from clinic.record_charts import domain_charts, instrument_charts
from clinic.selectors import (
    CASELOAD_SORTS,
    MarkerView,
    caseload_for_clinician,
    instruments_for_encounter,
    patient_record,
)
from clinic.templatetags.measures import unpadded
from patients.audit import Audit, audit_record
from patients.selectors import patient_get_for_user
from patients.services import (
    appointment_book,
    appointment_time,
    condition_record,
    condition_update,
    context_event_record,
)
from ssm_outcomes.forms import posted

CASELOAD_PAGE = 25


def clinician_required(view):
    """Signed in, and a clinician: any other role is refused the page (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_clinician:
            raise PermissionDenied("This page is for clinicians.")
        return view(request, *args, **kwargs)

    return wrapper


def record_view(view):
    """A page about one patient: for anyone but a clinician of their teams it does not exist (404),
    so a record's existence never leaks to another role."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_clinician:
            raise Http404("No patient found")
        return view(request, *args, **kwargs)

    return wrapper


def record_patient(request, patient_id: int, audit: Audit | None = None):
    """The patient if they are in one of the clinician's teams; 404 otherwise (a refused access,
    audited). Once found, the request says the record is within the caller's role, so a 404
    after it (a goal or condition id that is not there) is nothing there, not a refusal."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id, audit=audit)
    request.records_within_role = True
    return patient


def _patient(request, patient_id: int, reading: str | None = None):
    """``record_patient``; ``reading`` names what the page shows of the record: the read is
    written to the audit log."""
    audit = Audit.of(request, "view", reading) if reading else None
    return record_patient(request, patient_id, audit)


@clinician_required
def caseload(request):
    search = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "name")
    sort = sort if sort in CASELOAD_SORTS else "name"
    patients = caseload_for_clinician(user=request.user, search=search, sort=sort)
    page = Paginator(patients, CASELOAD_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinic/caseload.html",
        {
            "page": page,
            # One query for the page: whose latest PHQ-2 or GAD-2 was positive, and recent.
            "screened_positive": patients_with_positive_screens([p.pk for p in page]),
            "screen_flag_days": SCREEN_FLAG_DAYS,
            "search": search,
            "sort": sort,
            "sorts": [
                ("name", _("Name")),
                ("last_seen", _("Last seen")),
                ("next_appointment", _("Next appointment")),
                ("own_priorities", _("Own priorities set")),
                ("changed", _("Something new")),
            ],
        },
    )


@record_view
def record(request, patient_id: int):
    patient = _patient(request, patient_id, "patient record")
    return _record_page(request, patient, AppointmentForm(prefix="appointment"))


def _record_page(request, patient, appointment_form, status: int = 200):
    record = patient_record(patient=patient)
    domain_charts(record)
    instrument_charts(record)
    return render(
        request,
        "clinic/record.html",
        {"record": record, "appointment_form": appointment_form},
        status=status,
    )


@require_POST
@record_view
def appointment_new(request, patient_id: int):
    """Book an appointment with the signed-in clinician; a clash is said beside the field."""
    patient = _patient(request, patient_id)
    form = AppointmentForm(request.POST, prefix="appointment")
    if form.is_valid():
        try:
            booked = appointment_book(
                patient=patient,
                clinician=request.user,
                starts_at=form.cleaned_data["starts_at"],
                audit=Audit.of(request, "create", "appointment"),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            when = timezone.localtime(booked.starts_at)
            messages.success(
                request,
                gettext("Booked: %(day)s at %(time)s with %(clinician)s.")
                % {
                    "day": date_format(when, "l j F Y"),
                    "time": date_format(when, "H:i"),
                    "clinician": booked.clinician,
                },
            )
            return redirect("clinic:patient", patient_id=patient.pk)
    audit_record(request=request, patient=patient, action="view", what="patient record")
    return _record_page(request, patient, form, status=400)


@record_view
def encounter_new(request, patient_id: int):
    patient = _patient(request, patient_id, "encounter form" if request.method == "GET" else None)
    elements = list(Element.objects.for_patient(patient).select_related("domain"))
    goals = list(Goal.objects.filter(patient=patient, active=True).order_by("baseline_on"))
    form = EncounterLogForm(
        posted(request),
        elements=elements,
        goals=goals,
        instruments=instruments_for_encounter(patient=patient),
    )
    if request.method == "POST":
        valid = form.is_valid()
        try:
            # With problems of the form's own it is still checked, so all show at once, and
            # nothing is kept.
            logged = encounter_log(
                patient=patient,
                clinician=request.user,
                audit=Audit.of(request, "create", "encounter"),
                keep=valid,
                **form.service_arguments(),
            )
        except ValidationError as error:
            form.add_service_errors(error, skip=set(form.errors))
        else:
            _say_what_was_saved(request, logged)
            return redirect("clinic:patient", patient_id=patient.pk)
        audit_record(request=request, patient=patient, action="view", what="encounter form")
    record = patient_record(patient=patient, encounters=3)
    return render(
        request,
        "clinic/encounter_form.html",
        {"form": form, "record": record},
        status=400 if form.errors else 200,
    )


def _say_what_was_saved(request, logged) -> None:
    """The encounter's success message, with the next appointment it booked or confirmed."""
    said = gettext("The encounter and everything in it are saved.")
    if logged.appointment is not None:
        next_one = (
            gettext("Next appointment confirmed: %(time)s with %(clinician)s.")
            if logged.appointment_confirmed
            else gettext("Next appointment booked: %(time)s with %(clinician)s.")
        )
        said += " " + next_one % {
            "time": appointment_time(logged.appointment.starts_at),
            "clinician": logged.appointment.clinician,
        }
    messages.success(request, said)
    if logged.appointment_problem:
        messages.warning(
            request,
            gettext(
                "The next appointment was not booked. %(problem)s "
                "Book another time under Upcoming appointments."
            )
            % {"problem": logged.appointment_problem},
        )


def _edit_context(patient, **forms_in_use) -> dict:
    record = patient_record(patient=patient, encounters=0)
    codes = condition_codes()
    condition_forms = [
        (
            c,
            ConditionForm(
                prefix=f"condition-{c.pk}",
                initial={"snomed_code": c.code.snomed_code, "onset": c.onset, "stage": c.stage},
                codes=codes,
            ),
        )
        for c in record.conditions
    ]
    target_forms = [
        (
            view.marker,
            TargetForm(
                prefix=f"target-{view.marker.loinc}",
                initial={
                    "low": unpadded(view.target.low) if view.target else None,
                    "high": unpadded(view.target.high) if view.target else None,
                    "relevant": view.target.relevant if view.target else True,
                    "reason": view.target.reason if view.target else "",
                },
            ),
        )
        for view in _all_markers(record)
    ]
    goal_forms = [
        (
            g,
            GoalWordingForm(
                prefix=f"goal-{g.pk}",
                initial={
                    "description": g.description,
                    "expected_outcome": g.expected_outcome,
                    "active": g.active,
                },
            ),
        )
        for g in record.goals
    ]
    context: dict[str, Any] = {
        "record": record,
        "condition_forms": condition_forms,
        "target_forms": target_forms,
        "goal_forms": goal_forms,
        "new_condition": ConditionForm(prefix="new-condition", codes=codes),
        "new_event": ContextEventForm(prefix="new-event"),
    }
    # A form that failed replaces its blank twin, so what was typed and the errors show; its
    # problems are also listed at the top of the page.
    for key, value in forms_in_use.items():
        context["failed"] = value[1] if isinstance(value, tuple) else value
        if isinstance(context.get(key), list):
            context[key] = [(o, value[1] if o == value[0] else f) for o, f in context[key]]
        else:
            context[key] = value
    return context


def _all_markers(record):
    known = {view.marker.pk: view for view in record.markers}
    return [
        known.get(m.pk) or MarkerView(marker=m, target=None, readings=[])
        for m in Marker.objects.order_by("name")
    ]


@record_view
def records_edit(request, patient_id: int):
    patient = _patient(request, patient_id, "supporting records")
    return render(request, "clinic/records_edit.html", _edit_context(patient))


class _FormInvalidError(Exception):
    """Rolls back a write that ran only so its problems could be shown with the form's own."""


def _save(request, patient, form, save, what: str, said: str, **failed):
    """Check a small form and its service together, so every problem shows at once; save and go
    back when there are none, or show the form again with everything typed and each message.
    ``what`` names the change in the audit log (in English); ``said`` in the success message."""
    valid = form.is_valid()
    data = {name: form.cleaned_data.get(name) for name in form.fields}
    try:
        with transaction.atomic():  # rolled back when the form itself has problems
            save(data, Audit.of(request, "update", what))  # the service writes the audit row
            if not valid:
                raise _FormInvalidError
    except ValidationError as error:
        form.add_service_errors(error, skip=set(form.errors))
    except _FormInvalidError:
        pass
    else:
        messages.success(request, gettext("Saved: %(what)s.") % {"what": said})
        return redirect("clinic:records", patient_id=patient.pk)
    audit_record(request=request, patient=patient, action="view", what="supporting records")
    context = _edit_context(
        patient, **{k: (v if k.startswith("new") else (v, form)) for k, v in failed.items()}
    )
    return render(request, "clinic/records_edit.html", context, status=400)


@require_POST
@record_view
def condition_add(request, patient_id: int):
    patient = _patient(request, patient_id)
    form = ConditionForm(request.POST, prefix="new-condition")
    return _save(
        request,
        patient,
        form,
        lambda d, audit: condition_record(patient=patient, audit=audit, **d),
        "condition",
        gettext("condition"),
        new_condition=form,
    )


@require_POST
@record_view
def condition_change(request, patient_id: int, condition_id: int):
    patient = _patient(request, patient_id)
    condition = get_object_or_404(patient.conditions, pk=condition_id)
    form = ConditionForm(request.POST, prefix=f"condition-{condition.pk}")
    return _save(
        request,
        patient,
        form,
        lambda d, audit: condition_update(
            condition=condition, onset=d["onset"], stage=d["stage"], audit=audit
        ),
        f"{condition.code.display}",
        f"{condition.code.display}",
        condition_forms=condition,
    )


@require_POST
@record_view
def target_change(request, patient_id: int, loinc: str):
    patient = _patient(request, patient_id)
    marker = get_object_or_404(Marker, loinc=loinc)
    form = TargetForm(request.POST, prefix=f"target-{marker.loinc}")
    return _save(
        request,
        patient,
        form,
        lambda d, audit: target_set(
            patient=patient, loinc=marker.loinc, set_by=request.user, audit=audit, **d
        ),
        f"personal target for {marker.name}",
        gettext("personal target for %(marker)s") % {"marker": marker.name},
        target_forms=marker,
    )


@require_POST
@record_view
def goal_change(request, patient_id: int, goal_id: int):
    patient = _patient(request, patient_id)
    goal = get_object_or_404(patient.goals, pk=goal_id)
    form = GoalWordingForm(request.POST, prefix=f"goal-{goal.pk}")
    return _save(
        request,
        patient,
        form,
        lambda d, audit: goal_update(goal=goal, audit=audit, **d),
        "goal",
        gettext("goal"),
        goal_forms=goal,
    )


@require_POST
@record_view
def context_event_add(request, patient_id: int):
    patient = _patient(request, patient_id)
    form = ContextEventForm(request.POST, prefix="new-event")
    return _save(
        request,
        patient,
        form,
        lambda d, audit: context_event_record(
            patient=patient, recorded_by=request.user, audit=audit, **d
        ),
        "context event",
        gettext("context event"),
        new_event=form,
    )
