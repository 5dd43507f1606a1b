"""Grade a class: find the submissions, grade what changed on every core, write the outputs.

Outputs in OUT: ``results.json`` and ``grades.csv`` (COURSE_SPEC.md), ``feedback/<student>/<notebook>.html``,
``.cache/`` (one result per graded file, keyed by the hash of the file, its name, the student, the
limits and the grader's version: a rerun regrades only what changed), and the nbgrader course
folder (``nbgrader/`` by default: gradebook.db, autograded notebooks, nbgrader_config.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from ..sandbox import Limits, isolation, warning_text
from . import feedback, report, versions
from .layout import Found, LayoutError, discover
from .plan import course_notebooks, plan
from .unit import Submission, grade_file, grader_failed, missing

GRADER_ROOT = Path(__file__).resolve().parent.parent
PUBLIC_KEYS = ("student_id", "notebook", "score", "max_score", "status", "message", "checks")


@lru_cache(maxsize=None)
def grader_version() -> str:
    """A hash of everything that decides a grade: the grader's code, sources, suites, fixtures."""
    h = hashlib.sha256()
    for path in sorted(GRADER_ROOT.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts and path.is_file():
            h.update(path.relative_to(GRADER_ROOT).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    import numpy

    h.update(f"numpy {numpy.__version__}; python {sys.version_info[:3]}".encode())
    return h.hexdigest()[:16]


def cpu_count() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def cache_key(sub: Submission, limits: Limits) -> str:
    """The cached result's name: a hash of the file, its name, the student, the limits and the
    version of what grades its notebook (``versions.py``: another notebook's edit regrades nothing)."""
    h = hashlib.sha256()
    from ..hidden import secret_fingerprint

    for part in (versions.version_of(sub.path, sub.rel), json.dumps(asdict(limits), sort_keys=True), sub.student_id,
                 sub.rel, sub.assignment or "", secret_fingerprint()):
        h.update(part.encode())
        h.update(b"\0")
    try:
        h.update(sub.path.read_bytes())
    except OSError as exc:
        h.update(f"unreadable: {exc.strerror}".encode())
    return h.hexdigest()


@dataclass
class Summary:
    out: Path
    isolation: str
    submissions: int = 0
    graded: int = 0
    cached: int = 0
    students: int = 0
    seconds: float = 0.0
    entries: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    gradebook: str | None = None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def warm(notebooks) -> None:
    """Compute what every worker needs once, before forking: the grader's version, the hidden
    cases of ``notebooks`` (names) and how this machine isolates student code (a sandbox probe,
    :func:`sandbox.isolation`: otherwise the first grading in each process pays it)."""
    from ..hidden import hidden_cases

    grader_version()
    isolation()
    for name in notebooks:
        for test in plan(name).tests:
            if test.function and test.kind == "hidden":
                try:
                    hidden_cases(test.function)
                except Exception:  # noqa: BLE001 - reported per submission by the unit
                    pass


def _grade_one(args: tuple[Submission, Limits]) -> dict:
    sub, limits = args
    return grade_file(sub, limits)


def _resolve(results: list[dict], found: Found, expected: list[str] | None) -> tuple[list[dict], list[str]]:
    """One entry per student and notebook: duplicates resolved, missing notebooks added."""
    notes = []
    by_key: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        by_key.setdefault((r["student_id"], r["notebook"]), []).append(r)
    entries = []
    for key, group in sorted(by_key.items()):
        # Rule: a file named after the notebook beats a renamed copy; then the last file (by path) wins.
        group.sort(key=lambda r: (bool(r.get("_exact_name")), r.get("_file") or ""))
        keep = dict(group[-1])
        if len(group) > 1:
            others = ", ".join(r["_file"] for r in group[:-1])
            keep["message"] = (f"{keep['message']} Several files are this notebook; {keep['_file']} was graded "
                               f"and {others} ignored (a file named {key[1]}.ipynb wins, then the last by name).")
            notes.append(f"{key[0]}: graded {keep['_file']}, ignored {others}")
        entries.append(keep)
    notebooks = sorted(set(expected) if expected else {e["notebook"] for e in entries if e.get("_known")})
    students = sorted(found.students | {e["student_id"] for e in entries})
    have = {(e["student_id"], e["notebook"]) for e in entries}
    assignment = {}
    for e in entries:
        if e.get("_assignment"):
            assignment.setdefault(e["notebook"], e["_assignment"])
    for sid in students:
        for nb in notebooks:
            if (sid, nb) not in have and nb in course_notebooks():
                entries.append(missing(sid, nb, assignment.get(nb)))
    entries.sort(key=lambda e: (e["student_id"], e["notebook"]))
    return entries, notes


def public(entry: dict) -> dict:
    return {k: entry[k] for k in PUBLIC_KEYS}


def write_outputs(entries: list[dict], out: Path, written: dict | None = None) -> None:
    """results.json, grades.csv (:mod:`grades`) and the feedback pages (stale pages removed)."""
    from .grades import grades_csv

    _write(out / "results.json", json.dumps([public(e) for e in entries], indent=1, ensure_ascii=False) + "\n")
    _write(out / "grades.csv", grades_csv(entries, written))
    report.write(out, [public(e) for e in entries])
    pages = set()
    for e in entries:
        path = feedback.page_path(out, e["student_id"], e["notebook"])
        pages.add(path)
        text = feedback.render(e)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _write(path, text)
    for old in (out / "feedback").rglob("*.html"):
        if old not in pages:
            old.unlink()


def autograde(submissions: Path, out: Path, *, workers: int | None = None, limits: Limits | None = None,
              db_url: str | None = None, course_dir: Path | None = None, gradebook: bool = True,
              notebooks: list[str] | None = None, progress: bool = True, log=None,
              config=None, lms_times: Path | None = None, scheduler: str | None = None) -> Summary:
    """Grade every submission under ``submissions`` (folder or zip) into ``out``; raises
    :class:`LayoutError` (with a message) only when the submissions cannot be read at all.
    ``config`` is the course's :class:`~grader.course_config.CourseConfig` (default: ``course.toml``);
    ``lms_times`` a Moodle grading worksheet giving submission times. ``scheduler``
    (``tcp://HOST:PORT``): grade on that Dask cluster instead of local processes
    (:mod:`.dask_engine`; raises its ``ClusterError`` when the cluster cannot grade)."""
    from .. import course_config
    from ..hidden import NO_SECRET_WARNING, secret
    from . import deadlines

    log = log or (lambda msg: print(msg, file=sys.stderr))
    config = config if config is not None else course_config.load()
    if secret() is None:
        log(NO_SECRET_WARNING)
    limits = limits or Limits()
    start = time.perf_counter()
    out = Path(out)
    iso = isolation()
    if not iso.isolated:
        log(warning_text(iso))
    found = discover(Path(submissions))
    for warning in versions.stale_releases():
        log(f"warning: {warning}")
    try:
        summary = Summary(out, iso.mode, submissions=len(found.submissions), ignored=list(found.ignored))
        out.mkdir(parents=True, exist_ok=True)
        cache_dir = out / ".cache"
        cache_dir.mkdir(exist_ok=True)
        todo, results, keys = [], [], {}
        for sub in found.submissions:
            key = cache_key(sub, limits)
            keys[key] = sub
            cached = cache_dir / f"{key}.json"
            if cached.exists():
                try:
                    results.append({**json.loads(cached.read_text(encoding="utf-8")), "_key": key})
                    summary.cached += 1
                    continue
                except ValueError:
                    pass
            todo.append((key, sub))
        workers = max(1, workers or cpu_count())
        if scheduler:
            from .dask_engine import grade_all as grade_on_cluster

            fresh = grade_on_cluster(todo, limits, scheduler, progress)
        else:
            fresh = _grade_all(todo, limits, workers, progress)
        for (key, _), result in zip(todo, fresh):
            if not result.get("_transient"):  # a grading-machine failure is graded again next time
                _write(cache_dir / f"{key}.json", json.dumps(result, ensure_ascii=False))
            result["_key"] = key
        results.extend(fresh)
        for stale in cache_dir.glob("*.json"):
            if stale.stem not in keys:
                stale.unlink()
        summary.graded = len(todo)
        for r in results:
            summary.problems.extend(r.get("_problems", []))
            r["_assignment"] = r.get("_assignment") or config.assignment_of(r["notebook"])
        if notebooks is None:  # every notebook of every assignment anyone handed in
            notebooks = sorted({nb for r in results if r.get("_known") for nb in config.notebooks_of(r["_assignment"])}
                               | {r["notebook"] for r in results if r.get("_known")}) or None
        entries, notes = _resolve(results, found, notebooks)
        summary.ignored.extend(notes)
        paths = {(s.student_id, s.rel): s.path for s in found.submissions}
        deadlines.apply(entries, paths, found.lms, config, deadlines.read_lms_times(lms_times, config))
        summary.entries = entries
        summary.students = len({e["student_id"] for e in entries})
        from .grades import written_from_files

        written = written_from_files(entries, paths)
        if gradebook:
            from . import gradebook as gbmod

            report = gbmod.update(entries, paths, Path(course_dir) if course_dir else out / "nbgrader", db_url, config)
            summary.gradebook = report.db_url
            summary.problems.extend(report.problems)
            written = {**written, **report.written}
        write_outputs(entries, out, written)
        summary.seconds = time.perf_counter() - start
        return summary
    finally:
        found.close()


def _grade_all(todo: list[tuple[str, Submission]], limits: Limits, workers: int, progress: bool) -> list[dict]:
    """Grade every submission, on ``workers`` processes; a grader failure on one file becomes an
    error result for that file (tried again alone first), never the end of the run."""
    if not todo:
        return []
    import multiprocessing
    from concurrent.futures import as_completed

    from tqdm import tqdm

    subs = [sub for _, sub in todo]
    known = course_notebooks()
    stems = sorted({Path(s.rel).stem for s in subs})
    warm(stems if set(stems) <= set(known) else known)  # all of them if a file is not named after a notebook
    results: list[dict | None] = [None] * len(subs)
    failed = []
    ctx = multiprocessing.get_context("fork")
    if workers == 1:
        with tqdm(total=len(subs), desc="grading", unit="nb", disable=not progress or None, file=sys.stderr) as bar:
            for i, sub in enumerate(subs):
                try:
                    results[i] = grade_file(sub, limits)
                except Exception:  # noqa: BLE001
                    failed.append(i)
                bar.update()
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(subs)), mp_context=ctx) as pool:
            futures = {pool.submit(_grade_one, (sub, limits)): i for i, sub in enumerate(subs)}
            with tqdm(total=len(subs), desc="grading", unit="nb", disable=not progress or None,
                      file=sys.stderr) as bar:
                for fut in as_completed(futures):
                    try:
                        results[futures[fut]] = fut.result()
                    except Exception:  # noqa: BLE001 - e.g. a worker that died: tried again below
                        failed.append(futures[fut])
                    bar.update()
    for i in sorted(failed):
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                results[i] = pool.submit(_grade_one, (subs[i], limits)).result()
        except Exception as exc:  # noqa: BLE001
            results[i] = grader_failed(subs[i], f"the grader failed: {exc!r}")
    return results  # type: ignore[return-value]
