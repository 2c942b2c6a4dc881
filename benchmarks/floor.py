"""The floor of a summary rebuild: one SQL statement computing, from the raw tables, the stored
per-patient-quarter index and coverage (PostgreSQL).

It is the least work any rebuild must do to store those two figures: every quarter with any
record gets a row (ratings of either side, goal reviews, readings, life events, encounters on
their local date, instrument responses); the points in effect at the quarter's end are the
patient's latest priority set effective by then, or one point on every active framework element;
the index is 10 x the points-weighted mean of the latest patient-side (patient or proxy) rating
per element in the quarter, and coverage the share of points on rated elements. The arithmetic is
done in double precision in the same order as ``indicators.patient_summaries``, so the stored
figures must equal the floor's.

The statement runs with PostgreSQL's JIT compilation off: compiling it costs seconds of fixed
overhead (2.5 s of a 3 s run at 500 patients), which is no part of the work itself.
"""

from __future__ import annotations

PERIOD = "(EXTRACT(YEAR FROM {c})::int * 4 + (EXTRACT(MONTH FROM {c})::int - 1) / 3)"
PERIOD_END = "(make_date({n} / 4, ({n} %% 4) * 3 + 1, 1) + interval '3 months' - interval '1 day')"


def _period(column: str) -> str:
    return PERIOD.format(c=column)


FLOOR_SQL = f"""
WITH ranked AS (
    SELECT r.patient_id, r.element_id, r.value, r.rater, {_period("r.rated_on")} AS pn,
           ROW_NUMBER() OVER (
               PARTITION BY r.patient_id, {_period("r.rated_on")}, r.element_id,
                            r.rater = 'clinician'
               ORDER BY r.rated_on DESC, r.id DESC
           ) AS rn
    FROM assessments_rating r
    WHERE r.patient_id BETWEEN %(lo)s AND %(hi)s
),
latest AS (
    SELECT patient_id, element_id, value, pn FROM ranked WHERE rn = 1 AND rater <> 'clinician'
),
activity AS (
    SELECT patient_id, pn FROM ranked
    UNION
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
    SELECT patient_id, {_period("(occurred_at AT TIME ZONE %(tz)s)::date")}
        FROM patients_encounter WHERE patient_id BETWEEN %(lo)s AND %(hi)s
    UNION
    SELECT patient_id, {_period("completed_on")} FROM assessments_instrumentresponse
        WHERE patient_id BETWEEN %(lo)s AND %(hi)s
),
chosen AS (
    SELECT a.patient_id, a.pn, (
        SELECT ps.id FROM assessments_priorityset ps
        WHERE ps.patient_id = a.patient_id AND ps.effective_from <= {PERIOD_END.format(n="a.pn")}
        ORDER BY ps.effective_from DESC, ps.id DESC LIMIT 1
    ) AS set_id
    FROM activity a
),
weights AS (
    SELECT c.patient_id, c.pn, pt.element_id, pt.points
        FROM chosen c JOIN assessments_prioritypoint pt ON pt.priority_set_id = c.set_id
        WHERE pt.points > 0
    UNION ALL
    SELECT c.patient_id, c.pn, e.id, 1
        FROM chosen c CROSS JOIN assessments_element e
        WHERE c.set_id IS NULL AND e.patient_id IS NULL AND e.active
),
sums AS (
    SELECT w.patient_id, w.pn,
           SUM(w.points)::float8 AS total,
           SUM(CASE WHEN l.value IS NULL THEN 0 ELSE w.points END)::float8 AS rated,
           SUM(w.points * COALESCE(l.value, 0))::float8 AS weighted
    FROM weights w
    LEFT JOIN latest l
        ON l.patient_id = w.patient_id AND l.pn = w.pn AND l.element_id = w.element_id
    GROUP BY w.patient_id, w.pn
)
SELECT patient_id, pn,
       CASE WHEN rated > 0 THEN LEAST(100.0, GREATEST(0.0, 10 * weighted / rated)) END,
       CASE WHEN total > 0 THEN LEAST(1.0, GREATEST(0.0, rated / total)) ELSE 0.0 END
FROM sums"""


def floor_rows(lo: int = 0, hi: int = 2**62) -> dict[tuple[int, str], tuple[float | None, float]]:
    """(patient id, quarter) -> (index, coverage) of patients with ids in [lo, hi]."""
    from django.conf import settings
    from django.db import connection, transaction

    from indicators.scoring import period_from_number

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(FLOOR_SQL, {"lo": lo, "hi": hi, "tz": settings.TIME_ZONE})
        return {(p, period_from_number(n)): (i, c) for p, n, i, c in cursor.fetchall()}
