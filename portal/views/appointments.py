"""*My next appointment*: what the patient wants to talk about; and after an appointment, how it
went."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.encounters import feedback_record
from patients.selectors import agenda_being_written, next_appointment
from patients.services import agenda_write
from portal.forms import (
    RELATIONSHIP_QUESTIONS,
    AgendaForm,
    FeedbackForm,
    scale_options,
)
from portal.selectors import (
    feedback_given,
    portal_encounter,
)
from portal.views.base import (
    portal_page,
    posted,
    render_page,
)


@portal_page
@require_http_methods(["GET", "POST"])
def agenda(request, patient):
    appointment = next_appointment(patient=patient)
    written = agenda_being_written(patient=patient, appointment=appointment)
    initial = {name: getattr(written, name) for name in AgendaForm.base_fields} if written else {}
    form = AgendaForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agenda_write(patient=patient, appointment=appointment, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved. Your care team will read this before you meet."))
            return redirect("portal:agenda")
    return render_page(
        request,
        "agenda.html",
        {"appointment": appointment, "written": written, "form": form},
        form,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def feedback(request, patient, encounter_id: int):
    encounter = portal_encounter(patient=patient, encounter_id=encounter_id)
    given = feedback_given(encounter=encounter)
    form = FeedbackForm(posted(request), initial={code: r.value for code, r in given.items()})
    if request.method == "POST" and form.is_valid():
        try:
            feedback_record(
                patient=patient,
                encounter=encounter,
                answers=form.answers(),
                entered_by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Thank you for telling us how it went."))
            return redirect("portal:home")
    scales = [(form[code], scale_options(form[code])) for code in RELATIONSHIP_QUESTIONS]
    answered_on = max((r.created_at for r in given.values()), default=None)
    return render_page(
        request,
        "feedback.html",
        {"encounter": encounter, "form": form, "scales": scales, "answered_on": answered_on},
        form,
    )
