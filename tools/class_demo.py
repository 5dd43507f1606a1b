"""A graded class end to end, for the tests and for an instructor to try: ``python -m tools.class_demo DIR``.

Builds, in DIR, a class of N students (default 25) in nbgrader's layout with two assignments of two
notebooks each (``week1``: 01 + 02, ``week2``: 06 + 07), a course file with due dates, a late
policy of 10% per started day (at most 50%) and one extension; one student hands week1 in 30 h late
with a 48 h extension (``s02``), one 30 h late without (``s03``), one makes a mistake and answers a
written question (``s04``, pending in formgrader), one forgets notebook 02 (``s05``). Then grades it
(``python -m grader autograde``), runs ``nbgrader export`` on the gradebook, and exports to Canvas
(on a Canvas-style gradebook export as roster) and Moodle (on a grading worksheet). Prints the
first lines of each file.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEEKS = {"week1": ("01_normalizing_inputs", "02_batchnorm_forward"), "week2": ("06_softmax", "07_softmax_derivation")}
DUE = {"week1": datetime(2026, 10, 5, 23, 59, tzinfo=timezone.utc), "week2": datetime(2026, 10, 12, 23, 59, tzinfo=timezone.utc)}
WRONG_MV = "def compute_mean_variance(X):\n    return X.mean(1, keepdims=True), X.var(1, ddof=1, keepdims=True)\n"
COURSE_TOML = """timezone = "UTC"

[late_penalty]
policy = "percent"
percent = 10
per = "day"
cap = 50

[[assignment]]
name = "week1"
notebooks = ["01_normalizing_inputs", "02_batchnorm_forward"]
due = "2026-10-05T23:59:00Z"

[[assignment]]
name = "week2"
notebooks = ["06_softmax", "07_softmax_derivation"]
due = "2026-10-12T23:59:00Z"

[extensions.s02]
week1 = "48h"
"""


def students(n: int) -> list[str]:
    return [f"s{i:02d}" for i in range(1, n + 1)]


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def make_class(folder: Path, n: int = 25) -> Path:
    """``folder/course.toml`` and ``folder/course/submitted/<student>/<week>/<notebook>.ipynb`` with
    nbgrader's timestamp.txt; returns the nbgrader course folder."""
    from grader.release import filled_student_notebook

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    course = folder / "course"
    perfect = {nb: filled_student_notebook(nb) for nbs in WEEKS.values() for nb in nbs}
    for k, sid in enumerate(students(n)):
        for week, nbs in WEEKS.items():
            when = DUE[week] - timedelta(hours=2, minutes=k)
            if sid in ("s02", "s03") and week == "week1":
                when = DUE[week] + timedelta(hours=30)
            d = course / "submitted" / sid / week
            d.mkdir(parents=True, exist_ok=True)
            (d / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
            for nb in nbs:
                if sid == "s05" and nb == "02_batchnorm_forward":
                    continue
                content = json.loads(json.dumps(perfect[nb]))
                if sid == "s04" and nb == "01_normalizing_inputs":
                    _cell(content, "compute_mean_variance")["source"] = WRONG_MV
                    _cell(content, "q_why_normalize")["source"] = "Round contours: one learning rate suits every direction."
                (d / f"{nb}.ipynb").write_text(json.dumps(content), encoding="utf-8")
    return course


def canvas_roster(n: int, points: dict[str, float]) -> str:
    """A Canvas gradebook export for the class (what Grades > Export gives)."""
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "week1 (4711)", "week2 (4712)",
            "Current Score", "Final Score"]
    lines = [",".join(head), "    Points Possible,,,,," + f"{points['week1']:.2f},{points['week2']:.2f},"
             "(read only),(read only)"]
    for i, sid in enumerate(students(n), 1):
        lines.append(f'"Student{i:02d}, Ada",{1000 + i},S{i:05d},{sid},Section A,,,,')
    lines.append('"Student, Test",999,,,Section A,,,,')
    return "\n".join(lines) + "\n"


def moodle_worksheet(n: int, maximum: float) -> str:
    """Moodle's grading worksheet for week1 (View all submissions > Download grading worksheet)."""
    lines = ['Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
             '"Last modified (submission)","Last modified (grade)","Feedback comments"']
    for i, sid in enumerate(students(n), 1):
        lines.append(f'"Participant {5000 + i}","Ada Student{i:02d}",{sid}@example.edu,"Submitted for grading",,'
                     f'{maximum:.2f},Yes,"Monday, 5 October 2026, 9:00 PM",-,')
    return "\n".join(lines) + "\n"


def run(folder: Path, n: int = 25, workers: int | None = None, show=print) -> dict:
    """Build, grade and export the class in ``folder``; returns the paths and exit statuses."""
    folder = Path(folder)
    course = make_class(folder, n)
    py = sys.executable
    out = folder / "out"
    cmd = [py, "-m", "grader", "autograde", str(course), "--out", str(out), "--course-config",
           str(folder / "course.toml"), "--course-dir", str(course), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    graded = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    nbgrader_csv = folder / "nbgrader_export.csv"
    exported = subprocess.run([py, "-m", "nbgrader", "export", "--to", str(nbgrader_csv)], cwd=course,
                              capture_output=True, text=True)
    import csv

    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    points = {}
    for r in rows:
        if r["student_id"] == "s01":
            points[r["assignment"]] = points.get(r["assignment"], 0) + float(r["total_max"])
    (folder / "canvas_roster.csv").write_text(canvas_roster(n, points), encoding="utf-8")
    (folder / "moodle_week1.csv").write_text(moodle_worksheet(n, points["week1"]), encoding="utf-8")
    canvas = subprocess.run([py, "-m", "grader", "export", "canvas", str(out), "--roster",
                             str(folder / "canvas_roster.csv"), "--out", str(folder / "canvas_import.csv")],
                            cwd=ROOT, capture_output=True, text=True)
    moodle = subprocess.run([py, "-m", "grader", "export", "moodle", str(out), "--assignment", "week1", "--roster",
                             str(folder / "moodle_week1.csv"), "--out", str(folder / "moodle_week1_graded.csv")],
                            cwd=ROOT, capture_output=True, text=True)
    for title, proc in (("autograde", graded), ("nbgrader export", exported), ("export canvas", canvas),
                        ("export moodle", moodle)):
        show(f"$ {title}: exit {proc.returncode}\n{proc.stdout.strip()}\n{proc.stderr.strip()[-2000:]}".rstrip())
    for name in ("out/grades.csv", "nbgrader_export.csv", "canvas_import.csv", "moodle_week1_graded.csv"):
        path = folder / name
        if path.exists():
            head = path.read_text(encoding="utf-8").splitlines()[:6]
            show(f"--- {name} (first lines)\n" + "\n".join(head))
    return {"course": course, "out": out, "nbgrader_csv": nbgrader_csv, "canvas": folder / "canvas_import.csv",
            "moodle": folder / "moodle_week1_graded.csv", "status": {"autograde": graded.returncode,
            "nbgrader": exported.returncode, "canvas": canvas.returncode, "moodle": moodle.returncode},
            "logs": {"autograde": graded.stdout + graded.stderr, "nbgrader": exported.stdout + exported.stderr,
                     "canvas": canvas.stdout + canvas.stderr, "moodle": moodle.stdout + moodle.stderr}}


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python -m tools.class_demo DIR [N_STUDENTS]", file=sys.stderr)
        sys.exit(2)
    sys.exit(max(run(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 25)["status"].values()))
