"""Reaching the real services (PostgreSQL, Redis, a Celery worker) from tests.

Locally a test that needs a missing service skips; on CI (`SSM_REQUIRE_SERVICES=1`, set by
`.ci/run`) the same test fails, so a missing service can never pass for green.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from redis.backoff import NoBackoff
from redis.retry import Retry

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_SERVICES = os.environ.get("SSM_REQUIRE_SERVICES", "") == "1"


def need(available: bool, why: str) -> None:
    """Skip (locally) or fail (on CI) when a service the test needs is not there."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {why}")
    pytest.skip(why)


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_redis_url() -> str:
    """The broker CI points at, or the machine's Redis on 6379."""
    return os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def need_redis() -> str:
    url = shared_redis_url()
    need(port_open("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0])), f"Redis at {url}")
    return url


def need_postgresql() -> None:
    need(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL to a postgres:// URL)")


def database_url_for_subprocess() -> str:
    """A URL another process can use to reach the test database of this session."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("only PostgreSQL test databases can be shared with other processes")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def subprocess_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ssm_outcomes.settings",
            "SECRET_KEY": "test-worker-secret-key-" + "x" * 40,
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(overrides)
    return env


class Worker:
    """A real `celery worker` process of this project, on a queue of its own."""

    def __init__(
        self,
        *,
        broker_url: str,
        database_url: str,
        pool: str = "solo",
        own_queue: bool = False,
        concurrency: int = 1,
    ) -> None:
        self.concurrency = concurrency
        self.broker_url = broker_url
        # On the shared Redis a worker needs a queue of its own; on a private one, the default.
        self.queue = f"ssm-test-{uuid.uuid4().hex[:10]}" if own_queue else "celery"
        # With a queue of its own, the groups and rebuild queues are its own too.
        self.queues = (
            [self.queue, f"{self.queue}-groups", f"{self.queue}-summaries"]
            if own_queue
            else list(settings.WORKER_QUEUES)
        )
        self.name = f"ssm-test-{uuid.uuid4().hex[:10]}"
        self.env: dict[str, str] = {}
        self.database_url = database_url
        self.pool = pool
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"{self.name}.log"

    def start(self) -> None:
        env = subprocess_env(
            CELERY_BROKER_URL=self.broker_url,
            DATABASE_URL=self.database_url,
            SSM_CELERY_DEFAULT_QUEUE=self.queues[0],
            SSM_CELERY_GROUPS_QUEUE=self.queues[1],
            SSM_CELERY_REBUILD_QUEUE=self.queues[2],
            **self.env,
        )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ssm_outcomes",
                "worker",
                f"--pool={self.pool}",
                f"--concurrency={self.concurrency}",
                "-Q",
                ",".join(self.queues),
                "-n",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int | None = None) -> None:
        if self.process and self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_worker(
    *,
    broker_url: str,
    database_url: str,
    pool: str = "solo",
    own_queue: bool = False,
    concurrency: int = 1,
):
    worker = Worker(
        broker_url=broker_url,
        database_url=database_url,
        pool=pool,
        own_queue=own_queue,
        concurrency=concurrency,
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


class PrivateRedis:
    """A `redis-server` of the test's own, on its own port, that the test may stop and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                # Another process (a test running beside this one) may have taken the port.
                raise RuntimeError(f"private redis-server did not start on port {self.port}")
            if self._serving():
                return
            time.sleep(0.05)

    def _serving(self) -> bool:
        """Whether our redis-server, not another program, answers on the port."""
        if not port_open("127.0.0.1", self.port):
            return False
        try:
            client = redis.Redis(port=self.port, socket_timeout=0.5, retry=Retry(NoBackoff(), 0))
            info = client.info("server")
        except redis.RedisError:
            return False
        return self.process is not None and info.get("process_id") == self.process.pid

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return  # never started, or already gone (it never held the port)
        self.process.kill()
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)


def need_redis_server_binary() -> None:
    need(shutil.which("redis-server") is not None, "the redis-server program")
