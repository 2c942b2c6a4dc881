"""The first-run guide an administrator sees on the admin site's home page: the steps from an
empty install to a first team dashboard, each linking to where it is done and ticked when done
(worked out from the records, nothing stored)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indicators.models import TeamSummary
from patients.models import Invitation, Membership, Patient, Team


@dataclass(frozen=True)
class Step:
    title: str | Promise
    how: str | Promise
    link: str
    link_text: str | Promise
    done: bool


def first_run_steps() -> list[Step]:
    clinicians = Membership.objects.filter(role=Membership.Role.CLINICIAN)
    managers = Membership.objects.filter(role=Membership.Role.MANAGER)
    staff_waiting = Membership.objects.filter(
        user__last_login__isnull=True, user__is_active=True
    ).exists()
    return [
        Step(
            _("Create the team"),
            _("A team is a service or practice: its clinicians, managers and patients."),
            reverse("admin:patients_team_add"),
            _("Add a team"),
            Team.objects.exists(),
        ),
        Step(
            _("Add the clinicians"),
            _("Add each as a user with the role Clinician and a team membership as clinician."),
            reverse("admin:patients_user_add"),
            _("Add a user"),
            clinicians.exists(),
        ),
        Step(
            _("Add a service manager"),
            _("A manager sees the team's dashboards: summaries only, never a record."),
            reverse("admin:patients_user_add"),
            _("Add a user"),
            managers.exists(),
        ),
        Step(
            _("Invite the staff"),
            _(
                "In Users, tick them and choose “Email a sign-in invitation”: each gets their "
                "username and a link to choose a password. This step is done once each of them "
                "has signed in."
            ),
            reverse("admin:patients_user_changelist"),
            _("Users"),
            clinicians.exists() and not staff_waiting,
        ),
        Step(
            _("Import the patients"),
            _("From a spreadsheet (CSV) or a FHIR Bundle: first a preview, then the import."),
            reverse("clinic:import-start"),
            _("Import patients"),
            Patient.objects.exists(),
        ),
        Step(
            _("Invite the patients"),
            _(
                "Clinicians invite from the caseload: emails for those with an address, "
                "printed letters for the others."
            ),
            reverse("admin:patients_patient_changelist"),
            _("Patients"),
            Invitation.objects.exists() or Patient.objects.filter(user__isnull=False).exists(),
        ),
        Step(
            _("See the first dashboard"),
            _(
                "Summaries are computed moments after each rating is saved, and again every "
                "night. Once patients have rated, managers and clinicians see the team's quarter "
                "under Dashboards."
            ),
            reverse("dashboards:index"),
            _("Dashboards"),
            TeamSummary.objects.exists(),
        ),
    ]
