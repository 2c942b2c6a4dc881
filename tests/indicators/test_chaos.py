"""The chaos script, bounded to seconds: writes made while the worker and Redis are killed at
random are all kept, the summaries come out as a from-scratch rebuild has them, and the audit
log holds one row per request.

The script runs as a child process with a database of its own on the test server, its own
`redis-server` and its own worker; the test reads the figures it prints.
"""

import json
import subprocess
import sys
import uuid

import pytest

from tests.support.services import (
    ROOT,
    database_url_for_subprocess,
    need_postgresql,
    need_redis_server_binary,
    subprocess_env,
)

pytestmark = pytest.mark.services

SECONDS = 20
RATE = 5


def run_chaos(database_url: str) -> tuple[int, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.chaos",
            f"--seconds={SECONDS}",
            f"--longest={3 * SECONDS}",  # a worker slow to start is still killed at least once
            f"--rate={RATE}",
            "--seed=11",
            "--patients=16",
            "--catch-up=60",
            f"--database-url={database_url}",
            "--json",
        ],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.terminate()  # the script stops what it started on SIGTERM
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the chaos script did not stop by itself:\n{output[-4000:]}")
    return process.returncode, output


def test_writes_survive_a_worker_and_redis_killed_at_random_and_summaries_match_a_rebuild():
    need_postgresql()
    need_redis_server_binary()
    server = database_url_for_subprocess().rsplit("/", 1)[0]

    status, output = run_chaos(f"{server}/ssm_chaos_{uuid.uuid4().hex[:10]}")

    assert status == 0, output[-4000:]
    figures = json.loads(output.strip().splitlines()[-1])
    kills = figures["kills"]
    assert kills.get("redis-server", 0) >= 1, output
    assert kills.get("whole worker", 0) + kills.get("worker pool process", 0) >= 1, output
    assert figures["writes_failed"] == figures["reads_failed"] == 0
    assert figures["writes_ok"] >= SECONDS * RATE // 2
    assert figures["caught_up"]
    assert figures["missing_writes"] == figures["extra_rows"] == 0
    assert figures["summaries"]["patient"]["compared"] > 0
    assert all(s["mismatched"] == 0 for s in figures["summaries"].values()), output
    assert figures["audit_found"] == figures["audit_expected"]
    requests = figures["setup_requests"] + figures["writes_ok"] + figures["reads_ok"]
    assert figures["audit_expected"] == requests
    assert figures["audit_differences"] == 0
