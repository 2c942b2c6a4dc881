"""Patient summaries computed and stored set-based on PostgreSQL, for the full rebuild.

``patient_summaries_store`` does for a range of patient ids what ``_compute_range`` and
``_write_range`` of ``indicators.patient_summaries`` do, without bringing a row into Python: it
locks the range's summary states and records their dirty counts as computed, computes every
stored figure in one statement that also deletes the quarters left without data and upserts the
others, then creates the missing states.

The arithmetic repeats ``_compute_range`` operation for operation in double precision, so the
stored figures are the same to the last bit: point sums are exact integers, cast to float8 before
each division; the goal attainment is ``scoring.gas_t_score`` with its sums taken as integers; the
perspective gap is the same numeric average, converted to float8 as the driver's Decimal is.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from . import sql
from .models import FIGURE_FIELDS
from .scoring import CHANGE_PLACES, CHANGE_THRESHOLD
from .sql import _local_date, _period

# Settings for the transaction of one chunk. JIT off: the planner's row estimates for these CTEs
# run high enough to have the statement compiled to machine code first, which takes longer than
# the work. work_mem: room to sort and hash a chunk's ratings in memory rather than in temporary
# files. No merge joins: the planner underestimates the latest ratings tenfold and would sort
# them again to merge them; hashing them is cheaper.
PLANNER_SETTINGS = {"jit": "off", "work_mem": "64MB", "enable_mergejoin": "off"}


def _chunk_settings() -> dict[str, str]:
    """``PLANNER_SETTINGS`` and how long the chunk may wait for a lock (``lock_timeout``, the
    setting ``SUMMARY_PIECE_LOCK_TIMEOUT``): it holds its patients' states while it waits, and
    their saves would wait with it."""
    return {**PLANNER_SETTINGS, "lock_timeout": django_settings.SUMMARY_PIECE_LOCK_TIMEOUT}


# The columns written, in the order of the SELECT in ``summaries_upsert_sql``.
SUMMARY_COLUMNS = ("patient_id", "period", *FIGURE_FIELDS)

# The patients of the range that may be written: those without a state, and those whose state
# has not been computed past its dirty count. Read after the states are locked, so the dirty count
# is the one the computation that follows starts from (``_write_range``'s ``noted``).
WRITABLE = """
    writable AS (
        SELECT p.id AS patient_id FROM patients_patient p
        LEFT JOIN indicators_summarystate s ON s.patient_id = p.id
        WHERE p.id BETWEEN %(lo)s AND %(hi)s
            AND (s.patient_id IS NULL OR s.computed_up_to <= s.dirty)
    )"""


# ``scoring.index_change``: the change rounded to CHANGE_PLACES decimals in double precision, as
# round(x * 1e9) / 1e9 (float8 ``round`` is ``rint``, half to even, like Python's ``round``).
_SCALE = f"{10.0**CHANGE_PLACES!r}::float8"
CHANGE = f"(round((i.index - prev.index) * {_SCALE}) / {_SCALE})"


def _domain_columns(code: str) -> str:
    """One domain's sums in ``sums``, 0 when the domain has no points."""
    return f"""
        COALESCE(SUM(w.points) FILTER (WHERE e.domain_id = '{code}'), 0) AS {code}_all,
        COALESCE(SUM(w.points) FILTER (WHERE e.domain_id = '{code}' AND l.pv IS NOT NULL), 0)
            AS {code}_rated,
        COALESCE(SUM(w.points * l.pv) FILTER (WHERE e.domain_id = '{code}'), 0)
            AS {code}_weighted"""


def _share(part: str, whole: str) -> str:
    """``_share`` of patient_summaries: part / whole within [0, 1], 0 when whole is 0."""
    return (
        f"CASE WHEN {whole} <> 0 THEN LEAST(1::float8, GREATEST(0::float8, "
        f"{part}::float8 / {whole}::float8)) ELSE 0::float8 END"
    )


def _score(weighted: str, rated: str) -> str:
    """10 × weighted / rated in double precision, NULL when nothing was rated."""
    return f"CASE WHEN {rated} <> 0 THEN 10 * {weighted}::float8 / {rated}::float8 END"


def summaries_upsert_sql() -> str:
    """One statement: every figure of the range's summaries, the writable patients' quarters
    without data deleted and the others inserted or replaced by (patient, period).

    A quarter whose figures come out as stored is left as it is, ``computed_at`` included: a
    nightly rebuild finds most quarters unchanged, and not rewriting them (nor their index
    entries) is a third of its time. ``computed_at`` is then when the figures were last worked
    out differently; whether they are current is ``stale``."""
    listed = ", ".join(f'"{c}"' for c in SUMMARY_COLUMNS)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in SUMMARY_COLUMNS[2:])
    kept = [c for c in SUMMARY_COLUMNS[2:] if c != "computed_at"]
    compared_old = ", ".join(f'indicators_patientsummary."{c}"' for c in kept)
    compared_new = ", ".join(f'EXCLUDED."{c}"' for c in kept)
    return f"""
    WITH
    -- The latest rating in each quarter of each element by the patient side (the patient or a
    -- proxy: ``pv``) and by a clinician (``cv``), taken apart so neither sort carries the side.
    patient_side AS (
        SELECT DISTINCT ON (r.patient_id, pn, r.element_id)
               r.patient_id, {_period("r.rated_on")} AS pn, r.element_id, r.value AS pv
        FROM assessments_rating r
        WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s AND r.rater <> 'clinician'
        ORDER BY r.patient_id, pn, r.element_id, r.rated_on DESC, r.id DESC
    ),
    clinician_side AS (
        SELECT DISTINCT ON (r.patient_id, pn, r.element_id)
               r.patient_id, {_period("r.rated_on")} AS pn, r.element_id, r.value AS cv
        FROM assessments_rating r
        WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s AND r.rater = 'clinician'
        ORDER BY r.patient_id, pn, r.element_id, r.rated_on DESC, r.id DESC
    ),
    activity AS (
        SELECT patient_id, pn FROM patient_side
        UNION
        SELECT patient_id, pn FROM clinician_side
        UNION
        {sql.records_quarters_sql()}
    ),
    {sql.weights_cte()},
    {WRITABLE},
    -- The elements the range's points can be on: the framework's and its own patients' items
    -- (assessments.services.priorities_set allows no other), hashed once, where probing the
    -- whole table's index for each point cost a sixth of a piece.
    piece_elements AS (
        SELECT id, domain_id FROM assessments_element
        WHERE patient_id IS NULL OR patient_id BETWEEN %(lo)s AND %(hi)s
    ),
    -- Per quarter with points in effect, overall and per domain: all points, points on the keys
    -- the patient side rated, Σ points × rating.
    sums AS (
        SELECT w.patient_id, w.pn, MAX(w.own) AS own,
               SUM(w.points) AS all_points,
               COALESCE(SUM(w.points) FILTER (WHERE l.pv IS NOT NULL), 0) AS rated_points,
               COALESCE(SUM(w.points * l.pv), 0) AS weighted,
               {_domain_columns("H")}, {_domain_columns("M")}, {_domain_columns("R")}
        FROM weights w
        JOIN piece_elements e ON e.id = w.element_id
        LEFT JOIN patient_side l
            ON l.patient_id = w.patient_id AND l.pn = w.pn AND l.element_id = w.element_id
        GROUP BY w.patient_id, w.pn
    ),
    -- The perspective gap: over every element both sides rated in the quarter, weighted or not.
    gap AS (
        SELECT c.patient_id, c.pn, AVG(ABS(p.pv - c.cv) * 1.0) AS gap
        FROM clinician_side c
        JOIN patient_side p
            ON p.patient_id = c.patient_id AND p.pn = c.pn AND p.element_id = c.element_id
        GROUP BY c.patient_id, c.pn
    ),
    indexed AS (
        SELECT s.*,
               CASE WHEN rated_points <> 0 THEN LEAST(100::float8, GREATEST(0::float8,
                   10 * weighted::float8 / rated_points::float8)) END AS index
        FROM sums s
    ),
    goal_latest AS ({sql.goal_reviews_ranked_sql()}
    ),
    -- scoring.gas_t_score with rho 0.3: the sums are exact integers, then the same float steps.
    goals AS (
        SELECT patient_id, pn,
               50::float8 + 10::float8 * SUM(weight * attainment)::float8 / sqrt(
                   SUM(weight * weight)::float8
                   + 0.3::float8 * (SUM(weight) * SUM(weight) - SUM(weight * weight))::float8
               ) AS attainment
        FROM goal_latest WHERE rn = 1
        GROUP BY patient_id, pn
    ),
    targets AS (
        SELECT patient_id, marker_id, low, high FROM assessments_personaltarget
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s AND relevant
            AND (low IS NOT NULL OR high IS NOT NULL)
    ),
    relevant AS (SELECT patient_id, COUNT(*) AS markers FROM targets GROUP BY patient_id),
    -- The latest reading in each quarter of each marker with a relevant target.
    reading_latest AS (
        SELECT DISTINCT ON (r.patient_id, r.marker_id, {_period("r.taken_on")})
               r.patient_id, {_period("r.taken_on")} AS pn, r.value, t.low, t.high
        FROM assessments_reading r
        JOIN targets t ON t.patient_id = r.patient_id AND t.marker_id = r.marker_id
        WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s
        ORDER BY r.patient_id, r.marker_id, {_period("r.taken_on")}, r.taken_on DESC, r.id DESC
    ),
    markers AS (
        SELECT patient_id, pn, COUNT(*) AS with_reading,
               COUNT(*) FILTER (
                   WHERE (low IS NULL OR value >= low) AND (high IS NULL OR value <= high)
               ) AS in_target
        FROM reading_latest
        GROUP BY patient_id, pn
    ),
    events AS (
        SELECT patient_id, {_period("occurred_on")} AS pn,
               jsonb_agg(jsonb_build_object(
                   'kind', kind,
                   'occurred_on', to_char(occurred_on, 'YYYY-MM-DD'),
                   'visible_to_patient', visible_to_patient
               ) ORDER BY occurred_on, id) AS events
        FROM patients_contextevent
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        GROUP BY patient_id, {_period("occurred_on")}
    ),
    encounters AS (
        SELECT patient_id, {_period(_local_date("occurred_at"))} AS pn, COUNT(*) AS n,
               COUNT(*) FILTER (WHERE initiated_by = 'patient') AS by_patient
        FROM patients_encounter
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        GROUP BY patient_id, {_period(_local_date("occurred_at"))}
    ),
    response_latest AS (
        SELECT patient_id, {_period("completed_on")} AS pn, instrument, scores,
               ROW_NUMBER() OVER (
                   PARTITION BY patient_id, instrument, {_period("completed_on")}
                   ORDER BY completed_on DESC, id DESC
               ) AS rn
        FROM assessments_instrumentresponse
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
    ),
    instruments AS (
        SELECT patient_id, pn, jsonb_object_agg(instrument, scores) AS scores
        FROM response_latest WHERE rn = 1
        GROUP BY patient_id, pn
    ),
    computed AS (
        SELECT i.patient_id,
               (i.pn / 4)::text || 'Q' || (i.pn %% 4 + 1)::text AS period,
               i.index,
               {_share("i.rated_points", "i.all_points")} AS coverage,
               CASE WHEN i.own = 1 THEN 'patient' ELSE 'default' END AS weights_source,
               {_score("i.h_weighted", "i.h_rated")} AS h_score,
               {_share("i.h_all", "i.all_points")} AS h_weight,
               {_score("i.m_weighted", "i.m_rated")} AS m_score,
               {_share("i.m_all", "i.all_points")} AS m_weight,
               {_score("i.r_weighted", "i.r_rated")} AS r_score,
               {_share("i.r_all", "i.all_points")} AS r_weight,
               gl.attainment AS goal_attainment,
               COALESCE(rv.markers, 0) AS markers_relevant,
               COALESCE(mk.with_reading, 0) AS markers_with_reading,
               COALESCE(mk.in_target, 0) AS markers_in_target,
               {CHANGE} AS change,
               CASE
                   WHEN {CHANGE} >= {CHANGE_THRESHOLD!r}::float8 THEN 'improved'
                   WHEN {CHANGE} <= -{CHANGE_THRESHOLD!r}::float8 THEN 'declined'
                   WHEN {CHANGE} IS NOT NULL THEN 'stable'
                   ELSE ''
               END AS direction,
               g.gap::float8 AS perspective_gap,
               ev.events IS NOT NULL AS attribution_caveat,
               COALESCE(ev.events, '[]'::jsonb) AS context_events,
               COALESCE(en.n, 0) AS encounters,
               COALESCE(en.by_patient, 0) AS patient_initiated,
               COALESCE(ins.scores, '{{}}'::jsonb) AS instruments,
               %(now)s::timestamptz AS computed_at
        FROM indexed i
        JOIN writable wr ON wr.patient_id = i.patient_id
        LEFT JOIN indexed prev ON prev.patient_id = i.patient_id AND prev.pn = i.pn - 1
        LEFT JOIN gap g ON g.patient_id = i.patient_id AND g.pn = i.pn
        LEFT JOIN goals gl ON gl.patient_id = i.patient_id AND gl.pn = i.pn
        LEFT JOIN relevant rv ON rv.patient_id = i.patient_id
        LEFT JOIN markers mk ON mk.patient_id = i.patient_id AND mk.pn = i.pn
        LEFT JOIN events ev ON ev.patient_id = i.patient_id AND ev.pn = i.pn
        LEFT JOIN encounters en ON en.patient_id = i.patient_id AND en.pn = i.pn
        LEFT JOIN instruments ins ON ins.patient_id = i.patient_id AND ins.pn = i.pn
    ),
    gone AS (
        DELETE FROM indicators_patientsummary ps
        USING writable wr
        WHERE ps.patient_id = wr.patient_id
            AND NOT EXISTS (
                SELECT 1 FROM computed c
                WHERE c.patient_id = ps.patient_id AND c.period = ps.period
            )
    )
    INSERT INTO indicators_patientsummary ({listed})
    SELECT {listed} FROM computed
    ON CONFLICT ("patient_id", "period") DO UPDATE SET {updates}
    WHERE ({compared_old}) IS DISTINCT FROM ({compared_new})"""  # noqa: S608 — fixed fragments, values bound


def states_advance_sql() -> str:
    """Lock the range's summary states until the transaction ends (as ``_write_range`` does) and
    record, for each not computed past its dirty count, that count as computed; one row, the
    number advanced. One statement, so the states locked are the states advanced."""
    return """
    WITH locked AS (
        SELECT patient_id FROM indicators_summarystate
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
        FOR UPDATE
    ),
    advanced AS (
        UPDATE indicators_summarystate s SET computed_up_to = s.dirty
        FROM locked
        WHERE s.patient_id = locked.patient_id AND s.computed_up_to <= s.dirty
        RETURNING 1
    )
    SELECT COUNT(*) FROM advanced"""


def states_create_sql() -> str:
    """The states of the range's patients that have none: dirty 0, computed up to 0; one row,
    the number created."""
    return """
    WITH created AS (
        INSERT INTO indicators_summarystate (patient_id, dirty, computed_up_to, marked_at)
        SELECT p.id, 0, 0, %(now)s::timestamptz FROM patients_patient p
        WHERE p.id BETWEEN %(lo)s AND %(hi)s
            AND NOT EXISTS (SELECT 1 FROM indicators_summarystate s WHERE s.patient_id = p.id)
        ON CONFLICT (patient_id) DO NOTHING
        RETURNING 1
    )
    SELECT COUNT(*) FROM created"""


def patient_summaries_store(*, lo: int, hi: int, now: datetime | None = None) -> int:
    """PostgreSQL: compute and store the summaries of patients with ids in [lo, hi] in SQL, as
    ``_compute_range`` then ``_write_range`` would without flagging groups; return how many
    patients were written.

    The states are locked and their dirty counts recorded first, then the figures are computed
    from records at least as new as those counts: a save that lands meanwhile bumps a count only
    once this transaction ends, and leaves the patient stale for the next refresh.
    """
    params = {**sql.params(lo, hi), "now": now or timezone.now()}
    with (
        transaction.atomic(),
        sql.local_settings(_chunk_settings()),
        connection.cursor() as cursor,
    ):
        cursor.execute(states_advance_sql(), params)
        (advanced,) = cursor.fetchone()
        cursor.execute(summaries_upsert_sql(), params)
        cursor.execute(states_create_sql(), params)
        (created,) = cursor.fetchone()
    return int(advanced) + int(created)
