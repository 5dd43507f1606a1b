"""The grading unit: one submitted file in, one plain result out.

:func:`grade_file` reads a submission, finds which course notebook it is, takes only the
student's answer cells (by nbgrader ``grade_id``), runs one sandboxed job per test cell of the
instructor source and judges what comes back in this (trusted) process. It never raises for a
bad submission: an unreadable file, an unknown notebook, a crash or a time-out each become a
status and a message. The result is a JSON-able dict (the ``results.json`` entry, plus private
``_``-keys the run uses), a pure function of the file's bytes, its name and the grader version.
"""
from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .. import notebook as nbmod
from ..checks.evaluate import visible_probes
from ..checks.judge import FunctionVerdict
from ..grade import verdict_of
from ..sandbox import Job, JobResult, Limits, SandboxError, run_jobs
from .plan import course_notebooks, plan

CHECK_STATUSES = ("pass", "fail", "error", "timeout", "crash", "missing")


@dataclass(frozen=True)
class Submission:
    student_id: str
    path: Path  # the file on disk (perhaps extracted from a zip)
    rel: str  # its name relative to SUBMISSIONS, as handed in (for messages)
    assignment: str | None = None  # nbgrader layout: the assignment folder


# --- reading and identifying -----------------------------------------------------------

def read(path: Path, rel: str) -> dict:
    """The submitted notebook, cleaned; :class:`notebook.NotebookError` naming it ``rel`` if unreadable."""
    return nbmod.load(path, shown=rel)


# --- messages --------------------------------------------------------------------------

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def _tidy(message: str) -> str:
    """Deterministic text: no memory addresses."""
    return _ADDRESS.sub("0x…", message)


def _warnings_note(job: JobResult | None) -> str:
    if job is None or job.status != "ok":
        return ""
    magics = ""
    if job.magics_ignored:
        magics = (f"\nNote: the IPython lines (%, %% or !) of the answer cell of {', '.join(job.magics_ignored)} were "
                  "skipped: the grader runs answer cells as plain Python.")
    seen = sorted({w for rec in job.records for w in rec.get("warnings", [])})
    if not seen:
        return magics
    which = "a warning" if len(seen) == 1 else "warnings"
    return magics + (f"\nNote: your code issued {which} ({'; '.join(seen[:3])}). "
            "Warnings cost no points, but they often point at a real problem (a division by zero, an overflow).")


# --- grading ---------------------------------------------------------------------------

def _check(test, status: str, message: str, mistake: str | None = None) -> dict:
    """One check's result; ``mistake`` is the stable id of the mistake its message names (or None)."""
    assert status in CHECK_STATUSES, status
    return {"id": test.id, "function": test.function or "", "points": test.points,
            "score": test.points if status == "pass" else 0.0, "status": status, "message": _tidy(message),
            "mistake": mistake if status != "pass" else None}


def _entry(sub: Submission, notebook: str, checks: list[dict], status: str, message: str, **private) -> dict:
    return {"student_id": sub.student_id, "notebook": notebook,
            "score": float(sum(c["score"] for c in checks)), "max_score": float(sum(c["points"] for c in checks)),
            "status": status, "message": message, "checks": checks,
            "_file": sub.rel, "_assignment": sub.assignment, **private}


def _summary(checks: list[dict]) -> tuple[str, str]:
    passed = sum(c["status"] == "pass" for c in checks)
    if not checks:
        return "pass", "This notebook has no autograded checks."
    status = "pass" if passed == len(checks) else "fail"
    return status, f"{passed} of {len(checks)} checks pass."


def unreadable(sub: Submission, notebook: str | None, why: str) -> dict:
    """The result for a file that cannot be graded: every check of its notebook is an error."""
    if notebook is None:
        return _entry(sub, Path(sub.rel).stem, [], "error", why, _known=False)
    checks = [_check(t, "error", why) for t in plan(notebook).tests]
    return _entry(sub, notebook, checks, "error", why, _known=True)


def missing(student_id: str, notebook: str, assignment: str | None = None) -> dict:
    why = (f"No submission of {notebook}.ipynb was found. Hand in the notebook file under this name "
           f"(a fresh copy is in notebooks/{notebook}.ipynb).")
    sub = Submission(student_id, Path(), "", assignment)
    checks = [_check(t, "missing", why) for t in plan(notebook).tests]
    entry = _entry(sub, notebook, checks, "missing", why, _known=True)
    entry["_file"] = None
    return entry


def grade_file(sub: Submission, limits: Limits | None = None) -> dict:
    """Grade one submitted file; never raises for anything the file contains."""
    start = time.perf_counter()
    result = _grade_file(sub, limits)
    result["_seconds"] = round(time.perf_counter() - start, 3)  # private: for benchmarks, not in results.json
    return result


def _grade_file(sub: Submission, limits: Limits | None) -> dict:
    try:
        nb = read(sub.path, sub.rel)
        notebook = nbmod.identify(nb, Path(sub.rel).stem)
    except nbmod.NotebookError as exc:
        return unreadable(sub, _named(sub), str(exc))
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - e.g. JSON nested too deeply
        return unreadable(sub, _named(sub), f"{sub.rel} cannot be read as a notebook ({type(exc).__name__}). Open "
                                            "it in JupyterLab, save it, and hand it in again.")
    try:
        return _grade(sub, nb, notebook, limits)
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class's run
        problem = str(exc) if isinstance(exc, SandboxError) else "".join(traceback.format_exception(exc))
        return grader_failed(sub, problem, notebook)


def _named(sub: Submission) -> str | None:
    """The course notebook the file is named after, if any."""
    stem = Path(sub.rel).stem
    return stem if stem in course_notebooks() else None


def grader_failed(sub: Submission, problem: str, notebook: str | None = None) -> dict:
    """The result when the grader itself failed on a file: the student is told it is not their
    fault; the instructor gets ``problem``; the result is not cached, so the next run grades it again."""
    entry = unreadable(sub, notebook or _named(sub), "The grader failed on this notebook (not your fault); your "
                                                     "instructor has been told and will grade it again.")
    entry["_problems"] = [f"{sub.rel}: {problem}"]
    entry["_transient"] = True
    return entry


def _cases(test, student: str | None = None):
    if test.kind == "visible":
        return visible_probes(test.function)
    from ..hidden import hidden_cases

    return list(hidden_cases(test.function, student))  # the student's own probes when a secret is set


def _grade(sub: Submission, nb: dict, notebook: str, limits: Limits | None) -> dict:
    answers = nbmod.answers(nb, notebook)
    p = plan(notebook)
    jobs, cases, verdicts, problems = [], {}, {}, []
    for test in p.tests:
        if test.function is None:
            verdicts[test.id] = ("error", "This check could not be run (a problem on the instructor's side, not in "
                                          "your work).")
            problems.append(f"{notebook}: test cell {test.id!r} names no graded function")
            continue
        cells = nbmod.cells_for(answers, test.function)
        if cells is None:
            verdicts[test.id] = ("missing", nbmod.missing_message(answers, test.function))
            continue
        try:
            cases[test.id] = _cases(test, sub.student_id)
        except Exception as exc:  # noqa: BLE001 - an instructor-side problem (a missing suite...)
            verdicts[test.id] = ("error", "This check could not be run (a problem on the instructor's side, not in "
                                          "your work).")
            problems.append(f"{notebook}: the {test.kind} cases of {test.function} failed: {exc!r}")
            continue
        jobs.append(Job(test.id, test.function, cells, [(c.args, c.kwargs) for c in cases[test.id]]))
    ran = run_jobs(jobs, limits) if jobs else {}
    checks = []
    for test in p.tests:
        if test.id in verdicts:
            checks.append(_check(test, *verdicts[test.id]))
            continue
        job = ran[test.id]
        v: FunctionVerdict = verdict_of(test.function, job, cases[test.id])
        checks.append(_check(test, v.status, v.message + _warnings_note(job), v.mistake))
    status, message = _summary(checks)
    notes = list(answers.notes)
    if notes:
        message = " ".join([message, *(n[0].upper() + n[1:] for n in notes)])
    return _entry(sub, notebook, checks, status, message, _known=True, _problems=problems,
                  _exact_name=(Path(sub.rel).stem == notebook))
