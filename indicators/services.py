"""Computing and storing summaries: a patient's per quarter, and the team and caseload
summaries built from them. How they are kept fresh as records change is indicators/freshness.py.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F, Max, Min, OuterRef, Subquery
from django.utils import timezone

from assessments.models import PriorityPoint, PrioritySet
from patients.models import ContextEvent, Encounter, Patient, Team

from . import sql
from .figures import Allocation, SummaryRow, group_summary_figures
from .models import CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from .scoring import (
    direction_of,
    gas_t_score,
    period_bounds,
    period_from_number,
    period_number,
)

log = logging.getLogger(__name__)

FIGURE_FIELDS = [
    "index",
    "coverage",
    "weights_source",
    "h_score",
    "h_weight",
    "m_score",
    "m_weight",
    "r_score",
    "r_weight",
    "goal_attainment",
    "markers_relevant",
    "markers_with_reading",
    "markers_in_target",
    "change",
    "direction",
    "perspective_gap",
    "attribution_caveat",
    "context_events",
    "encounters",
    "patient_initiated",
    "computed_at",
]
REBUILD_CHUNK = 10_000


# --- Patient summaries ---------------------------------------------------------------------


def _fetch(query: str, lo: int, hi: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, sql.params(lo, hi))
        return cursor.fetchall()


def _share(part: float, whole: float) -> float:
    return min(1.0, max(0.0, part / whole)) if whole else 0.0


def _compute_range(lo: int, hi: int) -> dict[tuple[int, int], PatientSummary]:
    """Summaries of every patient with id in [lo, hi], for every quarter with data."""
    now = timezone.now()
    domains: dict[tuple[int, int], dict] = defaultdict(dict)
    own: dict[tuple[int, int], bool] = {}
    gaps: dict[tuple[int, int], float] = {}
    for patient_id, pn, domain, is_own, all_points, rated_points, weighted, gap in _fetch(
        sql.domain_aggregates_sql(), lo, hi
    ):
        domains[patient_id, pn][domain] = (float(all_points), float(rated_points), float(weighted))
        own[patient_id, pn] = bool(is_own)
        if gap is not None:
            gaps[patient_id, pn] = float(gap)

    summaries: dict[tuple[int, int], PatientSummary] = {}
    for key, parts in domains.items():
        total = sum(p[0] for p in parts.values())
        rated = sum(p[1] for p in parts.values())
        weighted = sum(p[2] for p in parts.values())
        summary = PatientSummary(
            patient_id=key[0],
            period=period_from_number(key[1]),
            index=min(100.0, max(0.0, 10 * weighted / rated)) if rated else None,
            coverage=_share(rated, total),
            weights_source="patient" if own[key] else "default",
            computed_at=now,
        )
        for code in ("H", "M", "R"):
            all_p, rated_p, weighted_p = parts.get(code, (0.0, 0.0, 0.0))
            setattr(
                summary, f"{code.lower()}_score", 10 * weighted_p / rated_p if rated_p else None
            )
            setattr(summary, f"{code.lower()}_weight", _share(all_p, total))
        summaries[key] = summary

    for key, gap in gaps.items():
        summaries[key].perspective_gap = gap

    reviews: dict[tuple[int, int], list] = defaultdict(list)
    for patient_id, pn, attainment, weight in _fetch(sql.goal_reviews_sql(), lo, hi):
        reviews[patient_id, pn].append((attainment, weight))
    for key, pairs in reviews.items():
        if key in summaries:
            summaries[key].goal_attainment = gas_t_score(pairs)

    relevant = dict(_fetch(sql.relevant_targets_sql(), lo, hi))
    for (patient_id, _), summary in summaries.items():
        summary.markers_relevant = relevant.get(patient_id, 0)
    for patient_id, pn, value, low, high in _fetch(sql.marker_readings_sql(), lo, hi):
        summary = summaries.get((patient_id, pn))
        if summary is None:
            continue
        summary.markers_with_reading += 1
        if (low is None or value >= low) and (high is None or value <= high):
            summary.markers_in_target += 1

    for patient_id, pn, kind, occurred_on, shared in _fetch(sql.context_events_sql(), lo, hi):
        summary = summaries.get((patient_id, pn))
        if summary is not None:
            day = occurred_on if isinstance(occurred_on, str) else occurred_on.isoformat()
            # Whether the patient may see the event travels with it, so what a patient is sent
            # can be filtered where it is read (indicators.selectors.patient_summary_data).
            event = {"kind": kind, "occurred_on": day, "visible_to_patient": bool(shared)}
            summary.context_events = [*summary.context_events, event]
            summary.attribution_caveat = True

    for patient_id, pn, count, by_patient in _fetch(sql.encounter_counts_sql(), lo, hi):
        summary = summaries.get((patient_id, pn))
        if summary is not None:
            summary.encounters, summary.patient_initiated = count, int(by_patient or 0)

    for (patient_id, pn), summary in summaries.items():
        previous = summaries.get((patient_id, pn - 1))
        if summary.index is not None and previous is not None and previous.index is not None:
            summary.change = summary.index - previous.index
            summary.direction = direction_of(summary.change) or ""
    return summaries


def _write_range(
    lo: int, hi: int, noted: dict[int, int], computed: dict, *, mark_groups: bool = True
) -> tuple[list[int], bool]:
    """Store computed summaries of patients whose state has not moved past what was noted.

    With ``mark_groups``, the team and caseload summaries those patients feed are flagged stale
    in the same transaction: a worker killed just after the commit cannot leave a patient clean
    and their groups unflagged. Returns the patients written and whether a group went stale.
    """
    newly_stale = False
    with transaction.atomic():
        states = {
            s.patient_id: s
            for s in SummaryState.objects.select_for_update().filter(patient__id__range=(lo, hi))
        }
        patient_ids = list(Patient.objects.filter(pk__range=(lo, hi)).values_list("pk", flat=True))
        writable = [
            pid
            for pid in patient_ids
            if pid not in states or states[pid].clean <= noted.get(pid, 0)
        ]
        keep = {pid: set() for pid in writable}
        for (pid, pn), _ in computed.items():
            if pid in keep:
                keep[pid].add(period_from_number(pn))
        existing = PatientSummary.objects.filter(patient_id__in=writable).values_list(
            "pk", "patient_id", "period"
        )
        existing = list(existing)
        gone = [pk for pk, pid, period in existing if period not in keep[pid]]
        if gone:
            PatientSummary.objects.filter(pk__in=gone).delete()
        _upsert_summaries([s for (pid, _), s in computed.items() if pid in keep])
        missing = [pid for pid in writable if pid not in states]
        SummaryState.objects.bulk_create(
            [SummaryState(patient_id=pid, dirty=0, clean=0) for pid in missing],
            ignore_conflicts=True,
        )
        by_value: dict[int, list[int]] = defaultdict(list)
        for pid in writable:
            if pid in states:
                by_value[noted.get(pid, 0)].append(pid)
        for value, pids in by_value.items():
            SummaryState.objects.filter(patient_id__in=pids, clean__lte=value).update(clean=value)
        if mark_groups and writable:
            periods = {period for _, _, period in existing}.union(*keep.values())
            newly_stale = group_summaries_mark_stale(patient_ids=writable, periods=periods)
    return writable, newly_stale


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _upsert_summaries(summaries: list[PatientSummary]) -> None:
    """Insert or replace summaries by (patient, period): COPY and one upsert on PostgreSQL."""
    if connection.vendor != "postgresql" or len(summaries) < 50:
        PatientSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["patient", "period"],
            update_fields=FIGURE_FIELDS,
            batch_size=1000,
        )
        return
    columns = ["patient_id", "period", *FIGURE_FIELDS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for summary in summaries:
        writer.writerow([_copy_value(getattr(summary, column)) for column in columns])
    buffer.seek(0)
    load = sql.summary_load_statements(columns, FIGURE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(load.create)
        cursor.cursor.copy_expert(load.copy, buffer)
        cursor.execute(load.upsert)
        cursor.execute(load.clear)


def _refresh_range(lo: int, hi: int, *, mark_groups: bool = True) -> tuple[list[int], bool]:
    noted = dict(
        SummaryState.objects.filter(patient__id__range=(lo, hi)).values_list("patient_id", "dirty")
    )
    computed = _compute_range(lo, hi)
    return _write_range(lo, hi, noted, computed, mark_groups=mark_groups)


def patient_summaries_compute(*, lo: int, hi: int) -> list[int]:
    """Recompute and store the summaries of patients with ids in [lo, hi], flagging the team and
    caseload summaries they feed; return the patients written."""
    return _refresh_range(lo, hi)[0]


def patient_summaries_refresh(*, patient_id: int) -> bool:
    """Bring one patient's summaries up to date.

    Returns whether team or caseload summaries became stale and need a refresh queued.
    """
    state = SummaryState.objects.filter(patient_id=patient_id).first()
    if state is not None and not state.is_stale:
        return False
    return _refresh_range(patient_id, patient_id)[1]


def summaries_sweep_stale(*, limit: int = 500) -> int:
    """Refresh the patients whose summaries are stale, oldest first; return how many."""
    stale = list(
        SummaryState.objects.filter(dirty__gt=F("clean"))
        .order_by("marked_at")
        .values_list("patient_id", flat=True)[:limit]
    )
    for patient_id in stale:
        patient_summaries_compute(lo=patient_id, hi=patient_id)
    # Also catches group summaries whose own refresh task was lost with the broker.
    group_summaries_refresh_stale()
    return len(stale)


def summaries_rebuild_all(*, chunk: int = REBUILD_CHUNK) -> int:
    """Recompute every summary from scratch, streaming through patients in id ranges."""
    bounds = Patient.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    written = 0
    for lo in range(bounds["lo"], bounds["hi"] + 1, chunk):
        # Every group is rebuilt below, so flagging them chunk by chunk would be wasted work.
        written += len(_refresh_range(lo, lo + chunk - 1, mark_groups=False)[0])
    group_summaries_rebuild_all()
    return written


# --- Team and caseload summaries ------------------------------------------------------------

ROW_FIELDS = (
    "index",
    "coverage",
    "h_score",
    "m_score",
    "r_score",
    "direction",
    "weights_source",
    "goal_attainment",
    "markers_with_reading",
    "markers_in_target",
    "patient_initiated",
    "attribution_caveat",
    "context_events",
)


def _row(v) -> SummaryRow:
    return SummaryRow(
        index=v[0],
        coverage=v[1],
        domain_scores={"H": v[2], "M": v[3], "R": v[4]},
        direction=v[5],
        own_priorities=v[6] == "patient",
        goal_attainment=v[7],
        markers_with_reading=v[8],
        markers_in_target=v[9],
        patient_initiated=v[10],
        attribution_caveat=v[11],
        context_kinds=tuple(sorted({e.get("kind", "") for e in v[12] or []})),
    )


def _rows(queryset) -> list[SummaryRow]:
    return [_row(v) for v in queryset.values_list(*ROW_FIELDS)]


def _allocations(summaries, period: str) -> list[Allocation]:
    """The own priority points, in effect at the end of the quarter, of the summarised patients."""
    end = period_bounds(period)[1]
    in_effect = (
        PrioritySet.objects.filter(patient_id=OuterRef("patient_id"), effective_from__lte=end)
        .order_by("-effective_from", "-id")
        .values("pk")[:1]
    )
    points = PriorityPoint.objects.filter(
        priority_set_id__in=summaries.annotate(set_id=Subquery(in_effect)).values("set_id"),
        points__gt=0,
    )
    by_set: dict[int, Allocation] = {}
    for set_id, element_id, code, domain, label, value in points.values_list(
        "priority_set_id",
        "element_id",
        "element__code",
        "element__domain_id",
        "element__label",
        "points",
    ):
        allocation = by_set.setdefault(set_id, Allocation(points={}, domains={}, labels={}))
        key = code or f"P{element_id}"
        allocation.points[key] = value
        allocation.domains[key] = domain
        if not code:
            allocation.labels[key] = label
    return list(by_set.values())


def _group_figures(summaries, period: str) -> tuple[int, dict]:
    """The stored figures of a group: DESIGN.md's, then what matters to it and its context."""
    rows = _rows(summaries)
    return len(rows), _figures_of(rows, _allocations(summaries, period))


def _caseload_window(period: str) -> tuple[datetime, datetime]:
    """A caseload in a quarter: patients the clinician saw in it or in the three before it."""
    first = period_from_number(period_number(period) - 3)
    start, end = period_bounds(first)[0], period_bounds(period)[1] + timedelta(days=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end, time.min, tzinfo=zone),
    )


def caseload_patient_ids(*, clinician_id: int, period: str):
    start, end = _caseload_window(period)
    return (
        Encounter.objects.filter(
            clinician_id=clinician_id, occurred_at__gte=start, occurred_at__lt=end
        )
        .values("patient_id")
        .distinct()
    )


def team_summary_compute(*, team_id: int, period: str) -> TeamSummary:
    """Aggregate the stored summaries of a team's patients for one quarter, and store it."""
    patients, figures = _group_figures(
        PatientSummary.objects.filter(period=period, patient__teams__id=team_id), period
    )
    summary, _ = TeamSummary.objects.update_or_create(
        team_id=team_id,
        period=period,
        defaults={
            "patients": patients,
            "figures": figures,
            "stale": False,
            "computed_at": timezone.now(),
        },
    )
    return summary


def caseload_summary_compute(*, clinician_id: int, period: str) -> CaseloadSummary:
    """Aggregate the stored summaries of a clinician's caseload for one quarter, and store it."""
    patient_ids = caseload_patient_ids(clinician_id=clinician_id, period=period)
    patients, figures = _group_figures(
        PatientSummary.objects.filter(period=period, patient_id__in=patient_ids), period
    )
    summary, _ = CaseloadSummary.objects.update_or_create(
        clinician_id=clinician_id,
        period=period,
        defaults={
            "patients": patients,
            "figures": figures,
            "stale": False,
            "computed_at": timezone.now(),
        },
    )
    return summary


def group_summaries_mark_stale(
    *, patient_ids: list[int], periods: set[str] | None = None, team_ids: Iterable[int] = ()
) -> bool:
    """Flag the team and caseload summaries these patients' summaries feed, for ``periods``
    (default: every quarter they have a summary of), and those of ``team_ids`` too (teams a
    patient has just left).

    Returns whether any was fresh until now: only then does a group refresh need queueing, since
    a summary already flagged has one on its way. The flags are the debounce.
    """
    if periods is None:
        periods = set(
            PatientSummary.objects.filter(patient_id__in=patient_ids).values_list(
                "period", flat=True
            )
        )
    team_ids = set(team_ids) | set(
        Patient.teams.through.objects.filter(patient_id__in=patient_ids).values_list(
            "team_id", flat=True
        )
    )
    clinician_ids = set(
        Encounter.objects.filter(patient_id__in=patient_ids).values_list("clinician_id", flat=True)
    )
    newly_stale = False
    for model, field, ids in (
        (TeamSummary, "team_id", team_ids),
        (CaseloadSummary, "clinician_id", clinician_ids),
    ):
        already = set(
            model.objects.filter(
                **{f"{field}__in": ids}, period__in=periods, stale=True
            ).values_list(field, "period")
        )
        targets = [(i, p) for i in ids for p in periods if (i, p) not in already]
        if targets:
            newly_stale = True
            model.objects.bulk_create(
                [model(**{field: i}, period=p, stale=True) for i, p in targets],
                update_conflicts=True,
                unique_fields=[field.removesuffix("_id"), "period"],
                update_fields=["stale"],
            )
    return newly_stale


def group_summaries_refresh_stale() -> int:
    """Recompute the team and caseload summaries flagged stale; return how many."""
    done = 0
    for team_id, period in TeamSummary.objects.filter(stale=True).values_list("team_id", "period"):
        team_summary_compute(team_id=team_id, period=period)
        done += 1
    for clinician_id, period in CaseloadSummary.objects.filter(stale=True).values_list(
        "clinician_id", "period"
    ):
        caseload_summary_compute(clinician_id=clinician_id, period=period)
        done += 1
    return done


def _figures_of(rows: list[SummaryRow], allocations: list[Allocation]) -> dict:
    return group_summary_figures(rows, allocations, kinds=ContextEvent.Kind.values)


class _Allocations:
    """Every patient's priority sets, loaded once, answering "which points held at a date"."""

    def __init__(self) -> None:
        self.sets: dict[int, list[tuple]] = defaultdict(list)
        for pid, effective_from, set_id in PrioritySet.objects.order_by(
            "patient_id", "effective_from", "id"
        ).values_list("patient_id", "effective_from", "id"):
            self.sets[pid].append((effective_from, set_id))
        self.by_set: dict[int, Allocation] = {}
        for set_id, element_id, code, domain, label, value in PriorityPoint.objects.filter(
            points__gt=0
        ).values_list(
            "priority_set_id",
            "element_id",
            "element__code",
            "element__domain_id",
            "element__label",
            "points",
        ):
            allocation = self.by_set.setdefault(set_id, Allocation(points={}, domains={}))
            key = code or f"P{element_id}"
            allocation.points[key], allocation.domains[key] = value, domain
            if not code:
                allocation.labels[key] = label

    def at(self, patient_id: int, day) -> Allocation | None:
        held = None
        for effective_from, set_id in self.sets.get(patient_id, ()):
            if effective_from > day:
                break
            held = set_id
        return self.by_set.get(held) if held is not None else None


def group_summaries_rebuild_all() -> int:
    """Recompute every team and caseload summary, in one pass over the stored patient summaries.

    Memberships, caseload windows and priority sets are read once; each quarter's patient
    summaries are read once and shared out to their teams and caseloads in memory.
    """
    teams_of: dict[int, list[int]] = defaultdict(list)
    for pid, tid in Patient.teams.through.objects.values_list("patient_id", "team_id"):
        teams_of[pid].append(tid)
    caseload: dict[tuple[int, int], set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(sql.encounter_quarters_sql(), sql.params(0, 2**62))
        for clinician_id, pid, pn in cursor.fetchall():
            for later in range(4):  # seen in a quarter: on the caseload for it and the next three
                caseload[clinician_id, pn + later].add(pid)
    allocations = _Allocations()
    team_ids = list(Team.objects.values_list("pk", flat=True))
    clinician_ids = {clinician_id for clinician_id, _ in caseload}
    now = timezone.now()
    teams, caseloads = [], []
    periods = sorted(set(PatientSummary.objects.values_list("period", flat=True).distinct()))
    for period in periods:
        end, pn = period_bounds(period)[1], period_number(period)
        rows: dict[int, SummaryRow] = {}
        for values in (
            PatientSummary.objects.filter(period=period)
            .values_list("patient_id", *ROW_FIELDS)
            .iterator(chunk_size=10_000)
        ):
            rows[values[0]] = _row(values[1:])
        # Every team and every clinician gets every quarter, empty or not, as before.
        groups: dict[tuple[str, int], list[int]] = {("team", t): [] for t in team_ids}
        groups.update({("caseload", c): [] for c in clinician_ids})
        for pid in rows:
            for tid in teams_of.get(pid, ()):
                groups["team", tid].append(pid)
        for (clinician_id, quarter), pids in caseload.items():
            if quarter == pn:
                groups["caseload", clinician_id] = [p for p in pids if p in rows]
        for (kind, owner), pids in groups.items():
            group_rows = [rows[p] for p in pids]
            held = [a for p in pids if (a := allocations.at(p, end)) is not None]
            fields = {
                "period": period,
                "patients": len(group_rows),
                "stale": False,
                "computed_at": now,
                "figures": _figures_of(group_rows, held),
            }
            if kind == "team":
                teams.append(TeamSummary(team_id=owner, **fields))
            else:
                caseloads.append(CaseloadSummary(clinician_id=owner, **fields))
    with transaction.atomic():
        TeamSummary.objects.all().delete()
        CaseloadSummary.objects.all().delete()
        TeamSummary.objects.bulk_create(teams, batch_size=500)
        CaseloadSummary.objects.bulk_create(caseloads, batch_size=500)
    return len(teams) + len(caseloads)
