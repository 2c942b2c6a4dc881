"""Where each person lands after signing in, and their account page.

`/` sends each role to its own home: patients to the portal, clinicians to their caseload,
managers and network leads to the team dashboards, administrators to the admin site. *Your
account* (staff) says who you are, your teams, and links to two-step sign-in and API tokens; there
staff choose the language of their pages and emails.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patients.models import Membership, User
from patients.selectors import patients_visible_to, teams_for_user
from patients.services import language_set
from ssm_outcomes.languages import chosen_language

from ..forms import LanguageForm
from ..two_step import device_of, two_step_offered

HOMES = {
    User.Role.PATIENT: "portal:home",
    User.Role.CLINICIAN: "clinic:caseload",
    User.Role.MANAGER: "dashboards:index",
    User.Role.NETWORK_LEAD: "dashboards:index",
    User.Role.ADMIN: "admin:index",
}


@login_required
def home(request):
    """The address everyone is sent to after signing in: on to their role's own home."""
    return redirect(HOMES.get(request.user.role, "account"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request):
    """Your account: who you are, your teams, two-step sign-in, API tokens and the language of
    your pages (staff)."""
    user: User = request.user
    if user.is_patient:
        raise PermissionDenied("Patients have My settings in their own pages.")
    form = LanguageForm(initial={"language": user.language})
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            try:
                language_set(user=user, language=form.cleaned_data["language"])
            except ValidationError as error:
                for message in error.message_dict.get("language", error.messages):
                    form.add_error("language", message)
            else:
                # The message is read on the next page, so it is written in the new language.
                translation.activate(
                    chosen_language(user) or translation.get_language_from_request(request)
                )
                messages.success(request, _("Your language is saved."))
                return redirect("account")
    context: dict = {"role": user.get_role_display(), "language_form": form}
    if user.is_clinician:
        context["teams"] = teams_for_user(user=user, role=Membership.Role.CLINICIAN).annotate(
            patient_count=Count("patients")
        )
        context["patient_count"] = patients_visible_to(user=user).count()
    elif user.is_manager or user.is_network_lead:
        context["teams"] = teams_for_user(user=user, role=user.role).annotate(
            patient_count=Count("patients")
        )
    if two_step_offered(user):
        context["two_step_offered"] = True
        context["two_step_on"] = device_of(user) is not None
    return render(request, "account/account.html", context)
