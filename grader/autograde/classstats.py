"""What a class got wrong, in numbers: pure functions of ``results.json`` entries.

:func:`class_figures` turns the list of results (one per student and notebook, as in
``OUT/results.json``) into plain, JSON-able figures: the score distribution of each notebook
and of the whole course, the pass rate of the visible and hidden checks of each graded
function, the most common named mistakes (counted once per student, with their share of the
students who handed the notebook in and one example message), the students whose work timed
out, crashed, is missing or could not be read, and the written answers still to grade. The
class report (``report.py``) draws and prints these figures; ``OUT/report.json`` holds them.
"""
from __future__ import annotations

import statistics
from collections import defaultdict

GRADER_FAILED = "The grader failed on this notebook"
EXAMPLE_CHARS = 600


def _kind(entry: dict) -> str:
    """``submitted``, ``missing`` (not handed in), ``unreadable`` or ``grader_failed``."""
    if entry["status"] == "missing":
        return "missing"
    if entry["status"] == "error" and all(c["status"] == "error" for c in entry.get("checks", [])):
        return "grader_failed" if entry.get("message", "").startswith(GRADER_FAILED) else "unreadable"
    return "submitted"


def _distribution(scores: list[float], max_score: float) -> dict:
    """Summary of a list of scores (points), for a histogram over [0, max_score]."""
    if not scores:
        return {"count": 0, "max_score": max_score, "scores": [], "mean": None, "median": None,
                "min": None, "max": None}
    return {"count": len(scores), "max_score": max_score, "scores": sorted(scores),
            "mean": statistics.fmean(scores), "median": statistics.median(scores),
            "min": min(scores), "max": max(scores)}


def _example(message: str) -> str:
    text = message.strip()
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …"


def class_figures(entries: list[dict], manual: dict[str, list[tuple[str, float]]] | None = None,
                  sheet: dict[tuple[str, str], dict] | None = None) -> dict:
    """The class report's figures from ``results.json`` entries.

    ``manual`` maps a notebook to its written answers ``[(grade_id, points)]`` (from the
    instructor sources), which autograde leaves to formgrader; unknown notebooks have none.
    ``sheet`` maps ``(student, notebook)`` to ``{"assignment", "pending"}`` (grades.csv's
    assignment and written answers still to grade); without it each notebook is its own
    assignment and every written answer of a graded submission counts as still to grade.
    Rates and shares are fractions in [0, 1]; a mistake is counted once per student even if
    both the visible and the hidden checks name it.
    """
    manual, sheet = manual or {}, sheet or {}
    by_notebook: dict[str, list[dict]] = defaultdict(list)
    for e in entries:
        by_notebook[e["notebook"]].append(e)
    students = sorted({e["student_id"] for e in entries})

    notebooks, mistakes, problems, written = [], [], defaultdict(list), []
    totals: dict[str, float] = {s: 0.0 for s in students}
    course_max = 0.0
    for nb in sorted(by_notebook):
        group = sorted(by_notebook[nb], key=lambda e: e["student_id"])
        max_score = max((e["max_score"] for e in group), default=0.0)
        course_max += max_score
        kinds = {e["student_id"]: _kind(e) for e in group}
        handed_in = [e for e in group if kinds[e["student_id"]] != "missing"]
        graded = [e for e in handed_in if kinds[e["student_id"]] == "submitted"]
        for e in group:
            totals[e["student_id"]] += e["score"]
            kind = kinds[e["student_id"]]
            if kind != "submitted":
                problems[kind].append({"student_id": e["student_id"], "notebook": nb, "message": e.get("message", "")})
        status = defaultdict(int)
        for e in group:
            status[e["status"]] += 1

        functions: dict[str, dict] = {}
        named: dict[str, dict] = {}
        for e in graded:
            for c in e.get("checks", []):
                fn = c.get("function") or ""
                kind = "hidden" if c["id"].endswith("_hidden") else "visible"
                row = functions.setdefault(fn, {"function": fn, "visible": {"passed": 0, "graded": 0},
                                                "hidden": {"passed": 0, "graded": 0}, "unnamed_failures": 0})
                row[kind]["graded"] += 1
                row[kind]["passed"] += c["status"] == "pass"
                if c["status"] in ("timeout", "crash"):
                    problems[c["status"]].append({"student_id": e["student_id"], "notebook": nb, "function": fn,
                                                  "check": c["id"], "message": _example(c.get("message", ""))})
                if c["status"] == "pass":
                    continue
                mistake = c.get("mistake")
                if not mistake:
                    row["unnamed_failures"] += c["status"] == "fail"
                    continue
                m = named.setdefault(mistake, {"id": mistake, "function": fn, "notebook": nb, "students": set(),
                                               "checks": 0, "example": _example(c.get("message", ""))})
                m["students"].add(e["student_id"])
                m["checks"] += 1
        for row in functions.values():
            for kind in ("visible", "hidden"):
                k = row[kind]
                k["rate"] = k["passed"] / k["graded"] if k["graded"] else None
        for m in named.values():
            count = len(m["students"])
            mistakes.append({**m, "students": count, "share": count / len(handed_in) if handed_in else 0.0})
        cells = manual.get(nb, [])
        if cells and graded:
            to_grade = sum(sheet.get((e["student_id"], nb), {}).get("pending", len(cells)) for e in graded)
            written.append({"notebook": nb, "cells": [{"id": i, "points": p} for i, p in cells],
                            "submissions": len(graded), "to_grade": to_grade})
        notebooks.append({
            "notebook": nb, "students": len(group), "handed_in": len(handed_in), "graded": len(graded),
            "status": dict(sorted(status.items())),
            "distribution": _distribution([e["score"] for e in handed_in], max_score),
            "functions": list(functions.values()),  # in the order of the notebook's checks
        })
    mistakes.sort(key=lambda m: (-m["students"], -m["share"], m["id"]))
    return {
        "students": len(students),
        "notebooks": notebooks,
        "assignments": _assignments(entries, sheet, students),
        "course": _distribution([totals[s] for s in students], course_max),
        "mistakes": mistakes,
        "problems": _problems(problems),
        "written": written,
    }


def _problems(problems: dict) -> dict:
    order = ("timeout", "crash", "missing", "unreadable", "grader_failed")
    return {k: sorted(problems.get(k, []), key=lambda p: (p["student_id"], p["notebook"])) for k in order}


def _assignments(entries: list[dict], sheet: dict, students: list[str]) -> list[dict]:
    """Per assignment of several notebooks, the distribution of each student's total over them
    (notebooks alone are already in ``notebooks``)."""
    groups: dict[str, dict[str, float]] = defaultdict(dict)
    for e in entries:
        name = sheet.get((e["student_id"], e["notebook"]), {}).get("assignment") or e["notebook"]
        groups[name][e["notebook"]] = max(groups[name].get(e["notebook"], 0.0), e["max_score"])
    out = []
    for name, maxima in sorted(groups.items()):
        if len(maxima) < 2:
            continue
        totals = {s: 0.0 for s in students}
        for e in entries:
            if e["notebook"] in maxima and (sheet.get((e["student_id"], e["notebook"]), {}).get("assignment")
                                            or e["notebook"]) == name:
                totals[e["student_id"]] += e["score"]
        out.append({"assignment": name, "notebooks": sorted(maxima),
                    "distribution": _distribution(list(totals.values()), sum(maxima.values()))})
    return out
