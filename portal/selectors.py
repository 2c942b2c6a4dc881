"""Reads behind the patient's pages: their questions and answers, priorities, goals, next
appointment, feedback, questionnaires from their care team, progress and who has seen their
record. Every read takes the signed-in
patient; nothing here takes a patient id from a request."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from assessments.encounters import RELATIONSHIP_CODES
from assessments.instrument_selectors import (
    instrument_worded,
    instruments_due,
    instruments_offered,
    is_worded,
)
from assessments.instruments import Instrument
from assessments.models import Domain, Element, Goal, GoalReview, PrioritySet, Rating
from indicators.scoring import period_bounds, period_of
from indicators.selectors import summaries_are_stale, summaries_for_patient
from patients.invitations import token_as_typed
from patients.models import AuditEvent, Encounter, Invitation, Patient, User
from portal.words import period_short, period_words, progress_reading

FEEDBACK_DAYS = 30  # how long after an appointment the portal asks how it went


PATIENT_SIDE = ("patient", "proxy")


def portal_elements(*, patient: Patient) -> list:
    """The framework elements and the patient's own items, domain by domain, their own last."""
    return list(
        Element.objects.for_patient(patient)
        .select_related("domain")
        .order_by("domain__order", F("patient").asc(nulls_first=True), "order", "id")
    )


def priorities_current(*, patient: Patient):
    """The priority set in effect today, with its points and who entered it; None if none."""
    return (
        PrioritySet.objects.filter(patient=patient, effective_from__lte=timezone.localdate())
        .select_related("entered_by")
        .prefetch_related("points__element")
        .order_by("-effective_from", "-id")
        .first()
    )


def priorities_history(*, patient: Patient, limit: int = 12) -> list:
    """The patient's priority sets, newest first, each with its points largest first."""
    sets = list(
        PrioritySet.objects.filter(patient=patient)
        .select_related("entered_by")
        .prefetch_related("points__element")
        .order_by("-effective_from", "-id")[:limit]
    )
    for priority_set in sets:
        priority_set.largest = sorted(
            (p for p in priority_set.points.all() if p.points), key=lambda p: -p.points
        )
    return sets


@dataclass(frozen=True)
class PortalAnswers:
    """A patient's answers in "How things are going": each element's latest patient-side answer
    (her own, or one her care team entered for her, rater "proxy"), and the answers she gave
    herself this calendar quarter, which are the only ones the walk-through counts as given."""

    latest: dict
    own_this_quarter: dict
    quarter_began: dt.date

    @property
    def answered(self) -> set[int]:
        """Ids of the elements she has answered herself this quarter."""
        return set(self.own_this_quarter)

    def entered_for_her(self, element_id: int):
        """The answer her care team entered for her this quarter, when she has not given her
        own since; None otherwise."""
        rating = self.latest.get(element_id)
        if (
            rating is None
            or rating.rater != "proxy"
            or rating.rated_on < self.quarter_began
            or element_id in self.own_this_quarter
        ):
            return None
        return rating


def portal_answers(*, patient: Patient, today: dt.date | None = None) -> PortalAnswers:
    """The patient's answers as the walk-through needs them, from one query."""
    began = period_bounds(period_of(today or timezone.localdate()))[0]
    latest: dict = {}
    own: dict = {}
    for rating in (
        Rating.objects.filter(patient=patient, rater__in=PATIENT_SIDE)
        .select_related("entered_by")
        .order_by("-rated_on", "-id")
    ):
        latest.setdefault(rating.element_id, rating)
        if rating.rater == "patient" and rating.rated_on >= began:
            own.setdefault(rating.element_id, rating)
    return PortalAnswers(latest=latest, own_this_quarter=own, quarter_began=began)


def rating_questions(*, patient: Patient, current) -> list:
    """What the patient is asked about: what they gave points to in `current` (their priority
    set in effect), most points first; every element and item of theirs without one."""
    elements = portal_elements(patient=patient)
    points = {p.element_id: p.points for p in current.points.all() if p.points} if current else {}
    if not points:
        return elements
    return sorted((e for e in elements if e.pk in points), key=lambda e: -points[e.pk])


def portal_goals(*, patient: Patient) -> list:
    """The patient's goals, open ones first, each with its reviews oldest first and the latest."""
    goals = list(
        Goal.objects.filter(patient=patient)
        .select_related("domain")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=GoalReview.objects.select_related("reviewed_by").order_by(
                    "reviewed_on", "id"
                ),
            )
        )
        .order_by("-active", "-baseline_on", "-id")
    )
    for goal in goals:
        goal.review_list = list(goal.reviews.all())
        goal.latest_review = goal.review_list[-1] if goal.review_list else None
    return goals


def portal_goal(*, patient: Patient, goal_id: int):
    """One of the patient's own open goals; 404 for anyone else's, so none is ever reachable."""
    try:
        return Goal.objects.select_related("domain").get(pk=goal_id, patient=patient, active=True)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No goal found") from None


def portal_encounter(*, patient: Patient, encounter_id: int):
    """One of the patient's own past appointments; 404 for anyone else's or one still to come."""
    try:
        return Encounter.objects.select_related("clinician").get(
            pk=encounter_id, patient=patient, occurred_at__lte=timezone.now()
        )
    except (Encounter.DoesNotExist, ValueError, TypeError):
        raise Http404("No appointment found") from None


def feedback_given(*, encounter) -> dict:
    """The patient's latest answers about one appointment, by relationship element code."""
    given: dict = {}
    for rating in (
        Rating.objects.filter(
            encounter=encounter, rater="patient", element__code__in=RELATIONSHIP_CODES
        )
        .select_related("element")
        .order_by("-created_at", "-id")
    ):
        given.setdefault(rating.element.code, rating)
    return given


def encounter_awaiting_feedback(*, patient: Patient):
    """The patient's latest appointment, if it was in the last FEEDBACK_DAYS days and they have
    not said how it went; None otherwise (the portal never asks about an older one)."""
    now = timezone.now()
    latest = (
        Encounter.objects.filter(patient=patient, occurred_at__lte=now)
        .annotate(
            answered=Exists(
                Rating.objects.filter(
                    encounter=OuterRef("pk"),
                    rater="patient",
                    element__code__in=RELATIONSHIP_CODES,
                )
            )
        )
        .select_related("clinician")
        .order_by("-occurred_at", "-id")
        .first()
    )
    if latest is None or latest.answered:
        return None
    return latest if latest.occurred_at >= now - dt.timedelta(days=FEEDBACK_DAYS) else None


def context_events_for_patient(*, patient: Patient) -> list:
    """What has happened around the patient, as far as they can see it (never staff-only events)."""
    return list(
        patient.context_events.filter(visible_to_patient=True).order_by("-occurred_on", "-id")
    )


@dataclass
class PortalProgress:
    """The patient's own scores over time: the stored 0–100 values, which the page writes out of
    10 (the scale they answer on) with ``indicators.presentation.score_text``."""

    rows: list[dict]  # {"period", "words", "short", "index", "H", "M", "R"}, oldest first
    reading: object  # portal_words.Reading
    own_priorities: bool
    stale: bool
    domain_names: dict[str, str]


def portal_progress(*, patient: Patient) -> PortalProgress:
    """The patient's stored summaries as the progress page shows them."""
    summaries = summaries_for_patient(patient=patient, to_patient=True)
    rows = [
        {
            "period": s["period"],
            "words": period_words(s["period"]),
            "short": period_short(s["period"]),
            "index": s["index"],
            **{code: s["domains"][code]["score"] for code in ("H", "M", "R")},
        }
        for s in summaries
    ]
    own = bool(summaries) and summaries[-1]["weights_source"] == "patient"
    return PortalProgress(
        rows=rows,
        reading=progress_reading([(r["period"], r["index"]) for r in rows], own_priorities=own),
        own_priorities=own,
        stale=summaries_are_stale(patient_id=patient.pk),
        domain_names=dict(Domain.objects.values_list("code", "plain_name")),
    )


def invitation_for_token(*, token: str):
    """The invitation a link's token belongs to, whatever its state; 404 when there is none."""
    invitation = (
        Invitation.objects.select_related("patient__user", "created_by")
        .filter(token_hash=Invitation.hash_token(token_as_typed(token)))
        .first()
    )
    if invitation is None:
        raise Http404("No invitation found")
    return invitation


@dataclass(frozen=True)
class RecordAccess:
    """Consecutive audit rows of one person doing one kind of thing to the record on one day."""

    first_at: dt.datetime
    last_at: dt.datetime
    actor: User | None
    actor_role: str
    action: str
    what: str
    times: int


def record_accesses_folded(*, rows) -> list[RecordAccess]:
    """Audit rows of one record (a page of `record_access_rows`, newest first), with each run of
    the same person doing the same thing on the same day folded into one entry."""
    accesses: list[RecordAccess] = []
    for row in rows:
        day = timezone.localdate(row.created_at)
        last = accesses[-1] if accesses else None
        if (
            last is not None
            and last.actor_role == row.actor_role
            and (last.actor.pk if last.actor else None) == row.actor_id
            and last.action == row.action
            and timezone.localdate(last.first_at) == day
        ):
            accesses[-1] = RecordAccess(
                row.created_at, last.last_at, last.actor, last.actor_role, last.action,
                last.what, last.times + 1,
            )  # fmt: skip
            continue
        accesses.append(
            RecordAccess(
                row.created_at, row.created_at, row.actor, row.actor_role, row.action, row.what, 1
            )
        )
    return accesses


def record_access_rows(*, patient: Patient) -> QuerySet:
    """Every audit row naming `patient`, newest first (paginate, then fold them)."""
    return (
        AuditEvent.objects.filter(patient=patient)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


# --- Questionnaires from the care team ---------------------------------------------------------


def questionnaires_due(*, patient: Patient) -> list[Instrument]:
    """The questionnaires the patient's teams ask for now that can be answered here (their
    wording is shipped or installed), in published order."""
    return [due.instrument for due in instruments_due(patient=patient) if is_worded(due.instrument)]


def portal_questionnaire(*, patient: Patient, code: str) -> Instrument:
    """The questionnaire of that code as the patient sees it, if one of their teams offers it;
    404 otherwise, so nothing tells them about questionnaires their teams do not use."""
    if not instruments_offered(patient=patient).filter(instrument=code).exists():
        raise Http404("No such questionnaire")
    return instrument_worded(code)
