"""The set-based SQL behind patient summaries, for PostgreSQL and SQLite.

Quarters are numbered ``year * 4 + quarter - 1`` (``scoring.period_number``), which both databases
compute cheaply from a date and which sorts and subtracts like a number. Every query takes a range
of patient ids, so the nightly rebuild streams through the cohort in chunks and a single patient's
refresh is the same query with a range of one.

Also here: the statements that load computed summaries on PostgreSQL (COPY into a temporary
table, then one upsert) and ``copy_value``/``copy_csv``, the encoding that COPY reads.
"""

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)


@contextmanager
def local_settings(values: Mapping[str, str]) -> Iterator[None]:
    """PostgreSQL: ``values`` (setting name to value) for the statements of the block, then as
    they were. Set for the transaction only (``set_config(…, true)``, as SET LOCAL), and put back
    when the block ends, as a caller's transaction goes on after it; when the block raises, the
    transaction or savepoint it aborts puts them back itself. SQLite: nothing."""
    if connection.vendor != "postgresql" or not values:
        yield
        return
    names = list(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
        before = cursor.fetchone()
        _settings_set(cursor, values)
    yield
    with connection.cursor() as cursor:
        _settings_set(cursor, dict(zip(names, before, strict=True)))


def _settings_set(cursor: Any, values: Mapping[str, str]) -> None:
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in values),
        [value for item in values.items() for value in item],
    )


# How long ANALYZE waits for its lock on a table (which another ANALYZE, a VACUUM or an index
# being built holds) before the rebuild goes on without new statistics.
ANALYZE_LOCK_TIMEOUT = "10s"


def tables_analyze(*models: Any) -> bool:
    """Tell PostgreSQL's planner what these tables now hold, after a rebuild rewrote them: on a
    database just filled, and until autovacuum comes round (never, where it is off), it would
    plan the next reads on guesses. SQLite: nothing (it plans these reads well without).

    Statistics only make later reads faster, so failing to gather them never stops a rebuild:
    when ANALYZE cannot have its lock within ``ANALYZE_LOCK_TIMEOUT`` or fails otherwise, the
    log says which tables kept their old statistics and why, the caller's transaction goes on
    (the statement runs in a savepoint), and False is returned."""
    if connection.vendor != "postgresql" or not models:
        return True
    names = [model._meta.db_table for model in models]
    tables = ", ".join(connection.ops.quote_name(name) for name in names)
    try:
        with (
            transaction.atomic(),
            local_settings({"lock_timeout": ANALYZE_LOCK_TIMEOUT}),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"ANALYZE {tables}")
    except DatabaseError as error:
        log.warning("statistics not gathered for %s: %s", ", ".join(names), str(error).strip())
        return False
    return True


def _period(column: str) -> str:
    if connection.vendor == "postgresql":
        return (
            f"(EXTRACT(YEAR FROM {column})::int * 4 + (EXTRACT(MONTH FROM {column})::int - 1) / 3)"
        )
    return (
        f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 4"
        f" + (CAST(strftime('%%m', {column}) AS INTEGER) - 1) / 3)"
    )


def _period_end(number: str) -> str:
    """The last day of quarter ``number``, as a date comparable with date columns."""
    if connection.vendor == "postgresql":
        return (
            f"(make_date({number} / 4, ({number} %% 4) * 3 + 1, 1)"
            " + interval '3 months' - interval '1 day')::date"
        )
    first_day = f"printf('%%04d-%%02d-01', {number} / 4, ({number} %% 4) * 3 + 1)"
    return f"date({first_day}, '+3 months', '-1 day')"


def _local_date(column: str) -> str:
    """The date of a timestamp in the service's time zone (TIME_ZONE), not in UTC."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE %(tz)s)::date"
    # Django registers this function on every SQLite connection (it backs TruncDate).
    return f"django_datetime_cast_date({column}, %(tz)s, 'UTC')"


def params(lo: int, hi: int) -> dict:
    return {"lo": lo, "hi": hi, "tz": settings.TIME_ZONE}


def latest_ratings_cte() -> str:
    """Each patient's latest rating per quarter, element and side ('p' patient or proxy, 'c')."""
    side = "CASE WHEN r.rater = 'clinician' THEN 'c' ELSE 'p' END"
    return f"""
    ranked AS (
        SELECT r.patient_id, r.element_id, r.value, {_period("r.rated_on")} AS pn, {side} AS side,
               ROW_NUMBER() OVER (
                   PARTITION BY r.patient_id, {_period("r.rated_on")}, r.element_id, {side}
                   ORDER BY r.rated_on DESC, r.id DESC
               ) AS rn
        FROM assessments_rating r
        WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s
    ),
    latest AS (SELECT patient_id, element_id, value, pn, side FROM ranked WHERE rn = 1)"""


def activity_periods_cte() -> str:
    """Every (patient, quarter) with any record dated in it: each gets a summary."""
    return f"""
    activity AS (
        SELECT DISTINCT patient_id, pn FROM latest
        UNION
        {records_quarters_sql()}
    )"""


def records_quarters_sql() -> str:
    """The (patient, quarter) pairs of every record but ratings: goal reviews, readings, life
    events, encounters (local dates) and questionnaires; UNION it with the ratings' quarters."""
    return f"""
        SELECT g.patient_id, {_period("gr.reviewed_on")} FROM assessments_goalreview gr
            JOIN assessments_goal g ON g.id = gr.goal_id
            WHERE g.patient_id BETWEEN %(lo)s AND %(hi)s
        UNION
        SELECT patient_id, {_period("taken_on")} FROM assessments_reading
            WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        UNION
        SELECT patient_id, {_period("occurred_on")} FROM patients_contextevent
            WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        UNION
        SELECT patient_id, {_period(_local_date("occurred_at"))} FROM patients_encounter
            WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        UNION
        SELECT patient_id, {_period("completed_on")} FROM assessments_instrumentresponse
            WHERE patient_id BETWEEN %(lo)s AND %(hi)s"""


def weights_cte() -> str:
    """The points in effect at the end of each active quarter: the patient's latest priority set
    effective by then, or one point on every active framework element when they have none."""
    return f"""
    chosen AS (
        SELECT a.patient_id, a.pn, (
            SELECT ps.id FROM assessments_priorityset ps
            WHERE ps.patient_id = a.patient_id AND ps.effective_from <= {_period_end("a.pn")}
            ORDER BY ps.effective_from DESC, ps.id DESC LIMIT 1
        ) AS set_id
        FROM activity a
    ),
    -- The points of the range's sets only (a set's points found by its index), not every
    -- patient's: hashing the whole table for each piece of the rebuild cost more than the piece.
    set_points AS (
        SELECT pt.priority_set_id, pt.element_id, pt.points
        FROM assessments_priorityset ps
        JOIN assessments_prioritypoint pt ON pt.priority_set_id = ps.id
        WHERE ps.patient_id BETWEEN %(lo)s AND %(hi)s AND pt.points > 0
    ),
    weights AS (
        SELECT c.patient_id, c.pn, 1 AS own, pt.element_id, pt.points
            FROM chosen c JOIN set_points pt ON pt.priority_set_id = c.set_id
        UNION ALL
        SELECT c.patient_id, c.pn, 0, e.id, 1
            FROM chosen c CROSS JOIN assessments_element e
            WHERE c.set_id IS NULL AND e.patient_id IS NULL AND e.active
    )"""


def domain_aggregates_sql() -> str:
    """Per (patient, quarter, domain): all points, points on rated keys, Σ points × rating, and
    the quarter's perspective gap (the same on each domain's row), from one pass over ratings."""
    return f"""
    WITH {latest_ratings_cte()}, {activity_periods_cte()}, {weights_cte()},
    sides AS (
        SELECT patient_id, pn, element_id,
               MAX(value) FILTER (WHERE side = 'p') AS pv,
               MAX(value) FILTER (WHERE side = 'c') AS cv
        FROM latest GROUP BY patient_id, pn, element_id
    ),
    -- Grouped, not a self-join of `latest`: the planner cannot estimate how many rows survive
    -- ROW_NUMBER() = 1, and on a fresh database it chose a nested loop of `latest` with itself.
    gap AS (
        SELECT patient_id, pn, AVG(ABS(pv - cv) * 1.0) AS gap
        FROM sides WHERE pv IS NOT NULL AND cv IS NOT NULL
        GROUP BY patient_id, pn
    )
    SELECT w.patient_id, w.pn, e.domain_id, MAX(w.own),
           SUM(w.points),
           SUM(CASE WHEN l.value IS NULL THEN 0 ELSE w.points END),
           SUM(w.points * COALESCE(l.value, 0)),
           MAX(g.gap)
    FROM weights w
    JOIN assessments_element e ON e.id = w.element_id
    LEFT JOIN latest l
        ON l.side = 'p' AND l.patient_id = w.patient_id AND l.pn = w.pn
        AND l.element_id = w.element_id
    LEFT JOIN gap g ON g.patient_id = w.patient_id AND g.pn = w.pn
    GROUP BY w.patient_id, w.pn, e.domain_id
    ORDER BY w.patient_id, w.pn, e.domain_id"""


def goal_reviews_ranked_sql() -> str:
    """Each goal review of the range with its quarter, the goal's weight and ``rn`` = 1 on the
    latest review of the goal in that quarter."""
    return f"""
        SELECT g.patient_id, {_period("gr.reviewed_on")} AS pn, gr.attainment,
               g.importance * g.difficulty AS weight,
               ROW_NUMBER() OVER (
                   PARTITION BY gr.goal_id, {_period("gr.reviewed_on")}
                   ORDER BY gr.reviewed_on DESC, gr.id DESC
               ) AS rn
        FROM assessments_goalreview gr JOIN assessments_goal g ON g.id = gr.goal_id
        WHERE g.patient_id BETWEEN %(lo)s AND %(hi)s"""


def goal_reviews_sql() -> str:
    """The latest review in each quarter of each goal, with the goal's weight."""
    return f"""
    WITH ranked AS ({goal_reviews_ranked_sql()}
    )
    SELECT patient_id, pn, attainment, weight FROM ranked WHERE rn = 1"""


def marker_readings_sql() -> str:
    """The latest reading in each quarter of each marker that is relevant and has a target."""
    return f"""
    WITH ranked AS (
        SELECT r.patient_id, {_period("r.taken_on")} AS pn, r.marker_id, r.value,
               ROW_NUMBER() OVER (
                   PARTITION BY r.patient_id, r.marker_id, {_period("r.taken_on")}
                   ORDER BY r.taken_on DESC, r.id DESC
               ) AS rn
        FROM assessments_reading r
        WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s
    )
    SELECT k.patient_id, k.pn, k.value, t.low, t.high
    FROM ranked k JOIN assessments_personaltarget t
        ON t.patient_id = k.patient_id AND t.marker_id = k.marker_id
    WHERE k.rn = 1 AND t.relevant AND (t.low IS NOT NULL OR t.high IS NOT NULL)"""


def relevant_targets_sql() -> str:
    return """
    SELECT patient_id, COUNT(*) FROM assessments_personaltarget
    WHERE patient_id BETWEEN %(lo)s AND %(hi)s AND relevant
        AND (low IS NOT NULL OR high IS NOT NULL)
    GROUP BY patient_id"""


def latest_instrument_responses_sql() -> str:
    """The scores of each patient's latest response to each instrument in each quarter (by
    completed_on, then id)."""
    return f"""
    WITH ranked AS (
        SELECT patient_id, {_period("completed_on")} AS pn, instrument, scores,
               ROW_NUMBER() OVER (
                   PARTITION BY patient_id, instrument, {_period("completed_on")}
                   ORDER BY completed_on DESC, id DESC
               ) AS rn
        FROM assessments_instrumentresponse
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
    )
    SELECT patient_id, pn, instrument, scores FROM ranked WHERE rn = 1
    ORDER BY patient_id, pn, instrument"""


def context_events_sql() -> str:
    return f"""
    SELECT patient_id, {_period("occurred_on")}, kind, occurred_on, visible_to_patient
    FROM patients_contextevent
    WHERE patient_id BETWEEN %(lo)s AND %(hi)s
    ORDER BY patient_id, occurred_on, id"""


def encounter_counts_sql() -> str:
    return f"""
    SELECT patient_id, {_period(_local_date("occurred_at"))} AS pn, COUNT(*),
           SUM(CASE WHEN initiated_by = 'patient' THEN 1 ELSE 0 END)
    FROM patients_encounter
    WHERE patient_id BETWEEN %(lo)s AND %(hi)s
    GROUP BY patient_id, {_period(_local_date("occurred_at"))}"""


class SummaryLoad(NamedTuple):
    create: str
    copy: str
    upsert: str
    clear: str


def summary_load_statements(columns: list[str], updated: list[str]) -> SummaryLoad:
    """PostgreSQL: COPY computed summaries into a temporary table, then upsert them in one go."""
    listed = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in updated)
    return SummaryLoad(
        create=(
            "CREATE TEMP TABLE IF NOT EXISTS summary_load ON COMMIT DELETE ROWS AS "
            f"SELECT {listed} FROM indicators_patientsummary WITH NO DATA"
        ),
        copy=f"COPY summary_load ({listed}) FROM STDIN WITH (FORMAT csv, NULL '{COPY_NULL}')",
        upsert=(
            f"INSERT INTO indicators_patientsummary ({listed}) SELECT {listed} FROM summary_load "
            f'ON CONFLICT ("patient_id", "period") DO UPDATE SET {updates}'
        ),
        clear="TRUNCATE summary_load",
    )


COPY_NULL = r"\N"  # the NULL marker of summary_load_statements' COPY


def copy_value(value: Any) -> str:
    """One value as the COPY of ``summary_load_statements`` reads it (CSV, NULL as ``\\N``):
    booleans as t/f, lists and dicts as JSON, datetimes in ISO 8601 with their offset."""
    if value is None:
        return COPY_NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def copy_csv(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    """Rows of values as the CSV text a COPY ... FROM STDIN reads, rewound to its start."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([copy_value(value) for value in row])
    buffer.seek(0)
    return buffer


def encounter_quarters_sql() -> str:
    """Which clinician saw which patient in which quarter (local dates), once each."""
    return f"""
    SELECT DISTINCT clinician_id, patient_id, {_period(_local_date("occurred_at"))}
    FROM patients_encounter
    WHERE patient_id BETWEEN %(lo)s AND %(hi)s"""


def index_floor_sql() -> str:
    """Only the patient-quarter weighted index, over the whole cohort, in one statement.

    The benchmark's floor: the least work any implementation must do (latest patient-side rating
    per element and quarter, the points in effect at the quarter's end, one weighted mean).
    """
    return f"""
    WITH ranked AS (
        SELECT r.patient_id, r.element_id, r.value, {_period("r.rated_on")} AS pn,
               ROW_NUMBER() OVER (
                   PARTITION BY r.patient_id, {_period("r.rated_on")}, r.element_id
                   ORDER BY r.rated_on DESC, r.id DESC
               ) AS rn
        FROM assessments_rating r
        WHERE r.rater IN ('patient', 'proxy') AND r.patient_id BETWEEN %(lo)s AND %(hi)s
    ),
    latest AS (SELECT patient_id, element_id, value, pn FROM ranked WHERE rn = 1),
    activity AS (SELECT DISTINCT patient_id, pn FROM latest),
    {weights_cte()}
    SELECT w.patient_id, w.pn,
           10.0 * SUM(w.points * l.value)
               / NULLIF(SUM(CASE WHEN l.value IS NULL THEN 0 ELSE w.points END), 0)
    FROM weights w
    LEFT JOIN latest l
        ON l.patient_id = w.patient_id AND l.pn = w.pn AND l.element_id = w.element_id
    GROUP BY w.patient_id, w.pn"""
