"""Team and caseload summaries: aggregates over the stored patient summaries of a group.

A group is a team (its patients) or a clinician's caseload (the patients they saw in a quarter or
the three before). ``group_summary_compute`` stores one group's quarter, with
``team_summary_compute`` and ``caseload_summary_compute`` as its two named forms;
``group_targets`` says which summaries a patient's refresh moved and ``group_summaries_mark``
flags them (``group_summaries_mark_stale`` flags all a patient feeds, when their teams change),
``group_summaries_refresh_stale`` recomputes the flagged ones, one refresher at a time, and
``group_summaries_rebuild_all`` recomputes every one. ``group_summaries_compute_many`` computes
many groups set-based (``indicators.group_sql``); ``group_summary_reference`` works one group out
from its rows in Python, the reference it is checked against. The figures themselves are worked
out by ``indicators.figures``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from assessments.models import PriorityPoint, PrioritySet, TeamInstrument
from patients.models import ContextEvent, Encounter, Patient, Team

from . import group_sql, sql
from .figures import (
    Allocation,
    SummaryRow,
    group_counts,
    group_summary_figures,
    group_summary_figures_of,
    priority_counts,
)
from .models import CaseloadSummary, GroupSummary, PatientSummary, TeamSummary
from .scoring import period_bounds, period_from_number, period_number

# The columns of a stored patient summary that a group's figures read.
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
    "instruments",
)


def summary_row(
    *,
    index,
    coverage,
    h_score,
    m_score,
    r_score,
    direction,
    weights_source,
    goal_attainment,
    markers_with_reading,
    markers_in_target,
    patient_initiated,
    attribution_caveat,
    context_events,
    instruments,
) -> SummaryRow:
    """What a group figure needs from one stored patient summary, given its ROW_FIELDS by name."""
    return SummaryRow(
        index=index,
        coverage=coverage,
        domain_scores={"H": h_score, "M": m_score, "R": r_score},
        direction=direction,
        own_priorities=weights_source == PatientSummary.WeightsSource.PATIENT,
        goal_attainment=goal_attainment,
        markers_with_reading=markers_with_reading,
        markers_in_target=markers_in_target,
        patient_initiated=patient_initiated,
        attribution_caveat=attribution_caveat,
        context_kinds=tuple(sorted({e.get("kind", "") for e in context_events or []})),
        instruments=instruments or {},
    )


def _rows(summaries: QuerySet[PatientSummary]) -> list[SummaryRow]:
    return [summary_row(**columns) for columns in summaries.values(*ROW_FIELDS)]


def _figures_of(
    rows: list[SummaryRow], allocations: list[Allocation], offered: Iterable[str] = ()
) -> dict:
    return group_summary_figures(rows, allocations, kinds=ContextEvent.Kind.values, offered=offered)


def _offered_by_team() -> dict[int, list[str]]:
    """The instruments each team offers (one query)."""
    offered: dict[int, list[str]] = defaultdict(list)
    for team_id, code in TeamInstrument.objects.values_list("team_id", "instrument"):
        offered[team_id].append(code)
    return offered


# --- Own priorities: the points each patient held at the end of a quarter --------------------


def allocations_by_set(points: QuerySet[PriorityPoint]) -> dict[int, Allocation]:
    """The allocation of each priority set among ``points`` (only points above 0 count)."""
    by_set: dict[int, Allocation] = {}
    for set_id, element_id, code, domain, label, value in points.filter(points__gt=0).values_list(
        "priority_set_id",
        "element_id",
        "element__code",
        "element__domain_id",
        "element__label",
        "points",
    ):
        allocation = by_set.setdefault(set_id, Allocation(points={}, domains={}))
        key = code or f"P{element_id}"
        allocation.points[key], allocation.domains[key] = value, domain
        if not code:
            allocation.labels[key] = label
    return by_set


def _allocations_in_effect(summaries: QuerySet[PatientSummary], period: str) -> list[Allocation]:
    """The own priority points, in effect at the end of the quarter, of the summarised patients."""
    end = period_bounds(period)[1]
    in_effect = (
        PrioritySet.objects.filter(patient_id=OuterRef("patient_id"), effective_from__lte=end)
        .order_by("-effective_from", "-id")
        .values("pk")[:1]
    )
    set_ids = summaries.annotate(set_id=Subquery(in_effect)).values("set_id")
    points = PriorityPoint.objects.filter(priority_set_id__in=set_ids)
    return list(allocations_by_set(points).values())


# --- Groups: who is in a team's or a caseload's quarter ---------------------------------------


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


_Summary = TypeVar("_Summary", bound=GroupSummary)


@dataclass(frozen=True)
class GroupKind(Generic[_Summary]):
    """A kind of group: where its summaries are stored, under which owner, and who is in it."""

    model: type[_Summary]
    owner_field: str  # the owner's id column on ``model``: team_id or clinician_id
    members: Callable[[int, str], Q]  # (owner id, quarter) → the patient summaries in the group


TEAM = GroupKind(TeamSummary, "team_id", lambda team_id, period: Q(patient__teams__id=team_id))
CASELOAD = GroupKind(
    CaseloadSummary,
    "clinician_id",
    lambda clinician_id, period: Q(
        patient_id__in=caseload_patient_ids(clinician_id=clinician_id, period=period)
    ),
)
GROUP_KINDS: tuple[GroupKind[Any], ...] = (TEAM, CASELOAD)


def group_summary_reference(
    kind: GroupKind[Any], *, owner_id: int, period: str
) -> tuple[int, dict]:
    """One group's patient count and figures for one quarter, worked out in Python from its
    patients' stored summary rows: the reference that ``group_summaries_compute_many`` (set-based)
    must agree with, as ``tests/indicators/test_group_summaries_set_based.py`` checks."""
    summaries = PatientSummary.objects.filter(kind.members(owner_id, period), period=period)
    rows = _rows(summaries)
    offered = (
        TeamInstrument.objects.filter(team_id=owner_id).values_list("instrument", flat=True)
        if kind is TEAM
        else ()
    )
    return len(rows), _figures_of(rows, _allocations_in_effect(summaries, period), offered)


def group_summary_compute(kind: GroupKind[_Summary], *, owner_id: int, period: str) -> _Summary:
    """Aggregate the stored summaries of one group's patients for one quarter, and store it."""
    group_summaries_compute_many(kind, [(owner_id, period)])
    # _default_manager: the abstract GroupSummary declares no ``objects``; each kind's model has
    # ``objects`` as its only manager, so it is the same manager.
    return kind.model._default_manager.get(**{kind.owner_field: owner_id}, period=period)


def team_summary_compute(*, team_id: int, period: str) -> TeamSummary:
    """Aggregate the stored summaries of a team's patients for one quarter, and store it."""
    return group_summary_compute(TEAM, owner_id=team_id, period=period)


def caseload_summary_compute(*, clinician_id: int, period: str) -> CaseloadSummary:
    """Aggregate the stored summaries of a clinician's caseload for one quarter, and store it."""
    return group_summary_compute(CASELOAD, owner_id=clinician_id, period=period)


# --- Keeping them fresh ---------------------------------------------------------------------


Targets = dict[GroupKind[Any], set[tuple[int, str]]]  # each kind's (owner id, quarter) pairs


@dataclass
class PatientChange:
    """What a patient's refresh changed, in quarter numbers: the quarters whose stored figures a
    group reads moved (``figures``), and the quarters whose count of encounters moved
    (``visits``: whose caseloads the patient is in may have changed)."""

    figures: set[int]
    visits: set[int]


def group_targets(changes: dict[int, PatientChange]) -> Targets:
    """The team and caseload summaries whose figures these changes can move, and only those.

    A team's quarter reads its patients' summaries of that quarter. A caseload's quarter reads
    the summaries of that quarter of the patients its clinician saw in it or the three before,
    so a change in quarter P moves the caseloads of those who saw the patient in P-3 to P, and a
    visit in quarter V changes who is in that clinician's caseloads of V to V+3.
    """
    targets: Targets = {TEAM: set(), CASELOAD: set()}
    changes = {pid: c for pid, c in changes.items() if c.figures or c.visits}
    if not changes:
        return targets
    for pid, tid in Patient.teams.through.objects.filter(patient_id__in=changes).values_list(
        "patient_id", "team_id"
    ):
        targets[TEAM].update((tid, period_from_number(pn)) for pn in changes[pid].figures)
    lo, hi = min(changes), max(changes)
    with connection.cursor() as cursor:
        cursor.execute(sql.encounter_quarters_sql(), sql.params(lo, hi))
        seen = [(c, pid, pn) for c, pid, pn in cursor.fetchall() if pid in changes]
    for clinician_id, pid, seen_in in seen:
        change = changes[pid]
        quarters = {pn for pn in change.figures if seen_in <= pn <= seen_in + 3}
        if seen_in in change.visits:
            quarters.update(range(seen_in, seen_in + 4))
        targets[CASELOAD].update((clinician_id, period_from_number(pn)) for pn in quarters)
    # Groups have summaries of the quarters someone has a summary of (as the rebuild makes them):
    # a visit does not open the caseload's quarters to come before anybody has data in them.
    periods = {period for pairs in targets.values() for _, period in pairs}
    present = set(
        PatientSummary.objects.filter(period__in=periods)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    return {kind: {(o, p) for o, p in pairs if p in present} for kind, pairs in targets.items()}


def _pairs_q(kind: GroupKind[Any], pairs: Iterable[tuple[int, str]]) -> Q:
    """Rows of ``kind`` for these (owner id, quarter) pairs, grouped by quarter."""
    by_period: dict[str, set[int]] = defaultdict(set)
    for owner_id, period in pairs:
        by_period[period].add(owner_id)
    condition = Q(pk__in=[])
    for period, owners in by_period.items():
        condition |= Q(period=period, **{f"{kind.owner_field}__in": owners})
    return condition


def group_summaries_mark(targets: Targets) -> bool:
    """Flag these team and caseload summaries stale, bumping ``marks`` on each.

    Returns whether any was fresh (or missing) until now: only then does a refresh need queueing,
    since one flagged before has a refresh on its way. Whether a row was fresh is decided by the
    UPDATE itself, which waits for a refresh writing the row to finish and then sees its result.
    """
    newly_stale = False
    for kind, pairs in targets.items():
        if not pairs:
            continue
        model, field = kind.model, kind.owner_field
        rows = model.objects.filter(_pairs_q(kind, pairs))
        # The rows there are, locked first in (owner, quarter) order, the order the rebuild and
        # refreshes store them in: two transactions flagging and storing the same groups then
        # never each hold a row the other waits for. (SQLite locks the whole database.)
        present = rows.order_by(field, "period")
        if connection.vendor == "postgresql":
            present = present.select_for_update()
        found = set(present.values_list(field, "period"))
        if rows.filter(stale=False).update(stale=True, marks=F("marks") + 1):
            newly_stale = True
        rows.update(marks=F("marks") + 1)
        missing = [pair for pair in pairs if pair not in found]
        if missing:
            newly_stale = True
            model.objects.bulk_create(
                [model(**{field: i}, period=p, stale=True, marks=1) for i, p in missing],
                ignore_conflicts=True,
            )
            # A row stored meanwhile (by the rebuild, from figures read before this change) made
            # the insert give way: flag it too. Rows inserted here are flagged already.
            model.objects.filter(_pairs_q(kind, missing), stale=False).update(
                stale=True, marks=F("marks") + 1
            )
    return newly_stale


def group_summaries_mark_stale(
    *, patient_ids: list[int], periods: set[str] | None = None, team_ids: Iterable[int] = ()
) -> bool:
    """Flag every team and caseload summary these patients' summaries feed, for ``periods``
    (default: every quarter they have a summary of), and those of ``team_ids`` too (teams a
    patient has just left). For when a patient's groups themselves changed; a refresh of their
    records flags only what it moved (``group_targets``). Returns ``group_summaries_mark``'s
    answer."""
    if periods is None:
        periods = set(
            PatientSummary.objects.filter(patient_id__in=patient_ids).values_list(
                "period", flat=True
            )
        )
    team_owners = set(team_ids) | set(
        Patient.teams.through.objects.filter(patient_id__in=patient_ids).values_list(
            "team_id", flat=True
        )
    )
    clinicians = set(
        Encounter.objects.filter(patient_id__in=patient_ids).values_list("clinician_id", flat=True)
    )
    return group_summaries_mark(
        {
            TEAM: {(i, p) for i in team_owners for p in periods},
            CASELOAD: {(i, p) for i in clinicians for p in periods},
        }
    )


def _refresh_kind(kind: GroupKind[Any]) -> int:
    """Recompute the stale summaries of one kind once; return how many were computed.

    ``marks`` is read with the targets; after the new figures are stored (same transaction), a
    row whose ``marks`` moved meanwhile had a patient change land after its figures were read,
    so it is flagged stale again rather than left fresh with figures that miss that change.
    """
    read = _marks(kind, kind.model.objects.filter(stale=True))
    if not read:
        return 0
    with transaction.atomic():
        group_summaries_compute_many(kind, read)  # set-based: one set of statements for all
        _flag_moved(kind, read, _pairs_q(kind, read))
    return len(read)


def _marks(kind: GroupKind[Any], rows: QuerySet[Any]) -> dict[tuple[int, str], int]:
    """The ``marks`` of these summaries by (owner id, quarter), read before their figures are."""
    return {
        (owner_id, period): marks
        for owner_id, period, marks in rows.values_list(kind.owner_field, "period", "marks")
    }


def _flag_moved(kind: GroupKind[Any], read: dict[tuple[int, str], int], rows: Q) -> int:
    """Once new figures are stored (same transaction): flag stale again each of ``rows`` whose
    ``marks`` moved since ``read`` (a row not read then counts from 0, as a new row starts). A
    patient change flagged it after its figures were read, so they miss that change. Returns
    how many were flagged."""
    moved = [
        pair
        for pair, marks in _marks(kind, kind.model.objects.filter(rows)).items()
        if marks != read.get(pair, 0)
    ]
    if moved:
        kind.model.objects.filter(_pairs_q(kind, moved)).update(stale=True)
    return len(moved)


# The claim's key among the installation's PostgreSQL advisory locks (any fixed number will do).
REFRESH_LOCK = 0x55_4D_47_52  # "SMGR"
_refresh_lock = threading.Lock()  # where there is no PostgreSQL: one process, one refresher


@contextmanager
def _refresh_claim() -> Iterator[bool]:
    """Whether this process holds the one group refresh claim, held for the block: a PostgreSQL
    advisory lock (released by the database if the worker dies), or a lock in this process."""
    if connection.vendor != "postgresql":
        held = _refresh_lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                _refresh_lock.release()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])


def group_summaries_refresh_stale() -> int | None:
    """Recompute the team and caseload summaries flagged stale, once; return how many were
    computed. One flagged again while this ran (``marks``) stays flagged for the next refresh:
    the caller queues it after a pause (``group_summaries_any_stale``).

    One refresh runs at a time: when another holds the claim, nothing is done and None is
    returned (the caller queues a later try, so a change flagged just as the other finishes is
    not left waiting for the minute sweep).
    """
    with _refresh_claim() as held:
        if not held:
            return None
        return sum(_refresh_kind(kind) for kind in GROUP_KINDS)


def group_summaries_flag_all() -> int:
    """Flag every team and caseload summary stale, bumping ``marks`` (so a refresh computing one
    now leaves it flagged); return how many. For when the rebuild could not finish its groups:
    the group refresh then recomputes them all from the patient summaries as they stand."""
    return sum(
        kind.model._default_manager.update(stale=True, marks=F("marks") + 1) for kind in GROUP_KINDS
    )


def group_summaries_any_stale() -> bool:
    """Whether any team or caseload summary is flagged stale."""
    return any(kind.model._default_manager.filter(stale=True).exists() for kind in GROUP_KINDS)


def group_summaries_periods_settle() -> list[str]:
    """The quarters that have patient summaries, for a rebuild split by quarter; the team and
    caseload summaries of any other quarter are deleted, as a one-pass rebuild would."""
    present = sorted(_periods_present())
    for kind in GROUP_KINDS:
        kind.model._default_manager.exclude(period__in=present).delete()
    return present


def group_summaries_rebuild_all(*, periods: Iterable[str] | None = None) -> int:
    """Recompute every team and caseload summary of ``periods`` (default: every quarter), set-based
    and both kinds together (``group_sql.group_aggregates_of_kinds``: what they share is worked
    out once), and delete those no longer wanted; return how many were stored.

    Every team and every clinician who has seen a patient gets every quarter with patient
    summaries, empty or not. The summaries of a quarter that no longer has patient summaries,
    and of an owner who no longer qualifies, are deleted: from every quarter when ``periods`` is
    None, otherwise from the quarters given only. Giving ``periods`` splits the rebuild, one
    quarter or a few per task. A summary a patient's change flags while its figures are computed
    stays flagged for the next refresh (``_flag_moved``), as in a refresh.
    """
    wanted = sorted(_periods_present(None if periods is None else set(periods)))
    # Read before the figures: a change flagged after that is in none of them (``_flag_moved``).
    read = {
        kind: _marks(kind, kind.model.objects.filter(period__in=wanted)) for kind in GROUP_KINDS
    }
    with transaction.atomic():
        owners = {kind: _owners_all(kind) for kind in GROUP_KINDS}
        # Both kinds at once: what they share is worked out once (``group_sql``).
        written = _groups_compute(
            {
                kind: [(owner_id, period) for period in wanted for owner_id in owners[kind]]
                for kind in GROUP_KINDS
            }
        )
        for kind in GROUP_KINDS:
            summaries = kind.model._default_manager.all()
            if periods is not None:
                summaries = summaries.filter(period__in=set(periods))
            summaries.exclude(period__in=wanted).delete()
            summaries.filter(period__in=wanted).exclude(
                **{f"{kind.owner_field}__in": owners[kind]}
            ).delete()
            _flag_moved(kind, read[kind], Q(period__in=wanted))
    return written


# --- Set-based: many groups at once ---------------------------------------------------------


def _distinct_values(model: Any, column: str) -> list[Any]:
    """The distinct non-null values of an indexed column, in order, found by skipping along an
    index that begins with it (one probe per value, not a scan of every row)."""
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH RECURSIVE found(value) AS (
                SELECT MIN({name}) FROM {table}
                UNION ALL
                SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > found.value)
                FROM found WHERE found.value IS NOT NULL
            )
            SELECT value FROM found WHERE value IS NOT NULL""")  # noqa: S608 - names only
        return [value for (value,) in cursor.fetchall()]


def _periods_present(periods: set[str] | None = None) -> set[str]:
    """The quarters that have patient summaries: of ``periods`` when given (a probe each),
    otherwise all of them."""
    if periods is None:
        return set(_distinct_values(PatientSummary, "period"))
    return {p for p in periods if PatientSummary.objects.filter(period=p).exists()}


def _owners_all(kind: GroupKind[Any]) -> list[int]:
    """Every owner that gets a summary each quarter: every team; every clinician who has seen a
    patient."""
    if kind is TEAM:
        return sorted(Team.objects.values_list("pk", flat=True))
    return sorted(_distinct_values(Encounter, "clinician_id"))


def _target(owner_id: int, period: str) -> group_sql.Target:
    starts, ends = _caseload_window(period)
    return group_sql.Target(owner_id, period, starts, ends, period_bounds(period)[1])


def group_summaries_compute_many(
    kind: GroupKind[Any], targets: Iterable[tuple[int, str]] | None = None
) -> int:
    """Compute and store the summaries of many groups of one kind: ``targets`` is (owner id,
    quarter) pairs, or None for every owner (``_owners_all``) in every quarter with patient
    summaries. Returns how many were stored.

    Set-based: a fixed number of statements work out what every group's figures rest on
    (``indicators.group_sql``), Python applies the small-number rules to each group's counts
    (``figures.group_summary_figures_of``), and one upsert per kind stores them all, fresh.
    """
    if targets is None:
        periods = sorted(_periods_present())
        owners = _owners_all(kind)
        targets = [(owner_id, period) for period in periods for owner_id in owners]
    return _groups_compute({kind: targets})


def _sql_kind(kind: GroupKind[Any]) -> str:
    return group_sql.TEAM if kind is TEAM else group_sql.CASELOAD


def _groups_compute(targets: dict[GroupKind[Any], Iterable[tuple[int, str]]]) -> int:
    """Compute and store the summaries of many groups of one kind or more, ``targets`` being
    each kind's (owner id, quarter) pairs: one set of statements for every kind
    (``group_sql.group_aggregates_of_kinds``), one upsert per kind. Returns how many were
    stored."""
    wanted = {kind: sorted(set(pairs)) for kind, pairs in targets.items()}
    wanted = {kind: pairs for kind, pairs in wanted.items() if pairs}
    if not wanted:
        return 0
    now = timezone.now()
    written = 0
    with transaction.atomic():
        found = group_sql.group_aggregates_of_kinds(
            {
                _sql_kind(kind): [_target(owner_id, period) for owner_id, period in pairs]
                for kind, pairs in wanted.items()
            }
        )
        by_team = _offered_by_team() if TEAM in wanted else {}
        empty = group_sql.GroupAggregates(counts=group_counts([]), priorities=priority_counts([]))
        for kind, pairs in wanted.items():
            offered = by_team if kind is TEAM else {}  # instruments are offered by teams
            written += _groups_store(kind, pairs, found, offered, empty, now)
    return written


def _groups_store(
    kind: GroupKind[Any],
    pairs: list[tuple[int, str]],
    found: dict[group_sql.GroupKey, group_sql.GroupAggregates],
    offered: dict[int, list[str]],
    empty: group_sql.GroupAggregates,
    now: datetime,
) -> int:
    """Upsert one kind's summaries from what ``group_sql`` found (``empty`` for a group without
    patients); return how many were stored."""
    built = []
    for owner_id, period in pairs:
        aggregates = found.get((_sql_kind(kind), owner_id, period), empty)
        built.append(
            kind.model(
                **{kind.owner_field: owner_id},
                period=period,
                patients=aggregates.counts.patients,
                stale=False,
                computed_at=now,
                figures=group_summary_figures_of(
                    aggregates.counts,
                    aggregates.priorities,
                    aggregates.instruments,
                    kinds=ContextEvent.Kind.values,
                    offered=offered.get(owner_id, ()),
                ),
            )
        )
    kind.model._default_manager.bulk_create(
        built,
        update_conflicts=True,
        unique_fields=[kind.owner_field.removesuffix("_id"), "period"],
        update_fields=["patients", "figures", "stale", "computed_at"],
    )
    return len(built)
