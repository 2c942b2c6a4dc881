"""The processes a benchmark measures: gunicorn with production settings, and a Celery worker.

Both are started as children with the benchmark's own environment (``DATABASE_URL``,
``SECRET_KEY``, ``CELERY_BROKER_URL``, as set up by ``benchmarks.scratch_db.django_setup``), so a
session the benchmark signs in its own process verifies in the server.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every queue the summary work runs on: patient refreshes on the default queue, team and caseload
# refreshes on "groups", the full rebuild's chunks on "summaries". A benchmark's worker listens on
# all of them, and a queue is only empty when all of them are.
GROUPS = "groups"  # team and caseload refreshes (settings: GROUPS_QUEUE)
QUEUES = (os.environ.get("SSM_CELERY_DEFAULT_QUEUE", "celery"), GROUPS, "summaries")
# Redis keeps a queue's prioritised messages in lists named after it with these suffixes.
_PRIORITY_SUFFIXES = ("", *(f"\x06\x16{step}" for step in range(1, 10)))

# Production settings, except that static file URLs are built without the manifest that
# `collectstatic` writes at deploy time (the benchmarks request pages, never static files). The
# override is made in gunicorn's master before it forks, so every worker inherits it.
SERVE = """
import sys
import django
from django.conf import settings
from gunicorn.app.wsgiapp import run

django.setup()
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
sys.argv = sys.argv[1:]
run()
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(
    port: int, database_url: str, workers: int, threads: int, worker_class: str = "gthread"
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 with DEBUG off; plain HTTP, so no TLS redirect or HSTS."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "ssm_outcomes.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            # whitenoise notes the missing collectstatic folder; nothing here serves from it
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        }
    )
    gunicorn_args = [
        "gunicorn",
        "ssm_outcomes.wsgi:application",
        "--config",
        "ssm_outcomes/gunicorn_conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--log-level",
        "warning",
    ]
    return subprocess.Popen([sys.executable, "-c", SERVE, *gunicorn_args], cwd=ROOT, env=env)


def celery_worker_start(
    *,
    concurrency: int | None = None,
    queues: tuple[str, ...] = QUEUES,
    log: Path | None = None,
    loglevel: str = "WARNING",
) -> subprocess.Popen:
    """One Celery worker on ``CELERY_BROKER_URL`` listening on ``queues``: the solo pool (one
    process) by default, or the prefork pool with ``concurrency`` processes. Its output goes to
    ``log``, or nowhere."""
    pool = ["--pool=solo"] if concurrency is None else ["--pool=prefork", f"-c{concurrency}"]
    sink = log.open("ab") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ssm_outcomes",
            "worker",
            *pool,
            "-Q",
            ",".join(queues),
            "--without-gossip",
            "--without-mingle",
            f"--loglevel={loglevel}",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=sink,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )


def worker_wait_ready(worker: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the worker has answered a ping task (so it is connected and has its queues)."""
    from ssm_outcomes.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError("the Celery worker stopped before it was ready")
        result = app.send_task("indicators.tasks.ping", queue=QUEUES[0])
        try:
            result.get(timeout=5)
            return
        except Exception:  # not ready yet: ask again
            result.forget()
    raise RuntimeError("the Celery worker did not answer in time")


def queue_lengths() -> dict[str, int]:
    """Messages waiting on each of ``QUEUES``, and under "taken" those a worker has taken and
    not yet acknowledged (running, or held for a countdown)."""
    from ssm_outcomes.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        client = channel.client
        lengths = {q: sum(client.llen(q + s) for s in _PRIORITY_SUFFIXES) for q in QUEUES}
        lengths["taken"] = client.hlen(channel.unacked_key)
    return lengths


def queues_purge() -> int:
    """Empty ``QUEUES`` and drop what a stopped worker had taken but not finished; return how
    many tasks were dropped. Callers print the count: dropped work is never silent."""
    from ssm_outcomes.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        client = channel.client
        dropped = client.hlen(channel.unacked_key)
        for queue in QUEUES:
            for suffix in _PRIORITY_SUFFIXES:
                dropped += client.llen(queue + suffix)
                client.delete(queue + suffix)
        client.delete(channel.unacked_key, channel.unacked_index_key)
    return dropped


def queues_drain(timeout: float, every: float = 1.0) -> tuple[float, list[dict[str, int]]]:
    """Wait until every queue is empty and nothing is taken, reading the lengths every ``every``
    seconds. Returns the seconds it took (``inf`` if not within ``timeout``) and the readings."""
    began = time.monotonic()
    readings = []
    while True:
        lengths = queue_lengths()
        readings.append(lengths)
        if not any(lengths.values()):
            return time.monotonic() - began, readings
        if time.monotonic() - began >= timeout:
            return float("inf"), readings
        time.sleep(every)


def process_stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a child to stop (SIGTERM: a warm shutdown), and kill it if it does not in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def http_get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    return response.status, response.read()


def wait_ready(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until the server answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped before it was ready")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _ = http_get(conn, "/health/", "")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def session_keys(user, count: int) -> list[str]:
    """``count`` signed-in sessions of ``user``, as if from as many browsers."""
    from django.conf import settings
    from django.test import Client

    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return keys
