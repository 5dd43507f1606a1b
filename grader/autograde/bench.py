"""Benchmark of the autograder: submissions per minute on a synthetic class.

``run()`` builds a class (``students`` x every course notebook that has a student version),
grades it with one worker and with every core (sandboxed, no cache), with ``dask_workers`` Dask
workers on a loopback cluster (when Dask is installed: ``make dask``), records it in a fresh
gradebook on SQLite and on a private PostgreSQL server (when one can be started), grades a
sample of the same submissions with plain ``nbgrader autograde`` in a temporary nbgrader course,
and returns the figures as a dict (``tools/bench.py`` prints and stores them). Also
``python -m grader.autograde.bench [--students N] [--nbgrader-sample K] [--dask-workers N] [--no-postgres]``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..sandbox import Limits, isolation
from .plan import course_notebooks, plan
from .run import cpu_count


def _released() -> list[str]:
    from ..release import NOTEBOOKS

    return [nb for nb in course_notebooks() if (NOTEBOOKS / f"{nb}.ipynb").exists() and plan(nb).tests]


def make_class(folder: Path, students: int, notebooks: list[str]) -> int:
    """``folder/<student>/<notebook>.ipynb``: a mix of correct, partly done and chatty work."""
    from ..release import NOTEBOOKS, filled_student_notebook

    n = 0
    for nb in notebooks:
        perfect = filled_student_notebook(nb)
        stub = json.loads((NOTEBOOKS / f"{nb}.ipynb").read_text(encoding="utf-8"))
        first = plan(nb).functions[0] if plan(nb).functions else None
        for i in range(students):
            work = json.loads(json.dumps(perfect))
            if i % 4 == 1 and first:  # the first function not done yet
                for cell, blank in zip(work["cells"], stub["cells"]):
                    if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == first:
                        cell["source"] = blank["source"]
            elif i % 4 == 2:  # prints in every answer cell
                for cell in work["cells"]:
                    if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
                        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                        cell["source"] = "print('working on it')\n" + src
            path = folder / f"student{i:03d}" / f"{nb}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(work), encoding="utf-8")
            n += 1
    return n


def _time_autograde(subs: Path, out: Path, workers: int) -> tuple[float, float, object]:
    """(wall seconds, load average during the run, summary) of one full grading (no cache, no gradebook).
    The load average says how many processes wanted a core: above the cores, other work slowed us."""
    from .run import autograde

    start = time.perf_counter()
    s = autograde(subs, out, workers=workers, limits=Limits(), gradebook=False, progress=False, log=lambda msg: None)
    assert s.graded == s.submissions, "a benchmark run must grade everything (no cache)"
    return time.perf_counter() - start, round(os.getloadavg()[0], 1), s


def _time_gradebook(summary, subs: Path, course: Path, db_url: str | None = None) -> float:
    """Seconds to record ``summary``'s entries in a fresh gradebook (``db_url``; default SQLite in ``course``)."""
    from . import gradebook
    from .layout import discover

    found = discover(subs)
    paths = {(x.student_id, x.rel): x.path for x in found.submissions}
    start = time.perf_counter()
    report = gradebook.update(summary.entries, paths, course, db_url)
    assert not report.problems, report.problems
    return time.perf_counter() - start


def _time_dask(subs: Path, out: Path, workers: int, notebooks: list[str]) -> dict:
    """Grade the class on ``workers`` Dask workers (one thread each) on a loopback cluster started
    for it; the cluster's start and the workers' one-time warm-up are outside the timing, as the
    local runs' warm-up is."""
    from distributed import Client

    from .dask_engine import LoopbackCluster, warm
    from .run import autograde

    with LoopbackCluster(workers) as cluster:
        with Client(cluster.address, set_as_default=False) as client:
            client.run(warm, notebooks)
        start = time.perf_counter()
        s = autograde(subs, out, limits=Limits(), gradebook=False, progress=False, log=lambda msg: None,
                      scheduler=cluster.address)
        seconds = time.perf_counter() - start
    assert s.graded == s.submissions, "a benchmark run must grade everything (no cache)"
    return {"workers": workers, "seconds": round(seconds, 2), "per_minute": round(60 * s.submissions / seconds, 1),
            "load_average_at_end": round(os.getloadavg()[0], 1)}


def _gradebook_rates(summary, subs: Path, work: Path, postgres: bool) -> dict:
    """Recording the class in a gradebook: SQLite, and PostgreSQL on a private server on 127.0.0.1
    (tools/pgserver.py) when one can be started. ``first_seconds``: a fresh gradebook (nbgrader's
    generate_assignment once per notebook, then every entry); ``ms_per_entry``: every entry
    recorded again (a regrade: every entry's rows updated, one commit per batch of students)."""
    n = len([e for e in summary.entries if e.get("_known")])

    def measure(course: Path, db_url: str | None) -> dict:
        first = _time_gradebook(summary, subs, course, db_url)
        changed = type(summary)(summary.out, summary.isolation,
                                entries=[{**e, "_key": f"bench-{e.get('_key')}"} for e in summary.entries])
        again = _time_gradebook(changed, subs, course, db_url)
        return {"first_seconds": round(first, 2), "rewrite_seconds": round(again, 2),
                "ms_per_entry": round(1000 * again / n, 1)}

    out = {"entries": n, "sqlite": measure(work / "course-sqlite", None)}
    if not postgres:
        return out
    try:
        from tools import pgserver
    except ImportError:
        out["postgresql"] = {"skipped": "tools/pgserver.py is not importable (run from the checkout)"}
        return out
    try:
        with pgserver.server() as url:
            out["postgresql"] = measure(work / "course-pg", pgserver.create_database(url, "bench"))
    except pgserver.Unavailable as exc:
        out["postgresql"] = {"skipped": str(exc)}
        return out
    out["postgresql_vs_sqlite_per_entry"] = round(out["sqlite"]["ms_per_entry"] / out["postgresql"]["ms_per_entry"], 2)
    return out


def plain_nbgrader(subs: Path, notebooks: list[str], sample: int, work: Path) -> dict:
    """Time ``nbgrader autograde`` (one kernel per notebook, the usual way) on ``sample``
    students' submissions of every notebook, in a temporary nbgrader course."""
    from ..release import source_notebook
    from ..sourcefiles import source_path
    from ..release import generate_assignment

    import nbformat

    course = work / "nbgrader-course"
    db = f"sqlite:///{course / 'gradebook.db'}"
    (course).mkdir(parents=True)
    students = sorted(p.name for p in subs.iterdir())[:sample]
    for nb in notebooks:
        (course / "source" / nb).mkdir(parents=True)
        nbformat.write(source_notebook(source_path(nb)), course / "source" / nb / f"{nb}.ipynb")
        generate_assignment(nb, nb, db)
        for sid in students:
            dest = course / "submitted" / sid / nb / f"{nb}.ipynb"
            dest.parent.mkdir(parents=True)
            shutil.copy(subs / sid / f"{nb}.ipynb", dest)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.db_url = {db!r}\n"
        "c.Execute.timeout = 600\n", encoding="utf-8")
    nbgrader = Path(sys.executable).with_name("nbgrader")
    per_notebook = {}
    start = time.perf_counter()
    for nb in notebooks:
        t = time.perf_counter()
        res = subprocess.run([str(nbgrader), "autograde", nb, "--force"], cwd=course, capture_output=True, text=True,
                             timeout=3600)
        per_notebook[nb] = {"seconds": round(time.perf_counter() - t, 2), "exit": res.returncode}
    seconds = time.perf_counter() - start
    graded = sum(1 for _ in (course / "autograded").rglob("*.ipynb")) if (course / "autograded").exists() else 0
    n = len(students) * len(notebooks)
    return {"submissions": n, "autograded_files": graded, "seconds": round(seconds, 2),
            "per_minute": round(60 * n / seconds, 2), "per_notebook": per_notebook,
            "note": "plain nbgrader: student code and tests in one kernel, no isolation, one submission at a time"}


def run(students: int = 40, notebooks: list[str] | None = None, workers: int | None = None,
        nbgrader_sample: int = 2, gradebook: bool = True, dask_workers: int = 2, postgres: bool = True) -> dict:
    """The benchmark's figures (a JSON-able dict)."""
    notebooks = notebooks or _released()
    cores = cpu_count()
    workers = workers or cores
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        work = Path(tmp)
        subs = work / "submissions"
        n = make_class(subs, students, notebooks)
        from .run import warm

        warm(notebooks)  # imports, version hash and hidden cases once, outside the timings (once per run in practice)
        one, load_one, _ = _time_autograde(subs, work / "out1", 1)
        many, load_many, summary = _time_autograde(subs, work / "outN", workers)
        figures = {
            "students": students, "notebooks": notebooks, "submissions": n, "cores": cores,
            "load_average_at_start": round(os.getloadavg()[0], 1),
            "isolation": isolation().mode,
            # load_average_at_end: the 1-minute load when the run ended; above `cores`, other work competed
            "workers_1": {"seconds": round(one, 2), "per_minute": round(60 * n / one, 1),
                          "load_average_at_end": load_one},
            "workers_all": {"workers": workers, "seconds": round(many, 2), "per_minute": round(60 * n / many, 1),
                            "load_average_at_end": load_many},
            "speedup_all_vs_1": round(one / many, 2),
            "parallel_efficiency": round(one / many / workers, 2),
            "seconds_per_submission_1_worker": round(one / n, 3),
        }
        if dask_workers:
            from .dask_engine import available

            if available():
                d = _time_dask(subs, work / "outD", dask_workers, notebooks)
                d["speedup_vs_1_local_worker"] = round(one / d["seconds"], 2)
                figures["dask"] = d
            else:
                figures["dask"] = {"skipped": "Dask is not installed: `make dask`"}
        if gradebook:  # recording a fresh gradebook (nbgrader's generate_assignment, then one row per submission)
            rates = _gradebook_rates(summary, subs, work, postgres)
            figures["gradebook"] = rates
            gb = rates["sqlite"]["first_seconds"]
            figures["gradebook_seconds"] = round(gb, 2)
            figures["workers_all_with_gradebook"] = {"seconds": round(many + gb, 2),
                                                     "per_minute": round(60 * n / (many + gb), 1)}
        if nbgrader_sample:
            nb = plain_nbgrader(subs, notebooks, nbgrader_sample, work)
            figures["plain_nbgrader"] = nb
            best = figures.get("workers_all_with_gradebook", figures["workers_all"])
            figures["speedup_vs_plain_nbgrader"] = round(best["per_minute"] / nb["per_minute"], 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--nbgrader-sample", type=int, default=2, help="students graded with plain nbgrader (0: skip)")
    p.add_argument("--dask-workers", type=int, default=2, help="Dask workers on a loopback cluster (0: skip)")
    p.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL gradebook")
    p.add_argument("--notebooks", default=None, help="comma-separated notebooks (default: every graded one)")
    args = p.parse_args(argv)
    notebooks = [n.strip() for n in args.notebooks.split(",")] if args.notebooks else None
    print(json.dumps(run(args.students, notebooks, workers=args.workers, nbgrader_sample=args.nbgrader_sample,
                         dask_workers=args.dask_workers, postgres=not args.no_postgres), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
