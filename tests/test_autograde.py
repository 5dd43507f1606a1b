"""``python -m grader autograde``: outputs, gradebook, feedback, resumability, determinism, layouts.

One small class is graded once (module fixture) and again into the same folder (resumed) and
into a fresh one (deterministic). The hostile submissions are in test_autograde_hostile.py.
"""
from __future__ import annotations

import csv
import fcntl
import io
import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.autograde import layout
from grader.autograde.layout import LayoutError, discover
from grader.autograde.plan import plan
from grader.autograde.run import autograde
from grader.release import filled_student_notebook
from grader.sandbox import Limits

pytestmark = pytest.mark.xdist_group("autograde")

ROOT = Path(__file__).resolve().parent.parent
NB01, NB02 = "01_normalizing_inputs", "02_batchnorm_forward"
WRONG_MV = "def compute_mean_variance(X):\n    return X.mean(1, keepdims=True), X.var(1, ddof=1, keepdims=True)\n"
NOISY_MV = '''import sys
import warnings


def compute_mean_variance(X):
    """Correct, but chatty: prints, writes to stderr, warns and triggers NumPy warnings."""
    print("computing the statistics of", X.shape)
    print("debug: stderr output costs nothing", file=sys.stderr)
    warnings.warn("a warning of the student's own")
    np.log(np.zeros(1))  # RuntimeWarning: divide by zero
    mu = np.mean(X, axis=1, keepdims=True)
    return mu, np.mean((X - mu) ** 2, axis=1, keepdims=True)
'''
LIMITS = Limits(wall_seconds=20, cpu_seconds=20)


def cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def write(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")
    return path


def make_class(folder: Path) -> Path:
    noisy = filled_student_notebook(NB01)
    cell(noisy, "compute_mean_variance")["source"] = NOISY_MV
    write(folder / "alice" / f"{NB01}.ipynb", noisy)
    write(folder / "alice" / f"{NB02}.ipynb", filled_student_notebook(NB02))
    wrong = filled_student_notebook(NB01)
    cell(wrong, "compute_mean_variance")["source"] = WRONG_MV
    cell(wrong, "q_why_normalize")["source"] = "Round contours: one learning rate suits every direction."
    write(folder / "bob" / f"{NB01}.ipynb", wrong)  # and no notebook 02: missing
    write(folder / "dave" / f"{NB01}.ipynb", filled_student_notebook(NB01))
    write(folder / "dave" / f"{NB01} (1).ipynb", wrong)  # a renamed copy: the exact name wins
    (folder / "dave" / "notes.txt").write_text("not a notebook")
    write(folder / "erin" / "my_homework.ipynb", filled_student_notebook(NB02))  # renamed: found by its cells
    write(folder / "frank" / "essay.ipynb", {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    return folder


def run_once(tmp_path_factory, worker_id: str, name: str, build) -> dict:
    """``build(folder)`` (a JSON-able dict) once per test session, even across xdist workers:
    pytest-xdist 3.8's ``--dist loadgroup`` does not group tests under pytest 9 (it renames
    ``item._nodeid``, which pytest 9 no longer reads), so the first worker builds and the others
    wait for it and read its result."""
    if worker_id == "master":
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = shared / "result.json"
        if result.exists():
            return json.loads(result.read_text(encoding="utf-8"))
        data = build(shared / "work")
        result.write_text(json.dumps(data), encoding="utf-8")
        return data


def _grade_class(root: Path) -> dict:
    subs = make_class(root / "submissions")
    messages = []
    s = autograde(subs, root / "out", workers=2, limits=LIMITS, progress=False, log=messages.append)
    return {"subs": str(subs), "out": str(root / "out"), "log": messages, "entries": s.entries,
            "summary": {"submissions": s.submissions, "ignored": s.ignored, "gradebook": s.gradebook}}


@pytest.fixture(scope="session")
def graded(tmp_path_factory, worker_id):
    data = run_once(tmp_path_factory, worker_id, "autograde-class", _grade_class)
    return {**data, "subs": Path(data["subs"]), "out": Path(data["out"]),
            "entries": {(e["student_id"], e["notebook"]): e for e in data["entries"]}}


def results(out: Path) -> list[dict]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_results_json_follows_the_spec(graded):
    data = results(graded["out"])
    assert [(e["student_id"], e["notebook"]) for e in data] == sorted((e["student_id"], e["notebook"]) for e in data)
    for e in data:
        assert set(e) == {"student_id", "notebook", "score", "max_score", "status", "message", "checks"}
        for c in e["checks"]:
            assert set(c) == {"id", "function", "points", "score", "status", "message", "mistake"}
            assert c["status"] in ("pass", "fail", "error", "timeout", "crash", "missing")
            # the stable id of the mistake the message names: none on a pass, "<function>.<slug>" when named
            assert c["mistake"] is None if c["status"] == "pass" else \
                (c["mistake"] is None or c["mistake"].startswith(c["function"] + "."))
            assert c["score"] == (c["points"] if c["status"] == "pass" else 0)
            assert c["message"]
        assert e["score"] == sum(c["score"] for c in e["checks"])
        assert e["max_score"] == sum(c["points"] for c in e["checks"])
    alice = graded["entries"][("alice", NB01)]
    assert [c["id"] for c in alice["checks"]] == [t.id for t in plan(NB01).tests]
    assert [c["function"] for c in alice["checks"]] == [t.function for t in plan(NB01).tests]


def test_grades_csv(graded):
    rows = list(csv.reader(io.StringIO((graded["out"] / "grades.csv").read_text())))
    assert rows[0] == ["student_id", "notebook", "score", "max_score", "assignment", "written_score", "written_max",
                       "written_pending", "late_hours", "late_penalty", "total", "total_max"]
    table = {(r[0], r[1]): (float(r[2]), float(r[3])) for r in rows[1:]}
    assert all(r[4] == r[1] for r in rows[1:])  # no course file assignments: each notebook is its own
    assert table[("alice", NB01)] == (6, 6) and table[("alice", NB02)] == (5, 5)
    assert table[("bob", NB01)] == (3, 6)
    assert table[("bob", NB02)] == (0, 5)


def test_a_correct_submission_that_prints_and_warns_keeps_full_marks(graded):
    alice = graded["entries"][("alice", NB01)]
    assert alice["status"] == "pass" and alice["score"] == 6
    mv = [c for c in alice["checks"] if c["function"] == "compute_mean_variance"]
    assert all("warning" in c["message"].lower() for c in mv)  # told, not penalized


def test_a_mistake_is_named_and_the_other_function_keeps_its_points(graded):
    bob = graded["entries"][("bob", NB01)]
    by_id = {c["id"]: c for c in bob["checks"]}
    assert by_id["compute_mean_variance_visible"]["status"] == "fail"
    assert "unbiased variance" in by_id["compute_mean_variance_visible"]["message"]
    assert "unbiased variance" in by_id["compute_mean_variance_hidden"]["message"]
    assert by_id["normalize_inputs_hidden"]["status"] == "pass"


def test_a_missing_notebook_scores_zero_with_status_missing(graded):
    e = graded["entries"][("bob", NB02)]
    assert e["status"] == "missing" and e["score"] == 0 and e["max_score"] == 5
    assert all(c["status"] == "missing" for c in e["checks"])
    assert f"{NB02}.ipynb" in e["message"]


def test_duplicates_renamed_and_unknown_files(graded):
    dave = graded["entries"][("dave", NB01)]
    assert dave["score"] == 6 and "(1).ipynb" in dave["message"]  # the exact name wins, the copy is reported
    assert graded["entries"][("erin", NB02)]["score"] == 5  # found by its answer cells
    frank = graded["entries"][("frank", "essay")]
    assert frank["status"] == "error" and "not a notebook of this course" in frank["message"]
    assert any("notes.txt" in note for note in graded["summary"]["ignored"])


def test_feedback_pages(graded):
    out = graded["out"]
    for (sid, nb), e in graded["entries"].items():
        page = out / "feedback" / sid / f"{nb}.html"
        assert page.exists(), page
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "BEGIN HIDDEN TESTS" not in text and "check_hidden" not in text
    bob = (out / "feedback" / "bob" / f"{NB01}.html").read_text(encoding="utf-8")
    assert "unbiased variance" in bob and "3 / 6" in bob and "q_why_normalize" in bob


def test_gradebook_has_the_scores_and_leaves_written_answers_to_formgrader(graded):
    from nbgrader.api import Gradebook

    course = graded["out"] / "nbgrader"
    assert graded["summary"]["gradebook"] == f"sqlite:///{(course / 'gradebook.db').resolve()}"
    assert (course / "nbgrader_config.py").exists()
    with Gradebook(graded["summary"]["gradebook"]) as gb:
        alice = gb.find_submission_notebook(NB01, NB01, "alice")
        assert alice.code_score == 6
        bob = gb.find_submission_notebook(NB01, NB01, "bob")
        grades = {g.name: g for g in bob.grades}
        assert bob.code_score == 3 and grades["compute_mean_variance_visible"].auto_score == 0
        assert grades["q_why_normalize"].needs_manual_grade and grades["q_why_normalize"].auto_score is None
        assert grades["q_test_statistics"].auto_score == 0 and not grades["q_test_statistics"].needs_manual_grade
        missing = gb.find_submission_notebook(NB02, NB02, "bob")
        assert missing.score == 0 and not missing.needs_manual_grade
    autograded = course / "autograded" / "bob" / NB01 / f"{NB01}.ipynb"
    text = autograded.read_text(encoding="utf-8")
    assert "ddof=1" in text and "Round contours" in text and "BEGIN HIDDEN TESTS" not in text
    assert "check_hidden" not in text


def test_nbgrader_autograde_is_refused_by_the_course_config(graded):
    """The course's nbgrader_config.py stops plain `nbgrader autograde` before any student code runs."""
    from nbgrader.converters import Autograde
    from traitlets.config.loader import PyFileConfigLoader

    course = graded["out"] / "nbgrader"
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    converter = Autograde(config=config)
    assert [p.__name__ for p in converter.sanitize_preprocessors] == ["UseTheCourseAutograder"]
    guard = converter.sanitize_preprocessors[0]()
    with pytest.raises(RuntimeError, match="python -m grader autograde"):
        guard.preprocess({}, {})


def test_a_rerun_regrades_only_what_changed_and_is_identical(graded, tmp_path):
    out = graded["out"]
    before = {p: p.read_bytes() for p in [out / "results.json", out / "grades.csv", *sorted(out.rglob("*.html"))]}
    again = autograde(graded["subs"], out, workers=2, limits=LIMITS, progress=False, gradebook=False)
    assert again.graded == 0 and again.cached == graded["summary"]["submissions"]
    assert {p: p.read_bytes() for p in before} == before
    # one changed submission: only it is graded again
    import shutil

    changed = tmp_path / "subs"
    shutil.copytree(graded["subs"], changed)
    nb = json.loads((changed / "bob" / f"{NB01}.ipynb").read_text())
    cell(nb, "compute_mean_variance")["source"] = NOISY_MV
    write(changed / "bob" / f"{NB01}.ipynb", nb)
    shutil.copytree(out / ".cache", tmp_path / "out" / ".cache")
    third = autograde(changed, tmp_path / "out", workers=1, limits=LIMITS, progress=False, gradebook=False)
    assert third.graded == 1 and third.cached == third.submissions - 1
    assert {(e["student_id"], e["notebook"]): e["score"] for e in third.entries}[("bob", NB01)] == 6


def test_grading_the_same_folder_twice_gives_identical_results(graded, tmp_path):
    """A fresh OUT, one worker instead of two: the same bytes."""
    autograde(graded["subs"], tmp_path / "out", workers=1, limits=LIMITS, progress=False, gradebook=False)
    out = graded["out"]
    for name in ("results.json", "grades.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (out / name).read_bytes()
    for page in out.rglob("*.html"):
        assert (tmp_path / "out" / page.relative_to(out)).read_bytes() == page.read_bytes()


# --- layouts, zips, errors (no grading) ------------------------------------------------

def _nb() -> str:
    return json.dumps(filled_student_notebook(NB01))


def test_nbgrader_submitted_layout(tmp_path):
    course = tmp_path / "course"
    write(course / "submitted" / "s1" / NB01 / f"{NB01}.ipynb", _nb())
    (course / "submitted" / "s1" / NB01 / "timestamp.txt").write_text("2026-01-01 10:00:00 UTC")
    write(course / "submitted" / "s2" / NB01 / f"{NB01}.ipynb", _nb())
    found = discover(course)
    assert [(s.student_id, s.assignment, s.rel) for s in found.submissions] == [
        ("s1", NB01, f"s1/{NB01}/{NB01}.ipynb"), ("s2", NB01, f"s2/{NB01}/{NB01}.ipynb")]


def test_lms_layouts(tmp_path):
    moodle = tmp_path / "moodle"
    write(moodle / "Ada Lovelace_1234_assignsubmission_file_" / f"{NB01}.ipynb", _nb())
    canvas = tmp_path / "canvas"
    write(canvas / f"lovelaceada_1234_98765_{NB01}.ipynb", _nb())
    write(canvas / f"turingalan_late_77_98766_{NB01}-1.ipynb", _nb())
    assert [s.student_id for s in discover(moodle).submissions] == ["Ada Lovelace_1234"]
    assert sorted(s.student_id for s in discover(canvas).submissions) == ["lovelaceada_1234", "turingalan_77"]


def _zip(path: Path, members: dict, links: tuple = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_a_zip_is_extracted_safely(tmp_path):
    archive = _zip(tmp_path / "class.zip", {
        f"download/alice/{NB01}.ipynb": _nb(),
        f"download/bob/{NB01}.ipynb": _nb(),
        "../evil.ipynb": _nb(), "/etc/evil.ipynb": _nb(), f"download/../../{NB01}.ipynb": _nb(),
        "download/__MACOSX/alice/._x.ipynb": "junk", "download/alice/run.sh": "rm -rf /",
    }, links=(f"download/carol/{NB01}.ipynb",))
    found = discover(archive)
    try:
        assert sorted((s.student_id, Path(s.rel).name) for s in found.submissions) == [
            ("alice", f"{NB01}.ipynb"), ("bob", f"{NB01}.ipynb")]
        assert all(s.path.resolve().is_relative_to(Path(found.tmpdir.name).resolve()) for s in found.submissions)
        assert sum("unsafe path" in i for i in found.ignored) == 3
        assert any("symbolic link" in i for i in found.ignored)
        assert not (tmp_path / "evil.ipynb").exists() and not Path("/etc/evil.ipynb").exists()
    finally:
        found.close()


def test_zip_size_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "MAX_ZIP_MEMBER_BYTES", 1000)
    archive = _zip(tmp_path / "big.zip", {f"a/{NB01}.ipynb": _nb(), f"b/{NB01}.ipynb": "{}"})
    found = discover(archive)
    assert [s.student_id for s in found.submissions] == ["b"] and any("larger than" in i for i in found.ignored)
    found.close()
    monkeypatch.setattr(layout, "MAX_ZIP_MEMBER_BYTES", 10**9)
    monkeypatch.setattr(layout, "MAX_ZIP_TOTAL_BYTES", 10_000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"a/{NB01}.ipynb", "0" * 1_000_000)
    with pytest.raises(LayoutError, match="zip bomb"):
        discover(bomb)


def test_bad_submission_folders_get_clear_errors(tmp_path):
    with pytest.raises(LayoutError, match="does not exist"):
        discover(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(LayoutError, match="not a folder or a .zip"):
        discover(tmp_path / "file.txt")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LayoutError):
        discover(tmp_path / "broken.zip")


def test_cli_errors_and_a_run_from_a_zip(tmp_path, capsys):
    from grader.cli import main

    assert main(["autograde", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["autograde", str(tmp_path), "--out", str(tmp_path / "out"), "--notebooks", "99_nothing"]) == 2
    assert "not a notebook of this course" in capsys.readouterr().err
    archive = _zip(tmp_path / "class.zip", {f"alice/{NB01}.ipynb": _nb(), "bob/notes.txt": "hi"})
    assert main(["autograde", str(archive), "--out", str(tmp_path / "out"), "--no-gradebook", "--quiet",
                 "--workers", "1"]) == 0
    captured = capsys.readouterr()
    grades = (tmp_path / "out" / "grades.csv").read_text()
    assert "alice,01_normalizing_inputs,6,6" in grades
    assert "bob,01_normalizing_inputs,0,6" in grades  # a folder without the notebook: missing
    assert "Graded 1 file" in captured.out and "bob/notes.txt: not a notebook" in captured.out


def test_the_command_line_runs_as_a_module(tmp_path):
    res = subprocess.run([sys.executable, "-m", "grader", "autograde", str(tmp_path / "nope"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 2 and "does not exist" in res.stderr and "Traceback" not in res.stderr


def test_every_course_notebook_filled_with_the_reference_gets_full_marks(tmp_path):
    """The grader works for every notebook from its specs and source alone (sandboxed as for real)."""
    from grader.autograde.plan import course_notebooks
    from grader.release import NOTEBOOKS

    released = [nb for nb in course_notebooks() if (NOTEBOOKS / f"{nb}.ipynb").exists()]
    for nb in released:
        write(tmp_path / "subs" / "ref" / f"{nb}.ipynb", filled_student_notebook(nb))
    summary = autograde(tmp_path / "subs", tmp_path / "out", workers=2, progress=False, gradebook=False)
    for e in summary.entries:
        assert e["score"] == e["max_score"], [(c["id"], c["status"], c["message"]) for c in e["checks"]]
    assert {e["notebook"] for e in summary.entries} == set(released)
