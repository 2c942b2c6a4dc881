from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from accounts.two_step import device_of, two_step_offered

from ..models import Membership, User
from ..selectors import patient_for_portal_user, patients_visible_to, teams_for_user


@login_required
def home(request):
    """The signed-in landing page: who you are and what your role lets you see."""
    user: User = request.user
    context: dict = {"role": user.get_role_display()}
    if user.is_clinician:
        context["teams"] = teams_for_user(user=user, role=Membership.Role.CLINICIAN).annotate(
            patient_count=Count("patients")
        )
        context["patient_count"] = patients_visible_to(user=user).count()
    elif user.is_manager:
        context["teams"] = teams_for_user(user=user, role=Membership.Role.MANAGER).annotate(
            patient_count=Count("patients")
        )
    elif user.is_patient:
        patient = patient_for_portal_user(user=user)
        context["patient"] = patient
        context["next_appointment"] = (
            patient.appointments.filter(starts_at__gte=timezone.now())
            .select_related("clinician")
            .first()
        )
    if two_step_offered(user):
        context["two_step_offered"] = True
        context["two_step_on"] = device_of(user) is not None
    return render(request, "home.html", context)
