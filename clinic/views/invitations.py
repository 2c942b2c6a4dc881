"""The clinician's side of the portal's front door: inviting a patient who has no login, and
helping one who has a login to sign in.

The rule: staff never see a link that opens an existing login and never set its address. A
patient without a login gets a one-time invitation link; a patient with one gets sign-in help
emailed to the address already on their login, or a printed letter that carries no link.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.forms import InviteForm
from patients.audit import Audit, audit_record
from patients.emails import site_link
from patients.invitations import (
    invitation_create,
    invitation_link,
    masked_email,
    sign_in_help_send,
)
from ssm_outcomes.forms import posted
from ssm_outcomes.languages import chosen_language, languages_offered

from .workspace import record_patient, record_view


def _sign_in_help_page(request, patient, *, status: int = 200, refused: str = ""):
    user = patient.user
    return render(
        request,
        "clinic/sign_in_help.html",
        {
            "patient": patient,
            "username": user.username,
            "address": masked_email(user.email) if user.email else "",
            "refused": refused,
        },
        status=status,
    )


@never_cache
@record_view
@require_http_methods(["GET", "POST"])
def invite(request, patient_id: int):
    """A clinician invites one of their patients who has no login to the portal."""
    patient = record_patient(request, patient_id)
    if patient.user_id is not None:
        if request.method == "POST":
            audit_record(request=request, patient=patient, action="denied", what="400 invitation")
            return _sign_in_help_page(
                request,
                patient,
                status=400,
                refused=gettext("No invitation was made: this patient already has a portal login."),
            )
        return redirect("clinic:sign-in-help", patient_id=patient.pk)
    form = InviteForm(posted(request), patient=patient)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            invitation, token = invitation_create(
                patient=patient,
                created_by=request.user,
                email=form.cleaned_data["email"],
                language=language,
                audit=Audit.of(request, "create", "portal invitation"),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return render(
                request,
                "portal/invitation_created.html",
                {
                    "patient": patient,
                    "invitation": invitation,
                    # The link opens the welcome page in the invitation's language.
                    "link": invitation_link(token, language),
                    "language": language,
                    "language_name": dict(languages_offered())[language],
                },
            )
    # Shown, or shown again after a refused invitation (whose own row was rolled back with it).
    audit_record(request=request, patient=patient, action="view", what="portal invitation")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "portal/invitation_form.html", {"patient": patient, "form": form}, status=status
    )


@never_cache
@record_view
@require_http_methods(["GET", "POST"])
def sign_in_help(request, patient_id: int):
    """For a patient who has a login: email them their username and a link to choose a new
    password, at the address on their login; or, without one, offer a printed letter."""
    patient = record_patient(request, patient_id)
    if patient.user_id is None:
        return redirect("clinic:invite", patient_id=patient.pk)
    if request.method == "POST":
        sent_to = sign_in_help_send(
            patient=patient,
            requested_by=request.user,
            audit=Audit.of(request, "create", "sign-in help"),
        )
        if sent_to:
            messages.success(
                request,
                gettext(
                    "Sign-in help is on its way to %(address)s: their username, and a link to "
                    "choose a new password that only they receive."
                )
                % {"address": sent_to},
            )
            return redirect("clinic:patient", patient_id=patient.pk)
        return redirect("clinic:sign-in-letter", patient_id=patient.pk)
    # The page shows the login's username and (masked) address: a view of the record.
    audit_record(request=request, patient=patient, action="view", what="sign-in help")
    return _sign_in_help_page(request, patient)


@never_cache
@record_view
def sign_in_letter(request, patient_id: int):
    """A printable letter for a patient who has a login but no email address: their username
    and how to sign in. It carries no link that could open their login."""
    patient = record_patient(request, patient_id)
    user = patient.user  # None, without a query, when there is no login
    if user is None:
        return redirect("clinic:invite", patient_id=patient.pk)
    audit_record(request=request, patient=patient, action="export", what="sign-in letter")
    return render(
        request,
        "clinic/sign_in_letter.html",
        {
            "patient": patient,
            "username": user.username,
            "sign_in_link": site_link("login"),
            "has_email": bool(user.email),
            # The letter is the patient's: in the language they chose, else the page's.
            "letter_language": chosen_language(user) or get_language(),
        },
    )
