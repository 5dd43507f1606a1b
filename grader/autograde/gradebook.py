"""Fill the nbgrader gradebook so that formgrader and ``nbgrader export`` show the grades.

For each graded assignment and notebook, nbgrader's own ``generate_assignment`` records the
notebook's cells (grade cells with their points, solution cells, locked source cells) from the
instructor source into the gradebook; then each student and submission is created and every
autograded test cell gets its score (``auto_score``). Written answers are left to formgrader:
an answer the student changed needs a manual grade; an untouched one scores 0 with the comment
"No response.", as nbgrader does. A missing or unreadable notebook scores 0.

The gradebook is SQLite by default (``COURSE_DIR/gradebook.db``) or any database nbgrader supports
(``--db postgresql://...``). For formgrader, each readable submission is also written, rebuilt
from the release notebook with only the student's answer cells and the checks' results as
outputs, to ``COURSE_DIR/autograded/<student>/<assignment>/<notebook>.ipynb``: the hidden test
cells there hold the student version's text, so ``nbgrader generate_feedback`` shows no hidden test.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import notebook as nbmod
from ..release import generate_assignment
from .plan import course_notebooks, plan
from .unit import read

CONFIG_TEMPLATE = Path(__file__).resolve().parent.parent / "nbgrader_config.py"


@dataclass
class GradebookReport:
    db_url: str
    course_dir: Path
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def default_db_url(course_dir: Path) -> str:
    return f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"


def write_config(course_dir: Path, db_url: str) -> Path:
    """``COURSE_DIR/nbgrader_config.py`` (the course's config with this gradebook), if absent."""
    path = Path(course_dir) / "nbgrader_config.py"
    if not path.exists():
        text = CONFIG_TEMPLATE.read_text(encoding="utf-8")
        text += f"\nc.CourseDirectory.db_url = {db_url!r}\n"
        path.write_text(text, encoding="utf-8")
    return path


def _student_cells(path: Path | None, rel: str, notebook: str):
    """(answers, {grade_id: source of the last cell with that id}) or (None, {}) if unreadable."""
    if path is None:
        return None, {}
    try:
        nb = read(path, rel)
    except (Exception, RecursionError):  # noqa: BLE001 - unreadable: graded as such already
        return None, {}
    by_id = {}
    for cell in nb["cells"]:
        gid = nbmod._grade_id(cell)
        if gid:
            by_id[gid] = cell["source"]
    return nbmod.answers(nb, notebook), by_id


def _unchanged(release_cell, source: str | None) -> bool:
    from nbgrader.utils import compute_checksum

    if source is None:
        return True
    cell = copy.deepcopy(release_cell)
    cell.source = source
    return compute_checksum(cell) == release_cell.metadata.nbgrader.get("checksum")


def _autograded(release: nbformat.NotebookNode, entry: dict, answers, by_id: dict) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    checks = {c["id"]: c for c in entry["checks"]}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if not gid:
            continue
        if meta.get("solution"):
            if cell.cell_type == "code" and answers is not None and gid in answers.code:
                cell.source = answers.code[gid]
            elif gid in by_id:
                cell.source = by_id[gid]
        elif gid in checks and cell.cell_type == "code":
            c = checks[gid]
            text = f"{c['status']}: {c['message']}"
            if c["status"] == "pass":
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
            else:
                cell.outputs = [nbformat.v4.new_output("error", ename=c["status"], evalue=c["message"].split("\n")[0],
                                                       traceback=text.split("\n"))]
    return nb


_FAST_COMMITS = []


def _fast_commits() -> None:
    """Gradebook commits without a flush to disk each: nbgrader commits after every row, and a
    full fsync per commit made recording a class take minutes. SQLite: WAL mode with NORMAL sync;
    PostgreSQL: ``synchronous_commit = off`` for the grader's sessions. Both are safe against
    corruption; the last commits may be lost on a power cut (a rerun records them again: the
    gradebook state is only trusted for rows nbgrader still finds)."""
    if _FAST_COMMITS:
        return
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def on_connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
        elif type(dbapi_connection).__module__.startswith("psycopg"):
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            cursor = dbapi_connection.cursor()
            cursor.execute("SET synchronous_commit TO off")
            cursor.close()
            dbapi_connection.autocommit = autocommit

    event.listen(Engine, "connect", on_connect)
    _FAST_COMMITS.append(True)


_LOCK_KEY = 0x6772616465  # "grade": the PostgreSQL advisory lock of the grader's gradebook writers


@contextlib.contextmanager
def _one_writer(course_dir: Path, db_url: str):
    """Hold the gradebook for this process: a file lock on the course folder (its state file and
    release cache) and, on PostgreSQL, a server-side advisory lock (other machines, other course
    folders on the same database). Two autograde runs at once then record one after the other
    instead of racing on nbgrader's unique rows (a lost or a duplicated grade)."""
    import fcntl

    with open(course_dir / ".grader-gradebook.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not db_url.startswith("postgresql"):
            yield
            return
        import sqlalchemy

        engine = sqlalchemy.create_engine(db_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
                try:
                    yield
                finally:
                    conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
        finally:
            engine.dispose()


def update(entries: list[dict], paths: dict, course_dir: Path, db_url: str | None = None) -> GradebookReport:
    """Record ``entries`` (results of course notebooks) in the gradebook; ``paths`` maps
    ``(student_id, file)`` to the file on disk (for the written answers). One process at a time
    per course folder and per PostgreSQL database (the others wait)."""
    _fast_commits()
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or default_db_url(course_dir)
    with warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about autoflush; nbgrader's own autograde too
        warnings.simplefilter("ignore", category=Warning)
        with _one_writer(course_dir, db_url):
            return _update(entries, paths, course_dir, db_url)


def _state_path(course_dir: Path) -> Path:
    return course_dir / ".grader-gradebook.json"


def _load_state(course_dir: Path, db_url: str) -> dict:
    """What an earlier run recorded in this gradebook (to skip what has not changed)."""
    from .run import grader_version

    try:
        state = json.loads(_state_path(course_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if state.get("db_url") != db_url or state.get("version") != grader_version():
        state = {"db_url": db_url, "version": grader_version(), "notebooks": [], "records": {}}
    return state


def _entry_hash(e: dict) -> str:
    return hashlib.sha256(json.dumps(e, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _release(course_dir: Path, assignment: str, notebook: str, db_url: str, state: dict, gb) -> nbformat.NotebookNode:
    """The release notebook; recorded in the gradebook by generate_assignment unless it already is."""
    from nbgrader.api import MissingEntry

    cached = course_dir / ".grader-release" / assignment / f"{notebook}.ipynb"
    if f"{assignment}/{notebook}" in state["notebooks"] and cached.exists():
        try:
            gb.find_notebook(notebook, assignment)
            return nbformat.read(cached, as_version=4)
        except (MissingEntry, OSError, ValueError):
            pass
    release = generate_assignment(notebook, assignment, db_url)
    cached.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, cached)
    state["notebooks"] = sorted({*state["notebooks"], f"{assignment}/{notebook}"})
    return release


def _update(entries: list[dict], paths: dict, course_dir: Path, db_url: str | None) -> GradebookReport:
    from nbgrader.api import Gradebook, MissingEntry

    from ..release import _prepare_nbgrader

    _prepare_nbgrader()  # nbgrader runs the `alembic` command to open a new gradebook; answer in process

    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or default_db_url(course_dir)
    report = GradebookReport(db_url, course_dir)
    write_config(course_dir, db_url)
    state = _load_state(course_dir, db_url)
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in entries:
        if e.get("_known") and e["notebook"] in course_notebooks():
            groups.setdefault((e.get("_assignment") or e["notebook"], e["notebook"]), []).append(e)
    with Gradebook(db_url) as gb:
        for (assignment, notebook), group in sorted(groups.items()):
            try:
                release = _release(course_dir, assignment, notebook, db_url, state, gb)
            except Exception as exc:  # noqa: BLE001 - e.g. the source changed after submissions were recorded
                gb.db.rollback()
                report.problems.append(f"gradebook: could not record {assignment}/{notebook}: {exc}")
                continue
            release_cells = {c.metadata.nbgrader["grade_id"]: c for c in release.cells
                             if c.metadata.get("nbgrader", {}).get("grade_id")}
            p = plan(notebook)
            for e in sorted(group, key=lambda e: e["student_id"]):
                key = f"{e['student_id']}|{assignment}|{notebook}"
                digest = _entry_hash({k: e.get(k) for k in ("checks", "status", "_file", "_key")})
                try:
                    if state["records"].get(key) == digest:
                        gb.find_submission_notebook(notebook, assignment, e["student_id"])
                        report.unchanged += 1
                        continue
                except MissingEntry:
                    pass
                try:
                    report.updated += _record(gb, e, paths, course_dir, assignment, notebook, release, release_cells, p)
                    state["records"][key] = digest
                except Exception as exc:  # noqa: BLE001 - one entry must not stop the others
                    gb.db.rollback()
                    state["records"].pop(key, None)
                    report.problems.append(f"gradebook: {e['student_id']}/{assignment}/{notebook}: {exc}")
    _state_path(course_dir).write_text(json.dumps(state, indent=0, sort_keys=True), encoding="utf-8")
    return report


def _record(gb, e: dict, paths: dict, course_dir: Path, assignment: str, notebook: str, release, release_cells,
            p) -> int:
    """Record one student's notebook: student, submission, scores, comments, autograded notebook."""
    sid = e["student_id"]
    path = paths.get((sid, e.get("_file")))
    gb.update_or_create_student(sid)
    kwargs = {}
    stamp = path.parent / "timestamp.txt" if path is not None else None
    if stamp is not None and stamp.is_file() and stamp.stat().st_size < 200:
        kwargs["timestamp"] = stamp.read_text(encoding="utf-8", errors="replace").strip()
    try:
        gb.update_or_create_submission(assignment, sid, **kwargs)
    except Exception:  # noqa: BLE001 - an unparsable timestamp.txt
        gb.db.rollback()
        gb.update_or_create_submission(assignment, sid)
    answers, by_id = _student_cells(path, e.get("_file") or "", notebook) if e["status"] != "missing" else (None, {})
    readable = answers is not None
    submitted = gb.find_submission_notebook(notebook, assignment, sid)
    grades = {g.name: g for g in submitted.grades}
    comments = {c.name: c for c in submitted.comments}
    for c in e["checks"]:
        grade = grades[c["id"]]
        grade.auto_score = c["score"]
        grade.needs_manual_grade = grade.manual_score is not None
    for m in p.manual:
        grade = grades[m.id]
        answered = readable and not _unchanged(release_cells[m.id], by_id.get(m.id))
        grade.auto_score = None if answered else 0.0
        grade.needs_manual_grade = answered or grade.manual_score is not None
    for gid, rcell in release_cells.items():
        if not rcell.metadata.nbgrader.get("solution") or gid not in comments:
            continue
        src = answers.code.get(gid) if answers is not None and rcell.cell_type == "code" else by_id.get(gid)
        comments[gid].auto_comment = "No response." if not readable or _unchanged(rcell, src) else None
    gb.db.commit()
    if readable:
        out = course_dir / "autograded" / sid / assignment / f"{notebook}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_autograded(release, e, answers, by_id), out)
    return 1
