"""Every benchmark in turn, each printing its own figures: `make bench`.

    python -m benchmarks.run_all [--quick]

The summaries benchmark and the chaos run need PostgreSQL and Redis on 127.0.0.1 (each makes its
own database);
`--quick` runs every benchmark at a tenth of its size, to check they work.
"""

import argparse
import subprocess
import sys

BENCHMARKS = [
    ("demo cohort generation", "benchmarks.bench_seed", ["--patients", "20000"]),
    ("patient import from a CSV file", "benchmarks.bench_import", ["--rows", "50000"]),
    (
        "summaries: rebuild vs SQL floor, memory, freshness",
        "benchmarks.bench_summaries",
        ["--patients", "50000"],
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
        ["--patients", "50000", "--users", "20", "--seconds", "60", "--reuse"],
    ),
    (
        "chaos: writes while the worker and Redis are killed at random",
        "benchmarks.chaos",
        ["--seconds", "180"],
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    failed = []
    for title, module, options in BENCHMARKS:
        if args.quick:
            options = [str(int(o) // 10) if o.isdigit() else o for o in options]
        print(f"\n=== {title} ({module} {' '.join(options)})", flush=True)
        if subprocess.run([sys.executable, "-m", module, *options], check=False).returncode:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
