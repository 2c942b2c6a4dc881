# ruff: noqa: S608 - composes fixed SQL fragments; every value is a bound parameter
"""The set-based SQL behind team and caseload summaries, for PostgreSQL and SQLite.

``group_aggregates`` works out what the figures of many groups rest on (``figures.GroupCounts``,
``figures.PriorityCounts`` and ``instrument_figures.InstrumentCounts``) with a fixed number of
statements, whatever the number of groups or patients:

1. the groups asked for go into a temporary table ``group_targets`` (owner, quarter, the
   caseload window and the quarter's last day);
2. ``group_members`` holds each group's stored patient summaries, with the priority set each
   patient held at the end of the quarter;
3. one statement each gives the headline counts and spreads, the context event kinds, the
   priority shares, the common personal items and the instrument figures, per group.

Medians and quartiles are ``percentile_cont`` on PostgreSQL, the interpolation of
``scoring.quartiles``; SQLite has no such function, so there each group's values come back as a
JSON list and ``scoring.quartiles`` works them out (the slower path, with the same figures).
Personal items are counted by wording: ``figures.item_label_normalised`` is applied once per
distinct label, in Python, and the result joined in SQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db import connection

from assessments.instruments import INSTRUMENTS
from assessments.models import Element, PriorityPoint, PrioritySet
from patients.models import Encounter, Patient

from .figures import (
    COMMON_ITEMS_SHOWN,
    DIRECTIONS,
    DOMAINS,
    PERSONAL,
    CommonItem,
    GroupCounts,
    PriorityCounts,
    Spread,
    _tidy,
    item_label_normalised,
)
from .instrument_figures import TOP_SCORE_KEY, InstrumentCounts
from .models import PatientSummary
from .scoring import FRAMEWORK_CODES, Quartiles, quartiles
from .small_numbers import SMALL_NUMBER

TEAM, CASELOAD = "team", "caseload"
ALL_PATIENTS = "*"  # the priority category every allocation holds in full: counts the patients


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


def _targets_load(targets: list[Target]) -> None:
    timestamp = "timestamptz" if _postgresql() else "text"
    _execute(
        "CREATE TEMP TABLE group_targets (owner_id bigint, period varchar(6), "
        f"starts {timestamp}, ends {timestamp}, last_day date)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            t.owner_id,
            t.period,
            adapt(t.starts),
            adapt(t.ends),
            t.last_day if _postgresql() else t.last_day.isoformat(),
        )
        for t in targets
    ]
    _insert_rows(
        "group_targets",
        ("owner_id", "period", "starts", "ends", "last_day"),
        ("bigint", "text", "timestamptz", "timestamptz", "date"),
        rows,
    )


def _members_load(kind: str) -> None:
    """Each group's stored patient summaries of the quarter, with the priority set in effect at
    its end: a team's patients; a caseload's, the patients the clinician saw in the window."""
    summaries = _table(PatientSummary)
    if kind == TEAM:
        members = f"""
            SELECT t.owner_id, t.period, t.last_day, s.id AS summary_id, s.patient_id
            FROM group_targets t
            JOIN {_table(Patient.teams.through)} m ON m.team_id = t.owner_id
            JOIN {summaries} s ON s.patient_id = m.patient_id AND s.period = t.period"""
    else:
        members = f"""
            SELECT DISTINCT t.owner_id, t.period, t.last_day, s.id AS summary_id, s.patient_id
            FROM group_targets t
            JOIN {_table(Encounter)} e
                ON e.clinician_id = t.owner_id AND e.occurred_at >= t.starts
                AND e.occurred_at < t.ends
            JOIN {summaries} s ON s.patient_id = e.patient_id AND s.period = t.period"""
    statements = [
        f"""
        CREATE TEMP TABLE group_members AS
        SELECT g.owner_id, g.period, g.summary_id, g.patient_id, (
            SELECT ps.id FROM {_table(PrioritySet)} ps
            WHERE ps.patient_id = g.patient_id AND ps.effective_from <= g.last_day
            ORDER BY ps.effective_from DESC, ps.id DESC LIMIT 1
        ) AS set_id
        FROM ({members}) g"""
    ]
    if _postgresql():
        statements.append("ANALYZE group_members")
    _execute(*statements)


def _headline_sql() -> str:
    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    spreads = ", ".join(
        f"{_spread(f's.{column}')}, COUNT(s.{column})"
        for column in ('"index"', "coverage", "h_score", "m_score", "r_score", "goal_attainment")
    )
    directions = ", ".join(count(f"s.direction = '{d}'") for d in DIRECTIONS)
    return f"""
    SELECT m.owner_id, m.period, COUNT(*),
           {count(f"s.weights_source = '{PatientSummary.WeightsSource.PATIENT.value}'")},
           {spreads},
           {count("s.direction <> ''")}, {directions},
           {count("s.markers_with_reading > 0")},
           COALESCE(SUM(s.markers_with_reading), 0),
           COALESCE(SUM(CASE WHEN s.markers_with_reading > 0 THEN s.markers_in_target END), 0),
           {count("s.patient_initiated > 0")},
           {count("s.attribution_caveat")},
           {count("s.direction = 'declined' AND s.attribution_caveat")},
           {count("s.direction = 'declined' AND NOT s.attribution_caveat")}
    FROM group_members m JOIN {_table(PatientSummary)} s ON s.id = m.summary_id
    GROUP BY m.owner_id, m.period"""


def _context_kinds_sql() -> str:
    """Per group and kind of context event: how many patients had one in the quarter."""
    if _postgresql():
        events = "jsonb_array_elements(s.context_events) ev"
        kind = "ev ->> 'kind'"
    else:
        events = "json_each(s.context_events) ev"
        kind = "json_extract(ev.value, '$.kind')"
    return f"""
    SELECT m.owner_id, m.period, {kind}, COUNT(DISTINCT m.summary_id)
    FROM group_members m JOIN {_table(PatientSummary)} s ON s.id = m.summary_id, {events}
    GROUP BY m.owner_id, m.period, {kind}"""


def _priority_shares_sql() -> str:
    """Per group and category (domain, framework element, personal items, and ``ALL_PATIENTS``):
    how many patients hold points on it, and the sum of the shares of their points it holds."""
    codes = ", ".join(f"'{code}'" for code in FRAMEWORK_CODES)
    return f"""
    WITH held AS (SELECT DISTINCT set_id FROM group_members WHERE set_id IS NOT NULL),
    points AS (
        SELECT pt.priority_set_id AS set_id, e.domain_id AS domain,
               CASE WHEN e.code IN ({codes}) THEN e.code ELSE '{PERSONAL}' END AS element,
               pt.points
        FROM {_table(PriorityPoint)} pt
        JOIN held h ON h.set_id = pt.priority_set_id
        JOIN {_table(Element)} e ON e.id = pt.element_id
        WHERE pt.points > 0
    ),
    parts AS (
        SELECT set_id, element AS category, SUM(points) AS part FROM points
            GROUP BY set_id, element
        UNION ALL
        SELECT set_id, domain, SUM(points) FROM points GROUP BY set_id, domain
        UNION ALL
        SELECT set_id, '{ALL_PATIENTS}', SUM(points) FROM points GROUP BY set_id
    ),
    totals AS (SELECT set_id, part AS total FROM parts WHERE category = '{ALL_PATIENTS}')
    SELECT m.owner_id, m.period, p.category, COUNT(*),
           SUM(CAST(p.part AS DOUBLE PRECISION) / t.total)
    FROM group_members m
    JOIN parts p ON p.set_id = m.set_id
    JOIN totals t ON t.set_id = m.set_id
    GROUP BY m.owner_id, m.period, p.category"""


def _wordings_load() -> None:
    """The wording (``item_label_normalised``) and tidied spelling of each distinct label of the
    personal items the groups' patients hold points on, worked out once per label."""
    labels = _fetch(f"""
        SELECT DISTINCT e.label FROM group_members m
        JOIN {_table(PriorityPoint)} pt ON pt.priority_set_id = m.set_id AND pt.points > 0
        JOIN {_table(Element)} e ON e.id = pt.element_id AND e.code = ''""")
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
    return f"""
    WITH items AS (
        SELECT m.owner_id, m.period, w.wording, e.domain_id AS domain, w.spelling,
               ROW_NUMBER() OVER (
                   PARTITION BY m.owner_id, m.period, m.patient_id, w.wording, e.domain_id
                   ORDER BY e."order" DESC, e.id DESC
               ) AS rn
        FROM group_members m
        JOIN {_table(PriorityPoint)} pt ON pt.priority_set_id = m.set_id AND pt.points > 0
        JOIN {_table(Element)} e ON e.id = pt.element_id AND e.code = ''
        JOIN group_wordings w ON w.label = e.label
    ),
    spellings AS (
        SELECT owner_id, period, wording, domain, spelling, COUNT(*) AS uses
        FROM items WHERE rn = 1
        GROUP BY owner_id, period, wording, domain, spelling
    ),
    wordings AS (
        SELECT owner_id, period, wording, domain, spelling,
               SUM(uses) OVER (PARTITION BY owner_id, period, wording, domain) AS patients,
               ROW_NUMBER() OVER (
                   PARTITION BY owner_id, period, wording, domain
                   ORDER BY uses DESC, spelling{c}
               ) AS choice
        FROM spellings
    ),
    ranked AS (
        SELECT owner_id, period, wording, domain, spelling, patients,
               ROW_NUMBER() OVER (
                   PARTITION BY owner_id, period ORDER BY patients DESC, wording{c}, domain{c}
               ) AS place,
               SUM(CASE WHEN patients < {SMALL_NUMBER} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY owner_id, period) AS others
        FROM wordings WHERE choice = 1
    )
    SELECT owner_id, period, spelling, domain, patients, others FROM ranked
    WHERE place <= {COMMON_ITEMS_SHOWN}
    ORDER BY owner_id, period, place"""


def _instruments_sql() -> tuple[str, list[Any]]:
    """Per group and known instrument answered: patients with a response, the main score's
    spread, and for the positive-screen and top-score keys how many responses give a yes or no
    (JSON true or false) and how many a yes."""
    catalogue = [
        (code, form.main_score, form.positive_key or "") for code, form in INSTRUMENTS.items()
    ]
    rows = ", ".join(["(%s, %s, %s)"] * len(catalogue))
    if _postgresql():
        answered, code, scores = "jsonb_each(s.instruments) r", "r.key", "r.value"

        def kind_of(key: str) -> str:
            return f"jsonb_typeof({scores} -> {key})"

        def value_of(key: str) -> str:
            return f"({scores} ->> {key})::double precision"

        number, yes, no = "('number')", "'boolean'", "'boolean'"
        true = f"({scores} -> {{key}}) = 'true'::jsonb"
    else:
        answered, code, scores = "json_each(s.instruments) r", "r.key", "r.value"

        def kind_of(key: str) -> str:
            return f"json_type({scores}, '$.' || {key})"

        def value_of(key: str) -> str:
            return f"json_extract({scores}, '$.' || {key})"

        number, yes, no = "('integer', 'real')", "'true'", "'false'"
        true = f"json_type({scores}, '$.' || {{key}}) = 'true'"

    def given(key: str) -> str:
        return f"CASE WHEN {kind_of(key)} IN ({yes}, {no}) THEN 1 ELSE 0 END"

    def said_yes(key: str) -> str:
        return f"CASE WHEN {true.format(key=key)} THEN 1 ELSE 0 END"

    top = f"'{TOP_SCORE_KEY}'"
    statement = f"""
    WITH catalogue (code, main_key, positive_key) AS (VALUES {rows}),
    answers AS (
        SELECT m.owner_id, m.period, c.code,
               CASE WHEN {kind_of("c.main_key")} IN {number}
                    THEN {value_of("c.main_key")} END AS main,
               CASE WHEN c.positive_key = '' THEN 0 ELSE {given("c.positive_key")} END
                   AS positive_given,
               CASE WHEN c.positive_key = '' THEN 0 ELSE {said_yes("c.positive_key")} END
                   AS positive_yes,
               {given(top)} AS top_given, {said_yes(top)} AS top_yes
        FROM group_members m JOIN {_table(PatientSummary)} s ON s.id = m.summary_id
        CROSS JOIN {answered}
        JOIN catalogue c ON c.code = {code}
    )
    SELECT owner_id, period, code, COUNT(*), COUNT(main), {_spread("main")},
           SUM(positive_given), SUM(positive_yes), SUM(top_given), SUM(top_yes)
    FROM answers
    GROUP BY owner_id, period, code"""
    return statement, [value for row in catalogue for value in row]


def group_aggregates(kind: str, targets: list[Target]) -> dict[tuple[int, str], GroupAggregates]:
    """What the figures of each target group rest on, by (owner id, quarter), with a fixed
    number of statements. Groups without patients are left out (their figures rest on nothing).
    Run inside a transaction: the temporary tables are dropped at the end."""
    _temporary_tables_drop()
    _targets_load(targets)
    _members_load(kind)
    _wordings_load()

    found: dict[tuple[int, str], GroupAggregates] = {}
    for row in _fetch(_headline_sql()):
        owner_id, period, patients, own = row[:4]
        spreads = [_spread_of(row[i], row[i + 1]) for i in range(4, 16, 2)]
        with_direction, improved, stable, declined = row[16:20]
        measured, with_reading, in_target, initiated, with_context, fell_with, fell_without = row[
            20:27
        ]
        found[owner_id, period] = GroupAggregates(
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
                declined_with_context=int(fell_with),
                declined_without_context=int(fell_without),
            ),
            priorities=PriorityCounts(patients=0),
        )

    kinds: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for owner_id, period, event_kind, patients in _fetch(_context_kinds_sql()):
        kinds[owner_id, period][event_kind or ""] = patients

    holders: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    share_sums: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for owner_id, period, category, held, share_sum in _fetch(_priority_shares_sql()):
        holders[owner_id, period][category] = held
        share_sums[owner_id, period][category] = float(share_sum)

    common: dict[tuple[int, str], list[CommonItem]] = defaultdict(list)
    others: dict[tuple[int, str], int] = {}
    for owner_id, period, spelling, domain, patients, other in _fetch(_common_items_sql()):
        others[owner_id, period] = int(other)
        if patients >= SMALL_NUMBER:
            common[owner_id, period].append(CommonItem(spelling, domain, int(patients)))

    instruments: dict[tuple[int, str], dict[str, InstrumentCounts]] = defaultdict(dict)
    statement, params = _instruments_sql()
    for row in _fetch(statement, params):
        owner_id, period, code, n, main_n, main, pos_given, pos_yes, top_given, top_yes = row
        flags = {TOP_SCORE_KEY: (int(top_yes), int(top_given))}
        positive_key = INSTRUMENTS[code].positive_key
        if positive_key is not None:
            flags[positive_key] = (int(pos_yes), int(pos_given))
        spread = _spread_of(main, main_n)
        instruments[owner_id, period][code] = InstrumentCounts(n, main_n, spread.quartiles, flags)
    _temporary_tables_drop()

    for key, aggregates in found.items():
        aggregates.counts = replace(aggregates.counts, context_kinds=kinds.get(key, {}))
        group_holders = holders.get(key, {})
        aggregates.priorities = PriorityCounts(
            patients=group_holders.pop(ALL_PATIENTS, 0),
            holders=group_holders,
            share_sums=share_sums.get(key, {}),
            common_items=common.get(key, []),
            other_items=others.get(key, 0),
        )
        aggregates.instruments = instruments.get(key, {})
    return found
