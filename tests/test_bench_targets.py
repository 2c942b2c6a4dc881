"""The benchmarks' target lines: met or MISSED by the limit's direction, one format that
run_all reads back into its table, and --quick shrinking sizes but not rates. Nothing is timed."""

import math

import pytest

from benchmarks.run_all import BENCHMARKS, _quick
from benchmarks.targets import LINE, Target, percentile, summary_table


def test_a_ceiling_a_strict_ceiling_and_a_floor():
    assert Target("rebuild / floor", 1.5, 1.5).met
    assert not Target("rebuild / floor", 1.51, 1.5).met
    assert not Target("fresh p95", 2.0, 2.0, "s", below=True).met
    assert Target("fresh p95", 1.99, 2.0, "s", below=True).met
    assert Target("scale", 1.8, 1.8, at_most=False).met
    assert not Target("scale", 1.79, 1.8, at_most=False).met
    assert not Target("never measured", math.nan, 1.5).met
    assert not Target("missed save", math.inf, 2.0, "s", below=True).met


def test_the_line_reads_back_with_its_ratio():
    line = Target("patient phase throughput, 2 vs 1", 0.9, 1.8, at_most=False).line()
    assert line == (
        "target: patient phase throughput, 2 vs 1  measured 0.90  limit >=1.80  ratio 0.50  MISSED"
    )
    assert LINE.match(line)["verdict"] == "MISSED"
    never = Target("fresh p95", math.inf, 2.0, "s", below=True).line()
    assert never == "target: fresh p95  measured inf  limit <2s  ratio inf  MISSED"
    count = Target("tasks left unfinished", 0, 0).line()
    assert count == "target: tasks left unfinished  measured 0  limit <=0  ratio n/a  met"


def test_the_table_counts_the_missed():
    lines = [
        Target("a", 120.0, 200.0, "ms", below=True).line(),
        "some other output",
        Target("b", 3, 0).line(),
    ]
    table = summary_table(lines)
    assert "1 of 2 targets met, 1 missed" in table
    assert "some other output" not in table


def test_a_miss_is_never_in_time():
    assert percentile([0.1] * 19 + [math.inf], 95) == 0.1
    assert percentile([0.1] * 18 + [math.inf] * 2, 95) == math.inf
    assert math.isnan(percentile([], 95))


def test_quick_is_a_tenth_of_every_size_but_not_of_the_rate():
    options = {module: _quick(o) for _, module, o in BENCHMARKS}
    assert options["benchmarks.bench_summaries"] == ["--patients", "500", "2000", "5000"]
    assert options["benchmarks.bench_freshness"] == [
        *("--patients", "5000", "--seconds", "6", "--rate", "5")
    ]
    assert options["benchmarks.bench_load"] == [
        *("--patients", "5000", "--users", "2", "--seconds", "6", "--phase-seconds", "2"),
        *("--saturated-seconds", "3", "--think", "3", "--reuse"),
    ]


WORKER_LOG = "\n".join(
    f"[2026-12-01 10:08:{at}: INFO/{process}] Task indicators.tasks.{task}[{n}] {what}"
    for n, (at, process, task, what) in enumerate(
        [
            ("43,253", "ForkPoolWorker-1", "rebuild_all_summaries", "succeeded in 0.016s: 4"),
            ("43,627", "ForkPoolWorker-1", "rebuild_summaries_chunk", "succeeded in 0.37s: 1250"),
            ("44,902", "ForkPoolWorker-2", "rebuild_summaries_chunk", "succeeded in 0.41s: 1250"),
            ("44,950", "MainProcess", "rebuild_group_phase", "received"),
            ("45,488", "ForkPoolWorker-1", "rebuild_group_period", "succeeded in 0.5s: 26"),
            ("45,511", "ForkPoolWorker-1", "rebuild_finished", "succeeded in 0.001s: None"),
        ]
    )
)


def test_the_rebuild_benchmark_times_each_phase_to_its_last_task_in_the_workers_log(tmp_path):
    """The polling loop sees a phase end up to a quarter of a second late, a quarter of the
    patient phase at 5,000 patients: the log's own times, to the millisecond, are used."""
    import time

    from benchmarks.bench_summaries import _earlier, _phase_ends

    log = tmp_path / "worker.log"
    log.write_text(WORKER_LOG)
    sent = time.mktime(time.strptime("2026-12-01 10:08:43", "%Y-%m-%d %H:%M:%S"))

    patients, groups = _phase_ends(log)

    assert round(patients - sent, 3) == 1.902
    assert round(groups - sent, 3) == 2.511
    assert round(_earlier(2.0, patients, sent), 3) == 1.902  # the loop saw it 0.1 s late
    assert _earlier(1.5, patients, sent) == 1.5  # a log time after the loop's: not believed
    assert _earlier(1.5, None, sent) == 1.5


def test_the_patient_phase_is_not_done_until_the_log_shows_every_piece_succeeded(tmp_path):
    from benchmarks.bench_summaries import PIECES, _patients_done
    from indicators.tasks import PIECES_LOGGED

    log = tmp_path / "worker.log"
    # What the rebuild task itself logs (a change of wording once left the benchmark waiting
    # for a patient phase it could never see end).
    announced = f"[2026-12-01 10:08:43,250: INFO/ForkPoolWorker-1] {PIECES_LOGGED % (3, 2000)}"
    log.write_text(f"{announced}\n{WORKER_LOG}")  # two pieces of three succeeded

    assert PIECES.search(announced)[1] == "3"  # the count announced is read
    assert _patients_done(log, expected=0) is False  # decided by the log, before any query


@pytest.mark.django_db
def test_the_patient_phase_is_done_when_every_piece_the_task_announced_succeeded(tmp_path):
    from benchmarks.bench_summaries import _patients_done
    from indicators.tasks import PIECES_LOGGED

    log = tmp_path / "worker.log"
    announced = f"[2026-12-01 10:08:43,250: INFO/ForkPoolWorker-1] {PIECES_LOGGED % (2, 2000)}"
    log.write_text(f"{announced}\n{WORKER_LOG}")  # both pieces succeeded

    assert _patients_done(log, expected=0) is True  # and no patient-quarter is missing
    assert _patients_done(log, expected=1) is False
