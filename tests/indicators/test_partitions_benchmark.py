"""The partitioned-table benchmark (benchmarks/bench_partitions.py): its quarters, and a run on a
tiny cohort in a database of its own, whose figures say the copies agree and the plans prune."""

import re
import subprocess
import sys
import uuid
from datetime import date

import psycopg2
import pytest

from benchmarks.bench_partitions import quarter_bounds
from tests.support.services import (
    ROOT,
    database_url_for_subprocess,
    need_postgresql,
    subprocess_env,
)


def test_quarters_run_from_the_first_dates_quarter_to_the_last_with_half_open_bounds():
    assert quarter_bounds(date(2025, 2, 10), date(2026, 1, 1)) == [
        ("2025Q1", date(2025, 1, 1), date(2025, 4, 1)),
        ("2025Q2", date(2025, 4, 1), date(2025, 7, 1)),
        ("2025Q3", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025Q4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2026Q1", date(2026, 1, 1), date(2026, 4, 1)),
    ]
    assert quarter_bounds(date(2026, 12, 31), date(2026, 12, 31)) == [
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1))
    ]


@pytest.mark.services
def test_a_small_run_finds_identical_floors_and_one_partition_per_quarter_read():
    need_postgresql()
    url = (
        f"{database_url_for_subprocess().rsplit('/', 1)[0]}/ssm_partitions_{uuid.uuid4().hex[:10]}"
    )
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_partitions",
                "--patients=12",
                "--samples=3",
                "--repeats=1",
            ],
            cwd=ROOT,
            # Tasks in-process: nothing of this run reaches the shared broker.
            env=subprocess_env(BENCH_PARTITIONS_DATABASE_URL=url, CELERY_BROKER_URL=""),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        server.close()
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]

    assert "figure: ratings per patient" in output
    assert re.search(r"floor rows identical on both copies: yes \(([1-9]\d*) rows\)", output)
    made = re.search(r"\((\d+) quarters, (\d+) partitions each\)", output)
    assert made, output
    quarters, partitions = int(made[1]), int(made[2])
    assert quarters >= 8  # the demo cohort's two years
    assert partitions == quarters + 1  # and the DEFAULT partition

    def read(name: str) -> int:
        found = re.search(rf"partitions read by {re.escape(name)}: (\d+) of {partitions}\n", output)
        assert found, output
        return int(found[1])

    assert read("one team's summaries for one quarter") == 1
    assert read("the whole cohort's summaries for one quarter") == 1
    assert read("ratings of the latest quarter") == 2  # its own and the DEFAULT
    assert read("one patient's refresh, ratings") == partitions
    assert read("one patient's summaries, every quarter") == partitions

    targets = re.findall(
        r"^target: (.+) measured (\d+\.\d+) limit (\S+) ratio (\d+\.\d+) (met|MISSED)$",
        output,
        re.MULTILINE,
    )
    assert [name for name, *_ in targets] == [
        "whole-cohort SQL floor, partitioned / plain",
        "one patient's refresh (reads and upsert), partitioned / plain",
        "one team's summaries for 2026Q3, partitioned / plain",
        "the whole cohort's summaries for 2026Q3, partitioned / plain",
        "one patient's summaries, every quarter, partitioned / plain",
        "removing quarter 2025Q1, partitioned / plain",
    ]
    for _, measured, limit, ratio, verdict in targets:
        assert float(ratio) == pytest.approx(float(measured) / float(limit), abs=0.01)
        assert verdict == ("met" if float(measured) <= float(limit) else "MISSED")
