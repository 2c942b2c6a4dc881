"""Declaratively partitioned ratings and summaries against plain tables, on the same data.

    python -m benchmarks.bench_partitions --patients 20000

Runs on PostgreSQL in a database of its own (`ssm_bench_partitions`, created, seeded with the
demo cohort and its summaries rebuilt on first use, and kept for later runs; `--reseed` starts
again). The app's own tables are left as migrations made them. Beside them, each run makes two
schemas holding copies of `assessments_rating` and `indicators_patientsummary` with the same rows
and the same indexes:

- `plain`: ordinary tables, as the app has them;
- `part`: ratings partitioned by RANGE of `rated_on`, one partition per calendar quarter, and
  summaries partitioned by LIST of `period`, one partition per quarter ('2026Q1'); each also has a
  DEFAULT partition for rows outside the quarters made.

PostgreSQL requires every primary key and unique constraint of a partitioned table to include
the partition key. So the partitioned rating's primary key is (id, rated_on), not id alone (ids
still come from one sequence and stay unique in practice, but the database no longer enforces
it), and the summary's is (id, period); the summary's unique (patient_id, period) already holds
its partition key and stays as it is, so the refresh's `ON CONFLICT (patient_id, period)` upsert
works unchanged.

The app's queries run unchanged against either copy: each measurement sets `search_path` to
`plain, public` or `part, public`, so the two table names resolve to the copy and every other
table to the app's. Prints `figure:` lines, and `target:` lines in the form
`target: <name> measured <x> limit <y> ratio <r> met|MISSED`, for
- the per-patient costs the extrapolation in docs/scaling.md starts from;
- the whole-cohort SQL floor (`indicators.sql.index_floor_sql`), whose rows must be identical
  on both copies (the exit status is 1 if they differ);
- one patient's refresh: every read of `indicators.patient_summaries` for an id range of one,
  then the upsert of that patient's summaries;
- dashboard-style reads of one quarter's summaries (one team's patients, and the whole cohort),
  and the read of one patient's summaries for all quarters;
- removing the oldest quarter: DELETE on the plain copy against DETACH and DROP of a partition
  (each in a transaction rolled back, so the copies stay whole);
- with EXPLAIN, how many partitions each query touches (pruning).
Timings are medians of repeated runs, plain and partitioned taking turns.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from benchmarks.scratch_db import database_ensure, django_setup

BENCH_DB = "ssm_bench_partitions"
ANCHOR = date(2026, 11, 1)
RATING = "assessments_rating"
SUMMARY = "indicators_patientsummary"
SCHEMAS = ("plain", "part")


def _database_url() -> str:
    return (
        os.environ.get("BENCH_PARTITIONS_DATABASE_URL")
        or f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    )


def _seed(url: str, patients: int, reseed: bool) -> None:
    """The demo cohort and its summaries, once; kept while the patient count matches."""
    from django.core.management import call_command
    from django.db import connection

    from demo.cohort import demo_cohort_create
    from indicators.models import PatientSummary
    from indicators.patient_summaries import summaries_rebuild_all
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    if reseed or Patient.objects.count() != patients:
        connection.close()
        database_ensure(url, fresh=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        demo_cohort_create(patients=patients, seed=1, anchor=ANCHOR)
        print(f"seeded {patients} patients in {time.perf_counter() - started:.1f} s")
    if not PatientSummary.objects.exists():
        started = time.perf_counter()
        summaries_rebuild_all()
        print(f"rebuilt their summaries in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {RATING}")
        cursor.execute(f"VACUUM ANALYZE {SUMMARY}")


def _execute(statement: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _one(statement: str, params: Any = None) -> Any:
    return _execute(statement, params)[0][0]


def _use(schema: str) -> None:
    """Let the app's unqualified table names find ``schema``'s copies first."""
    _execute(f"SET search_path TO {schema}, public")


def quarter_bounds(first: date, last: date) -> list[tuple[str, date, date]]:
    """Each calendar quarter from ``first``'s to ``last``'s: its period, first day, next first."""
    quarters = []
    year, quarter = first.year, (first.month - 1) // 3
    while (year, quarter) <= (last.year, (last.month - 1) // 3):
        start = date(year, quarter * 3 + 1, 1)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
        quarters.append(
            (f"{start.year}Q{(start.month - 1) // 3 + 1}", start, date(year, quarter * 3 + 1, 1))
        )
    return quarters


def _secondary_indexes(table: str, schema: str) -> list[str]:
    """The app's indexes on ``table`` other than its primary key, made on ``schema``'s copy."""
    rows = _execute(
        "SELECT i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE i.schemaname = 'public' AND i.tablename = %s AND NOT x.indisprimary",
        [table],
    )
    return [d.replace(f" ON public.{table} ", f" ON {schema}.{table} ") for (d,) in rows]


def copies_create(quarters: list[tuple[str, date, date]]) -> dict[str, float]:
    """Make the plain and partitioned copies, load the app's rows into both, analyze them;
    return the seconds each load took."""
    seconds = {}
    for schema in SCHEMAS:
        _execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        _execute(f"CREATE SCHEMA {schema}")
    for table, key in ((RATING, "rated_on"), (SUMMARY, "period")):
        _execute(f"CREATE TABLE plain.{table} (LIKE public.{table} INCLUDING ALL)")
        _execute(
            f"CREATE TABLE part.{table} (LIKE public.{table} INCLUDING DEFAULTS "
            f"INCLUDING IDENTITY INCLUDING CONSTRAINTS) PARTITION BY "
            + (f"RANGE ({key})" if table == RATING else f"LIST ({key})")
        )
        for period, start, end in quarters:
            bounds = f"FROM ('{start}') TO ('{end}')" if table == RATING else f"IN ('{period}')"
            _execute(
                f"CREATE TABLE part.{table}_{period.lower()} PARTITION OF part.{table} "
                f"FOR VALUES {bounds}"
            )
        _execute(f"CREATE TABLE part.{table}_default PARTITION OF part.{table} DEFAULT")
        # The primary key must include the partition key.
        _execute(f"ALTER TABLE part.{table} ADD PRIMARY KEY (id, {key})")
        for definition in _secondary_indexes(table, "part"):
            _execute(definition)
        for schema in SCHEMAS:
            started = time.perf_counter()
            _execute(f"INSERT INTO {schema}.{table} SELECT * FROM public.{table}")
            seconds[f"{schema}.{table}"] = time.perf_counter() - started
            _execute(f"ANALYZE {schema}.{table}")
    return seconds


def _relation_bytes(schema: str, table: str) -> tuple[int, int]:
    """Heap and index bytes of a table, summed over its partitions when it has them."""
    heap, indexes = _execute(
        "SELECT SUM(pg_table_size(c.oid)), SUM(pg_indexes_size(c.oid)) FROM pg_class c "
        "WHERE c.oid = %(t)s::regclass OR c.oid IN "
        "(SELECT relid FROM pg_partition_tree(%(t)s::regclass))",
        {"t": f"{schema}.{table}"},
    )[0]
    return int(heap), int(indexes)


def _time(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _taking_turns(work: Callable[[str], Any], repeats: int) -> dict[str, float]:
    """Median seconds of ``work(schema)`` on each copy, the copies taking turns."""
    times: dict[str, list[float]] = {schema: [] for schema in SCHEMAS}
    for _ in range(repeats):
        for schema in SCHEMAS:
            _use(schema)
            times[schema].append(_time(functools.partial(work, schema)))
    _use("public")
    return {schema: statistics.median(values) for schema, values in times.items()}


def _target(name: str, measured: float, limit: float) -> bool:
    """A ratio target: met when ``measured`` is at most ``limit``."""
    met = measured <= limit
    print(
        f"target: {name} measured {measured:.3f} limit {limit:g} "
        f"ratio {measured / limit:.2f} {'met' if met else 'MISSED'}"
    )
    return met


def _compare(name: str, seconds: dict[str, float], limit: float, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    print(
        f"figure: {name}: plain {seconds['plain'] * scale:.2f} {unit}, "
        f"partitioned {seconds['part'] * scale:.2f} {unit}"
    )
    _target(f"{name}, partitioned / plain", seconds["part"] / seconds["plain"], limit)


def partitions_scanned(
    statement: str, params: Any, table: str, quarters: list[tuple[str, date, date]]
) -> tuple[int, list[str]]:
    """How many of ``part.table``'s partitions the plan of ``statement`` reads, and the plan."""
    names = {f"{table}_{period.lower()}" for period, _, _ in quarters} | {f"{table}_default"}
    _use("part")
    plan = [line for (line,) in _execute(f"EXPLAIN (COSTS OFF) {statement}", params)]
    _use("public")
    scanned = {word for line in plan for word in line.split() if word in names}
    return len(scanned), plan


def _floor_rows() -> list[tuple]:
    from indicators import sql

    return sorted(_execute(sql.index_floor_sql(), sql.params(0, 2**62)))


def _refresh_reads() -> list[str]:
    """The statements ``indicators.patient_summaries`` reads a patient id range with."""
    from indicators import sql

    return [
        sql.domain_aggregates_sql(),
        sql.goal_reviews_sql(),
        sql.marker_readings_sql(),
        sql.relevant_targets_sql(),
        sql.latest_instrument_responses_sql(),
        sql.context_events_sql(),
        sql.encounter_counts_sql(),
    ]


def _summary_upsert() -> str:
    """One patient's summaries written back over themselves, as the refresh's upsert does."""
    from indicators.patient_summaries import FIGURE_FIELDS

    columns = ", ".join(f'"{c}"' for c in ["patient_id", "period", *FIGURE_FIELDS])
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in FIGURE_FIELDS)
    return (
        f"INSERT INTO {SUMMARY} ({columns}) SELECT {columns} FROM public.{SUMMARY} "
        f"WHERE patient_id = %(lo)s "
        f'ON CONFLICT ("patient_id", "period") DO UPDATE SET {updates}'
    )


def costs_print(patients: int) -> None:
    """The per-patient figures of the app's own tables, for docs/scaling.md."""
    ratings = _one(f"SELECT COUNT(*) FROM public.{RATING}")
    summaries = _one(f"SELECT COUNT(*) FROM public.{SUMMARY}")
    periods = _one(f"SELECT COUNT(DISTINCT period) FROM public.{SUMMARY}")
    r_heap, r_index = _relation_bytes("public", RATING)
    s_heap, s_index = _relation_bytes("public", SUMMARY)
    print(f"figure: cohort {patients} patients, {ratings} ratings, {summaries} summaries")
    print(f"figure: ratings per patient {ratings / patients:.1f}")
    print(f"figure: summaries per patient {summaries / patients:.2f} over {periods} quarters")
    print(
        f"figure: rating bytes per row: table {r_heap / ratings:.0f}, "
        f"indexes {r_index / ratings:.0f}"
    )
    print(
        f"figure: summary bytes per patient-quarter: table {s_heap / summaries:.0f}, "
        f"indexes {s_index / summaries:.0f}"
    )
    for name, size in _execute(
        "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid "
        "WHERE x.indrelid IN (%s::regclass, %s::regclass) ORDER BY c.relname",
        [f"public.{RATING}", f"public.{SUMMARY}"],
    ):
        print(f"figure: index {name} {size / patients:.0f} bytes per patient")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=100, help="patients for one-patient reads")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the whole-cohort floor")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args(argv)

    url = _database_url()
    database_ensure(url)
    django_setup(url)
    from django.db import connection, transaction

    from indicators import sql
    from indicators.models import PatientSummary
    from patients.models import Patient, Team

    if connection.vendor != "postgresql":
        print("declarative partitioning is PostgreSQL's; this benchmark needs PostgreSQL")
        return 1
    _seed(url, args.patients, args.reseed)
    costs_print(args.patients)

    first, last = _execute(f"SELECT MIN(rated_on), MAX(rated_on) FROM public.{RATING}")[0]
    quarters = quarter_bounds(first, last)
    loads = copies_create(quarters)
    print(
        f"figure: copies loaded: ratings plain {loads['plain.' + RATING]:.1f} s, partitioned "
        f"{loads['part.' + RATING]:.1f} s; summaries plain {loads['plain.' + SUMMARY]:.1f} s, "
        f"partitioned {loads['part.' + SUMMARY]:.1f} s ({len(quarters)} quarters, "
        f"{len(quarters) + 1} partitions each)"
    )
    for table in (RATING, SUMMARY):
        plain, part = _relation_bytes("plain", table), _relation_bytes("part", table)
        print(
            f"figure: {table} bytes, table + indexes: plain {plain[0]} + {plain[1]}, "
            f"partitioned {part[0]} + {part[1]}"
        )

    # Identical figures: the floor on both copies, row for row.
    floors = {}
    for schema in SCHEMAS:
        _use(schema)
        floors[schema] = _floor_rows()
    _use("public")
    same = floors["plain"] == floors["part"]
    print(
        f"figure: floor rows identical on both copies: {'yes' if same else 'NO'} "
        f"({len(floors['plain'])} rows)"
    )

    floor = _taking_turns(lambda _: _floor_rows(), args.repeats)
    _compare("whole-cohort SQL floor", floor, 1.25, unit="s")

    rng = random.Random(7)
    ids = sorted(Patient.objects.values_list("pk", flat=True))
    sample = rng.sample(ids, min(args.samples, len(ids)))
    reads, upsert = _refresh_reads(), _summary_upsert()

    def refresh_all(_: str) -> None:
        for pid in sample:
            for statement in reads:
                _execute(statement, sql.params(pid, pid))
            with transaction.atomic():
                _execute(upsert, sql.params(pid, pid))

    per_patient = {s: t / len(sample) for s, t in _taking_turns(refresh_all, 3).items()}
    _compare("one patient's refresh (reads and upsert)", per_patient, 1.5)

    latest = max(p for p, _, end in quarters if end <= ANCHOR)
    team_id = Team.objects.order_by("pk").values_list("pk", flat=True).first()
    team_read, team_params = (
        PatientSummary.objects.filter(patient__teams__id=team_id, period=latest)
        .values_list("patient_id", "index", "coverage", "h_score", "m_score", "r_score")
        .query.sql_with_params()
    )
    cohort_read = f"SELECT COUNT(*), AVG(index), AVG(coverage) FROM {SUMMARY} WHERE period = %s"
    patient_read, _ = (
        PatientSummary.objects.filter(patient_id=0).order_by("period").query.sql_with_params()
    )

    team = _taking_turns(lambda _: _execute(team_read, team_params), 20)
    _compare(f"one team's summaries for {latest}", team, 1.1)
    cohort = _taking_turns(lambda _: _execute(cohort_read, [latest]), 20)
    _compare(f"the whole cohort's summaries for {latest}", cohort, 1.1)
    one = _taking_turns(lambda _: [_execute(patient_read, [pid]) for pid in sample], 3)
    _compare(
        "one patient's summaries, every quarter",
        {s: t / len(sample) for s, t in one.items()},
        1.5,
    )

    # Pruning, as the plans show it.
    partitions = len(quarters) + 1
    checks = [
        ("one team's summaries for one quarter", team_read, team_params, SUMMARY),
        ("the whole cohort's summaries for one quarter", cohort_read, [latest], SUMMARY),
        ("one patient's summaries, every quarter", patient_read, [sample[0]], SUMMARY),
        (
            "one patient's refresh, ratings",
            sql.domain_aggregates_sql(),
            sql.params(sample[0], sample[0]),
            RATING,
        ),
        (
            "ratings of the latest quarter",
            f"SELECT COUNT(*) FROM {RATING} WHERE rated_on >= %s",
            [quarters[-1][1]],
            RATING,
        ),
    ]
    for name, statement, params, table in checks:
        scanned, plan = partitions_scanned(statement, params, table, quarters)
        print(f"figure: partitions read by {name}: {scanned} of {partitions}")
        if name == "one team's summaries for one quarter":
            for line in plan:
                print(f"  plan: {line}")

    # Removing the oldest quarter: DELETE against DETACH + DROP, both rolled back.
    oldest, start, end = quarters[0]

    def delete_plain() -> None:
        _execute(f"DELETE FROM plain.{RATING} WHERE rated_on >= %s AND rated_on < %s", [start, end])
        _execute(f"DELETE FROM plain.{SUMMARY} WHERE period = %s", [oldest])

    def drop_partition() -> None:
        for table in (RATING, SUMMARY):
            _execute(f"ALTER TABLE part.{table} DETACH PARTITION part.{table}_{oldest.lower()}")
            _execute(f"DROP TABLE part.{table}_{oldest.lower()}")

    removal = {}
    for schema, work in (("plain", delete_plain), ("part", drop_partition)):
        with transaction.atomic():
            removal[schema] = _time(work)
            transaction.set_rollback(True)
    removed = _one(f"SELECT COUNT(*) FROM plain.{RATING} WHERE rated_on < %s", [end])
    print(f"figure: removing quarter {oldest} ({removed} ratings and its summaries)")
    _compare(f"removing quarter {oldest}", removal, 0.1)
    for schema in SCHEMAS:
        _execute(f"DROP SCHEMA {schema} CASCADE")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
