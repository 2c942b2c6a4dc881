# ruff: noqa: S608 - composes fixed SQL fragments; every value is a bound parameter
"""The set-based SQL behind team and caseload summaries, for PostgreSQL and SQLite.

``group_aggregates_of_kinds`` works out what the figures of many groups rest on
(``figures.GroupCounts``, ``figures.PriorityCounts`` and ``instrument_figures.InstrumentCounts``)
with a fixed number of statements, whatever the number of groups or patients, for teams and
caseloads at once (``group_aggregates`` for one kind):

1. the groups asked for go into a temporary table ``group_targets`` (kind, owner, quarter, the
   caseload window and the quarter's last day);
2. ``group_members`` holds each group's stored patient summaries, with the priority set each
   patient held at the end of the quarter (looked up once per patient, whatever their groups);
3. one statement each gives the headline counts and spreads, the context event kinds and the
   instrument figures (each summary's JSON read once, not once per group it is in), the
   priority shares (each set's parts and shares worked out once) and the common personal items
   (each set's items by wording once), per group.

Medians and quartiles are ``percentile_cont`` on PostgreSQL, the interpolation of
``scoring.quartiles``; SQLite has no such function, so there each group's values come back as a
JSON list and ``scoring.quartiles`` works them out (the slower path, with the same figures).
Personal items are counted by wording: ``figures.item_label_normalised`` is applied once per
distinct label, in Python, and the result joined in SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db import connection

from assessments.instruments import INSTRUMENTS
from assessments.models import Element, PriorityPoint, PrioritySet
from patients.models import ContextEvent, Encounter, Patient

from .figures import (
    COMMON_ITEMS_SHOWN,
    DIRECTIONS,
    DOMAINS,
    PRIORITY_CATEGORIES,
    CommonItem,
    GroupCounts,
    PriorityCounts,
    Spread,
    _tidy,
    item_label_normalised,
)
from .instrument_figures import InstrumentCounts, flag_keys
from .models import PatientSummary
from .scoring import FRAMEWORK_CODES, Quartiles, quartiles
from .small_numbers import SMALL_NUMBER
from .sql import local_settings

TEAM, CASELOAD = "team", "caseload"


@dataclass(frozen=True)
class Target:
    """One group's quarter to compute: its owner (team or clinician), the quarter, the caseload
    window (timestamps, ignored for teams) and the quarter's last day."""

    owner_id: int
    period: str
    starts: datetime
    ends: datetime
    last_day: date


@dataclass
class GroupAggregates:
    """What one group's figures rest on, as the set-based statements give it."""

    counts: GroupCounts
    priorities: PriorityCounts
    instruments: dict[str, InstrumentCounts] = field(default_factory=dict)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _binary() -> str:
    """Text ordering by code point, as Python compares strings (SQLite's default already)."""
    return ' COLLATE "C"' if _postgresql() else ""


def _spread(column: str) -> str:
    """The quartiles of a column over a group (PostgreSQL), or its values (SQLite)."""
    if _postgresql():
        return f"percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY {column})"
    return f"json_group_array({column}) FILTER (WHERE {column} IS NOT NULL)"


def _spread_of(value: Any, n: int) -> Spread:
    """A ``Spread`` from what ``_spread`` gave, with ``n`` values behind it."""
    if value is None or n == 0:
        return Spread(n, quartiles([]))
    if isinstance(value, str):  # SQLite: the values themselves
        return Spread(n, quartiles(json.loads(value)))
    q1, median, q3 = value
    return Spread(n, Quartiles(median, q1, q3))


def _insert_rows(table: str, columns: Sequence[str], types: Sequence[str], rows: list) -> None:
    """Insert rows into a temporary table: one statement (arrays unnested) on PostgreSQL."""
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        if _postgresql():
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({listed}) SELECT * FROM unnest({arrays})",
                [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * len(types),
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", rows)


def _fetch(statement: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _temporary_tables_drop() -> None:
    _execute(
        "DROP TABLE IF EXISTS group_targets",
        "DROP TABLE IF EXISTS group_members",
        "DROP TABLE IF EXISTS group_wordings",
    )


def _targets_load(targets: Mapping[str, Sequence[Target]]) -> list[GroupKey]:
    """``group_targets``: each group asked for, numbered (``grp``); returns the groups' keys in
    the order of their numbers. The statements that follow group and sort by the number alone,
    far cheaper than by kind, owner and quarter."""
    timestamp = "timestamptz" if _postgresql() else "text"
    _execute(
        "CREATE TEMP TABLE group_targets (grp integer, kind varchar(8), owner_id bigint, "
        f"period varchar(6), starts {timestamp}, ends {timestamp}, last_day date)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    groups = [(_name(kind), t) for kind, of_kind in targets.items() for t in of_kind]
    rows = [
        (
            grp,
            kind,
            t.owner_id,
            t.period,
            adapt(t.starts),
            adapt(t.ends),
            t.last_day if _postgresql() else t.last_day.isoformat(),
        )
        for grp, (kind, t) in enumerate(groups)
    ]
    _insert_rows(
        "group_targets",
        ("grp", "kind", "owner_id", "period", "starts", "ends", "last_day"),
        ("integer", "text", "bigint", "text", "timestamptz", "timestamptz", "date"),
        rows,
    )
    return [(kind, t.owner_id, t.period) for kind, t in groups]


def _members_sql(kind: str) -> str:
    """The members of the groups of one kind in ``group_targets``: a team's patients; a
    caseload's, the patients the clinician saw in the window. Each with its stored summary of
    the quarter and the quarter's last day."""
    summaries = _table(PatientSummary)
    kind_is = f"t.kind = {_literal(kind)}"
    if _postgresql():
        # The summaries of the quarters asked for, found along the index on the quarter and
        # hashed: the planner otherwise hashes every quarter's or pairs each group with each.
        summaries = f"""(
                SELECT id, patient_id, period FROM {summaries}
                WHERE period IN (SELECT t.period FROM group_targets t WHERE {kind_is})
                OFFSET 0
            )"""
    if kind == TEAM and _postgresql():
        # Each team's patients first (OFFSET 0 keeps the subquery apart), then their summaries:
        # the planner otherwise pairs every summary of the quarter with every team and probes
        # the memberships once per pair (a quarter at 50,000 patients: 0.33 s so, 0.13 s this way).
        return f"""
            SELECT tm.grp, tm.last_day, s.id AS summary_id, s.patient_id
            FROM (
                SELECT t.grp, t.period, t.last_day, m.patient_id
                FROM group_targets t
                JOIN {_table(Patient.teams.through)} m ON m.team_id = t.owner_id
                WHERE {kind_is}
                OFFSET 0
            ) tm
            JOIN {summaries} s ON s.patient_id = tm.patient_id AND s.period = tm.period"""
    if kind == TEAM:
        return f"""
            SELECT t.grp, t.last_day, s.id AS summary_id, s.patient_id
            FROM group_targets t
            JOIN {_table(Patient.teams.through)} m ON m.team_id = t.owner_id
            JOIN {summaries} s ON s.patient_id = m.patient_id AND s.period = t.period
            WHERE {kind_is}"""
    if _postgresql():
        # From each clinician's encounters in the window, each patient once, then their summary
        # (OFFSET 0 keeps the subquery apart): the planner otherwise tends to probe every
        # patient's encounters for every caseload of the quarter.
        return f"""
            SELECT seen.grp, seen.last_day, s.id AS summary_id, s.patient_id
            FROM (
                SELECT DISTINCT t.grp, t.period, t.last_day, e.patient_id
                FROM group_targets t
                JOIN {_table(Encounter)} e
                    ON e.clinician_id = t.owner_id AND e.occurred_at >= t.starts
                    AND e.occurred_at < t.ends
                WHERE {kind_is}
                OFFSET 0
            ) seen
            JOIN {summaries} s ON s.patient_id = seen.patient_id AND s.period = seen.period"""
    return f"""
            SELECT DISTINCT t.grp, t.last_day, s.id AS summary_id, s.patient_id
            FROM group_targets t
            JOIN {_table(Encounter)} e
                ON e.clinician_id = t.owner_id AND e.occurred_at >= t.starts
                AND e.occurred_at < t.ends
            JOIN {summaries} s ON s.patient_id = e.patient_id AND s.period = t.period
            WHERE {kind_is}"""


def _members_load(kinds: Iterable[str]) -> None:
    """``group_members``: each group's stored patient summaries of the quarter (``_members_sql``,
    every kind asked for in one table), with the priority set in effect at its end."""
    members = "\n            UNION ALL".join(_members_sql(kind) for kind in kinds)
    statements = ["ANALYZE group_targets"] if _postgresql() else []
    if _postgresql():
        # Each patient's set in effect is looked up once per quarter end, not once per group they
        # are in (of any kind), with one sort instead of a probe per member.
        statements.append(f"""
        CREATE TEMP TABLE group_members AS
        WITH g AS ({members}),
        held AS (
            SELECT DISTINCT ON (w.patient_id, w.last_day) w.patient_id, w.last_day, ps.id AS set_id
            FROM (SELECT DISTINCT patient_id, last_day FROM g) w
            JOIN {_table(PrioritySet)} ps
                ON ps.patient_id = w.patient_id AND ps.effective_from <= w.last_day
            ORDER BY w.patient_id, w.last_day, ps.effective_from DESC, ps.id DESC
        )
        SELECT g.grp, g.summary_id, g.patient_id, h.set_id
        FROM g LEFT JOIN held h ON h.patient_id = g.patient_id AND h.last_day = g.last_day""")
    else:
        statements.append(f"""
        CREATE TEMP TABLE group_members AS
        SELECT g.grp, g.summary_id, g.patient_id, (
            SELECT ps.id FROM {_table(PrioritySet)} ps
            WHERE ps.patient_id = g.patient_id AND ps.effective_from <= g.last_day
            ORDER BY ps.effective_from DESC, ps.id DESC LIMIT 1
        ) AS set_id
        FROM ({members}) g""")
    if _postgresql():
        statements.append("ANALYZE group_members")
    _execute(*statements)


_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def _name(name: str) -> str:
    """A catalogue name (an instrument code, a score key, a kind), checked to be plain."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain name: {name!r}")
    return name


def _literal(name: str) -> str:
    """A catalogue name as a SQL string literal."""
    return f"'{_name(name)}'"


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _json_is(code: str, key: str, what: str) -> str:
    """Whether the score ``key`` of instrument ``code`` in a summary's ``instruments`` is a
    number, a boolean, or true."""
    if _postgresql():
        value = f"(s.instruments -> {_literal(code)} -> {_literal(key)})"
        if what == "true":
            return f"{value} = 'true'::jsonb"
        return f"jsonb_typeof({value}) = {_literal(what)}"
    kinds = {"number": "('integer', 'real')", "boolean": "('true', 'false')", "true": "('true')"}
    return f'json_type(s.instruments, \'$."{_name(code)}"."{_name(key)}"\') IN {kinds[what]}'


def _json_number(code: str, key: str) -> str:
    if _postgresql():
        return f"(s.instruments -> {_literal(code)} ->> {_literal(key)})::double precision"
    return f'json_extract(s.instruments, \'$."{_name(code)}"."{_name(key)}"\')'


def _json_has(code: str) -> str:
    if _postgresql():
        return f"(s.instruments -> {_literal(code)}) IS NOT NULL"
    return f"json_type(s.instruments, '$.\"{_name(code)}\"') IS NOT NULL"


class _PerSummary:
    """Expressions over a stored summary ``s``, each worked out once per summary (the ``rows``
    of ``_headline_sql``) rather than once per group the patient is in, and named for the
    aggregates over the groups' members to read (as ``r.<name>``)."""

    def __init__(self) -> None:
        self.columns: list[str] = []

    def value(self, expression: str) -> str:
        name = f"v{len(self.columns)}"
        self.columns.append(f"{expression} AS {name}")
        return f"r.{name}"

    def count(self, condition: str) -> str:
        """How many members' summaries meet ``condition`` (``_count``, from a 0 or 1 each)."""
        return f"SUM({self.value(f'CASE WHEN {condition} THEN 1 ELSE 0 END')})"


def _instrument_columns(rows: _PerSummary) -> list[str]:
    """For each instrument of the catalogue: patients with a response, with a main score, the
    main score's spread, and for each yes/no key its figures count (``flag_keys``) how many
    responses give a yes or no and how many a yes. ``_instruments_read`` reads them back."""
    columns = []
    for code, form in INSTRUMENTS.items():
        main = f"CASE WHEN {_json_is(code, form.main_score, 'number')} "
        main = rows.value(main + f"THEN {_json_number(code, form.main_score)} END")
        columns += [rows.count(_json_has(code)), f"COUNT({main})", _spread(main)]
        for key in flag_keys(code).values():
            columns += [
                rows.count(_json_is(code, key, "boolean")),
                rows.count(_json_is(code, key, "true")),
            ]
    return columns


def _instruments_read(values: Sequence[Any]) -> dict[str, InstrumentCounts]:
    """The ``InstrumentCounts`` of each instrument answered, from the ``_instrument_columns``."""
    found = {}
    at = 0
    for code in INSTRUMENTS:
        n, main_n, main = values[at : at + 3]
        at += 3
        flags = {}
        for key in flag_keys(code).values():
            given, yes = values[at : at + 2]
            flags[key] = (int(yes), int(given))
            at += 2
        if n:
            found[code] = InstrumentCounts(
                int(n), main_n, _spread_of(main, main_n).quartiles, flags
            )
    return found


def _has_event_of_kind(kind: str) -> str:
    if _postgresql():
        return f's.context_events @> \'[{{"kind": "{_name(kind)}"}}]\'::jsonb'
    return (
        "EXISTS (SELECT 1 FROM json_each(s.context_events) ev "
        f"WHERE json_extract(ev.value, '$.kind') = {_literal(kind)})"
    )


def _headline_sql() -> str:
    """Per group, in one pass over its patients' summaries: the ``GroupCounts`` columns, the
    patients with a context event of each kind, and the instrument columns.

    What each summary contributes (its JSON read, its conditions tested) is worked out once per
    summary of the quarters asked for, in ``rows``; the groups of every kind then aggregate
    plain columns."""
    rows = _PerSummary()
    spreads = []
    for column in ('"index"', "coverage", "h_score", "m_score", "r_score", "goal_attainment"):
        value = rows.value(f"s.{column}")
        spreads.append(f"{_spread(value)}, COUNT({value})")
    directions = ", ".join(rows.count(f"s.direction = '{d}'") for d in DIRECTIONS)
    kinds = ", ".join(rows.count(_has_event_of_kind(kind)) for kind in ContextEvent.Kind.values)
    patient = PatientSummary.WeightsSource.PATIENT.value
    aggregates = f"""
           {rows.count(f"s.weights_source = '{patient}'")},
           {", ".join(spreads)},
           {rows.count("s.direction <> ''")}, {directions},
           {rows.count("s.markers_with_reading > 0")},
           COALESCE(SUM({rows.value("s.markers_with_reading")}), 0),
           COALESCE(SUM({
        rows.value("CASE WHEN s.markers_with_reading > 0 THEN s.markers_in_target END")
    }), 0),
           {rows.count("s.patient_initiated > 0")},
           {rows.count("s.attribution_caveat")},
           {rows.count("s.direction = 'declined' AND s.attribution_caveat")},
           {rows.count("s.direction = 'declined' AND NOT s.attribution_caveat")},
           {kinds},
           {", ".join(_instrument_columns(rows))}"""
    # MATERIALIZED: PostgreSQL would otherwise fold ``rows`` into the join and work each
    # expression out again for every group a summary is in.
    materialized = "MATERIALIZED " if _postgresql() else ""
    columns = ",\n            ".join(rows.columns)
    return f"""
    WITH rows AS {materialized}(
        SELECT s.id AS summary_id,
            {columns}
        FROM {_table(PatientSummary)} s
        WHERE s.period IN (SELECT period FROM group_targets)
            AND s.id IN (SELECT summary_id FROM group_members)
    )
    SELECT m.grp, COUNT(*), {aggregates}
    FROM group_members m JOIN rows r ON r.summary_id = m.summary_id
    GROUP BY m.grp"""


def _priority_shares_sql() -> str:
    """Per group: the patients whose priority set in effect has points, and for each category
    of ``PRIORITY_CATEGORIES`` how many of them put points on it and the sum of the shares of
    their points it holds.

    Each set's parts and shares are worked out once (``held``), however many groups of however
    many kinds its patient is in; the groups then only count and add."""
    codes = ", ".join(_literal(code) for code in FRAMEWORK_CODES)
    tests = [f"e.domain_id = {_literal(code)}" for code in DOMAINS]
    tests += [f"e.code = {_literal(code)}" for code in FRAMEWORK_CODES]
    tests += [f"e.code NOT IN ({codes})"]
    parts = ",\n".join(
        f"SUM(CASE WHEN {test} THEN pt.points ELSE 0 END) AS part_{i}"
        for i, test in enumerate(tests)
    )
    # PostgreSQL sums the shares as exact decimals: a float sum depends on the order the rows
    # arrive in, which changes with the plan, and the same group would differ in its last digit
    # between a rebuild of every quarter and one of a single quarter. Each share is the same
    # decimal quotient wherever it is worked out, and decimals add exactly, so working them out
    # once per set leaves every sum as it was.
    exact = "NUMERIC" if _postgresql() else "DOUBLE PRECISION"
    shares = ",\n".join(
        f"CASE WHEN p.part_{i} > 0 THEN 1 ELSE 0 END AS holds_{i}, "
        f"CAST(p.part_{i} AS {exact}) / p.total AS share_{i}"
        for i in range(len(tests))
    )
    sums = ",\n".join(
        f"SUM(h.holds_{i}), CAST(SUM(h.share_{i}) AS DOUBLE PRECISION)" for i in range(len(tests))
    )
    # MATERIALIZED: each quotient once per set, not once per group membership.
    materialized = "MATERIALIZED " if _postgresql() else ""
    return f"""
    WITH parts AS (
        SELECT pt.priority_set_id AS set_id, SUM(pt.points) AS total, {parts}
        FROM {_table(PriorityPoint)} pt
        JOIN {_table(Element)} e ON e.id = pt.element_id
        WHERE pt.points > 0
            AND pt.priority_set_id IN (SELECT set_id FROM group_members)
        GROUP BY pt.priority_set_id
    ),
    held AS {materialized}(
        SELECT p.set_id, {shares}
        FROM parts p
    )
    SELECT m.grp, COUNT(*), {sums}
    FROM group_members m JOIN held h ON h.set_id = m.set_id
    GROUP BY m.grp"""


def _wordings_load() -> None:
    """The wording (``item_label_normalised``) and tidied spelling of each distinct label of the
    personal items the groups' patients hold points on, worked out once per label."""
    labels = _fetch(f"""
        SELECT DISTINCT e.label FROM {_table(PriorityPoint)} pt
        JOIN {_table(Element)} e ON e.id = pt.element_id AND e.code = ''
        WHERE pt.points > 0 AND pt.priority_set_id IN (SELECT set_id FROM group_members)""")
    rows = [
        (label, wording, _tidy(label))
        for (label,) in labels
        if (wording := item_label_normalised(label))
    ]
    _execute("CREATE TEMP TABLE group_wordings (label text, wording text, spelling text)")
    _insert_rows("group_wordings", ("label", "wording", "spelling"), ("text", "text", "text"), rows)


def _common_items_sql() -> str:
    """Per group, its ``COMMON_ITEMS_SHOWN`` most held wordings of personal items (held once
    per patient; the spelling of the later item when a patient holds two of one wording) with
    the spelling most of their holders used, and how many wordings fewer than 5 share."""
    c = _binary()
    # Each set's items by wording once (the later item's spelling where a set holds two of one
    # wording, as a patient holds one set in a group's quarter), however many groups hold it.
    materialized = "MATERIALIZED " if _postgresql() else ""
    return f"""
    WITH held AS {materialized}(
        SELECT set_id, wording, domain, spelling FROM (
            SELECT pt.priority_set_id AS set_id, w.wording, e.domain_id AS domain, w.spelling,
                   ROW_NUMBER() OVER (
                       PARTITION BY pt.priority_set_id, w.wording, e.domain_id
                       ORDER BY e."order" DESC, e.id DESC
                   ) AS rn
            FROM {_table(PriorityPoint)} pt
            JOIN {_table(Element)} e ON e.id = pt.element_id AND e.code = ''
            JOIN group_wordings w ON w.label = e.label
            WHERE pt.points > 0 AND pt.priority_set_id IN (SELECT set_id FROM group_members)
        ) numbered
        WHERE rn = 1
    ),
    items AS (
        SELECT m.grp, h.wording, h.domain, h.spelling
        FROM group_members m JOIN held h ON h.set_id = m.set_id
    ),
    spellings AS (
        SELECT grp, wording, domain, spelling, COUNT(*) AS uses
        FROM items
        GROUP BY grp, wording, domain, spelling
    ),
    wordings AS (
        SELECT grp, wording, domain, spelling,
               SUM(uses) OVER (PARTITION BY grp, wording, domain) AS patients,
               ROW_NUMBER() OVER (
                   PARTITION BY grp, wording, domain
                   ORDER BY uses DESC, spelling{c}
               ) AS choice
        FROM spellings
    ),
    ranked AS (
        SELECT grp, wording, domain, spelling, patients,
               ROW_NUMBER() OVER (
                   PARTITION BY grp
                   ORDER BY patients DESC, wording{c}, domain{c}
               ) AS place,
               SUM(CASE WHEN patients < {SMALL_NUMBER} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY grp) AS others
        FROM wordings WHERE choice = 1
    )
    SELECT grp, spelling, domain, patients, others FROM ranked
    WHERE place <= {COMMON_ITEMS_SHOWN}
    ORDER BY grp, place"""


GroupKey = tuple[str, int, str]  # (kind, owner id, quarter)


def group_aggregates_of_kinds(
    targets: Mapping[str, Sequence[Target]],
) -> dict[GroupKey, GroupAggregates]:
    """What the figures of each target group rest on, by (kind, owner id, quarter), for groups
    of several kinds at once (``targets`` by kind: TEAM, CASELOAD) with a fixed number of
    statements: what the kinds share (each member's priority set in effect, each set's shares,
    each label's wording) is worked out once. Groups without patients are left out (their
    figures rest on nothing). Run inside a transaction: the temporary tables are dropped at the
    end."""
    kinds = [kind for kind in (TEAM, CASELOAD) if targets.get(kind)]
    unknown = set(targets) - {TEAM, CASELOAD}
    if unknown:
        raise ValueError(f"not a kind of group: {sorted(unknown)!r}")
    if not kinds:
        return {}
    with local_settings(PLANNER_SETTINGS):
        return _aggregates_found(targets, kinds)


# jit: the JSON functions' default estimates make the planner compile these statements to machine
# code, which takes longer than running them. work_mem: room to sort each group's members for the
# headline's quartiles (a few hundred bytes a member, tens of MB a quarter at 50,000 patients) in
# memory rather than in temporary files, as the patient phase has (``summary_sql``).
PLANNER_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def _aggregates_found(
    targets: Mapping[str, Sequence[Target]], kinds: list[str]
) -> dict[GroupKey, GroupAggregates]:
    """``group_aggregates_of_kinds`` once the kinds are checked."""
    _temporary_tables_drop()
    keys = _targets_load({kind: targets[kind] for kind in kinds})
    _members_load(kinds)
    _wordings_load()

    event_kinds = ContextEvent.Kind.values
    found: dict[GroupKey, GroupAggregates] = {}
    for grp, *row in _fetch(_headline_sql()):
        patients, own = row[:2]
        spreads = [_spread_of(row[i], row[i + 1]) for i in range(2, 14, 2)]
        with_direction, improved, stable, declined = row[14:18]
        measured, with_reading, in_target, initiated, with_context = row[18:23]
        fell_with, fell_without = row[23:25]
        found[keys[grp]] = GroupAggregates(
            counts=GroupCounts(
                patients=patients,
                own_priorities=int(own),
                index=spreads[0],
                coverage=spreads[1],
                domains=dict(zip(DOMAINS, spreads[2:5], strict=True)),
                with_direction=int(with_direction),
                directions={
                    d: int(count)
                    for d, count in zip(DIRECTIONS, (improved, stable, declined), strict=True)
                },
                goals=spreads[5],
                measured=int(measured),
                markers_with_reading=int(with_reading),
                markers_in_target=int(in_target),
                patient_initiated=int(initiated),
                with_context=int(with_context),
                context_kinds={
                    k: int(count)
                    for k, count in zip(event_kinds, row[25 : 25 + len(event_kinds)], strict=True)
                },
                declined_with_context=int(fell_with),
                declined_without_context=int(fell_without),
            ),
            priorities=PriorityCounts(patients=0),
            instruments=_instruments_read(row[25 + len(event_kinds) :]),
        )

    for grp, patients, *row in _fetch(_priority_shares_sql()):
        holders, share_sums = {}, {}
        for i, category in enumerate(PRIORITY_CATEGORIES):
            holders[category], share_sums[category] = int(row[2 * i]), float(row[1 + 2 * i])
        found[keys[grp]].priorities = PriorityCounts(patients, holders, share_sums)

    for grp, spelling, domain, patients, others in _fetch(_common_items_sql()):
        key = keys[grp]
        priorities = found[key].priorities
        common = list(priorities.common_items)
        if patients >= SMALL_NUMBER:
            common.append(CommonItem(spelling, domain, int(patients)))
        found[key].priorities = replace(priorities, common_items=common, other_items=int(others))
    _temporary_tables_drop()
    return found


def group_aggregates(kind: str, targets: list[Target]) -> dict[tuple[int, str], GroupAggregates]:
    """What the figures of each target group of one kind rest on, by (owner id, quarter):
    ``group_aggregates_of_kinds`` for the one kind."""
    return {
        (owner_id, period): aggregates
        for (_, owner_id, period), aggregates in group_aggregates_of_kinds({kind: targets}).items()
    }
