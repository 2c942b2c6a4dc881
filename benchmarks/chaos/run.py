"""The chaos run: set up, write while faults happen, catch up, check, report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sys
import time
from collections import Counter

from benchmarks.scratch_db import database_ensure, django_setup
from tests.support.services import PrivateRedis, Worker

from .checks import all_fresh, audit_found, compare_with_rebuild, missing_writes, queue_sweep
from .faults import FRESH_FOR, SWEEP_WHILE_CATCHING_UP, Chaos
from .traffic import DEFAULT_DATABASE_URL, READ_EVERY, WORKER_ENV, WRITES, set_up_people


class QueueFailures(logging.Handler):
    """Counts the summary refreshes a save could not queue (the broker was down)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# --- The run ----------------------------------------------------------------------------------


def _run(args: argparse.Namespace, chaos: Chaos) -> dict:
    from django.core.management import call_command

    rng = random.Random(args.seed)
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    writer = set_up_people(rng, args.patients)
    if writer.failed:
        raise RuntimeError(f"setting up failed: {writer.failures}")
    setup_requests = sum(writer.ok.values())
    writer.ok.clear()  # from here on, only what happens under chaos is counted
    writer.latencies[True].clear()
    setup_seconds = time.monotonic() - began

    queue_failures = QueueFailures()
    quiet = logging.getLogger("ssm_outcomes.task_queue")
    quiet.addHandler(queue_failures)
    quiet.propagate = False

    sweeps = Counter()
    start = time.monotonic()
    chaos.begin(start)
    end = start + args.seconds
    # With --longest, the chaos goes on past --seconds until each kind of kill has happened: on
    # a busy machine a worker slow to start could otherwise escape every kill in a short run.
    longest = start + max(args.seconds, args.longest or args.seconds)
    next_sweep = start + args.sweep_every
    writes = 0
    lag = 0.0
    while True:
        now = time.monotonic()
        due = start + writes / args.rate
        if now >= end and (chaos.killed_each() or now >= longest):
            break
        chaos.step(now)  # first, so that writes falling behind never hold the chaos up
        if now >= next_sweep:
            sweeps["sent" if queue_sweep() else "not sent"] += 1
            next_sweep = now + args.sweep_every
        if now >= due:
            lag = max(lag, now - due)
            writer.broker_up = chaos.redis_back_at is None
            writer.write(rng.choices(list(WRITES), weights=list(WRITES.values()))[0])
            writes += 1
            if writes % READ_EVERY == 0:
                writer.read()
            continue
        time.sleep(max(0.0, min(due, chaos.next_event(), next_sweep) - time.monotonic()))
    chaos_seconds = time.monotonic() - start

    chaos.heal()
    caught_up_at = None
    deadline = time.monotonic() + args.catch_up
    started_catching_up = next_sweep = time.monotonic()
    while time.monotonic() < deadline:
        # Fresh for a while, not at one instant: a patient's refresh commits its summaries a
        # moment before it flags the team and caseload summaries they feed.
        if not all_fresh():
            caught_up_at = None
        elif caught_up_at is None:
            caught_up_at = time.monotonic()
        elif time.monotonic() - caught_up_at >= FRESH_FOR:
            break
        if time.monotonic() >= next_sweep:
            sweeps["sent" if queue_sweep() else "not sent"] += 1
            next_sweep = time.monotonic() + SWEEP_WHILE_CATCHING_UP
        chaos.heal()
        time.sleep(0.25)
    else:
        caught_up_at = None
    chaos.stop()
    still_fresh = all_fresh()  # once the worker has finished what it was doing

    missing, extra, examples = missing_writes(writer.expected)
    summaries, differences = compare_with_rebuild()
    found = audit_found()
    up, down = (sorted(writer.latencies[state]) for state in (True, False))
    return {
        "setup_seconds": round(setup_seconds, 1),
        "setup_requests": setup_requests,
        "chaos_seconds": round(chaos_seconds, 1),
        "writes_ok": sum(v for k, v in writer.ok.items() if k != "read"),
        "writes_failed": sum(v for k, v in writer.failed.items() if k != "read"),
        "writes_by_kind": dict(writer.ok),
        "reads_ok": writer.ok["read"],
        "reads_failed": writer.failed["read"],
        "failures": writer.failures,
        "rate": round(writes / chaos_seconds, 2),
        "ms_redis_up": _milliseconds(up),
        "ms_redis_down": _milliseconds(down),
        "max_lag_s": round(lag, 2),
        "kills": dict(chaos.kills),
        "worker_exits": chaos.worker_exits,
        "refreshes_not_queued": queue_failures.count,
        "sweeps": dict(sweeps),
        "caught_up": caught_up_at is not None and still_fresh,
        "catch_up_seconds": (
            round(caught_up_at - started_catching_up, 1) if caught_up_at is not None else None
        ),
        "missing_writes": missing,
        "extra_rows": extra,
        "missing_examples": examples,
        "summaries": {kind: {"compared": c, "mismatched": m} for kind, (c, m) in summaries.items()},
        "summary_differences": differences,
        "audit_expected": sum(writer.audits.values()),
        "audit_found": sum(found.values()),
        "audit_differences": sum(((writer.audits - found) + (found - writer.audits)).values()),
    }


def _milliseconds(seconds: list[float]) -> dict:
    """How many, and the p50 and max in milliseconds, of sorted request times."""
    if not seconds:
        return {"n": 0, "p50": None, "max": None}
    return {
        "n": len(seconds),
        "p50": round(seconds[len(seconds) // 2] * 1000, 1),
        "max": round(seconds[-1] * 1000, 1),
    }


def _passed(figures: dict) -> bool:
    return (
        figures["writes_failed"] == 0
        and figures["reads_failed"] == 0
        and figures["caught_up"]
        and figures["missing_writes"] == 0
        and figures["extra_rows"] == 0
        and all(s["mismatched"] == 0 for s in figures["summaries"].values())
        and figures["audit_differences"] == 0
    )


def _report(args: argparse.Namespace, figures: dict) -> None:
    kills = figures["kills"]
    print(
        f"chaos for {figures['chaos_seconds']} s at {args.rate} writes/s (seed {args.seed}), "
        f"after {figures['setup_seconds']} s of setup"
    )
    print(
        f"  writes:    {figures['writes_ok']} ok, {figures['writes_failed']} failed "
        f"({figures['rate']} a second, at most {figures['max_lag_s']} s behind schedule); "
        f"reads {figures['reads_ok']} ok, {figures['reads_failed']} failed"
    )
    for state in ("up", "down"):
        ms = figures[f"ms_redis_{state}"]
        print(
            f"  requests while redis-server was {state}: {ms['n']}, "
            f"p50 {ms['p50']} ms, max {ms['max']} ms"
        )
    print(
        "  by kind:   "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures["writes_by_kind"].items()))
    )
    for failure in figures["failures"]:
        print(f"    failed: {failure}")
    kinds = ("worker pool process", "whole worker", "redis-server")
    print("  kills:     " + ", ".join(f"{kind} {kills.get(kind, 0)}" for kind in kinds))
    if figures["worker_exits"]:
        print(
            f"  workers that stopped unasked (restarted), exit statuses: {figures['worker_exits']}"
        )
    print(
        f"  queue:     {figures['refreshes_not_queued']} summary refreshes not queued (broker "
        f"down); sweeps sent {figures['sweeps'].get('sent', 0)}, not sent "
        f"{figures['sweeps'].get('not sent', 0)}"
    )
    caught = f"{figures['catch_up_seconds']} s until nothing was stale"
    print(f"  catch-up:  {caught if figures['caught_up'] else 'FAILED: summaries left stale'}")
    print(
        f"  writes in the database: {figures['missing_writes']} missing, "
        f"{figures['extra_rows']} rows more than written"
    )
    for example in figures["missing_examples"]:
        print(f"    missing: {example}")
    for kind, s in figures["summaries"].items():
        print(
            f"  {kind} summaries against a from-scratch rebuild: {s['compared']} compared, "
            f"{s['mismatched']} differ"
        )
    for difference in figures["summary_differences"]:
        print(f"    {difference}")
    print(
        f"  audit rows: expected {figures['audit_expected']}, found {figures['audit_found']}, "
        f"{figures['audit_differences']} differ by actor, patient or action (the "
        f"{figures['setup_requests']} requests of the setup included)"
    )
    log = f" (the worker's log is kept: {figures['worker_log']})" if figures["worker_log"] else ""
    print(f"  {'PASS' if _passed(figures) else 'FAIL'}{log}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180, help="how long the chaos lasts")
    parser.add_argument(
        "--longest",
        type=float,
        default=None,
        help="go on past --seconds, up to this many, until Redis and the worker were each killed",
    )
    parser.add_argument("--rate", type=float, default=5, help="writes a second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--patients", type=int, default=24, help="patients at the start")
    parser.add_argument("--sweep-every", type=float, default=60, help="as Celery beat does")
    parser.add_argument("--catch-up", type=float, default=120, help="seconds allowed at the end")
    parser.add_argument("--database-url", default=os.environ.get("CHAOS_DATABASE_URL"))
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the worker's log afterwards"
    )
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args(argv)
    url = args.database_url or DEFAULT_DATABASE_URL

    # A SIGTERM (a CI timeout) unwinds through the finally below, so nothing is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    redis = PrivateRedis()
    database_ensure(url, fresh=True)
    os.environ.update(
        {
            "SSM_CELERY_DEFAULT_QUEUE": "celery",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    django_setup(url, redis.url)
    worker = Worker(broker_url=redis.url, database_url=url, pool="prefork")
    worker.env = WORKER_ENV
    chaos = Chaos(random.Random(args.seed + 1), redis, worker)
    try:
        figures = _run(args, chaos)
    finally:
        chaos.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _drop(url)
    passed = _passed(figures)
    figures["worker_log"] = None
    if args.keep or not passed:
        figures["worker_log"] = str(worker.log_path)
    else:
        worker.log_path.unlink(missing_ok=True)
    _report(args, figures)
    if args.json:
        print(json.dumps(figures))
    return 0 if passed else 1


def _drop(url: str) -> None:
    import psycopg2

    server = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    server.close()


if __name__ == "__main__":
    sys.exit(main())
