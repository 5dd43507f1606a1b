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


def _release(course_dir: Path, assignment: str, notebook: str, db_url: str, state: dict,
             known: set) -> nbformat.NotebookNode:
    """The release notebook; recorded in the gradebook by generate_assignment unless it already is
    (``known``: the gradebook's (assignment, notebook) names)."""
    cached = course_dir / ".grader-release" / assignment / f"{notebook}.ipynb"
    if f"{assignment}/{notebook}" in state["notebooks"] and (assignment, notebook) in known and cached.exists():
        try:
            return nbformat.read(cached, as_version=4)
        except (OSError, ValueError):
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


_BATCH = 200  # students whose rows are loaded, updated and committed together


def _assignment(e: dict) -> str:
    return e.get("_assignment") or e["notebook"]


def _known_notebooks(gb) -> set:
    """{(assignment, notebook)} of the gradebook, in one query."""
    from nbgrader.api import Assignment, Notebook

    known = set(gb.db.query(Assignment.name, Notebook.name).join(Notebook, Notebook.assignment_id == Assignment.id))
    gb.db.commit()  # a fresh snapshot for what generate_assignment records next
    return known


def _due_dates(gb, names: list[str], config, report: GradebookReport) -> None:
    """Each assignment's due date (course.toml) on its row, as update_or_create_assignment sets it;
    a missing assignment is created through nbgrader's API; one commit for them all."""
    from nbgrader.api import Assignment

    rows = {a.name: a for a in gb.db.query(Assignment).filter(Assignment.name.in_(names))} if names else {}
    for name in names:
        try:
            due = config.due(name)
            duedate = _naive_utc(due.isoformat()) if due else None
            if name in rows:
                rows[name].duedate = duedate
            else:
                gb.add_assignment(name, duedate=duedate)
        except Exception as exc:  # noqa: BLE001
            gb.db.rollback()
            report.problems.append(f"gradebook: could not set the due date of {name}: {exc}")
    try:
        gb.db.commit()
    except Exception as exc:  # noqa: BLE001
        gb.db.rollback()
        report.problems.append(f"gradebook: could not set the due dates of {', '.join(names)}: {exc}")


def _update(entries: list[dict], paths: dict, course_dir: Path, db_url: str | None, config) -> GradebookReport:
    from nbgrader.api import Gradebook

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
    with Gradebook(db_url) as gb:
        known = _known_notebooks(gb)
        releases: dict[str, dict] = {}  # assignment -> notebook -> release notebook
        for assignment, by_notebook in sorted(groups.items()):
            # every notebook of the assignment first: a submission gets the notebooks that exist when it is made
            releases[assignment] = {}
            for notebook in sorted({*config.notebooks_of(assignment), *by_notebook}):
                try:
                    releases[assignment][notebook] = _release(course_dir, assignment, notebook, db_url, state, known)
                except Exception as exc:  # noqa: BLE001 - e.g. the source changed after submissions were recorded
                    gb.db.rollback()
                    report.problems.append(f"gradebook: could not record {assignment}/{notebook}: {exc}")
        _due_dates(gb, sorted(groups), config, report)
        todo = [e for assignment, by_notebook in sorted(groups.items()) for notebook, group in sorted(by_notebook.items())
                if notebook in releases[assignment] for e in group]
        sids = sorted({e["student_id"] for e in todo})
        for start in range(0, len(sids), _BATCH):
            some = set(sids[start:start + _BATCH])
            _record_batch(gb, [e for e in todo if e["student_id"] in some], releases, state, paths, course_dir,
                          config, report)
    _state_path(course_dir).write_text(json.dumps(state, indent=0, sort_keys=True), encoding="utf-8")
    return report


@dataclass
class _Rows:
    """Some students' gradebook rows, loaded in a few queries (not one per row)."""
    cells: dict  # cell id -> GradeCell / SolutionCell / TaskCell of the assignments' notebooks
    notebooks: dict  # (assignment, notebook) -> Notebook
    submissions: dict  # (assignment, student id) -> SubmittedAssignment
    submitted: dict  # (assignment, student id, notebook) -> SubmittedNotebook, with its grades and comments loaded

    def grades(self, submitted) -> dict:
        """{grade cell name: Grade} of a submitted notebook."""
        return {self.cells[g.cell_id].name: g for g in submitted.grades}

    def comments(self, submitted) -> dict:
        return {self.cells[c.cell_id].name: c for c in submitted.comments}


def _create_missing(gb, entries: list[dict], config) -> None:
    """Students and submissions not yet in the gradebook, through nbgrader's API (one commit each:
    only the first time a student is recorded)."""
    from nbgrader.api import Assignment, Student, SubmittedAssignment

    sids = sorted({e["student_id"] for e in entries})
    known = {sid for (sid,) in gb.db.query(Student.id).filter(Student.id.in_(sids))}
    for sid in sids:
        if sid not in known:
            gb.add_student(sid)
    names = sorted({_assignment(e) for e in entries})
    submitted = set(gb.db.query(Assignment.name, SubmittedAssignment.student_id)
                    .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                    .filter(Assignment.name.in_(names), SubmittedAssignment.student_id.in_(sids)))
    for e in entries:
        key = (_assignment(e), e["student_id"])
        if key not in submitted:
            gb.add_submission(*key, **_submission_fields(e, key[0], config))
            submitted.add(key)


def _submission_fields(e: dict, assignment: str, config) -> dict:
    """The submission's time and the student's extension (only those that are known)."""
    late = e.get("_late") or {}
    fields = {"timestamp": _naive_utc(late.get("submitted")), "extension": config.extension(assignment, e["student_id"])}
    return {k: v for k, v in fields.items() if v is not None}


def _load(gb, names: list[str], sids: list[str]) -> _Rows:
    """The assignments' notebooks and cells, and these students' submissions with every submitted
    notebook, grade and comment: six queries, whatever the number of rows."""
    from nbgrader.api import (Assignment, BaseCell, GradeCell, Notebook, SolutionCell, SubmittedAssignment,
                              SubmittedNotebook, TaskCell)
    from sqlalchemy.orm import selectinload, with_polymorphic

    notebooks = {(a, n.name): n for n, a in gb.db.query(Notebook, Assignment.name)
                 .join(Assignment, Assignment.id == Notebook.assignment_id).filter(Assignment.name.in_(names))}
    cell = with_polymorphic(BaseCell, [GradeCell, SolutionCell, TaskCell])
    ids = [n.id for n in notebooks.values()]
    cells = {c.id: c for c in gb.db.query(cell).filter(cell.notebook_id.in_(ids))} if ids else {}
    submissions = {(a, s.student_id): s for s, a in gb.db.query(SubmittedAssignment, Assignment.name)
                   .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                   .filter(Assignment.name.in_(names), SubmittedAssignment.student_id.in_(sids))
                   .options(selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.grades),
                            selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.comments))}
    by_id = {n.id: key for key, n in notebooks.items()}
    submitted = {(a, sid, by_id[nb.notebook_id][1]): nb for (a, sid), s in submissions.items() for nb in s.notebooks
                 if nb.notebook_id in by_id}
    return _Rows(cells, notebooks, submissions, submitted)


def _record_batch(gb, entries: list[dict], releases: dict, state: dict, paths: dict, course_dir: Path, config,
                  report: GradebookReport) -> None:
    """Record some students' entries: load their rows, update them in the session, set each
    notebook's late penalty, and commit once. Should a commit fail, each entry is recorded on its
    own so that one bad entry costs only itself."""
    from nbgrader.utils import parse_utc

    def one_by_one(exc) -> None:
        gb.db.rollback()
        if len(entries) > 1:
            for e in entries:
                _record_batch(gb, [e], releases, state, paths, course_dir, config, report)
            return
        e = entries[0]
        state["records"].pop(f"{e['student_id']}|{_assignment(e)}|{e['notebook']}", None)
        report.problems.append(f"gradebook: {e['student_id']}/{_assignment(e)}/{e['notebook']}: {exc}")

    try:
        _create_missing(gb, entries, config)
    except Exception as exc:  # noqa: BLE001 - e.g. a student id the database refuses
        one_by_one(exc)
        return
    rows = _load(gb, sorted({_assignment(e) for e in entries}), sorted({e["student_id"] for e in entries}))
    done = []  # (entry, key, digest or None if unchanged, change or None)
    problems = []
    for e in sorted(entries, key=lambda e: (_assignment(e), e["notebook"], e["student_id"])):
        sid, notebook, assignment = e["student_id"], e["notebook"], _assignment(e)
        key = f"{sid}|{assignment}|{notebook}"
        digest = _entry_hash({k: e.get(k) for k in ("checks", "status", "_file", "_key", "_late")})
        if state["records"].get(key) == digest and (assignment, sid, notebook) in rows.submitted:
            done.append((e, key, None, None))
            continue
        try:
            change = _prepare(e, paths, releases[assignment][notebook], rows)
        except Exception as exc:  # noqa: BLE001 - one entry must not stop the others
            state["records"].pop(key, None)
            problems.append(f"gradebook: {sid}/{assignment}/{notebook}: {exc}")
            continue
        submission = rows.submissions[(assignment, sid)]
        for attr, value in _submission_fields(e, assignment, config).items():
            setattr(submission, attr, parse_utc(value) if attr == "timestamp" else value)
        submitted = rows.submitted[(assignment, sid, notebook)]
        change.apply(rows.grades(submitted), rows.comments(submitted))
        done.append((e, key, digest, change))
    written = _penalties(rows, [e for e, *_ in done], problems)
    try:
        gb.db.commit()
    except Exception as exc:  # noqa: BLE001
        one_by_one(exc)
        return
    report.problems += problems
    report.written.update(written)
    for e, key, digest, change in done:
        if digest is None:
            report.unchanged += 1
            continue
        state["records"][key] = digest
        report.updated += 1
        if change.autograded is not None:
            out = course_dir / "autograded" / e["student_id"] / _assignment(e) / f"{e['notebook']}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(change.autograded, out)


def _ensure_notebooks(rows: _Rows, assignment: str, sid: str) -> None:
    """Give a submission the notebooks of its assignment it lacks (nbgrader's add_submission makes
    only those that existed when the submission was created), as add_submission makes them."""
    from nbgrader.api import Comment, Grade, GradeCell, SolutionCell, SubmittedNotebook, TaskCell

    submission = rows.submissions[(assignment, sid)]
    for (a, name), notebook in sorted(rows.notebooks.items()):
        if a != assignment or (a, sid, name) in rows.submitted:
            continue
        nb = SubmittedNotebook(notebook=notebook, assignment=submission)
        for cell in rows.cells.values():
            if cell.notebook_id != notebook.id:
                continue
            if isinstance(cell, (GradeCell, TaskCell)):
                Grade(cell_id=cell.id, notebook=nb, needs_manual_grade=True)
            if isinstance(cell, (SolutionCell, TaskCell)):
                Comment(cell_id=cell.id, notebook=nb)
        rows.submitted[(a, sid, name)] = nb


@dataclass
class _Change:
    """What recording one entry sets: every value computed (and every row found) before any is set."""
    auto: dict  # grade name -> (auto_score, needs a manual grade unless one is given)
    comments: dict  # solution cell name -> auto_comment
    autograded: nbformat.NotebookNode | None  # the notebook for formgrader, when the submission is readable

    def apply(self, grades: dict, comments: dict) -> None:
        for name, (score, answered) in self.auto.items():
            grade = grades[name]
            grade.auto_score = score
            grade.needs_manual_grade = answered or grade.manual_score is not None
        for name, text in self.comments.items():
            comments[name].auto_comment = text


def _prepare(e: dict, paths: dict, release, rows: _Rows) -> _Change:
    """One student's notebook: test cells' scores (``auto_score``), written answers left to formgrader
    (an answer the student changed needs a manual grade; an untouched one scores 0 with the comment
    "No response."), the autograded notebook."""
    from nbgrader.api import MissingEntry

    release_cells = {c.metadata.nbgrader["grade_id"]: c for c in release.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id")}
    sid, notebook, assignment = e["student_id"], e["notebook"], _assignment(e)
    path = paths.get((sid, e.get("_file")))
    _ensure_notebooks(rows, assignment, sid)
    if (assignment, sid, notebook) not in rows.submitted:
        raise MissingEntry(f"No such submitted notebook: {assignment}/{notebook} for {sid}")
    submitted = rows.submitted[(assignment, sid, notebook)]
    grades, comments = rows.grades(submitted), rows.comments(submitted)
    answers, by_id = _student_cells(path, e.get("_file") or "", notebook) if e["status"] != "missing" else (None, {})
    readable = answers is not None
    auto = {}
    for c in e["checks"]:
        grades[c["id"]]  # noqa: B018 - a KeyError now, before anything is set
        auto[c["id"]] = (c["score"], False)
    for m in plan(notebook).manual:
        grades[m.id]  # noqa: B018
        answered = readable and not _unchanged(release_cells[m.id], by_id.get(m.id))
        auto[m.id] = (None if answered else 0.0, answered)
    texts = {}
    for gid, rcell in release_cells.items():
        if not rcell.metadata.nbgrader.get("solution") or gid not in comments:
            continue
        src = answers.code.get(gid) if answers is not None and rcell.cell_type == "code" else by_id.get(gid)
        texts[gid] = "No response." if not readable or _unchanged(rcell, src) else None
    return _Change(auto, texts, _autograded(release, e, answers, by_id) if readable else None)


def _penalties(rows: _Rows, entries: list[dict], problems: list[str]) -> dict:
    """Read the written answers' points (formgrader may have changed them since the last run) and set
    each notebook's late penalty on its code + written points, as grades.csv does. Returns
    ``{(student, notebook): {"score", "max", "pending"}}`` of the written answers."""
    from .deadlines import penalty

    written = {}
    for e in entries:
        try:
            nb = rows.submitted[(_assignment(e), e["student_id"], e["notebook"])]
            manual = {m.id for m in plan(e["notebook"]).manual}
            score = mx = 0.0
            pending = 0
            for name, g in rows.grades(nb).items():
                if name not in manual:
                    continue
                mx += getattr(rows.cells[g.cell_id], "max_score", None) or 0.0
                if g.manual_score is not None:
                    score += g.manual_score
                elif g.needs_manual_grade:
                    pending += 1
                elif g.auto_score is not None:
                    score += g.auto_score
            written[(e["student_id"], e["notebook"])] = {"score": score, "max": mx, "pending": pending}
            fraction = (e.get("_late") or {}).get("fraction", 0.0)
            nb.late_submission_penalty = penalty(e["score"] + score, fraction)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"gradebook: {e['student_id']}/{e['notebook']}: reading the written answers: {exc}")
    return written
