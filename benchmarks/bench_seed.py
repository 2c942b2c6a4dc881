"""Time the demo cohort generator against the configured database and leave no data behind.

    python -m benchmarks.bench_seed --patients 2000

The run happens inside a transaction that is rolled back at the end. Demo data already in the
database is set aside inside that transaction (its logins and teams renamed), so the benchmark
works on a seeded development database too and leaves it exactly as it was.
"""

import argparse
import os
import resource
import sys
import time
from datetime import date


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor-date", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--chunk-size", type=int, default=None)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssm_outcomes.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from demo.cohort import CHUNK_SIZE, demo_cohort_create

    with transaction.atomic():
        _set_existing_demo_aside()
        started = time.perf_counter()
        stats = demo_cohort_create(
            patients=args.patients,
            seed=args.seed,
            anchor=args.anchor_date,
            chunk_size=args.chunk_size or CHUNK_SIZE,
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)  # leave the database as it was

    rows = sum(stats.rows.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"seed_demo benchmark on {connection.vendor} (rolled back, nothing kept)")
    for table, count in stats.rows.items():
        print(f"  {table:<16} {count:>12,}")
    print(f"  rows in total    {rows:>12,}")
    print(f"  seconds          {seconds:>12.1f}")
    print(f"  rows per second  {rows / seconds:>12,.0f}")
    print(f"  peak memory MiB  {peak_mib:>12.0f}")
    return 0


def _set_existing_demo_aside() -> None:
    """Rename existing demo logins and teams so a fresh cohort can be created beside them."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from demo.cohort import DEMO_TEAM_NAMES, DEMO_USERNAMES
    from patients.models import Membership, Team, User

    teams = Team.objects.filter(name__in=DEMO_TEAM_NAMES)
    staff = Membership.objects.filter(team__in=teams).values("user_id")
    aside = Concat(Value("set-aside-"), Cast("id", CharField()))
    User.objects.filter(username__in=DEMO_USERNAMES).update(username=aside)
    User.objects.filter(id__in=staff).update(username=aside)
    teams.update(name=aside)


if __name__ == "__main__":
    sys.exit(main())
