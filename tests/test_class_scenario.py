"""A graded class end to end (tools/class_demo.py): nbgrader layout, two assignments of two notebooks,
deadlines with an extension, nbgrader's own export against grades.csv, Canvas and Moodle files.
The report of issue 12 runs the same with 25 students (python -m tools.class_demo DIR 25)."""
from __future__ import annotations

import csv
import os

import pytest

from tools import class_demo

pytestmark = pytest.mark.xdist_group("autograde")
N = int(os.environ.get("COURSE_CLASS_SIZE", "6"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return class_demo.run(tmp_path_factory.mktemp("class"), N, show=lambda _: None)


def test_every_step_succeeds(demo):
    assert demo["status"] == {"autograde": 0, "nbgrader": 0, "canvas": 0, "moodle": 0}, demo["logs"]


def test_nbgrader_export_agrees_with_grades_csv(demo):
    ours: dict = {}
    for r in csv.DictReader(demo["out"].joinpath("grades.csv").open(encoding="utf-8")):
        t = ours.setdefault((r["student_id"], r["assignment"]), [0.0, 0.0, 0.0])
        t[0] += float(r["total"])
        t[1] += float(r["total_max"])
        t[2] += float(r["late_penalty"])
    theirs = {(r["student_id"], r["assignment"]): [float(r["score"]), float(r["max_score"]),
                                                   float(r["late_submission_penalty"])]
              for r in csv.DictReader(demo["nbgrader_csv"].open(encoding="utf-8"))}
    assert set(ours) == set(theirs) and len(ours) == 2 * N
    for key in ours:
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key


def test_lateness_extension_and_missing_notebook(demo):
    rows = {(r["student_id"], r["notebook"]): r for r in csv.DictReader(demo["out"].joinpath("grades.csv").open())}
    assert rows[("s02", "01_normalizing_inputs")]["late_hours"] == ""  # 30 h late, 48 h extension
    s03 = rows[("s03", "01_normalizing_inputs")]
    assert s03["late_hours"] == "30.00" and float(s03["late_penalty"]) == pytest.approx(0.2 * float(s03["score"]))
    assert rows[("s05", "02_batchnorm_forward")]["score"] == "0" and rows[("s05", "02_batchnorm_forward")]["total_max"] != "0"
    assert rows[("s04", "01_normalizing_inputs")]["written_pending"] == "1"


def test_canvas_and_moodle_files(demo):
    canvas = demo["canvas"].read_text().splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,week1 (4711),week2 (4712)"
    s04 = next(line for line in canvas if ",s04," in line)
    assert s04.split(",")[-2] == ""  # week1 held back: a written answer awaits formgrader
    assert "held back: " in demo["logs"]["canvas"]
    moodle = demo["moodle"].read_text().splitlines()
    assert moodle[0].startswith("Identifier,Full name,Email address,Status,Grade,Maximum Grade")
    assert len(moodle) == N + 1
