"""``manage.py seed_demo``: a deterministic demo cohort with the demo logins, its summaries and
the comparison of its teams stored, so every page has something to show straight away."""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.cohort import (
    DEMO_LOGINS,
    DemoCohortExistsError,
    demo_cohort_create,
    demo_cohort_exists,
)
from demo.instruments import demo_instruments_create
from indicators.comparisons import comparison_periods, comparison_run_compute
from indicators.services import summaries_rebuild_all
from patients.models import Patient


class Command(BaseCommand):
    help = (
        "Create demo staff, six teams and a cohort of patients with two years of history. "
        "The same seed and anchor date always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=200, help="How many (default 200).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random choices.")
        parser.add_argument(
            "--anchor-date", help='The "today" the history leads up to, YYYY-MM-DD (default today).'
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Succeed without seeding when the database already has patients or demo data.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off; pass --force if you really mean it"
            )
        if options["if_empty"] and (demo_cohort_exists() or Patient.objects.exists()):
            self.stdout.write("The database already has data: not seeding the demo cohort.")
            return
        if options["patients"] < 1:
            raise CommandError("--patients must be 1 or more")
        anchor = _anchor(options["anchor_date"])
        started = time.perf_counter()
        try:
            stats = demo_cohort_create(
                patients=options["patients"], seed=options["seed"], anchor=anchor
            )
        except DemoCohortExistsError as exc:
            raise CommandError(
                f"{exc}: seed_demo only fills a database without demo data"
            ) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {stats.patients} patients in {seconds:.1f} s "
            f"(seed {options['seed']}, history up to {anchor})."
        )
        for table, count in stats.rows.items():
            self.stdout.write(f"  {table:<16} {count:>10,}")
        answered = demo_instruments_create(seed=options["seed"], anchor=anchor)
        self.stdout.write(f"  {'instruments':<16} {answered:>10,}")
        started = time.perf_counter()
        if _rebuild_summaries():
            self.stdout.write(f"Summaries rebuilt in {time.perf_counter() - started:.1f} s.")
        else:
            self.stdout.write("Summaries not rebuilt: the indicators service is not there yet.")
        self._compare_teams(anchor)
        # The same as `make run` prints: these are demo logins on a development database.
        password = settings.DEMO_PASSWORD
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {password}):"))
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<16} {what}")

    def _compare_teams(self, anchor: date) -> None:
        """Store what the nightly compare_teams task would, for the quarters it would compare
        (a cohort of any size, down to one patient, can be compared)."""
        started = time.perf_counter()
        periods = comparison_periods(anchor)
        for period in periods:
            comparison_run_compute(period)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Teams compared for {' and '.join(periods)} in {seconds:.1f} s.")


def _anchor(value: str | date | None) -> date:
    """The anchor date from the option: a date, an ISO date string, or today when not given."""
    if value is None:
        return timezone.localdate()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--anchor-date must be a date like 2026-11-01, not {value!r}") from None


def _rebuild_summaries() -> bool:
    """Rebuild the stored summaries of the whole cohort."""
    summaries_rebuild_all()
    return True
