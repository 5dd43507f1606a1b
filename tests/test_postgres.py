"""The gradebook on a real PostgreSQL server (``autograde --db postgresql://...``): a private server
(tools/pgserver.py) on 127.0.0.1; the grades read back through nbgrader's API and ``nbgrader export``;
a regrade; two autograde processes recording into the same course at once.

Skipped with a message where no server can be started; ``COURSE_REQUIRE_POSTGRES=1`` (CI) makes
that a failure.
"""
from __future__ import annotations

import csv
import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.release import filled_student_notebook
from tools import pgserver as pg
from tests.test_autograde import NB01, NB02, WRONG_MV, cell, make_class, write

pytestmark = pytest.mark.xdist_group("postgres")
ROOT = Path(__file__).resolve().parent.parent
_names = itertools.count()


@pytest.fixture(scope="module")
def server():
    try:
        with pg.server() as url:
            yield url
    except pg.Unavailable as exc:
        message = f"PostgreSQL gradebook tests need a PostgreSQL server: {exc}"
        if os.environ.get("COURSE_REQUIRE_POSTGRES", "") not in ("", "0"):
            pytest.fail(f"COURSE_REQUIRE_POSTGRES is set but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture
def db(server):
    """A fresh database on the private server (one per test)."""
    return pg.create_database(server, f"course{next(_names)}")


def autograde(subs: Path, out: Path, db: str, *extra: str, wait: bool = True):
    argv = [sys.executable, "-m", "grader", "autograde", str(subs), "--out", str(out), "--db", db, "--quiet",
            "--wall-seconds", "20", "--workers", "1", *extra]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return proc
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stderr
    assert "problem:" not in stderr, stderr
    return stdout, stderr


def scores(db: str) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        return {(s.student.id, nb.name): nb.score for a in gb.assignments for s in a.submissions
                for nb in s.notebooks}


def test_autograde_records_the_class_in_postgresql_and_nbgrader_exports_it(db, tmp_path):
    from nbgrader.api import Gradebook

    subs = make_class(tmp_path / "submissions")
    stdout, _ = autograde(subs, tmp_path / "out", db)
    assert f"gradebook {db}" in stdout
    with Gradebook(db) as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "dave", "erin", "frank"]
        bob = gb.find_submission_notebook(NB01, NB01, "bob")
        grades = {g.name: g for g in bob.grades}
        assert bob.code_score == 3 and grades["compute_mean_variance_visible"].auto_score == 0
        assert grades["q_why_normalize"].needs_manual_grade and grades["q_why_normalize"].auto_score is None
        assert gb.find_submission_notebook(NB01, NB01, "alice").code_score == 6
        assert gb.find_submission_notebook(NB02, NB02, "bob").score == 0  # missing
    course = tmp_path / "out" / "nbgrader"
    assert repr(db) in (course / "nbgrader_config.py").read_text()
    res = subprocess.run([str(Path(sys.executable).with_name("nbgrader")), "export", "--to", "grades.csv"],
                         cwd=course, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO((course / "grades.csv").read_text())))
    table = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in rows}
    assert table[("alice", NB01)] == 6 and table[("bob", NB01)] == 3 and table[("erin", NB02)] == 5


def test_a_regrade_updates_the_grade_in_place(db, tmp_path):
    subs = make_class(tmp_path / "submissions")
    autograde(subs, tmp_path / "out", db)
    before = scores(db)
    assert before[("bob", NB01)] == 3
    write(subs / "bob" / f"{NB01}.ipynb", filled_student_notebook(NB01))  # bob hands in a corrected version
    stdout, _ = autograde(subs, tmp_path / "out", db)
    after = scores(db)
    assert after[("bob", NB01)] == 6
    assert {k: v for k, v in after.items() if k != ("bob", NB01)} == {k: v for k, v in before.items()
                                                                       if k != ("bob", NB01)}
    assert len(after) == len(before)  # updated, not added


def test_two_autograde_processes_on_one_course_at_once_lose_and_duplicate_nothing(db, tmp_path):
    """Two sections graded at the same moment into one course folder and database; bob is in both."""
    from nbgrader.api import Gradebook

    right, wrong = filled_student_notebook(NB01), filled_student_notebook(NB01)
    cell(wrong, "compute_mean_variance")["source"] = WRONG_MV
    sections = {"a": {"alice": right, "bob": wrong, "carl": right}, "b": {"bob": wrong, "dina": wrong, "eve": right}}
    for section, students in sections.items():
        for sid, nb in students.items():
            write(tmp_path / section / sid / f"{NB01}.ipynb", nb)
            write(tmp_path / section / sid / f"{NB02}.ipynb", filled_student_notebook(NB02))
    course = tmp_path / "course"
    procs = [autograde(tmp_path / s, tmp_path / f"out-{s}", db, "--course-dir", str(course), wait=False)
             for s in sections]
    for proc in procs:
        _, stderr = proc.communicate(timeout=900)
        assert proc.returncode == 0, stderr
        assert "problem:" not in stderr, stderr
    got = scores(db)
    expected = {}
    for students in sections.values():
        for sid, nb in students.items():
            expected[(sid, NB01)] = 6.0 if nb is right else 3.0
            expected[(sid, NB02)] = 5.0
    assert got == expected
    with Gradebook(db) as gb:
        assert sorted(s.id for s in gb.students) == sorted(sid for sid, _ in expected if _ == NB01)
        for assignment in (NB01, NB02):
            subs = gb.find_assignment(assignment).submissions
            assert len(subs) == len({s.student.id for s in subs}) == 5  # one submission per student


def test_gradebook_writes_do_not_wait_for_a_disk_flush(db):
    """The grader's sessions commit without waiting for the WAL flush (as SQLite's NORMAL sync)."""
    import sqlalchemy

    from grader.autograde import gradebook

    gradebook._fast_commits()
    engine = sqlalchemy.create_engine(db)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SHOW synchronous_commit")).scalar() == "off"
    engine.dispose()
