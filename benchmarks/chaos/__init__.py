"""Chaos: keep writing while the worker and Redis are killed, then check that nothing was lost.

    python -m benchmarks.chaos [--seconds 180] [--longest S] [--rate 5] [--seed 1] [--json]

Loopback only. It runs in a PostgreSQL database of its own (``ssm_chaos`` on 127.0.0.1:5432, or
``--database-url``; dropped and created afresh at the start, dropped at the end unless
``--keep``), with a private ``redis-server`` on a free 127.0.0.1 port and a real
``celery -A ssm_outcomes worker`` (prefork, one pool process) pointed at both.

For ``--seconds`` it makes ``--rate`` writes a second through the REST API as three clinicians of
two teams (Django's test client in this process, token authentication): ratings, encounters,
readings, personal targets, priorities, goals and their reviews, context events, personal items,
new patients and renamed ones, with a read of a patient's summaries after every fifth write.
Meanwhile a seeded random schedule SIGKILLs the worker's pool process or the whole worker
(restarted after a pause), and SIGKILLs redis-server (restarted empty after a pause, so whatever
was queued is lost). With ``--longest``, the writes and kills go on past ``--seconds`` (up to that
many) until each of the two has been killed at least once. A worker that stops by itself (Celery
gives up, "Could not start worker processes", when its pool process dies before it is ready) is
restarted, as a supervisor would, and counted. The script plays Celery beat: it queues the
stale-summary sweep every ``--sweep-every`` seconds, as the schedule in settings does.

Then it restarts whatever is down, queues the sweep every few seconds until no summary is stale
(at most ``--catch-up`` seconds), stops the worker and Redis, and checks that:
1. every request answered as it should, and every write is in the database with the values sent,
   with no row more;
2. every stored patient, team and caseload summary equals a from-scratch recompute (the nightly
   rebuild, run in a transaction that is rolled back), and none is left stale;
3. the audit log holds one row per request (by actor, patient and action), and no other.
It prints the writes, the kills of each kind, the catch-up time and the mismatches (``--json``
adds the figures as one JSON line), and exits 0 only when all three hold. Everything it starts
is killed on the way out, whatever happens; it stops by itself.
"""
