"""*What matters to me*: first tick what matters, then share 100 points among it; and adding
something of one's own in one's own words."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from assessments.services import (
    personal_item_create,
    priorities_set,
)
from portal.forms import (
    ItemForm,
    PicksForm,
    PointsForm,
)
from portal.points import POINTS_STEP, POINTS_TO_SHARE, Total, starting_points, step
from portal.selectors import (
    portal_elements,
    priorities_current,
    priorities_history,
)
from portal.views.base import (
    DRAFT_KEY,
    portal_page,
    posted,
    render_page,
)
from ssm_outcomes.digits import whole_number

STAGE_PICK = "pick"  # first: tick what matters, from a short list grouped by part of life


STAGE_SHARE = "share"  # then: share the 100 points among what was ticked, and only that


def _typed_points(data, elements) -> dict[str, int]:
    """The whole numbers of 0 or more posted for any of `elements`, by key; the rest left out."""
    typed = {}
    for element in elements:
        number = whole_number(str(data.get(PointsForm.name_of(element), "")).strip())
        if number is not None:
            typed[element.key] = number
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
    key, _, amount = pressed.partition(":")
    try:
        by = int(amount)
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
    return ngettext(
        "“%(names)s” has 0 points for now. Press +%(step)s to give some: when none are left, "
        "we take them from the thing with the most.",
        "“%(names)s” have 0 points for now. Press +%(step)s to give some: when none are left, "
        "we take them from the thing with the most.",
        len(empty),
    ) % {"names": names, "step": POINTS_STEP}


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
            messages.success(request, _("Saved. Thank you: your care team can see this now."))
            return redirect("portal:priorities")
    return _share_page(request, patient, current, form, saving=action == "save")


@portal_page
@require_http_methods(["GET", "POST"])
def item_add(request, patient):
    form = ItemForm(posted(request), patient=patient)
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
            messages.success(
                request, _("Added “%(item)s” to your list, and ticked it.") % {"item": item.label}
            )
            return redirect(reverse("portal:priorities") + f"#pick-{item.key}")
    return render_page(request, "item_add.html", {"form": form}, form)
