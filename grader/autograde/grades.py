"""``OUT/grades.csv``: one row per student and notebook, the numbers an instructor exports.

Columns: ``student_id, notebook, score, max_score`` (the autograded checks, as in
``results.json``), then ``assignment``, ``written_score, written_max, written_pending`` (the written
answers: points given in formgrader, their maximum, how many still wait for a grade), ``late_hours``
(empty when on time, ``?`` when the LMS only said "late"), ``late_penalty`` (points taken by the
course's late policy from ``score + written_score``) and ``total, total_max``. Summed over an
assignment's notebooks, ``total`` is nbgrader's exported ``score`` and ``total_max`` its
``max_score``.
"""
from __future__ import annotations

import csv
import io

from .deadlines import penalty
from .plan import course_notebooks, plan

COLUMNS = ["student_id", "notebook", "score", "max_score", "assignment", "written_score", "written_max",
           "written_pending", "late_hours", "late_penalty", "total", "total_max"]


def _fmt(x: float) -> str:
    return f"{round(x, 6):g}"


def _released_answers(notebook: str) -> dict[str, str]:
    import json

    from ..release import NOTEBOOKS

    nb = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]).strip() for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def written_from_files(entries: list[dict], paths: dict) -> dict:
    """Written answers without a gradebook, as the gradebook would have them: none graded yet; an
    answer the student changed is pending, an untouched one scores 0 ("No response")."""
    from .unit import read

    out, released = {}, {}
    for e in entries:
        if e["notebook"] not in course_notebooks():
            continue
        manual = plan(e["notebook"]).manual
        pending = 0
        path = paths.get((e["student_id"], e.get("_file")))
        if path is not None and e["status"] != "missing":
            try:
                nb = read(path, e["_file"])
                cells = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): "".join(c.get("source", "")).strip()
                         for c in nb["cells"]}
                base = released.setdefault(e["notebook"], _released_answers(e["notebook"]))
                pending = sum(1 for m in manual if m.id in cells and cells[m.id] != base.get(m.id))
            except Exception:  # noqa: BLE001 - unreadable: graded as such; nothing to grade by hand
                pending = 0
        out[(e["student_id"], e["notebook"])] = {"score": 0.0, "max": float(sum(m.points for m in manual)),
                                                 "pending": pending}
    return out


def written_default(entry: dict) -> dict:
    if entry["notebook"] not in course_notebooks():
        return {"score": 0.0, "max": 0.0, "pending": 0}
    return {"score": 0.0, "max": float(sum(m.points for m in plan(entry["notebook"]).manual)), "pending": 0}


def row(entry: dict, written: dict | None) -> dict:
    w = (written or {}).get((entry["student_id"], entry["notebook"])) or written_default(entry)
    late = entry.get("_late") or {}
    earned = entry["score"] + w["score"]
    taken = penalty(earned, late.get("fraction", 0.0))
    return {"student_id": entry["student_id"], "notebook": entry["notebook"], "score": _fmt(entry["score"]),
            "max_score": _fmt(entry["max_score"]), "assignment": entry.get("_assignment") or entry["notebook"],
            "written_score": _fmt(w["score"]), "written_max": _fmt(w["max"]), "written_pending": str(w["pending"]),
            "late_hours": late.get("hours", ""), "late_penalty": _fmt(taken), "total": _fmt(earned - taken),
            "total_max": _fmt(entry["max_score"] + w["max"])}


def grades_csv(entries: list[dict], written: dict | None = None) -> str:
    """The text of grades.csv; ``written`` maps ``(student, notebook)`` to the gradebook's
    ``{"score", "max", "pending"}`` of the written answers."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    for e in entries:
        w.writerow(row(e, written))
    return buf.getvalue()
