"""*How it is going*: one question at a time on a 0 to 10 scale, the next one offered after each
answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.services import (
    element_for_key,
    rating_record,
)
from portal.forms import (
    RatingForm,
    scale_options,
)
from portal.selectors import (
    portal_answers,
    priorities_current,
    rating_questions,
)
from portal.views.base import (
    portal_page,
    posted,
    render_page,
)


def _next_question(questions: list, after, done: set[int], every: bool):
    """The question after `after`: the very next one when answering everything again,
    otherwise the next one the patient has not answered herself this quarter."""
    position = questions.index(after) if after in questions else -1
    for element in questions[position + 1 :]:
        if every or element.pk not in done:
            return element
    return None


def _question_url(element, every: bool) -> str:
    url = reverse("portal:rate", args=[element.key])
    return f"{url}?all=1" if every else url


@portal_page
def ratings(request, patient):
    current = priorities_current(patient=patient)
    questions = rating_questions(patient=patient, current=current)
    answers = portal_answers(patient=patient)
    done = answers.answered
    rows = [(e, answers.latest.get(e.pk), answers.entered_for_her(e.pk)) for e in questions]
    return render(
        request,
        "portal/ratings.html",
        {
            "rows": rows,
            "answered": sum(1 for e in questions if e.pk in done),
            "entered_for_her": sum(1 for _, _, entered in rows if entered),
            "total": len(questions),
            "since": answers.quarter_began,
            "next": next((e for e in questions if e.pk not in done), None),
            "first": questions[0] if questions else None,
            "has_priorities": current is not None,
        },
    )


@portal_page
@require_http_methods(["GET", "POST"])
def rate(request, patient, key: str):
    try:
        element = element_for_key(patient=patient, key=key)
    except ValidationError:
        raise Http404("No such question") from None
    questions = rating_questions(patient=patient, current=priorities_current(patient=patient))
    answers = portal_answers(patient=patient)
    every = request.GET.get("all") == "1"
    action = request.POST.get("action", "next")
    following = _next_question(questions, element, answers.answered, every)
    onward = _question_url(following, every) if following else reverse("portal:ratings")
    if request.method == "POST" and action == "skip":
        return redirect(onward)
    form = RatingForm(posted(request), require_answer=action == "next")
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data["value"]
        if value is not None:
            try:
                rating_record(
                    patient=patient,
                    element=element.key,
                    value=value,
                    rated_on=timezone.localdate(),
                    rater="patient",
                    entered_by=request.user,
                )
            except ValidationError as error:
                form.add_service_errors(error)
        if not form.errors:
            if action == "later":
                messages.success(
                    request, _("Your answers are saved. Come back to the rest whenever you like.")
                )
                return redirect("portal:home")
            if following is None:
                messages.success(request, _("Thank you. That was the last question."))
            return redirect(onward)
    position = questions.index(element) if element in questions else None
    previous = questions[position - 1] if position else None
    return render_page(
        request,
        "rate.html",
        {
            "element": element,
            "form": form,
            "options": scale_options(form["value"]),
            "last": answers.latest.get(element.pk),
            "entered_for_her": answers.entered_for_her(element.pk),
            "since": answers.quarter_began,
            "position": None if position is None else position + 1,
            "total": len(questions),
            "back": _question_url(previous, every) if previous else reverse("portal:ratings"),
            "every": every,
        },
        form,
    )
