"""Patient summaries: computing and storing each patient's figures per quarter.

``_compute_range`` works out the summaries of a range of patient ids from their records (the SQL
is ``indicators.sql``); ``_write_range`` stores them, unless the patient's records changed since
the computation started, and flags the team and caseload summaries they feed
(``indicators.group_summaries``). On PostgreSQL large writes go through COPY and one upsert.
``patient_summaries_refresh`` brings one patient up to date, ``summaries_sweep_stale`` catches up
on stale ones, and ``summaries_rebuild_all`` recomputes everything, patients then groups.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from patients.models import Patient

from . import sql
from .group_summaries import (
    ROW_FIELDS,
    PatientChange,
    group_summaries_mark,
    group_summaries_rebuild_all,
    group_summaries_refresh_stale,
    group_targets,
)
from .models import FIGURE_FIELDS, CaseloadSummary, PatientSummary, SummaryState, TeamSummary
from .scoring import (
    direction_of,
    gas_t_score,
    index_change,
    period_from_number,
    period_number,
)
from .summary_sql import patient_summaries_store

# Patients per piece of the rebuild at most: small enough that each piece sorts in memory, large
# enough that the per-statement cost is small.
REBUILD_CHUNK = 2_000
# The pieces come in a multiple of this many, of equal size, so that 2 or 4 workers finish
# together: 5,000 patients in pieces of 2,000 would be 3 pieces, and one of two workers would
# wait a third of the patient phase for the other (4 pieces: 0.77 s with 2 workers instead of
# 0.96 s; 8 pieces were no faster, each piece having a cost of its own).
REBUILD_PIECES_STEP = 4
# ... but no piece is cut smaller than this, where each statement's fixed cost would tell.
REBUILD_CHUNK_LEAST = 250


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
    summary: PatientSummary | None  # the one at hand: built, iterated, or looked up (maybe none)
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

    for patient_id, pn, code, scores in _fetch(sql.latest_instrument_responses_sql(), lo, hi):
        summary = summaries.get((patient_id, pn))
        if summary is not None:
            # PostgreSQL's driver reads a JSON column as a dict; SQLite's gives its text.
            scores = json.loads(scores) if isinstance(scores, str) else scores
            summary.instruments = {**summary.instruments, code: scores}

    for (patient_id, pn), summary in summaries.items():
        previous = summaries.get((patient_id, pn - 1))
        if previous is not None:
            summary.change = index_change(summary.index, previous.index)
            summary.direction = direction_of(summary.change) or ""
    return summaries


def _write_range(
    lo: int, hi: int, noted: dict[int, int], computed: dict, *, mark_groups: bool = True
) -> tuple[list[int], bool]:
    """Store computed summaries of patients whose state has not moved past what was noted.

    With ``mark_groups``, the team and caseload summaries those patients feed are flagged stale
    in the same transaction: a worker killed just after the commit cannot leave a patient up to date
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
            if pid not in states or states[pid].computed_up_to <= noted.get(pid, 0)
        ]
        keep: dict[int, set[str]] = {pid: set() for pid in writable}
        for (pid, pn), _ in computed.items():
            if pid in keep:
                keep[pid].add(period_from_number(pn))
        existing = list(
            PatientSummary.objects.filter(patient_id__in=writable).values_list(
                "pk", "patient_id", "period", *GROUP_READ_FIELDS
            )
        )
        gone = [pk for pk, pid, period, *_ in existing if period not in keep[pid]]
        if gone:
            PatientSummary.objects.filter(pk__in=gone).delete()
        _upsert_summaries([s for (pid, _), s in computed.items() if pid in keep])
        missing = [pid for pid in writable if pid not in states]
        SummaryState.objects.bulk_create(
            [SummaryState(patient_id=pid, dirty=0, computed_up_to=0) for pid in missing],
            ignore_conflicts=True,
        )
        by_value: dict[int, list[int]] = defaultdict(list)
        for pid in writable:
            if pid in states:
                by_value[noted.get(pid, 0)].append(pid)
        for value, pids in by_value.items():
            SummaryState.objects.filter(patient_id__in=pids, computed_up_to__lte=value).update(
                computed_up_to=value
            )
        if mark_groups and writable:
            changes = _changes(existing, {k: s for k, s in computed.items() if k[0] in keep})
            newly_stale = group_summaries_mark(group_targets(changes))
    return writable, newly_stale


# What a team or caseload summary reads from a patient's summary, and the count of encounters
# (whose caseloads the patient is in): a refresh that moves none of these moves no group.
GROUP_READ_FIELDS = (*ROW_FIELDS, "encounters")  # "encounters" last: _changes splits there


def _changes(
    existing: list[tuple], computed: dict[tuple[int, int], PatientSummary]
) -> dict[int, PatientChange]:
    """Per patient, the quarters whose group-read figures and encounter counts a write moves:
    ``existing`` rows are (pk, patient id, period, *GROUP_READ_FIELDS) as stored before it."""
    before = {(pid, period_number(period)): values for _, pid, period, *values in existing}
    after = {
        key: [getattr(summary, name) for name in GROUP_READ_FIELDS]
        for key, summary in computed.items()
    }
    changes: dict[int, PatientChange] = defaultdict(lambda: PatientChange(set(), set()))
    visits = GROUP_READ_FIELDS.index("encounters")
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        change = changes[key[0]]
        if old is None or new is None or old[:visits] != new[:visits]:
            change.figures.add(key[1])
        if old is None or new is None or old[visits] != new[visits]:
            change.visits.add(key[1])
    return dict(changes)


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
    buffer = sql.copy_csv([getattr(summary, column) for column in columns] for summary in summaries)
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
        SummaryState.objects.stale()
        .order_by("marked_at")
        .values_list("patient_id", flat=True)[:limit]
    )
    for patient_id in stale:
        patient_summaries_compute(lo=patient_id, hi=patient_id)
    # Also catches group summaries whose own refresh task was lost with the broker (unless a
    # refresh is running now, which takes them).
    group_summaries_refresh_stale()
    return len(stale)


def summaries_rebuild_range(*, lo: int, hi: int) -> int:
    """Recompute the summaries of patients with ids in [lo, hi] as part of a full rebuild: every
    group is rebuilt afterwards, so none is flagged. Returns how many patients were written.

    On PostgreSQL the figures are computed and stored in SQL (``indicators.summary_sql``), with
    the same results as the Python path used on SQLite."""
    if connection.vendor == "postgresql":
        return patient_summaries_store(lo=lo, hi=hi)
    return len(_refresh_range(lo, hi, mark_groups=False)[0])


def rebuild_piece_size(
    patients: int, *, most: int = REBUILD_CHUNK, least: int = REBUILD_CHUNK_LEAST
) -> int:
    """Patients per piece of a rebuild of ``patients``: the fewest equal pieces, in a multiple of
    ``REBUILD_PIECES_STEP``, of at most ``most`` each; but at least ``least`` a piece (fewer
    pieces, then) unless ``most`` is smaller still."""
    pieces = max(1, math.ceil(patients / most / REBUILD_PIECES_STEP)) * REBUILD_PIECES_STEP
    return max(min(most, math.ceil(patients / pieces)), min(most, least), 1)


def rebuild_chunks(
    *, size: int = REBUILD_CHUNK, least: int = REBUILD_CHUNK_LEAST
) -> list[tuple[int, int]]:
    """The nightly rebuild's pieces: ranges of patient ids holding equal numbers of patients (the
    last fewer), at most ``size`` each and as many as a multiple of ``REBUILD_PIECES_STEP``
    (``rebuild_piece_size``), cut at actual ids so gaps in the numbering do not make uneven
    pieces. A patient's summaries depend on their own records only, so the pieces can run in any
    order, anywhere."""
    size = rebuild_piece_size(Patient.objects.count(), most=size, least=least)
    ids = Patient.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=50_000)
    bounds: list[tuple[int, int]] = []
    for count, pk in enumerate(ids):
        if count % size == 0:
            bounds.append((pk, pk))
        else:
            bounds[-1] = (bounds[-1][0], pk)
    return bounds


def summaries_rebuild_all(*, chunk: int = REBUILD_CHUNK) -> int:
    """Recompute every summary from scratch, streaming through patients in id ranges."""
    bounds = Patient.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    written = 0
    for lo in range(bounds["lo"], bounds["hi"] + 1, chunk):
        written += summaries_rebuild_range(lo=lo, hi=lo + chunk - 1)
    patient_phase_analyze()
    group_summaries_rebuild_all()
    group_phase_analyze()
    return written


def patient_phase_analyze() -> None:
    """When a rebuild has written every patient's summaries, before the group phase reads them:
    the planner's statistics of the tables it rewrote (``sql.tables_analyze``). Without them, on
    a database just filled, a team's refresh was planned on guesses and took over a minute at
    50,000 patients instead of 3 s."""
    sql.tables_analyze(PatientSummary, SummaryState)


def group_phase_analyze() -> None:
    """When a rebuild has written every team and caseload summary: their tables' statistics."""
    sql.tables_analyze(TeamSummary, CaseloadSummary)
