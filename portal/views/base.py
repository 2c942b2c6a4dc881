"""What every page of the patient portal under /me/ shares: ``portal_page`` (signed in as a
patient with a record; the view is handed that patient) and rendering with what was typed kept.

Every page is the signed-in patient's own. No URL names a patient; a goal, item or appointment in
a URL is looked up among the patient's own records only, so anything else answers 404. Staff get
403: these are pages, not records. Every write goes through the same services as the clinician's,
so the summaries follow. The pages themselves are in the modules beside this one.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from patients.selectors import patient_for_portal_user
from ssm_outcomes.forms import posted  # noqa: F401  (the portal's views import it from here)

DRAFT_KEY = "portal_points_draft"
WELCOME_KEY = "portal_invitation_token"
WELCOME_STEP = "set-password"  # what replaces the token in the address once it is in the session
CHART_QUARTERS = 4  # a year: the chart stays legible on a phone; the table has every quarter


def portal_page(view):
    """Signed in as a patient with a record: the view gets that patient. Staff get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_patient:
            raise PermissionDenied("These pages are for patients.")
        patient = patient_for_portal_user(user=request.user)
        return view(request, patient, *args, **kwargs)

    return wrapper


def render_page(request, template: str, context: dict, form=None):
    """A page, answering 400 when the form on it has something to fix."""
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, f"portal/{template}", context, status=status)


# --- Home ------------------------------------------------------------------------------------


# --- What matters to me ----------------------------------------------------------------------


# --- How things are going --------------------------------------------------------------------


# --- My goals --------------------------------------------------------------------------------


# --- My next appointment, and feedback on one ---------------------------------------------------


# --- My progress -----------------------------------------------------------------------------


# --- Settings --------------------------------------------------------------------------------


# --- Invitations: the clinician's side, and the patient's welcome ------------------------------
