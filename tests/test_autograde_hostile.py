"""Hostile submissions: none scores more than an honest wrong answer, touches anything outside
its sandbox, or stops the run.

All of them are graded in ONE run (a module fixture) next to an honest wrong answer and another
student's correct submission. The answer-cell attacks are the files of ``tests/hostile/``; the
notebook-level ones (broken files, deleted, retyped, duplicated and edited cells) are built here.
"""
from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from grader.autograde.run import autograde
from grader.release import filled_student_notebook
from grader.sandbox import Limits, isolation
from tests.test_autograde import run_once

pytestmark = pytest.mark.xdist_group("autograde-hostile")

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).with_name("hostile")
NB01 = "01_normalizing_inputs"
WRONG_MV = "def compute_mean_variance(X):\n    return X.mean(1, keepdims=True), X.var(1, ddof=1, keepdims=True)\n"
CELL_ATTACKS = sorted(p.stem for p in HOSTILE.glob("*.py"))
needs_bwrap = pytest.mark.skipif(not isolation().isolated, reason=f"no bubblewrap sandbox here: {isolation().detail} "
                                 "(`make setup` installs it as root)")

# What the attacked function may get (never a pass), and words its message must contain.
EXPECTED = {
    "patch_numpy": ({"fail"}, "differs"),
    "patch_builtins": ({"fail", "error", "crash"}, ""),
    "ipython_input_transformer": ({"error"}, "NameError"),
    "ipython_hooks": ({"error"}, ""),
    "ndarray_subclass": ({"fail"}, "subclass"),
    "array_liar": ({"fail"}, "Liar"),
    "find_reference": ({"error"}, "hostile-found=[]"),
    "read_files": ({"error"}, "hostile-found=[]"),
    "write_files": ({"error"}, ""),  # its writes land in its private /tmp: the host side is checked below
    "network": ({"error"}, "hostile-reached=[]"),
    "outlive": ({"fail"}, ""),
    "loop_top_level": ({"timeout"}, "did not finish"),
    "loop_in_function": ({"timeout"}, "did not finish"),
    "os_exit": ({"crash"}, "os._exit"),
    "segfault": ({"crash"}, "segmentation fault"),
    "memory": ({"error", "crash", "timeout"}, ""),
    "output_flood": ({"fail"}, ""),
    "sys_exit": ({"error"}, "SystemExit"),
    "recursion": ({"error", "crash", "timeout"}, ""),
    "kill_parent": ({"crash"}, ""),
    "fake_results": ({"fail", "crash"}, ""),
}
SECURITY = {"find_reference", "read_files", "write_files", "network", "outlive", "kill_parent"}


def cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def notebook_with(mv_source: str) -> dict:
    nb = filled_student_notebook(NB01)
    cell(nb, "compute_mean_variance")["source"] = mv_source
    return nb


def write(folder: Path, student: str, content, name: str = f"{NB01}.ipynb") -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def notebook_attacks() -> dict:
    """Submissions that attack the notebook rather than run code in a cell."""
    attacks: dict[str, object] = {
        "nb_malformed_json": '{"cells": [ {"cell_type": "code", ',
        "nb_empty": b"",
        "nb_binary": bytes(range(256)) * 64,
        "nb_not_a_notebook": json.dumps({"hello": "world"}),
        "nb_deeply_nested": "[" * 100_000 + "]" * 100_000,
        "nb_cells_of_wrong_types": json.dumps({"cells": [1, "x", None, {"cell_type": 3, "source": [1, 2],
                                                                          "metadata": "m"}]}),
    }
    deleted = filled_student_notebook(NB01)
    deleted["cells"].remove(cell(deleted, "compute_mean_variance"))
    attacks["nb_deleted_cell"] = deleted
    dup_last_wrong = notebook_with(WRONG_MV)  # a correct copy first, the wrong one last: the last counts
    right = dict(cell(filled_student_notebook(NB01), "compute_mean_variance"))
    dup_last_wrong["cells"].insert(0, right)
    attacks["nb_duplicated_cell"] = dup_last_wrong
    edited = notebook_with(WRONG_MV)  # the student's own test cells: emptied, re-pointed, worth 1000 points
    for gid in ("compute_mean_variance_visible", "compute_mean_variance_hidden"):
        c = cell(edited, gid)
        c["source"] = "print('\u2713 all checks pass')"
        c["metadata"]["nbgrader"]["points"] = 1000
    edited["cells"].append({"cell_type": "code", "execution_count": None, "id": "fake", "outputs": [],
                            "metadata": {"nbgrader": {"grade": True, "solution": True, "grade_id": "extra_points",
                                                      "points": 1000, "locked": False, "schema_version": 3}},
                            "source": "def compute_mean_variance(X):\n    return 0, 0\n"})
    attacks["nb_edited_test_cells"] = edited
    return attacks


class Listener:
    """A TCP server on the grading machine that records every connection."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _attack(root: Path) -> dict:
    subs, out, marker = root / "submissions", root / "out", root / "elsewhere" / "marker.txt"
    token = f"grader-hostile-{uuid.uuid4().hex}"
    listener = Listener()
    other = write(subs, "zed", filled_student_notebook(NB01))
    write(subs, "honest_wrong", notebook_with(WRONG_MV))
    gradebook = root / "course" / "gradebook.db"  # an instructor's existing gradebook and notes
    gradebook.parent.mkdir(parents=True)
    with sqlite3.connect(gradebook) as db:
        db.execute("CREATE TABLE grade (id TEXT, auto_score REAL)")
        db.execute("INSERT INTO grade VALUES ('zed', 1.0)")
    (out / "instructor-notes.txt").parent.mkdir(parents=True)
    (out / "instructor-notes.txt").write_text("private\n")
    subst = {"__REPO__": str(ROOT), "__OUT__": str(out), "__GRADEBOOK__": str(gradebook),
             "__OTHER__": str(other), "__MARKER__": str(marker), "__PORT__": str(listener.port),
             "__TOKEN__": token}
    for name in CELL_ATTACKS:
        text = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
        for key, value in subst.items():
            text = text.replace(key, value)
        write(subs, f"h_{name}", notebook_with(text))
    for name, content in notebook_attacks().items():
        write(subs, f"h_{name}", content)
    digests = {str(p): _digest(p) for p in (other, gradebook, out / "instructor-notes.txt")}
    scratch = root / "scratch"  # the grader's own temporary folders (sandbox jobs) go here during the run
    scratch.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        summary = autograde(subs, out, workers=2, progress=False, log=lambda msg: None, gradebook=False,
                            limits=Limits(wall_seconds=2, cpu_seconds=2, memory_bytes=1536 * 1024**2))
    finally:
        tempfile.tempdir = saved
    leftovers = []
    for proc in Path("/proc").iterdir():
        try:
            if token.encode() in (proc / "cmdline").read_bytes():
                leftovers.append(proc.name)
        except OSError:
            pass
    return {"entries": {e["student_id"]: e for e in summary.entries}, "out": str(out), "marker": str(marker),
            "connections": listener.connections, "digests": digests, "leftovers": leftovers,
            "scratch_left": sorted(p.name for p in scratch.iterdir())}


@pytest.fixture(scope="session")
def run(tmp_path_factory, worker_id):
    data = run_once(tmp_path_factory, worker_id, "autograde-hostile", _attack)
    return {**data, "out": Path(data["out"]), "marker": Path(data["marker"])}


def _checks(entry: dict, function: str) -> list[dict]:
    return [c for c in entry["checks"] if c["function"] == function]


def test_the_run_grades_everyone(run):
    students = {f"h_{n}" for n in CELL_ATTACKS} | {f"h_{n}" for n in notebook_attacks()} | {"zed", "honest_wrong"}
    assert set(run["entries"]) == students
    assert run["entries"]["zed"]["score"] == run["entries"]["zed"]["max_score"] == 6
    assert run["entries"]["honest_wrong"]["score"] == 3


@pytest.mark.parametrize("name", CELL_ATTACKS)
def test_cell_attack_scores_no_more_than_an_honest_wrong_answer(run, name):
    if name in SECURITY and not isolation().isolated:
        pytest.skip(f"no bubblewrap sandbox: {isolation().detail}")
    entry = run["entries"][f"h_{name}"]
    honest = run["entries"]["honest_wrong"]
    assert entry["score"] <= honest["score"], entry
    statuses, words = EXPECTED[name]
    for c in _checks(entry, "compute_mean_variance"):
        assert c["status"] in statuses, (name, c)
        assert c["score"] == 0
        assert words in c["message"], (name, c["message"])
    # the other function of the same notebook keeps its full marks: one crash costs nothing else
    assert all(c["status"] == "pass" for c in _checks(entry, "normalize_inputs")), (name, entry["checks"])


def test_every_attack_has_an_expectation():
    assert set(CELL_ATTACKS) == set(EXPECTED)


@pytest.mark.parametrize("name, words", [
    ("nb_malformed_json", "not valid notebook JSON"), ("nb_empty", "is empty"), ("nb_binary", "not a text file"),
    ("nb_not_a_notebook", "not a Jupyter notebook"), ("nb_deeply_nested", "cannot be read as a notebook"),
    ("nb_cells_of_wrong_types", ""),
])
def test_broken_files_get_a_status_and_a_message(run, name, words):
    entry = run["entries"][f"h_{name}"]
    assert entry["notebook"] == NB01 and entry["score"] == 0 and entry["max_score"] == 6
    assert entry["status"] in ("error", "fail")
    assert words in entry["message"]
    assert all(c["status"] in ("error", "missing", "fail") and c["message"] for c in entry["checks"])


def test_a_deleted_answer_cell_is_missing_and_the_rest_is_graded(run):
    entry = run["entries"]["h_nb_deleted_cell"]
    assert [c["status"] for c in _checks(entry, "compute_mean_variance")] == ["missing", "missing"]
    assert entry["score"] == 3


def test_duplicated_cells_follow_the_stated_rule_last_wins(run):
    entry = run["entries"]["h_nb_duplicated_cell"]
    assert [c["status"] for c in _checks(entry, "compute_mean_variance")] == ["fail", "fail"]
    assert "the last one counts" in entry["message"]
    assert entry["score"] == 3


def test_edited_test_cells_and_extra_grade_cells_change_nothing(run):
    entry = run["entries"]["h_nb_edited_test_cells"]
    assert entry["max_score"] == 6 and entry["score"] == 3
    assert [c["id"] for c in entry["checks"]] == ["compute_mean_variance_visible", "compute_mean_variance_hidden",
                                                  "normalize_inputs_visible", "normalize_inputs_hidden"]


@needs_bwrap
def test_nothing_outside_the_sandbox_was_touched(run):
    """The gradebook, the instructor's files in OUT, another student's submission: unchanged;
    no file left behind; the outputs are the grader's."""
    assert not run["marker"].exists() and not run["marker"].parent.exists()
    for path, digest in run["digests"].items():
        assert _digest(Path(path)) == digest, path
    assert "999" not in (run["out"] / "grades.csv").read_text()


@needs_bwrap
def test_no_network_connection_reached_the_grading_machine(run):
    assert run["connections"] == 0


def test_no_process_outlives_the_run(run):
    assert run["leftovers"] == []


def test_feedback_never_shows_hidden_tests_or_solutions(run):
    for page in (run["out"] / "feedback").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for secret in ("check_hidden", "BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "hidden_cases", "grader/suites",
                       "reference.py", "np.mean((X - mu) ** 2", "Traceback (most recent call last)"):
            assert secret not in text, (page, secret)


def test_the_grading_machine_keeps_no_job_folder(run):
    assert run["scratch_left"] == []
