"""Time a patient import of a large CSV file against a baseline measured in the same run, and
leave no data behind.

    python -m benchmarks.bench_import --rows 50000

The file: ``rows`` patients with a local id, a year of birth, one or two conditions with onset,
an email address for half and a language for a fifth. Timed, each inside one transaction that is
rolled back at the end:

- baseline: reading the file with the csv module and inserting one bare Patient row per line
  with ``bulk_create`` (the least any import must do);
- preview: ``import_plan`` (read, check every row, match against the team);
- import: ``import_run`` (check again, then write patients, local ids, teams, conditions, audit);
- again: importing the same file a second time (every row unchanged, nothing written).

Printed: seconds, rows per second, each as a ratio to the baseline, and the process's peak
resident memory during each step (Linux: the peak is reset before each, /proc/self/clear_refs).
"""

import argparse
import os
import random
import sys
import time


def make_csv(rows: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    codes = ["44054006", "49049000", "38341003", "13645005", "84114007", "195967001"]
    lines = ["display_name,birth_year,local_id,conditions,email,language"]
    for n in range(rows):
        picked = rng.sample(codes, rng.choice([1, 1, 2]))
        conditions = ";".join(f"{code}:{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}"
                              for code in picked)  # fmt: skip
        email = f"patient{n}@example.org" if n % 2 else ""
        language = "nl" if n % 5 == 0 else ""
        year = rng.randint(1930, 2005)
        lines.append(f'Patient {n:06d},{year},B-{n:06d},"{conditions}",{email},{language}')
    return ("\n".join(lines) + "\n").encode()


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(step):
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # reset the peak resident set to the current one
    except OSError:
        pass
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    return result, seconds, _peak_rss_mib()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50000)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssm_outcomes.settings")
    import django

    django.setup()
    import csv
    import io

    from django.db import connection, transaction

    from patients.imports import import_plan, import_record, import_run
    from patients.models import Patient, Team

    data = make_csv(args.rows)
    figures = {}
    with transaction.atomic():

        def baseline():
            reader = csv.reader(io.StringIO(data.decode()))
            next(reader)
            Patient.objects.bulk_create(
                (Patient(display_name=row[0], birth_year=int(row[1])) for row in reader),
                batch_size=1000,
            )

        figures["baseline"] = timed(baseline)[1:]
        transaction.set_rollback(True)
    with transaction.atomic():
        team = Team.objects.create(name="Import benchmark")
        plan, *figures["preview"] = timed(lambda: import_plan(data=data, team=team, user=None))
        if plan.problems:
            raise SystemExit(f"the benchmark's file has problems: {plan.problems[:3]}")

        def run():
            record = import_record(plan=plan, user=None, text=plan.text, file_name="b.csv",
                                   source="command")  # fmt: skip
            return import_run(record=record, user=None)

        record, *figures["import"] = timed(run)
        if record.created != args.rows:
            raise SystemExit(f"created {record.created}, not {args.rows}")
        record, *figures["again"] = timed(run)
        if record.unchanged != args.rows:
            raise SystemExit(f"unchanged {record.unchanged}, not {args.rows}")
        transaction.set_rollback(True)

    base = figures["baseline"][0]
    print(f"patient import of {args.rows:,} rows on {connection.vendor} (rolled back)")
    print(f"  {'step':<10} {'seconds':>8} {'rows/s':>9} {'× baseline':>11} {'peak MiB':>9}")
    for step, (seconds, peak) in figures.items():
        print(f"  {step:<10} {seconds:>8.2f} {args.rows / seconds:>9,.0f} {seconds / base:>11.1f}"
              f" {peak:>9.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
