"""Learning management systems: their download file names, and grade files they import as they are.

Downloads (read by :mod:`layout`):

- Canvas, "Download Submissions": a zip of flat files, usually inside one wrapper folder, named
  ``<name>[_LATE]_<user id>_<attachment id>_<file name>`` where ``<name>`` is the student's sortable
  name in lower case without spaces or punctuation; a resubmitted file name may end in ``-1``,
  ``-2``. The grader's student id is ``<name>_<user id>``; ``_LATE`` (any case) marks a submission
  Canvas received after its due date.
- Moodle, "Download all submissions": one folder per student, ``<Full Name>_<participant id>_
  assignsubmission_file_/`` (or flat files with that prefix). The student id is
  ``<Full Name>_<participant id>``; the participant id is the grading worksheet's
  ``Participant <id>``.

Grade files (written by ``python -m grader export``):

- Canvas: the Gradebook's "Export" CSV is the roster (``Student, ID, SIS User ID, SIS Login ID,
  Section``, then one column per assignment named ``<Name> (<assignment id>)`` and a ``Points
  Possible`` row). The import file keeps those five columns and the assignment columns of the
  course's assignments; a blank cell changes nothing in Canvas.
- Moodle: the assignment's "Download grading worksheet" CSV (``Identifier, Full name, Email address,
  Status, Grade, Maximum Grade, Grade can be changed, Last modified (submission), Last modified
  (grade), Feedback comments``) comes back with the Grade column filled.

Students are matched by the LMS id at the end of the grader's student id (``_1234``), else by
login (Canvas ``SIS Login ID`` / ``SIS User ID``, Moodle e-mail or its user part) or full name.
A student with written answers not yet graded in formgrader is held back (blank grade) unless
``include_pending``; every held-back or unmatched student is listed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

CANVAS_FILE = re.compile(r"^(?P<name>[A-Za-z0-9]+?)(?P<late>_late)?_(?P<uid>\d+)_(?P<sub>\d+)_(?P<file>.+)$",
                         re.IGNORECASE)
MOODLE_PREFIX = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


class ExportError(Exception):
    """The LMS file does not fit the grades; the message says what and how to fix it."""


@dataclass(frozen=True)
class LmsFile:
    """What an LMS's download name says: the student, the LMS's id, the original file name."""
    lms: str  # "canvas" or "moodle"
    student_id: str  # the grader's student id
    lms_id: str  # Canvas user id, Moodle participant id
    name: str  # Canvas sortable name, Moodle full name
    file: str  # the file name the student handed in ("" for a Moodle folder)
    late: bool = False  # Canvas's _LATE marker


def canvas_file(filename: str) -> LmsFile | None:
    """Parse a Canvas download file name; None if it is not one."""
    m = CANVAS_FILE.match(filename)
    if not m:
        return None
    file = re.sub(r"-\d+(?=\.[^.]*$|$)", "", m["file"])  # Canvas numbers resubmissions: file-1.ipynb
    return LmsFile("canvas", f"{m['name']}_{m['uid']}", m["uid"], m["name"], file, bool(m["late"]))


def moodle_name(name: str) -> LmsFile | None:
    """Parse a Moodle download folder (``..._assignsubmission_file_``) or flat file name; None if not one."""
    m = MOODLE_PREFIX.match(name)
    if not m or not m["name"].strip():
        return None
    return LmsFile("moodle", f"{m['name']}_{m['pid']}", m["pid"], m["name"], m["rest"])


def lms_id(student_id: str) -> str | None:
    """The LMS's numeric id at the end of a student id from a download (``lovelaceada_1234`` -> 1234)."""
    m = re.search(r"_(\d+)$", student_id)
    return m[1] if m else None


# --- the grades of each student and assignment (read from OUT/grades.csv) -----------------

@dataclass
class AssignmentGrade:
    student_id: str
    assignment: str
    points: float = 0.0  # after the late penalty
    max_points: float = 0.0
    pending: int = 0  # written answers not graded yet
    late_hours: str = ""
    penalty: float = 0.0


def read_grades(path: Path) -> dict[tuple[str, str], AssignmentGrade]:
    """``{(student, assignment): AssignmentGrade}`` from an autograde ``grades.csv``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{path} cannot be read ({exc.strerror}); give the OUT folder of "
                          "`python -m grader autograde`.") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    need = {"student_id", "assignment", "total", "total_max", "written_pending", "late_hours", "late_penalty"}
    if not rows or not need <= set(rows[0]):
        raise ExportError(f"{path} is not a grades.csv of this grader (it needs the columns {', '.join(sorted(need))}); "
                          "run `python -m grader autograde` again to rewrite it.")
    out: dict[tuple[str, str], AssignmentGrade] = {}
    for r in rows:
        g = out.setdefault((r["student_id"], r["assignment"]), AssignmentGrade(r["student_id"], r["assignment"]))
        g.points += float(r["total"])
        g.max_points += float(r["total_max"])
        g.pending += int(r["written_pending"] or 0)
        g.penalty += float(r["late_penalty"] or 0)
        if r["late_hours"]:
            g.late_hours = r["late_hours"]
    return out


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


@dataclass
class ExportReport:
    written: int = 0
    held_back: list[str] = field(default_factory=list)
    unmatched_students: list[str] = field(default_factory=list)  # graded, not in the LMS file
    without_grade: list[str] = field(default_factory=list)  # in the LMS file, not graded


def _match(students: list[str], keys_of_row: list[set[str]]) -> dict[int, str]:
    """Row index -> grader student id, by LMS id first, then by login/e-mail/name."""
    by_key: dict[str, str] = {}
    for sid in students:
        by_key.setdefault(sid.lower(), sid)
        if lms_id(sid):
            by_key.setdefault(f"#{lms_id(sid)}", sid)
    out = {}
    for i, keys in enumerate(keys_of_row):
        for k in keys:
            if k and k.lower() in by_key:
                out[i] = by_key[k.lower()]
                break
    return out


def _cell(g: AssignmentGrade, include_pending: bool, report: ExportReport, who: str) -> str:
    if g.pending and not include_pending:
        report.held_back.append(f"{who}: {g.assignment}: {g.pending} written answer(s) not graded yet in formgrader")
        return ""
    if g.pending:
        report.held_back.append(f"{who}: {g.assignment}: exported without {g.pending} ungraded written answer(s)")
    report.written += 1
    return _fmt(g.points)


def canvas_import(grades: dict, roster_text: str, columns: dict[str, str] | None = None,
                  include_pending: bool = False) -> tuple[str, ExportReport]:
    """The Canvas import CSV for ``grades`` (from :func:`read_grades`) on Canvas's own export
    ``roster_text``. ``columns`` maps an assignment to its Canvas column (default: the column
    whose name before `` (id)`` is the assignment's name)."""
    rows = list(csv.reader(io.StringIO(roster_text.lstrip("\ufeff"))))
    if not rows or rows[0][:5] != CANVAS_FIXED:
        raise ExportError("the roster is not a Canvas gradebook export: its first columns must be "
                          f"{', '.join(CANVAS_FIXED)}. In Canvas: Grades > Export > Export Entire Gradebook.")
    header = rows[0]
    assignments = sorted({a for _, a in grades})
    chosen = {}
    for a in assignments:
        want = (columns or {}).get(a)
        hits = [i for i, h in enumerate(header) if i >= 5 and (h == want if want else
                                                                re.sub(r"\s*\(\d+\)$", "", h).strip() == a)]
        if not hits:
            raise ExportError(f"the roster has no column for assignment {a!r}: create it in Canvas (named {a}, with "
                              f"its points), export the gradebook again, or map it: --column '{a}=Name (id)'.")
        chosen[a] = hits[0]
    points_row = next((r for r in rows[1:] if r and r[0].strip() == "Points Possible"), None)
    if points_row is None:
        raise ExportError("the roster has no 'Points Possible' row; export the gradebook from Canvas again.")
    for a, i in chosen.items():
        maxima = {round(g.max_points, 2) for (s, aa), g in grades.items() if aa == a}
        try:
            possible = float(points_row[i])
        except (ValueError, IndexError):
            raise ExportError(f"Canvas column {header[i]!r} has no number in 'Points Possible'.") from None
        if maxima and maxima != {round(possible, 2)}:
            raise ExportError(f"assignment {a}: the grader's maximum is {', '.join(map(_fmt, sorted(maxima)))} points, "
                              f"Canvas's {header[i]!r} has {_fmt(possible)} points possible. Set the points in Canvas "
                              "to the grader's maximum (code and written answers).")
    students = sorted({s for s, _ in grades})
    body = [r for r in rows[1:] if r and r[0].strip() not in ("Points Possible", "") and len(r) >= 5
            and r[0].strip() != "Student, Test"]
    match = _match(students, [{f"#{r[1]}", r[2], r[3]} for r in body])
    report = ExportReport()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [chosen[a] for a in assignments]
    w.writerow(CANVAS_FIXED + [header[i] for i in cols])
    w.writerow(["    Points Possible", "", "", "", ""] + [points_row[i] for i in cols])
    for k, r in enumerate(body):
        sid = match.get(k)
        cells = []
        for a in assignments:
            g = grades.get((sid, a)) if sid else None
            cells.append(_cell(g, include_pending, report, f"{r[0]} ({sid})") if g else "")
        if sid is None:
            report.without_grade.append(f"{r[0]} (Canvas ID {r[1]})")
        w.writerow(r[:5] + cells)
    report.unmatched_students = sorted(set(students) - set(match.values()))
    return buf.getvalue(), report


def moodle_worksheet(grades: dict, worksheet_text: str, assignment: str,
                     include_pending: bool = False) -> tuple[str, ExportReport]:
    """Moodle's grading worksheet ``worksheet_text`` with the Grade column filled for ``assignment``."""
    rows = list(csv.reader(io.StringIO(worksheet_text.lstrip("\ufeff"))))
    if not rows or rows[0][:2] != MOODLE_HEADER[:2] or "Grade" not in rows[0] or "Maximum Grade" not in rows[0]:
        raise ExportError("the worksheet is not Moodle's grading worksheet (its columns start with Identifier, "
                          "Full name and include Grade, Maximum Grade). In Moodle: the assignment > View all "
                          "submissions > Grading action > Download grading worksheet.")
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    mine = {s: g for (s, a), g in grades.items() if a == assignment}
    if not mine:
        known = sorted({a for _, a in grades})
        raise ExportError(f"no grades for assignment {assignment!r} (the grades have {', '.join(known)}).")
    body = rows[1:]
    email = col.get("Email address")

    def keys(r):
        pid = re.sub(r"\D", "", r[0])
        mail = r[email] if email is not None and email < len(r) else ""
        return {f"#{pid}", r[1], mail, mail.split("@")[0]}

    match = _match(sorted(mine), [keys(r) for r in body])
    report = ExportReport()
    for k, r in enumerate(body):
        sid = match.get(k)
        if sid is None:
            report.without_grade.append(f"{r[1]} ({r[0]})")
            continue
        g = mine[sid]
        try:
            maximum = float(r[col["Maximum Grade"]].replace(",", "."))
        except ValueError:
            raise ExportError(f"{r[0]}: Maximum Grade {r[col['Maximum Grade']]!r} is not a number.") from None
        if round(maximum, 2) != round(g.max_points, 2):
            raise ExportError(f"assignment {assignment}: the grader's maximum is {_fmt(g.max_points)} points, Moodle's "
                              f"Maximum Grade is {_fmt(maximum)}. Set the assignment's maximum grade in Moodle to "
                              f"{_fmt(g.max_points)}.")
        r[col["Grade"]] = _cell(g, include_pending, report, f"{r[1]} ({sid})")
    report.unmatched_students = sorted(set(mine) - set(match.values()))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    return buf.getvalue(), report


# --- Moodle's worksheet as download metadata: when each participant submitted --------------

_MOODLE_TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p", "%d/%m/%Y, %H:%M")


def parse_moodle_time(text: str, tz: str = "UTC") -> datetime | None:
    """A worksheet's "Last modified (submission)" (in the Moodle site's time zone ``tz``), as UTC."""
    from zoneinfo import ZoneInfo

    text = text.strip()
    if not text or text == "-":
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        t = None
        for fmt in _MOODLE_TIME_FORMATS:
            try:
                t = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if t is None:
            return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(timezone.utc)


def moodle_submission_times(text: str, tz: str = "UTC") -> dict[str, datetime]:
    """``{participant id: submission time}`` from a Moodle grading worksheet."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or rows[0][:1] != ["Identifier"] or "Last modified (submission)" not in rows[0]:
        return {}
    i = rows[0].index("Last modified (submission)")
    out = {}
    for r in rows[1:]:
        if len(r) > i:
            t = parse_moodle_time(r[i], tz)
            if t is not None:
                out[re.sub(r"\D", "", r[0])] = t
    return out
