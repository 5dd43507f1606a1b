"""``autograde --scheduler``: grading on a real Dask cluster (a scheduler and two worker processes
on 127.0.0.1) gives byte-identical outputs to a local run, survives a worker killed mid-task,
and fails with a message (not a traceback) on a scheduler it cannot reach.

Dask is optional (``make dask``): without it these tests skip with that message, and fail under
``COURSE_REQUIRE_DASK=1`` (CI).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.autograde import dask_engine
from grader.autograde.bench import make_class as make_bench_class
from grader.autograde.run import autograde
from tests.test_autograde import LIMITS, make_class


def bench_class(folder: Path, students: int, notebooks: list[str]) -> Path:
    make_bench_class(folder, students, notebooks)
    return folder

pytestmark = pytest.mark.xdist_group("dask")
ROOT = Path(__file__).resolve().parent.parent


def require_dask() -> None:
    if dask_engine.available():
        return
    message = ("Dask is not installed, so grading on a cluster is not tested: run `make dask` "
               "(pip install -r requirements-dask.txt) to test it.")
    if os.environ.get("COURSE_REQUIRE_DASK", "") not in ("", "0"):
        pytest.fail(f"COURSE_REQUIRE_DASK is set but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def cluster(tmp_path):
    require_dask()
    with dask_engine.LoopbackCluster(2, log_dir=tmp_path / "dask-logs") as c:
        yield c


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file that a learner or instructor reads, by its path under ``out``."""
    files = [out / "results.json", out / "grades.csv", *sorted((out / "feedback").rglob("*.html"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def test_a_class_graded_on_two_dask_workers_matches_a_local_run_byte_for_byte(cluster, tmp_path):
    subs = make_class(tmp_path / "submissions")
    local = autograde(subs, tmp_path / "local", workers=1, limits=LIMITS, gradebook=False, progress=False,
                      log=lambda m: None)
    remote = autograde(subs, tmp_path / "dask", limits=LIMITS, gradebook=False, progress=False, log=lambda m: None,
                       scheduler=cluster.address)
    assert remote.graded == remote.submissions == local.submissions > 0
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    cached = sorted(p.name for p in (tmp_path / "dask" / ".cache").glob("*.json"))
    assert cached == sorted(p.name for p in (tmp_path / "local" / ".cache").glob("*.json"))
    again = autograde(subs, tmp_path / "dask", limits=LIMITS, gradebook=False, progress=False, log=lambda m: None,
                      scheduler=cluster.address)
    assert again.graded == 0 and again.cached == remote.submissions  # the same cache as a local run


def test_the_work_is_spread_over_both_workers(cluster, tmp_path):
    from distributed import Client

    subs = bench_class(tmp_path / "submissions", 3, ["01_normalizing_inputs", "06_softmax"])
    autograde(subs, tmp_path / "out", limits=LIMITS, gradebook=False, progress=False, log=lambda m: None,
              scheduler=cluster.address)
    with Client(cluster.address, set_as_default=False) as client:
        graded = client.run(lambda dask_worker: len({t[0] for t in dask_worker.state.log
                                                     if str(t[0]).startswith("grade-")}))
    assert len(graded) == 2
    assert all(n > 0 for n in graded.values()), f"a worker graded nothing: {graded}"


def test_a_worker_killed_mid_task_costs_a_retry_not_a_result(tmp_path):
    require_dask()
    from distributed import Client

    subs = bench_class(tmp_path / "submissions", 4, ["01_normalizing_inputs", "02_batchnorm_forward"])
    local = autograde(subs, tmp_path / "local", workers=1, limits=LIMITS, gradebook=False, progress=False,
                      log=lambda m: None)
    with dask_engine.LoopbackCluster(2, log_dir=tmp_path / "dask-logs") as c:
        box: dict = {}

        def grade():
            try:
                box["summary"] = autograde(subs, tmp_path / "dask", limits=LIMITS, gradebook=False, progress=False,
                                           log=lambda m: None, scheduler=c.address)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                box["error"] = exc

        runner = threading.Thread(target=grade)
        runner.start()
        victim = None
        with Client(c.address, set_as_default=False) as watcher:
            deadline = time.monotonic() + 300
            while victim is None and runner.is_alive() and time.monotonic() < deadline:
                busy = watcher.run_on_scheduler(lambda dask_scheduler: {
                    ws.name: len(ws.processing) for ws in dask_scheduler.workers.values()})
                victim = next((name for name, n in sorted(busy.items()) if n and name in c.workers), None)
                if victim is None:
                    time.sleep(0.05)
            assert victim is not None, "no task was ever running on a worker"
            c.kill(victim)  # mid-task: the scheduler gives its tasks to the other worker
        runner.join(timeout=600)
        assert not runner.is_alive(), "the run did not finish after a worker died"
    assert "error" not in box, box.get("error")
    s = box["summary"]
    assert s.graded == s.submissions == local.submissions
    assert not s.problems, s.problems  # no "grader failed" result: every file was graded (again)
    keys = [(e["student_id"], e["notebook"]) for e in s.entries]
    assert len(keys) == len(set(keys)) == local.submissions  # nothing lost, nothing twice
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    require_dask()
    subs = make_class(tmp_path / "submissions")
    res = subprocess.run([sys.executable, "-m", "grader", "autograde", str(subs), "--out", str(tmp_path / "out"),
                          "--no-gradebook", "--quiet", "--scheduler", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_without_dask_the_scheduler_option_says_how_to_install_it(tmp_path):
    """Dask hidden from the import system: --scheduler says `make dask`; a local run still works."""
    subs = make_class(tmp_path / "submissions")
    code = ("import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
            "from grader.cli import main; raise SystemExit(main(sys.argv[1:]))")
    res = subprocess.run([sys.executable, "-c", code, "autograde", str(subs), "--out", str(tmp_path / "out"),
                          "--no-gradebook", "--quiet", "--scheduler", "tcp://127.0.0.1:8786"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2 and "make dask" in res.stderr and "Traceback" not in res.stderr


def test_the_cluster_results_carry_no_worker_paths(cluster, tmp_path):
    """Workers grade a private temporary copy; what comes back names the file as handed in."""
    subs = make_class(tmp_path / "submissions")
    autograde(subs, tmp_path / "dask", limits=LIMITS, gradebook=False, progress=False, log=lambda m: None,
              scheduler=cluster.address)
    text = (tmp_path / "dask" / "results.json").read_text(encoding="utf-8")
    assert "grader-task-" not in text
    cached = [json.loads(p.read_text()) for p in (tmp_path / "dask" / ".cache").glob("*.json")]
    assert cached and all("grader-task-" not in json.dumps(r) for r in cached)


def test_workers_with_another_instructor_secret_are_refused(cluster, tmp_path, monkeypatch):
    """The workers started without a secret; this process has one: their hidden probes would differ."""
    monkeypatch.setenv("COURSE_GRADER_SECRET", "s3cret-for-this-test-only-0123456789")
    subs = make_class(tmp_path / "submissions")
    with pytest.raises(dask_engine.ClusterError, match="instructor secret"):
        autograde(subs, tmp_path / "out", limits=LIMITS, gradebook=False, progress=False, log=lambda m: None,
                  scheduler=cluster.address)
