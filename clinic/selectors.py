"""Reads behind the clinician's pages: the caseload (searched and sorted), one patient's record
as the record page shows it (with each validated instrument over time and the flag of a positive
screen), and the instruments the encounter form offers. Who may see which patient is
patients.selectors.patients_visible_to."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from assessments.instrument_selectors import (
    instruments_offered,
    instruments_worded,
    is_worded,
    positive_screens,
    responses_by_instrument,
    responses_over_time,
)
from assessments.instruments import INSTRUMENTS, Instrument
from assessments.models import (
    Marker,
    PersonalTarget,
    PrioritySet,
    Rating,
)
from clinic import record_reads as reads
from clinic.instrument_words import (
    MAIN_SCORES,
    RATERS,
    main_score,
    number_text,
    scores_in_words,
    screen_flag,
    short_name,
)
from indicators.scoring import period_of
from patients.models import Agenda, Appointment, ContextEvent, Encounter, Patient, User
from patients.selectors import patients_visible_to

CASELOAD_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
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
    last_encounter = Subquery(
        Encounter.objects.filter(patient=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    since_seen = Coalesce(OuterRef("last_encounter"), Value(EPOCH))
    own_rating_saved = Subquery(
        Rating.objects.filter(patient=OuterRef("pk"), rater="patient")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
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
            # The patient's latest own rating, compared with when they were last seen: one probe
            # of the index rating_patient_rater_saved_idx per patient, however many they gave.
            new_ratings=Coalesce(
                GreaterThan(own_rating_saved, Coalesce(F("last_encounter"), Value(EPOCH))),
                Value(False),
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
    marker: Marker
    target: PersonalTarget | None
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
    instruments: list["InstrumentSeries"] = field(default_factory=list)
    screen_flags: list[str] = field(default_factory=list)  # positive recent screens, in words
    teams: list = field(default_factory=list)  # the patient's teams, by name


@dataclass
class InstrumentSeries:
    """One validated instrument over time, oldest first: a row per response."""

    code: str
    name: str
    short_name: str
    notice: str  # the licence notice, shown wherever the instrument is
    score_label: str
    rows: list[dict]  # {"completed_on", "score", "score_text", "words", "rater"}
    chart: str = ""  # filled in by the page, which owns presentation


def instrument_series(
    *, patient: Patient, over_time: dict[str, list] | None = None
) -> list[InstrumentSeries]:
    """Each instrument the patient has answered, with its main score and what it means
    (``over_time``: the patient's ``responses_over_time``, when already read)."""
    series = []
    if over_time is None:
        over_time = responses_over_time(patient=patient)
    for code, responses in over_time.items():
        form = INSTRUMENTS[code]
        rows = [
            {
                "completed_on": r.completed_on,
                "score": main_score(code, r.scores),
                "score_text": number_text(r.scores.get(form.main_score)),
                "words": scores_in_words(code, r.scores),
                "rater": RATERS.get(r.rater, r.rater),
            }
            for r in responses
        ]
        series.append(
            InstrumentSeries(
                code=code,
                name=form.name,
                short_name=short_name(code),
                notice=form.licence.notice,
                score_label=str(MAIN_SCORES[code].label),
                rows=rows,
            )
        )
    return series


def instruments_for_encounter(*, patient: Patient) -> list[Instrument]:
    """The instruments the patient's teams offer that have their wording here, in published
    order, for the clinician to ask in an encounter."""
    offered = {offer.instrument for offer in instruments_offered(patient=patient)}
    if not offered:
        return []
    return [form for form in instruments_worded() if form.code in offered and is_worded(form)]


def patient_record(*, patient: Patient, encounters: int = 20) -> PatientRecord:
    """Everything the record page shows, person first, in a fixed number of short statements
    (``clinic.record_reads``)."""
    today = timezone.localdate()
    domains = reads.domains()
    domains_by_code = {domain.code: domain for domain in domains}
    priorities, shares = reads.priorities(patient.pk, today, domains_by_code)
    points = []
    if priorities:
        total = priorities.total or 1
        points = sorted(
            ((element, share, share / total) for element, share in shares),
            key=lambda row: -row[1],
        )

    summaries = reads.summaries(patient.pk)
    clinician_view: dict[tuple[str, str], list[int]] = {}
    proxy_ratings = 0
    # The clinician's own ratings by quarter and domain, and a count of those given by a proxy,
    # in one read.
    for rater, rated_on, domain_code, value in reads.clinician_and_proxy_ratings(patient.pk):
        if rater == "proxy":
            proxy_ratings += 1
        else:
            clinician_view.setdefault((period_of(rated_on), domain_code), []).append(value)
    periods = sorted({s.period for s in summaries} | {p for p, _ in clinician_view})
    by_period = {s.period: s for s in summaries}
    domain_series = []
    for domain in domains:
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
        domain_series.append(DomainSeries(code=domain.code, name=domain.name, rows=rows))

    agendas = reads.agendas(patient.pk)
    upcoming = reads.upcoming_appointments(patient.pk, timezone.now(), agendas)
    # The markers that have a target or a reading, read with them.
    targets_read, readings_read = reads.markers_read(patient.pk)
    targets = {t.marker_id: t for t in targets_read}
    shown: dict[int, Marker] = {marker_id: t.marker for marker_id, t in targets.items()}
    readings: dict[int, list] = {}
    for reading in readings_read:
        readings.setdefault(reading.marker_id, []).append(reading)
        shown.setdefault(reading.marker_id, reading.marker)
    markers = [
        MarkerView(marker=m, target=targets.get(m.pk), readings=readings.get(m.pk, []))
        for m in sorted(shown.values(), key=lambda m: (m.name.casefold(), m.name))
    ]
    over_time = responses_by_instrument(reads.responses(patient.pk))
    return PatientRecord(
        patient=patient,
        priorities=priorities,
        priority_points=points,
        personal_items=reads.personal_items(patient.pk, domains_by_code),
        goals=reads.goals(patient.pk),
        agendas=[agenda for agenda in agendas if agenda.discussed_in_id is None],
        next_appointment=upcoming[0] if upcoming else None,
        upcoming_appointments=upcoming,
        domains=domain_series,
        markers=markers,
        context_events=reads.context_events(patient.pk),
        encounters=reads.encounters(patient.pk, encounters),
        conditions=reads.conditions(patient.pk),
        latest_summary=summaries[-1] if summaries else None,
        proxy_ratings=proxy_ratings,
        instruments=instrument_series(patient=patient, over_time=over_time),
        screen_flags=[
            screen_flag(r.instrument, r.completed_on, r.scores)
            for r in positive_screens(patient=patient, over_time=over_time)
        ],
        teams=reads.teams(patient.pk),
    )


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
