"""Killing and restarting the worker and Redis on a seeded random schedule."""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
from collections import Counter

from tests.support.services import PrivateRedis, Worker

# Seconds, drawn uniformly: between a restart and the next kill, and how long each stays down. A
# worker is killed only once it has a pool process, so it has time to start (seconds, on a busy
# machine) and take tasks.
WORKER_KILLED_EVERY = (4, 15)
WORKER_DOWN_FOR = (0.5, 3)
REDIS_KILLED_EVERY = (8, 25)
REDIS_DOWN_FOR = (1, 5)
SWEEP_WHILE_CATCHING_UP = 3.0
FRESH_FOR = 2.0


# --- Killing and restarting ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Chaos:
    """Kills and restarts the worker and Redis on a seeded random schedule."""

    def __init__(self, rng: random.Random, redis: PrivateRedis, worker: Worker) -> None:
        self.rng, self.redis, self.worker = rng, redis, worker
        self.kills: Counter = Counter()
        self.next_worker_kill = self.next_redis_kill = math.inf
        self.worker_back_at: float | None = None
        self.redis_back_at: float | None = None
        self.worker_exits: list[int] = []  # exit statuses of workers that stopped unasked

    def begin(self, now: float) -> None:
        """Start both, and the schedule: the first kill of each comes within seconds."""
        self.redis.start()
        self.worker.start()
        self.next_worker_kill = now + self.rng.uniform(2, 6)
        self.next_redis_kill = now + self.rng.uniform(4, 9)

    def killed_each(self) -> bool:
        """Whether Redis and the worker (whole, or a pool process) have each been killed."""
        worker = self.kills["whole worker"] + self.kills["worker pool process"]
        return self.kills["redis-server"] >= 1 and worker >= 1

    def step(self, now: float) -> None:
        rng = self.rng
        if self.redis_back_at is not None:
            if now >= self.redis_back_at:
                self.redis.start()
                self.redis_back_at = None
                self.next_redis_kill = now + rng.uniform(*REDIS_KILLED_EVERY)
        elif now >= self.next_redis_kill:
            self.redis.stop()  # SIGKILL; it comes back empty
            self.kills["redis-server"] += 1
            self.redis_back_at = now + rng.uniform(*REDIS_DOWN_FOR)

        if self.worker_back_at is not None:
            if now >= self.worker_back_at:
                self.worker.start()
                self.worker_back_at = None
                self.next_worker_kill = now + rng.uniform(*WORKER_KILLED_EVERY)
        elif self.worker.process.poll() is not None:
            self.worker_exits.append(self.worker.process.returncode)
            self.worker.start()
        elif now >= self.next_worker_kill:
            main = self.worker.process.pid
            children = _children(main)
            if not children:  # still starting: kill it once it works
                self.next_worker_kill = now + 0.5
            elif rng.random() < 0.5:
                _kill([rng.choice(children)])  # the main process forks a new one
                self.kills["worker pool process"] += 1
                self.next_worker_kill = now + rng.uniform(*WORKER_KILLED_EVERY)
            else:
                _kill([*children, main])
                self.worker.process.wait(10)
                self.kills["whole worker"] += 1
                self.worker_back_at = now + rng.uniform(*WORKER_DOWN_FOR)

    def next_event(self) -> float:
        redis = self.next_redis_kill if self.redis_back_at is None else self.redis_back_at
        worker = self.next_worker_kill if self.worker_back_at is None else self.worker_back_at
        return min(redis, worker)

    def heal(self) -> None:
        """Bring back whatever is down, now."""
        if self.redis.process is None or self.redis.process.poll() is not None:
            self.redis.start()
        self.redis_back_at = None
        if self.worker.process is None or self.worker.process.poll() is not None:
            if self.worker_back_at is None and self.worker.process is not None:
                self.worker_exits.append(self.worker.process.returncode)
            self.worker.start()
        self.worker_back_at = None

    def stop(self) -> None:
        process = self.worker.process
        if process is not None:
            children = _children(process.pid)
            self.worker.stop()
            _kill(children)
        self.redis.stop()
