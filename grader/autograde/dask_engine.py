"""Grade on a Dask cluster: the map step of :func:`run.autograde` on other machines.

``python -m grader autograde SUBMISSIONS --out OUT --scheduler tcp://HOST:PORT`` hands each
submission to the cluster as one task: the file's *bytes* with its name, student and assignment
(workers need no shared file system), graded on a worker by the same :func:`unit.grade_file`
(so in the worker's own bubblewrap sandbox). The results come back to this process, which
writes the cache, ``results.json``, ``grades.csv``, the feedback and the gradebook exactly as a
local run does: the outputs are byte-identical.

Every worker must run the same grader (same checkout, same NumPy and Python): the run checks
:func:`run.grader_version` on each worker first and stops with a message if one differs. A
worker that dies mid-task costs a retry (the scheduler hands its tasks to another worker); a
task that still fails becomes a "grader failed" result for that file (not cached: graded again
next run). Dask is optional (``make dask`` installs ``requirements-dask.txt``).
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from ..sandbox import Limits
from .plan import course_notebooks
from .unit import Submission, grade_file, grader_failed

INSTALL_HINT = "Dask is not installed: run `make dask` (pip install -r requirements-dask.txt) in the checkout."


class ClusterError(RuntimeError):
    """The cluster cannot grade (unreachable scheduler, no worker, a worker with another grader)."""


def available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def grade_bytes(student_id: str, rel: str, assignment: str | None, data: bytes, limits: dict) -> dict:
    """On a worker: grade one submission handed over as bytes. The file is written under its own
    name in a private temporary folder (the grading unit reads it from there) and removed after."""
    with tempfile.TemporaryDirectory(prefix="grader-task-") as tmp:
        path = Path(tmp) / (Path(rel).name or "submission.ipynb")
        path.write_bytes(data)
        return grade_file(Submission(student_id, path, rel, assignment), Limits(**limits))


def worker_version() -> tuple[str, str]:
    """On a worker (and here): the grader version it runs and the fingerprint of its instructor
    secret (per-student hidden probes: the secret itself never travels)."""
    from ..hidden import secret_fingerprint
    from .run import grader_version

    return grader_version(), secret_fingerprint()


# Dask settings for grading daemons (scheduler and workers). Dask's defaults sample every task
# thread's stack every 10 ms (the worker's statistical profiler), check the event loop every 20 ms
# and poll the process's memory every 100 ms and its CPU, network and disk every 500 ms: about 5 %
# of a core per idle worker, and more during a task (the sampler takes the GIL from the grading
# thread). A grading task runs for about a second in its own sandbox, so nothing here needs those
# diagnostics; measured on 2 workers, they cost about 45 % of the workers' own CPU time. The
# memory monitor still runs (every second), so a worker over its memory limit is still paused.
GRADING_DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


def grading_env() -> dict[str, str]:
    """:data:`GRADING_DASK_CONFIG` as the environment variables that ``dask scheduler`` and
    ``dask worker`` read (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``...)."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
            for key, value in GRADING_DASK_CONFIG.items()}


def warm(notebooks: list[str]) -> None:
    """On a worker: what every task needs, computed once (see :func:`run.warm`: the grader's
    version, the hidden cases and the sandbox probe)."""
    from .run import warm as warm_here

    warm_here(notebooks)


def _read(sub: Submission) -> bytes | None:
    try:
        return sub.path.read_bytes()
    except OSError:
        return None


def connect(scheduler: str, timeout: float = 20.0):
    """A :class:`distributed.Client` on ``scheduler`` whose workers all run this grader."""
    if not available():
        raise ClusterError(INSTALL_HINT)
    from distributed import Client

    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({exc}). Start one with "
                           "`dask scheduler` and workers with `dask worker ADDRESS`, or drop --scheduler "
                           "to grade on this machine.") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            raise ClusterError(f"the Dask scheduler at {scheduler} has no worker (waited {timeout:g} s): start "
                               f"some with `dask worker {scheduler}`.") from None
        try:
            versions = client.run(worker_version)
        except Exception as exc:  # noqa: BLE001 - e.g. the grader is not installed on a worker
            raise ClusterError(f"a Dask worker cannot run the grader ({exc!r}): install this checkout on every "
                               "worker (`make setup`, then start `dask worker` with its .venv).") from None
        mine, secret = worker_version()
        other = sorted(addr for addr, v in versions.items() if v[0] != mine)
        if other:
            raise ClusterError(f"Dask worker(s) {', '.join(other)} run another version of the grader than this "
                               f"machine ({mine}): install the same checkout (and NumPy, Python) on every worker.")
        other = sorted(addr for addr, v in versions.items() if v[1] != secret)
        if other:
            raise ClusterError(f"Dask worker(s) {', '.join(other)} have another instructor secret than this machine "
                               "(or none): start every worker with the same COURSE_GRADER_SECRET (or "
                               "COURSE_GRADER_SECRET_FILE), or the students' hidden probes would differ.")
    except BaseException:
        client.close()
        raise
    return client


def grade_all(todo: list[tuple[str, Submission]], limits: Limits, scheduler: str, progress: bool,
              retries: int = 2) -> list[dict]:
    """Grade every ``(cache key, submission)`` of ``todo`` on the cluster at ``scheduler``; the
    results in the order of ``todo``. The cache key is the task's key, so a submission is one task
    (graded once, however often it is resubmitted). Raises :class:`ClusterError` before grading
    anything if the cluster cannot grade."""
    if not todo:
        return []
    client = connect(scheduler)  # first: a clear ClusterError when Dask or the cluster is missing
    from distributed import as_completed
    from tqdm import tqdm

    try:
        known = course_notebooks()
        stems = sorted({Path(sub.rel).stem for _, sub in todo})
        client.run(warm, stems if set(stems) <= set(known) else known)  # hidden cases once per worker, in parallel
        results: list[dict | None] = [None] * len(todo)
        futures = {}
        for i, (key, sub) in enumerate(todo):
            data = _read(sub)
            if data is None:  # unreadable here: graded here (the unit says why)
                results[i] = grade_file(sub, limits)
                continue
            fut = client.submit(grade_bytes, sub.student_id, sub.rel, sub.assignment, data, asdict(limits),
                                key=f"grade-{key}", pure=False, retries=retries)
            futures[fut] = i
        workers = len(client.scheduler_info().get("workers", {}))
        with tqdm(total=len(todo), initial=len(todo) - len(futures), unit="nb", file=sys.stderr,
                  desc=f"grading on {workers} Dask worker{'s' if workers != 1 else ''}",
                  disable=not progress or None) as bar:
            for fut in as_completed(list(futures), loop=client.loop):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after every retry
                    results[i] = grader_failed(todo[i][1], f"the Dask task failed: {exc!r}")
                fut.release()
                bar.update()
        return results  # type: ignore[return-value]
    finally:
        client.close()


class LoopbackCluster:
    """A real Dask cluster on 127.0.0.1 started from this installation: one ``dask scheduler``
    process and ``workers`` ``dask worker`` processes (one thread each, no nanny: a killed worker
    stays dead, :func:`grading_env` settings). For the tests and the benchmark;
    ``with LoopbackCluster(2) as c: c.address``."""

    def __init__(self, workers: int = 2, log_dir: Path | None = None):
        self.n = workers
        self.log_dir = log_dir
        self.address = ""
        self.scheduler = None
        self.workers: dict[str, object] = {}  # name -> subprocess.Popen

    def _spawn(self, args: list[str], name: str):
        import os
        import subprocess

        dask = Path(sys.executable).with_name("dask")
        log = open(self._logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
               **grading_env()}
        proc = subprocess.Popen([str(dask), *args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=Path(__file__).resolve().parents[2], start_new_session=True)
        proc.log = log  # type: ignore[attr-defined]
        return proc

    def __enter__(self) -> "LoopbackCluster":
        if not available():
            raise ClusterError(INSTALL_HINT)
        import socket

        self._tmp = None
        if self.log_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="grader-dask-")
            self._logs = Path(self._tmp.name)
        else:
            self._logs = Path(self.log_dir)
            self._logs.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        try:
            self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                         "scheduler")
            for i in range(self.n):
                name = f"worker{i}"
                self.workers[name] = self._spawn(["worker", self.address, "--name", name, "--nthreads", "1",
                                                  "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"], name)
            from distributed import Client

            with Client(self.address, timeout=60, set_as_default=False) as client:
                client.wait_for_workers(self.n, timeout=120)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.workers.items()}  # type: ignore[attr-defined]

    def kill(self, name: str) -> None:
        """SIGKILL worker ``name``: it dies at once, mid-task, like a machine that goes away."""
        import signal

        proc = self.workers[name]
        proc.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        proc.wait()  # type: ignore[attr-defined]

    def log(self, name: str) -> str:
        return (self._logs / f"{name}.log").read_text(errors="replace")

    def __exit__(self, *exc) -> None:
        import subprocess

        for proc in [*self.workers.values(), self.scheduler]:
            if proc is None:
                continue
            if proc.poll() is None:  # type: ignore[attr-defined]
                proc.terminate()  # type: ignore[attr-defined]
                try:
                    proc.wait(timeout=20)  # type: ignore[attr-defined]
                except subprocess.TimeoutExpired:
                    proc.kill()  # type: ignore[attr-defined]
                    proc.wait()  # type: ignore[attr-defined]
            proc.log.close()  # type: ignore[attr-defined]
        if self._tmp is not None:
            self._tmp.cleanup()
