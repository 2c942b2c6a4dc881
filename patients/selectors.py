"""Reads of people and teams, with the role rules of DESIGN.md "Who sees what" applied."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from .models import AuditEvent, Membership, Patient, Team, User

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def teams_for_user(*, user: User, role: str | None = None) -> QuerySet[Team]:
    """Teams the user is a member of, optionally only those where they hold the given role."""
    memberships = Membership.objects.filter(user=user)
    if role:
        memberships = memberships.filter(role=role)
    return Team.objects.filter(id__in=memberships.values("team_id"))


def patients_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients whose records the user may open: clinicians their teams', patients their own."""
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    if user.is_clinician:
        team_ids = Membership.objects.filter(user=user, role=Membership.Role.CLINICIAN).values(
            "team_id"
        )
        return Patient.objects.filter(
            id__in=Patient.teams.through.objects.filter(team_id__in=team_ids).values("patient_id")
        )
    if user.is_patient:
        return Patient.objects.filter(user=user)
    # Managers see aggregates only; administrators work in the admin site.
    return Patient.objects.none()


def patient_get_for_user(*, user: User, patient_id: int) -> Patient:
    """The patient if the user may open the record; 404 otherwise, so existence never leaks."""
    try:
        return patients_visible_to(user=user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No patient found") from None


def patient_for_portal_user(*, user: User) -> Patient:
    """The patient record behind a portal login."""
    if not user.is_authenticated or not user.is_patient:
        raise Http404("No patient found")
    try:
        return Patient.objects.get(user=user)
    except Patient.DoesNotExist:
        raise Http404("No patient found") from None


# --- Clinician workspace ---------------------------------------------------------------------

CASELOAD_SORTS = {
    "name": ("display_name", "id"),
    "-name": ("-display_name", "-id"),
    "last_seen": (F("last_encounter").desc(nulls_last=True), "display_name"),
    "-last_seen": (F("last_encounter").asc(nulls_first=True), "display_name"),
    "next_appointment": (F("next_appointment").asc(nulls_last=True), "display_name"),
    "own_priorities": ("-own_priorities", "display_name"),
    "changed": ("-changed", "display_name"),
}


def caseload_for_clinician(*, user: User, search: str = "", sort: str = "name") -> QuerySet:
    """The patients of the clinician's teams, with what a clinician scans for before a clinic.

    Every column is an annotation, so one query serves a page however large the caseload.
    """
    from assessments.models import PrioritySet, Rating

    from .models import Agenda, Appointment, ContextEvent, Encounter

    last_encounter = Subquery(
        Encounter.objects.filter(patient=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    since_seen = Coalesce(OuterRef("last_encounter"), Value(EPOCH))
    patients = (
        patients_visible_to(user=user)
        .annotate(
            last_encounter=last_encounter,
            next_appointment=Subquery(
                Appointment.objects.filter(patient=OuterRef("pk"), starts_at__gte=timezone.now())
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
            own_priorities=Exists(PrioritySet.objects.filter(patient=OuterRef("pk"))),
        )
        .annotate(
            new_ratings=Exists(
                Rating.objects.filter(
                    patient=OuterRef("pk"),
                    rater="patient",
                    created_at__gt=since_seen,
                )
            ),
            agenda_waiting=Exists(
                Agenda.objects.filter(patient=OuterRef("pk"), discussed_in__isnull=True)
            ),
            new_context=Exists(
                ContextEvent.objects.filter(patient=OuterRef("pk"), created_at__gt=since_seen)
            ),
        )
        .annotate(
            changed=ExpressionWrapper(
                Q(new_ratings=True) | Q(agenda_waiting=True) | Q(new_context=True),
                output_field=BooleanField(),
            )
        )
        .prefetch_related("conditions__code", "teams")
    )
    if search:
        patients = patients.filter(display_name__icontains=search.strip())
    return patients.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


@dataclass
class DomainSeries:
    """One domain over time: the patient's weighted score and the clinician's own view, 0–100."""

    code: str
    name: str
    rows: list[dict]  # {"period", "patient", "clinician"}
    chart: str = ""  # filled in by the page, which owns presentation


@dataclass
class MarkerView:
    marker: object
    target: object | None
    readings: list  # newest first

    @property
    def in_range(self) -> bool | None:
        """Whether the latest reading is within the personal target; None when that can't apply."""
        if not (self.target and self.target.relevant and self.target.has_range and self.readings):
            return None
        return self.target.contains(self.readings[0].value)


@dataclass
class PatientRecord:
    patient: Patient
    priorities: object | None  # the priority set in effect now, with its points
    priority_points: list  # (element, points, share) largest first
    personal_items: list
    goals: list  # goals with .latest_review
    agendas: list  # not yet discussed
    next_appointment: object | None
    upcoming_appointments: list  # every appointment still to come, soonest first
    domains: list[DomainSeries]
    markers: list[MarkerView]
    context_events: list
    encounters: list
    conditions: list
    latest_summary: object | None
    proxy_ratings: int = 0


def patient_record(*, patient: Patient, encounters: int = 20) -> PatientRecord:
    """Everything the record page shows, person first, in a fixed number of queries."""
    from assessments.models import Domain, Goal, Marker, PersonalTarget, PrioritySet, Rating
    from indicators.models import PatientSummary
    from indicators.scoring import period_of

    from .models import Agenda

    today = timezone.localdate()
    priorities = (
        PrioritySet.objects.filter(patient=patient, effective_from__lte=today)
        .prefetch_related("points__element")
        .order_by("-effective_from", "-id")
        .first()
    )
    points = []
    if priorities:
        total = priorities.total or 1
        points = sorted(
            ((p.element, p.points, p.points / total) for p in priorities.points.all()),
            key=lambda row: -row[1],
        )
    goals = list(
        Goal.objects.filter(patient=patient)
        .prefetch_related("reviews")
        .order_by("-active", "-baseline_on")
    )
    for goal in goals:
        reviews = sorted(goal.reviews.all(), key=lambda r: (r.reviewed_on, r.id))
        goal.latest_review = reviews[-1] if reviews else None

    summaries = list(PatientSummary.objects.filter(patient=patient).order_by("period"))
    clinician_view: dict[tuple[str, str], list[int]] = {}
    for rated_on, domain, value in Rating.objects.filter(
        patient=patient, rater="clinician"
    ).values_list("rated_on", "element__domain_id", "value"):
        clinician_view.setdefault((period_of(rated_on), domain), []).append(value)
    periods = sorted({s.period for s in summaries} | {p for p, _ in clinician_view})
    by_period = {s.period: s for s in summaries}
    domains = []
    for domain in Domain.objects.order_by("order"):
        rows = []
        for period in periods:
            summary = by_period.get(period)
            values = clinician_view.get((period, domain.code))
            rows.append(
                {
                    "period": period,
                    "patient": getattr(summary, f"{domain.code.lower()}_score", None)
                    if summary
                    else None,
                    "clinician": 10 * sum(values) / len(values) if values else None,
                }
            )
        domains.append(DomainSeries(code=domain.code, name=domain.name, rows=rows))

    upcoming = list(
        patient.appointments.filter(starts_at__gte=timezone.now())
        .select_related("clinician")
        .order_by("starts_at", "id")
    )
    targets = {t.marker_id: t for t in PersonalTarget.objects.filter(patient=patient)}
    readings: dict[int, list] = {}
    for reading in patient.readings.order_by("-taken_on", "-id"):
        readings.setdefault(reading.marker_id, []).append(reading)
    markers = [
        MarkerView(marker=m, target=targets.get(m.pk), readings=readings.get(m.pk, []))
        for m in Marker.objects.order_by("name")
        if m.pk in targets or m.pk in readings
    ]
    return PatientRecord(
        patient=patient,
        priorities=priorities,
        priority_points=points,
        personal_items=list(patient.personal_items.select_related("domain").order_by("id")),
        goals=goals,
        agendas=list(
            Agenda.objects.filter(patient=patient, discussed_in__isnull=True)
            .select_related("appointment")
            .order_by("-created_at")
        ),
        next_appointment=upcoming[0] if upcoming else None,
        upcoming_appointments=upcoming,
        domains=domains,
        markers=markers,
        context_events=list(patient.context_events.order_by("-occurred_on", "-id")),
        encounters=list(
            patient.encounters.select_related("clinician").order_by("-occurred_at")[:encounters]
        ),
        conditions=list(patient.conditions.select_related("code").order_by("code__display")),
        latest_summary=summaries[-1] if summaries else None,
        proxy_ratings=Rating.objects.filter(patient=patient, rater="proxy").count(),
    )


# --- Patient portal: a patient's own record, never anyone else's --------------------------------

FEEDBACK_DAYS = 30  # how long after an appointment the portal asks how it went
RELATIONSHIP_CODES = ("R1", "R2", "R3", "R4")
PATIENT_SIDE = ("patient", "proxy")


def portal_elements(*, patient: Patient) -> list:
    """The framework elements and the patient's own items, domain by domain, their own last."""
    from assessments.models import Element

    return list(
        Element.objects.for_patient(patient)
        .select_related("domain")
        .order_by("domain__order", F("patient").asc(nulls_first=True), "order", "id")
    )


def priorities_current(*, patient: Patient):
    """The priority set in effect today, with its points and who entered it; None if none."""
    from assessments.models import PrioritySet

    return (
        PrioritySet.objects.filter(patient=patient, effective_from__lte=timezone.localdate())
        .select_related("entered_by")
        .prefetch_related("points__element")
        .order_by("-effective_from", "-id")
        .first()
    )


def priorities_history(*, patient: Patient, limit: int = 12) -> list:
    """The patient's priority sets, newest first, each with its points largest first."""
    from assessments.models import PrioritySet

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
    from assessments.models import Rating
    from indicators.scoring import period_bounds, period_of

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
    from assessments.models import Goal, GoalReview

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
    from assessments.models import Goal

    try:
        return Goal.objects.select_related("domain").get(pk=goal_id, patient=patient, active=True)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No goal found") from None


def next_appointment(*, patient: Patient):
    """The patient's next appointment, with the clinician and any agenda written for it."""
    from .models import Agenda

    appointment = (
        patient.appointments.filter(starts_at__gte=timezone.now())
        .select_related("clinician")
        .order_by("starts_at", "id")
        .first()
    )
    if appointment is not None:
        appointment.written = Agenda.objects.filter(appointment=appointment).first()
    return appointment


def agenda_unattached(*, patient: Patient):
    """The patient's latest agenda written with no appointment booked and not yet talked about."""
    from .models import Agenda

    return (
        Agenda.objects.filter(patient=patient, appointment__isnull=True, discussed_in__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def portal_encounter(*, patient: Patient, encounter_id: int):
    """One of the patient's own past appointments; 404 for anyone else's or one still to come."""
    from .models import Encounter

    try:
        return Encounter.objects.select_related("clinician").get(
            pk=encounter_id, patient=patient, occurred_at__lte=timezone.now()
        )
    except (Encounter.DoesNotExist, ValueError, TypeError):
        raise Http404("No appointment found") from None


def feedback_given(*, encounter) -> dict:
    """The patient's latest answers about one appointment, by relationship element code."""
    from assessments.models import Rating

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
    from assessments.models import Rating

    from .models import Encounter

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
    from assessments.models import Domain
    from indicators.models import SummaryState
    from indicators.selectors import summaries_for_patient

    from .portal_words import period_short, period_words, progress_reading

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
        stale=SummaryState.objects.filter(patient=patient, dirty__gt=F("clean")).exists(),
        domain_names=dict(Domain.objects.values_list("code", "plain_name")),
    )


# --- Reminders and invitations -----------------------------------------------------------------


def appointments_due_reminder(*, now: dt.datetime, days: int) -> QuerySet:
    """Appointments starting within `days` whose patient can be reminded and has not been yet."""
    from .models import Appointment

    return (
        Appointment.objects.filter(
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(days=days),
            patient__user__is_active=True,
            patient__user__reminders_opt_out=False,
        )
        .exclude(patient__user__email="")
        .order_by("starts_at", "id")
    )


def invitation_for_token(*, token: str):
    """The invitation a link's token belongs to, whatever its state; 404 when there is none."""
    from .models import Invitation

    invitation = (
        Invitation.objects.select_related("patient__user", "created_by")
        .filter(token_hash=Invitation.hash_token(token))
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
