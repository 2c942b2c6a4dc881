"""Questionnaires from the care team: one question at a time, in the questionnaire's published
words, each answer saved as it is given (so stopping halfway keeps what was answered), then a
thank-you that says where to get help now when the answers call for it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from assessments.instrument_selectors import help_now_text, is_worded, response_today
from assessments.responses import response_record
from portal.forms import QuestionForm
from portal.selectors import portal_questionnaire
from portal.views.base import portal_page, posted, render_page
from portal.words import minutes_words

NOT_AVAILABLE = 400  # a POST to a questionnaire whose words are not installed saves nothing


def _question_url(code: str, link_id: str) -> str:
    return f"{reverse('portal:questionnaire', args=[code])}?q={link_id}"


def _first_to_ask(form, answers: dict) -> str:
    """Where to start: the first question not answered today, or the first of all."""
    for link_id in form.link_ids:
        if answers.get(link_id) is None:
            return link_id
    return form.link_ids[0]


def _unavailable(request, form):
    """The plain message for a questionnaire whose words are not installed here: no form."""
    response = render_page(request, "questionnaire_unavailable.html", {"instrument": form})
    if request.method == "POST":
        response.status_code = NOT_AVAILABLE
    return response


@portal_page
@require_http_methods(["GET", "POST"])
def questionnaire(request, patient, code: str):
    form = portal_questionnaire(patient=patient, code=code)
    if not is_worded(form):
        return _unavailable(request, form)
    started = response_today(patient=patient, instrument=code)
    answers = dict(started.answers) if started else {}
    link_id = request.GET.get("q") or _first_to_ask(form, answers)
    if link_id not in form.link_ids:
        raise Http404("No such question")
    item = form.item(link_id)
    position = form.link_ids.index(link_id)
    following = form.link_ids[position + 1] if position + 1 < len(form.link_ids) else None
    onward = (
        _question_url(code, following)
        if following
        else reverse("portal:questionnaire-done", args=[code])
    )
    action = request.POST.get("action", "next")
    question = QuestionForm(
        posted(request),
        item=item,
        require_answer=action == "next",
        initial={"value": answers.get(link_id)},
    )
    if request.method == "POST" and question.is_valid():
        value = None if action == "skip" else question.cleaned_data["value"]
        given = {**answers, link_id: value}
        # Nothing to keep until something is answered: a first skip just moves on.
        if any(v is not None for v in given.values()):
            try:
                response_record(
                    patient=patient,
                    instrument=code,
                    answers=given,
                    completed_on=timezone.localdate(),
                    rater="patient",
                    entered_by=request.user,
                    response=started,
                )
            except ValidationError as error:
                question.add_service_errors(error)
        if not question.errors:
            return redirect(onward)
    previous = form.link_ids[position - 1] if position else None
    return render_page(
        request,
        "questionnaire.html",
        {
            "instrument": form,
            "item": item,
            "form": question,
            "options": question.options(),
            "position": position + 1,
            "total": len(form.items),
            "back": _question_url(code, previous) if previous else reverse("portal:home"),
            "action": _question_url(code, link_id),
        },
        question,
    )


@portal_page
def questionnaire_done(request, patient, code: str):
    form = portal_questionnaire(patient=patient, code=code)
    given = response_today(patient=patient, instrument=code)
    positive = bool(
        given is not None and form.positive_key and given.scores.get(form.positive_key) is True
    )
    return render_page(
        request,
        "questionnaire_done.html",
        {
            "instrument": form,
            "answered": given is not None and any(v is not None for v in given.answers.values()),
            "help_now": help_now_text(patient=patient) if positive else "",
        },
    )


def due_links(due: list) -> list[dict]:
    """The home page's link to each questionnaire due, with how long it takes."""
    return [
        {
            "code": form.code,
            "name": form.name,
            "minutes": minutes_words(len(form.items)),
            "url": reverse("portal:questionnaire", args=[form.code]),
        }
        for form in due
    ]
