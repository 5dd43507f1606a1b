"""``python -m grader export canvas|moodle OUT``: grades.csv as a file the LMS imports as it is."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="write OUT/grades.csv as Canvas's gradebook import CSV or Moodle's grading worksheet",
        description="Canvas: give the gradebook that Canvas exports (Grades > Export) as --roster; the import "
                    "file keeps its student columns and fills the columns named after the course's assignments. "
                    "Moodle: give the assignment's grading worksheet (View all submissions > Download grading "
                    "worksheet) as --roster and the assignment with --assignment. Students whose written answers "
                    "are not graded yet (formgrader) are held back (blank) unless --include-pending.")
    p.add_argument("lms", choices=["canvas", "moodle"])
    p.add_argument("graded", help="the OUT folder of `python -m grader autograde` (or its grades.csv)")
    p.add_argument("--roster", required=True, help="Canvas's gradebook export, or Moodle's grading worksheet (CSV)")
    p.add_argument("--out", required=True, help="the file to write (CSV)")
    p.add_argument("--assignment", default=None, help="Moodle: the assignment the worksheet is for")
    p.add_argument("--column", action="append", default=[], metavar="ASSIGNMENT=CANVAS COLUMN",
                   help="Canvas: the column of an assignment whose Canvas name differs, e.g. 'week1=Week 1 (4711)'")
    p.add_argument("--include-pending", action="store_true",
                   help="export students with ungraded written answers too (their written points count as 0)")


def run(args: argparse.Namespace) -> int:
    from .lms import ExportError, canvas_import, moodle_worksheet, read_grades

    graded = Path(args.graded)
    try:
        grades = read_grades(graded / "grades.csv" if graded.is_dir() else graded)
        try:
            roster = Path(args.roster).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"{args.roster} cannot be read ({getattr(exc, 'strerror', None) or exc}).") from None
        if args.lms == "canvas":
            columns = {}
            for item in args.column:
                name, sep, column = item.partition("=")
                if not sep or not name.strip() or not column.strip():
                    raise ExportError(f"--column {item!r}: write ASSIGNMENT=CANVAS COLUMN, e.g. 'week1=Week 1 (4711)'.")
                columns[name.strip()] = column.strip()
            text, report = canvas_import(grades, roster, columns, args.include_pending)
        else:
            assignments = sorted({a for _, a in grades})
            assignment = args.assignment or (assignments[0] if len(assignments) == 1 else None)
            if assignment is None:
                raise ExportError(f"name the worksheet's assignment with --assignment ({', '.join(assignments)}).")
            text, report = moodle_worksheet(grades, roster, assignment, args.include_pending)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"Wrote {out}: {report.written} grade(s).")
    for item in report.held_back:
        print(f"held back: {item}")
    for sid in report.unmatched_students:
        print(f"warning: {sid} was graded but is not in {args.roster}; add them in the LMS or check the id.",
              file=sys.stderr)
    for who in report.without_grade:
        print(f"note: {who} has no grade (no submission found).")
    return 0
