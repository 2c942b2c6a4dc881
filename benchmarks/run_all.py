"""Every benchmark in turn, each printing its own figures and targets, then every target in one
table: `make bench` (`make bench-quick` for --quick), which migrate the configured database
first: the seeding and import benchmarks run in it.

    python -m benchmarks.run_all [--quick]

They need PostgreSQL and Redis on 127.0.0.1. The summaries benchmark seeds one database per
cohort size (``ssm_bench_<patients>``, kept for later runs); the load and freshness benchmarks
reuse the largest. `--quick` runs every benchmark at a tenth of its size (patients, seconds and
users; not rates), to check they work. Each target line reads ``target: <name>  measured <x>
limit <y>  ratio <x/y>  met|MISSED`` (``benchmarks.targets``). A missed target does not change the
exit status; a benchmark that fails (wrong figures stored, work it could not finish, a crash)
does.
"""

import argparse
import subprocess
import sys

from benchmarks.targets import LINE, summary_table
from ssm_outcomes.digits import ascii_digits

# (title, module, options, options a tenth the size for --quick)
BENCHMARKS = [
    ("demo cohort generation", "benchmarks.bench_seed", ["--patients", "20000"]),
    ("patient import from a CSV file", "benchmarks.bench_import", ["--rows", "50000"]),
    (
        "summaries: rebuild through 1 and 2 worker processes vs the SQL floor",
        "benchmarks.bench_summaries",
        ["--patients", "5000", "20000", "50000"],
    ),
    ("dashboards under concurrent load", "benchmarks.bench_dashboard", ["--patients", "5000"]),
    (
        "partitioned ratings and summaries against plain tables (PostgreSQL)",
        "benchmarks.bench_partitions",
        ["--patients", "20000"],
    ),
    (
        "load: record page, encounter POST and dashboard, 20 users, 50,000 patients",
        "benchmarks.bench_load",
        [
            *("--patients", "50000", "--users", "20", "--seconds", "60"),
            *("--phase-seconds", "20", "--saturated-seconds", "30", "--think", "3", "--reuse"),
        ],
    ),
    (
        "freshness: 5 saves/s through the API for 60 s, 50,000 patients, one worker",
        "benchmarks.bench_freshness",
        ["--patients", "50000", "--seconds", "60", "--rate", "5"],
    ),
    (
        "chaos: writes while the worker and Redis are killed at random",
        "benchmarks.chaos",
        ["--seconds", "180"],
    ),
]
# Options that are rates or pauses, not sizes: --quick keeps them.
KEEP = {"--rate", "--think"}


def _quick(options: list[str]) -> list[str]:
    out, previous = [], ""
    for option in options:
        shrink = ascii_digits(option) and previous not in KEEP
        out.append(str(int(option) // 10) if shrink else option)
        previous = option if option.startswith("--") else previous
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    failed, targets = [], []
    for title, module, options in BENCHMARKS:
        if args.quick:
            options = _quick(options)
        print(f"\n=== {title} ({module} {' '.join(options)})", flush=True)
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", module, *options], stdout=subprocess.PIPE, text=True
        )
        for line in process.stdout or ():
            print(line, end="", flush=True)
            if LINE.match(line.strip()):
                targets.append(line.strip())
        if process.wait():
            failed.append(module)
    print("\n=== every target" + (" (--quick: a tenth of the size)" if args.quick else ""))
    print(summary_table(targets))
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
