"""Fill the nbgrader gradebook so that formgrader and ``nbgrader export`` show the grades.

For each graded assignment and notebook, nbgrader's own ``generate_assignment`` records the
notebook's cells (grade cells with their points, solution cells, locked source cells) from the
instructor source into the gradebook - every notebook of an assignment (``course.toml``) before any
submission of it, since nbgrader gives a new submission the notebooks its assignment has at that
moment (a submission recorded earlier gets the notebooks it lacks) - then each student and
submission is created and every autograded test cell gets its score (``auto_score``). The
assignment's due date, the student's extension, the submission time and the late penalty of each
notebook (:mod:`deadlines`, on the code and written points) go into nbgrader's own fields, so
``nbgrader export`` shows the same totals as ``grades.csv``. Written answers are left to formgrader:
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
    written: dict = field(default_factory=dict)  # (student, notebook) -> {"score", "max", "pending"}


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


def update(entries: list[dict], paths: dict, course_dir: Path, db_url: str | None = None,
           config=None) -> GradebookReport:
    """Record ``entries`` (results of course notebooks) in the gradebook; ``paths`` maps
    ``(student_id, file)`` to the file on disk (for the written answers); ``config`` is the
    course's :class:`~grader.course_config.CourseConfig` (assignments, due dates). One process at a
    time per course folder and per PostgreSQL database (the others wait)."""
    from ..course_config import CourseConfig

    _fast_commits()
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or default_db_url(course_dir)
    with warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about autoflush; nbgrader's own autograde too
        warnings.simplefilter("ignore", category=Warning)
        with _one_writer(course_dir, db_url):
            return _update(entries, paths, course_dir, db_url, config or CourseConfig(None))


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


def _naive_utc(iso: str | None):
    """nbgrader stores naive UTC date-times."""
    from datetime import datetime, timezone

    return datetime.fromisoformat(iso).astimezone(timezone.utc).replace(tzinfo=None) if iso else None


def _update(entries: list[dict], paths: dict, course_dir: Path, db_url: str | None, config) -> GradebookReport:
    from nbgrader.api import Gradebook, MissingEntry

    from ..release import _prepare_nbgrader

    _prepare_nbgrader()  # nbgrader runs the `alembic` command to open a new gradebook; answer in process

    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or default_db_url(course_dir)
    report = GradebookReport(db_url, course_dir)
    write_config(course_dir, db_url)
    state = _load_state(course_dir, db_url)
    groups: dict[str, dict[str, list[dict]]] = {}
    for e in entries:
        if e.get("_known") and e["notebook"] in course_notebooks():
            groups.setdefault(e.get("_assignment") or e["notebook"], {}).setdefault(e["notebook"], []).append(e)
    recorded: list[dict] = []
    with Gradebook(db_url) as gb:
        for assignment, by_notebook in sorted(groups.items()):
            # every notebook of the assignment first: a submission gets the notebooks that exist when it is made
            releases = {}
            for notebook in sorted({*config.notebooks_of(assignment), *by_notebook}):
                try:
                    releases[notebook] = _release(course_dir, assignment, notebook, db_url, state, gb)
                except Exception as exc:  # noqa: BLE001 - e.g. the source changed after submissions were recorded
                    gb.db.rollback()
                    report.problems.append(f"gradebook: could not record {assignment}/{notebook}: {exc}")
            try:
                due = config.due(assignment)
                gb.update_or_create_assignment(assignment, duedate=_naive_utc(due.isoformat()) if due else None)
            except Exception as exc:  # noqa: BLE001
                gb.db.rollback()
                report.problems.append(f"gradebook: could not set the due date of {assignment}: {exc}")
            for notebook, group in sorted(by_notebook.items()):
                if notebook not in releases:
                    continue
                release = releases[notebook]
                release_cells = {c.metadata.nbgrader["grade_id"]: c for c in release.cells
                                 if c.metadata.get("nbgrader", {}).get("grade_id")}
                p = plan(notebook)
                for e in sorted(group, key=lambda e: e["student_id"]):
                    key = f"{e['student_id']}|{assignment}|{notebook}"
                    digest = _entry_hash({k: e.get(k) for k in ("checks", "status", "_file", "_key", "_late")})
                    try:
                        if state["records"].get(key) == digest:
                            gb.find_submission_notebook(notebook, assignment, e["student_id"])
                            report.unchanged += 1
                            recorded.append(e)
                            continue
                    except MissingEntry:
                        pass
                    try:
                        report.updated += _record(gb, e, paths, course_dir, assignment, notebook, release,
                                                  release_cells, p, config)
                        state["records"][key] = digest
                        recorded.append(e)
                    except Exception as exc:  # noqa: BLE001 - one entry must not stop the others
                        gb.db.rollback()
                        state["records"].pop(key, None)
                        report.problems.append(f"gradebook: {e['student_id']}/{assignment}/{notebook}: {exc}")
        _penalties(gb, recorded, report)
    _state_path(course_dir).write_text(json.dumps(state, indent=0, sort_keys=True), encoding="utf-8")
    return report


def _penalties(gb, entries: list[dict], report: GradebookReport) -> None:
    """Read the written answers' points (formgrader may have changed them since the last run) and set
    each notebook's late penalty on its code + written points, as grades.csv does."""
    from .deadlines import penalty

    for e in entries:
        try:
            nb = gb.find_submission_notebook(e["notebook"], e["_assignment"] or e["notebook"], e["student_id"])
            manual = {m.id for m in plan(e["notebook"]).manual}
            score = mx = 0.0
            pending = 0
            for g in nb.grades:
                if g.name not in manual:
                    continue
                mx += g.max_score
                if g.manual_score is not None:
                    score += g.manual_score
                elif g.needs_manual_grade:
                    pending += 1
                elif g.auto_score is not None:
                    score += g.auto_score
            report.written[(e["student_id"], e["notebook"])] = {"score": score, "max": mx, "pending": pending}
            fraction = (e.get("_late") or {}).get("fraction", 0.0)
            nb.late_submission_penalty = penalty(e["score"] + score, fraction)
        except Exception as exc:  # noqa: BLE001
            gb.db.rollback()
            report.problems.append(f"gradebook: {e['student_id']}/{e['notebook']}: reading the written answers: {exc}")
    gb.db.commit()


def _ensure_notebooks(gb, assignment: str, sid: str) -> None:
    """Give a submission the notebooks of its assignment it lacks (nbgrader's add_submission makes
    only those that existed when the submission was created)."""
    from nbgrader.api import Comment, Grade, SubmittedNotebook

    submission = gb.find_submission(assignment, sid)
    have = {nb.notebook.name for nb in submission.notebooks}
    added = False
    for notebook in submission.assignment.notebooks:
        if notebook.name in have:
            continue
        nb = SubmittedNotebook(notebook=notebook, assignment=submission)
        for cell in notebook.grade_cells:
            Grade(cell_id=cell.id, notebook=nb)
        for cell in notebook.solution_cells:
            Comment(cell_id=cell.id, notebook=nb)
        for cell in notebook.task_cells:
            Comment(cell_id=cell.id, notebook=nb)
            Grade(cell_id=cell.id, notebook=nb)
        gb.db.add(nb)
        added = True
    if added:
        gb.db.commit()


def _record(gb, e: dict, paths: dict, course_dir: Path, assignment: str, notebook: str, release, release_cells,
            p, config) -> int:
    """Record one student's notebook: student, submission, scores, comments, autograded notebook."""
    sid = e["student_id"]
    path = paths.get((sid, e.get("_file")))
    gb.update_or_create_student(sid)
    late = e.get("_late") or {}
    kwargs = {"timestamp": _naive_utc(late.get("submitted")), "extension": config.extension(assignment, sid)}
    gb.update_or_create_submission(assignment, sid, **{k: v for k, v in kwargs.items() if v is not None})
    _ensure_notebooks(gb, assignment, sid)
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
