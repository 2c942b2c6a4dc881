"""The patient portal under /me/: what matters to me, how things are going, my goals, my next
appointment, feedback on an appointment, my progress, settings; and the invitation that opens it.

Every page is the signed-in patient's own. No URL names a patient; a goal, item or appointment in
a URL is looked up among the patient's own records only, so anything else answers 404. Staff get
403: these are pages, not records. Every write goes through the same services as the clinician's,
so the summaries follow.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assessments.encounters import feedback_record
from assessments.services import (
    element_for_key,
    goal_create,
    goal_review_record,
    personal_item_create,
    priorities_set,
    rating_record,
)
from indicators.charts import Series, line_chart
from indicators.presentation import score_text
from patients.invitations import INVITATION_REFUSED, invitation_accept
from patients.models import User
from patients.selectors import next_appointment, patient_for_portal_user
from patients.services import agenda_write, portal_settings_update
from portal.forms import (
    RELATIONSHIP_QUESTIONS,
    AgendaForm,
    FeedbackForm,
    GoalForm,
    GoalReviewForm,
    ItemForm,
    PicksForm,
    PointsForm,
    RatingForm,
    SettingsForm,
    WelcomeForm,
    scale_options,
)
from portal.points import POINTS_STEP, POINTS_TO_SHARE, Total, starting_points, step
from portal.selectors import (
    agenda_unattached,
    context_events_for_patient,
    encounter_awaiting_feedback,
    feedback_given,
    invitation_for_token,
    portal_answers,
    portal_elements,
    portal_encounter,
    portal_goal,
    portal_goals,
    portal_progress,
    priorities_current,
    priorities_history,
    rating_questions,
    record_access_rows,
    record_accesses_folded,
)
from portal.words import access_words, accessor_words

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


def _posted(request):
    """The submitted data on a POST, even an empty one; None otherwise (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _render(request, template: str, context: dict, form=None):
    """A page, answering 400 when the form on it has something to fix."""
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, f"portal/{template}", context, status=status)


# --- Home ------------------------------------------------------------------------------------


@portal_page
def home(request, patient):
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "appointment": next_appointment(patient=patient),
            "feedback_due": encounter_awaiting_feedback(patient=patient),
        },
    )


# --- What matters to me ----------------------------------------------------------------------


STAGE_PICK = "pick"  # first: tick what matters, from a short list grouped by part of life
STAGE_SHARE = "share"  # then: share the 100 points among what was ticked, and only that


def _typed_points(data, elements) -> dict[str, int]:
    """The whole numbers of 0 or more posted for any of `elements`, by key; the rest left out."""
    typed = {}
    for element in elements:
        raw = str(data.get(PointsForm.name_of(element), "")).strip()
        if raw.isdecimal():
            typed[element.key] = int(raw)
    return typed


def _points_data(points: dict[str, int]) -> dict[str, str]:
    return {f"points_{key}": str(value) for key, value in points.items()}


def _draft(session) -> dict | None:
    """What was picked and typed before the patient went to add something in her own words."""
    draft = session.pop(DRAFT_KEY, None)
    if not isinstance(draft, dict) or not isinstance(draft.get("picked"), list):
        return None
    return {"picked": draft["picked"], "points": dict(draft.get("points") or {})}


def _saved_points(current) -> dict[str, int]:
    return {p.element.key: p.points for p in current.points.all() if p.points} if current else {}


def _pick_page(request, patient, current, picks: PicksForm, carried: dict, status: int = 200):
    """Step 1: tick what matters, grouped by part of life; points typed so far ride along."""
    chosen = picks.chosen()
    groups: list = []
    for element in picks.elements:
        if not groups or groups[-1][0] != element.domain:
            groups.append((element.domain, []))
        groups[-1][1].append((element, element.key in chosen))
    known = {e.key for e in picks.elements}
    context = {
        "stage": STAGE_PICK,
        "picks": picks,
        "groups": groups,
        "carried": [(f"points_{k}", v) for k, v in carried.items() if k in known],
        "current": current,
        "history": priorities_history(patient=patient),
    }
    return render(request, "portal/priorities_pick.html", context, status=status)


def _share_page(
    request, patient, current, form: PointsForm, *, note: str = "", saving: bool = False
):
    """Step 2: +/− on each thing picked, with the total and what is left always in view."""
    rows = []
    for element in form.elements:
        field = form[form.name_of(element)]
        raw = field.value()
        rows.append((element, field, "0" if raw in (None, "") else str(raw)))
    context = {
        "stage": STAGE_SHARE,
        "form": form,
        "rows": rows,
        "points_total": Total(sum(form.typed().values())),
        "total": POINTS_TO_SHARE,
        "step": POINTS_STEP,
        "note": note,
        # "Too many" and "none at all" are for a save: while sharing, the total says it.
        "total_errors": form.non_field_errors() if saving else [],
        "current": current,
        "history": priorities_history(patient=patient),
    }
    status = 400 if saving and form.errors else 200
    return render(request, "portal/priorities_share.html", context, status=status)


def _stepped(data, picked: list, pressed: str) -> tuple[PointsForm, str]:
    """The form after a +/− button ("H2:5" or "H2:-5"), and what to say about it."""
    form = PointsForm(data, elements=picked)
    key, _, by = pressed.partition(":")
    try:
        by = int(by)
    except ValueError:
        return form, ""
    typed = form.typed()
    result = step(typed, key, by, {e.key: e.wording for e in picked})
    changed = data.copy()
    for element in picked:
        if result.points.get(element.key) != typed[element.key]:
            changed[form.name_of(element)] = str(result.points[element.key])
    return PointsForm(changed, elements=picked), result.note


def _nothing_left_note(picked: list, points: dict[str, int]) -> str:
    empty = [e.wording for e in picked if not points.get(e.key)]
    if not empty:
        return ""
    names = "”, “".join(empty)
    return (
        f"“{names}” {'has' if len(empty) == 1 else 'have'} 0 points for now. "
        f"Press +{POINTS_STEP} to give some: when none are left, we take them from the thing "
        "with the most."
    )


@portal_page
@require_http_methods(["GET", "POST"])
def priorities(request, patient):
    elements = portal_elements(patient=patient)
    current = priorities_current(patient=patient)
    saved = _saved_points(current)
    if request.method == "GET":
        draft = _draft(request.session)
        if draft is not None:
            picks = PicksForm(initial={"picked": draft["picked"]}, elements=elements)
            return _pick_page(request, patient, current, picks, draft["points"])
        if not saved:
            return _pick_page(request, patient, current, PicksForm(elements=elements), {})
        picked = [e for e in elements if e.key in saved]
        form = PointsForm(_points_data(saved), elements=picked)
        return _share_page(request, patient, current, form)

    data, action = request.POST, request.POST.get("action", "")
    typed = _typed_points(data, elements)
    if data.get("stage") == STAGE_PICK:
        picks = PicksForm(data, elements=elements)
        if action == "add-item":
            keys = [e.key for e in elements if e.key in picks.chosen()]
            request.session[DRAFT_KEY] = {"picked": keys, "points": typed}
            return redirect("portal:item-add")
        if not picks.is_valid():
            return _pick_page(request, patient, current, picks, typed, status=400)
        picked = picks.picked_elements()
        points = starting_points([e.key for e in picked], typed)
        form = PointsForm(_points_data(points), elements=picked)
        note = _nothing_left_note(picked, points)
        return _share_page(request, patient, current, form, note=note)

    chosen = set(data.getlist("picked"))
    picked = [e for e in elements if e.key in chosen]
    if action == "pick":
        picks = PicksForm(initial={"picked": [e.key for e in picked]}, elements=elements)
        return _pick_page(request, patient, current, picks, typed)
    if data.get("step"):
        form, note = _stepped(data, picked, data["step"])
        return _share_page(request, patient, current, form, note=note)
    form = PointsForm(data, elements=picked)
    if action == "save" and form.is_valid():
        try:
            priorities_set(
                patient=patient,
                effective_from=timezone.localdate(),
                points=form.points(),
                entered_by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Saved. Thank you: your care team can see this now.")
            return redirect("portal:priorities")
    return _share_page(request, patient, current, form, saving=action == "save")


@portal_page
@require_http_methods(["GET", "POST"])
def item_add(request, patient):
    form = ItemForm(_posted(request), patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            item = personal_item_create(
                patient=patient,
                label=form.cleaned_data["label"],
                domain=form.cleaned_data["domain"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            saved = _saved_points(priorities_current(patient=patient))
            draft = _draft(request.session) or {"picked": list(saved), "points": saved}
            draft["picked"].append(item.key)
            request.session[DRAFT_KEY] = draft
            messages.success(request, f"Added “{item.label}” to your list, and ticked it.")
            return redirect(reverse("portal:priorities") + f"#pick-{item.key}")
    return _render(request, "item_add.html", {"form": form}, form)


# --- How things are going --------------------------------------------------------------------


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
    form = RatingForm(_posted(request), require_answer=action == "next")
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
                    request, "Your answers are saved. Come back to the rest whenever you like."
                )
                return redirect("portal:home")
            if following is None:
                messages.success(request, "Thank you. That was the last question.")
            return redirect(onward)
    position = questions.index(element) if element in questions else None
    previous = questions[position - 1] if position else None
    return _render(
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


# --- My goals --------------------------------------------------------------------------------


@portal_page
def goals(request, patient):
    return render(request, "portal/goals.html", {"goals": portal_goals(patient=patient)})


@portal_page
@require_http_methods(["GET", "POST"])
def goal_new(request, patient):
    form = GoalForm(_posted(request))
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
            messages.success(request, "Your goal is saved. Come back to say how it is going.")
            return redirect("portal:goals")
    return _render(request, "goal_new.html", {"form": form}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def goal_review(request, patient, goal_id: int):
    goal = portal_goal(patient=patient, goal_id=goal_id)
    form = GoalReviewForm(_posted(request))
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
            messages.success(request, "Thank you. How your goal is going is saved.")
            return redirect("portal:goals")
    return _render(request, "goal_review.html", {"goal": goal, "form": form}, form)


# --- My next appointment, and feedback on one ---------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def agenda(request, patient):
    appointment = next_appointment(patient=patient)
    written = appointment.written if appointment else agenda_unattached(patient=patient)
    initial = {name: getattr(written, name) for name in AgendaForm.base_fields} if written else {}
    form = AgendaForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agenda_write(patient=patient, appointment=appointment, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Saved. Your care team will read this before you meet.")
            return redirect("portal:agenda")
    return _render(
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
    form = FeedbackForm(_posted(request), initial={code: r.value for code, r in given.items()})
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
            messages.success(request, "Thank you for telling us how it went.")
            return redirect("portal:home")
    scales = [(form[code], scale_options(form[code])) for code in RELATIONSHIP_QUESTIONS]
    answered_on = max((r.created_at for r in given.values()), default=None)
    return _render(
        request,
        "feedback.html",
        {"encounter": encounter, "form": form, "scales": scales, "answered_on": answered_on},
        form,
    )


# --- My progress -----------------------------------------------------------------------------


def _tick_on_ten(value: float) -> str:
    return f"{value / 10:g}"


def _progress_charts(progress) -> tuple[str, str]:
    """The overall chart and the chart by part of life, for the last quarters with a score.

    The stored 0–100 values are drawn against an axis labelled 0 to 10, and every value is written
    by ``score_text`` from the stored value, as in the table and the sentence above it."""
    rows = progress.rows[-CHART_QUARTERS:]
    if not any(r["index"] is not None for r in rows):
        return "", ""
    labels = [r["short"] for r in rows]
    common = {
        "x_labels": labels,
        "y_min": 0,
        "y_max": 100,
        "y_ticks": [0, 20, 40, 60, 80, 100],
        "fmt": score_text,
        "tick_fmt": _tick_on_ten,
    }
    overall = line_chart(
        chart_id="chart-overall",
        title="Your overall score over time, out of 10",
        summary="Your overall score, season by season, out of 10.",
        series=[Series("Your overall score", [r["index"] for r in rows])],
        **common,
    )
    names = progress.domain_names
    by_part = line_chart(
        chart_id="chart-parts",
        title="Your score for each part of life, out of 10",
        summary="Your score for each part of life, season by season, out of 10.",
        series=[Series(names.get(code, code), [r[code] for r in rows]) for code in "HMR"],
        **common,
    )
    # Built as text by indicators.charts, which escapes every label and value it is given.
    return mark_safe(overall), mark_safe(by_part)  # noqa: S308


NO_SCORE = "–"


def _score_tables(progress) -> list[dict]:
    """The scores in years of up to four quarters, newest year first, quarters oldest first like
    the charts: per quarter a card with the overall score and one for each part of life, each
    written out of 10 by ``score_text``, a dash where there is none. ``lines`` holds the same as
    rows (overall, then each part of life) across the quarters."""
    rows, tables = progress.rows, []
    parts = [("index", "Overall"), *((c, progress.domain_names.get(c, c)) for c in "HMR")]

    def shown(value: float | None) -> str:
        return NO_SCORE if value is None else score_text(value)

    while rows:
        year, rows = rows[-CHART_QUARTERS:], rows[:-CHART_QUARTERS]
        tables.append(
            {
                "quarters": year,
                "lines": [(name, [shown(r[key]) for r in year]) for key, name in parts],
                "cards": [
                    {"quarter": r, "scores": [(name, shown(r[key])) for key, name in parts]}
                    for r in year
                ],
            }
        )
    return tables


@portal_page
def progress(request, patient):
    data = portal_progress(patient=patient)
    overall, by_part = _progress_charts(data)
    return render(
        request,
        "portal/progress.html",
        {
            "progress": data,
            "tables": _score_tables(data),
            "overall_chart": overall,
            "parts_chart": by_part,
            "goals": portal_goals(patient=patient),
            "events": context_events_for_patient(patient=patient),
        },
    )


# --- Settings --------------------------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def settings_page(request, patient):
    user = request.user
    form = SettingsForm(
        _posted(request),
        initial={"email": user.email, "reminders": not user.reminders_opt_out},
    )
    if request.method == "POST" and form.is_valid():
        try:
            portal_settings_update(
                user=user,
                email=form.cleaned_data["email"],
                reminders=form.cleaned_data["reminders"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("portal:settings")
    return _render(request, "settings.html", {"form": form}, form)


ACCESSES_PER_PAGE = 50


@portal_page
def access_log(request, patient):
    """Who has opened or changed my record: every audit row that names me, newest first."""
    page = Paginator(record_access_rows(patient=patient), ACCESSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = [
        {
            "access": access,
            "who": accessor_words(
                name=str(access.actor) if access.actor else None,
                role=access.actor_role,
                is_you=access.actor is not None and access.actor.pk == patient.user_id,
            ),
            "did": access_words(action=access.action, what=access.what),
        }
        for access in record_accesses_folded(rows=page.object_list)
    ]
    return _render(request, "access_log.html", {"entries": entries, "page": page})


# --- Invitations: the clinician's side, and the patient's welcome ------------------------------


def _username_for(patient) -> str:
    """A username to suggest from the patient's display name, not yet taken."""
    base = slugify(patient.display_name).replace("-", ".").strip(".") or "patient"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request, token: str):
    """The invitation link: choose a password, then straight into the portal, signed in."""
    if token != WELCOME_STEP:
        # Keep the token out of the address bar, history and Referer from here on.
        invitation_for_token(token=token)
        request.session[WELCOME_KEY] = token
        return redirect("portal:welcome", token=WELCOME_STEP)
    if not request.session.get(WELCOME_KEY):
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": "Please open the link from your invitation again."},
            status=400,
        )
    invitation = invitation_for_token(token=request.session[WELCOME_KEY])
    if invitation.state != "open":
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": INVITATION_REFUSED[invitation.state]},
            status=410,
        )
    if invitation.patient.user_id is not None:
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": INVITATION_REFUSED["has_login"]},
            status=410,
        )
    form = WelcomeForm(
        _posted(request),
        initial={"username": _username_for(invitation.patient), "email": invitation.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                username=form.cleaned_data.get("username", ""),
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return render(
                    request,
                    "portal/welcome_refused.html",
                    {"reason": error.messages[0]},
                    status=410,
                )
            if "password" in error.message_dict:
                error = ValidationError(
                    {"password1": error.message_dict["password"]}
                    | {k: v for k, v in error.message_dict.items() if k != "password"}
                )
            form.add_service_errors(error)
        else:
            request.session.pop(WELCOME_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Welcome. Your password is set. Your username is {user.username}."
            )
            return redirect("portal:home")
    return _render(
        request,
        "welcome.html",
        {"form": form, "invitation": invitation},
        form,
    )
