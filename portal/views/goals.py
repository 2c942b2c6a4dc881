"""*My goals*: setting one in one's own words, and saying how it went."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.services import (
    goal_create,
    goal_review_record,
)
from portal.forms import (
    GoalForm,
    GoalReviewForm,
)
from portal.selectors import (
    portal_goal,
    portal_goals,
)
from portal.views.base import (
    portal_page,
    posted,
    render_page,
)


@portal_page
def goals(request, patient):
    return render(request, "portal/goals.html", {"goals": portal_goals(patient=patient)})


@portal_page
@require_http_methods(["GET", "POST"])
def goal_new(request, patient):
    form = GoalForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            goal_create(
                patient=patient,
                description=form.cleaned_data["description"],
                expected_outcome=form.cleaned_data["expected_outcome"],
                domain=form.cleaned_data["domain"],
                importance=form.cleaned_data["importance"],
                difficulty=form.cleaned_data["difficulty"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your goal is saved. Come back to say how it is going."))
            return redirect("portal:goals")
    return render_page(request, "goal_new.html", {"form": form}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def goal_review(request, patient, goal_id: int):
    goal = portal_goal(patient=patient, goal_id=goal_id)
    form = GoalReviewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            goal_review_record(
                goal=goal,
                attainment=form.cleaned_data["attainment"],
                reviewed_on=timezone.localdate(),
                reviewed_by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Thank you. How your goal is going is saved."))
            return redirect("portal:goals")
    return render_page(request, "goal_review.html", {"goal": goal, "form": form}, form)
