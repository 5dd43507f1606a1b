"""When each submission came in, how late it is, and what the course's late policy costs it.

The submission time of a student's assignment comes from, in this order:

1. nbgrader's ``timestamp.txt`` in the assignment folder (``submitted/<student>/<assignment>/``);
2. the LMS's download metadata: Moodle's grading worksheet (``Last modified (submission)``), found
   in the submissions folder or given with ``--lms-times``;
3. the LMS's file name: Canvas's ``_LATE`` marker says "late" but not by how much; that counts as
   late by one period of the policy (an hour or a day), or not late if the student has an
   extension (Canvas does not know about it).

The latest time over the assignment's files is the assignment's. Pure functions of their inputs:
nothing here reads a clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..course_config import CourseConfig

SOURCES = ("timestamp.txt", "lms metadata", "lms file name")


@dataclass(frozen=True)
class Submitted:
    """What is known of when a file was handed in."""
    time: datetime | None = None  # aware, UTC
    source: str | None = None  # one of SOURCES
    marked_late: bool = False  # the LMS said "late" without a time


@dataclass(frozen=True)
class Lateness:
    submitted: Submitted
    due: datetime | None  # the student's deadline (extension included)
    extension: timedelta | None
    late_by: timedelta | None  # None: on time or no deadline
    fraction: float  # of the points earned that the policy takes (0..1)
    note: str = ""

    @property
    def hours(self) -> str:
        """Hours late for grades.csv: "" on time, "?" late by an unknown time."""
        if self.late_by is None:
            return ""
        if self.submitted.time is None:
            return "?"
        return f"{self.late_by.total_seconds() / 3600:.2f}"


def parse_timestamp(text: str) -> datetime | None:
    """nbgrader's timestamp.txt (e.g. ``2026-10-05 21:14:03.123456 UTC``) as an aware UTC datetime."""
    text = text.strip()
    if not text:
        return None
    try:
        from nbgrader.utils import parse_utc

        t = parse_utc(text)
    except Exception:  # noqa: BLE001 - nbgrader raises ValueError, dateutil ParserError, OverflowError
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def submitted(path: Path | None, lms_file=None, lms_times: dict[str, datetime] | None = None) -> Submitted:
    """When the file at ``path`` was handed in, from the first source that knows (see the module)."""
    if path is not None:
        stamp = path.parent / "timestamp.txt"
        try:
            if stamp.is_file() and stamp.stat().st_size < 200:
                t = parse_timestamp(stamp.read_text(encoding="utf-8", errors="replace"))
                if t is not None:
                    return Submitted(t, "timestamp.txt")
        except OSError:
            pass
    if lms_file is not None and lms_times and lms_file.lms_id in lms_times:
        return Submitted(lms_times[lms_file.lms_id], "lms metadata")
    if lms_file is not None and lms_file.late:
        return Submitted(None, "lms file name", True)
    return Submitted()


def combine(parts: list[Submitted]) -> Submitted:
    """An assignment's submission from its files': the latest time, else any late marker."""
    timed = [p for p in parts if p.time is not None]
    if timed:
        return max(timed, key=lambda p: p.time)
    return next((p for p in parts if p.marked_late), Submitted())


def lateness(config: CourseConfig, student: str, assignment: str, sub: Submitted) -> Lateness:
    due = config.due(assignment, student)
    ext = config.extension(assignment, student)
    policy = config.late
    if sub.time is not None and due is not None:
        late = sub.time - due
        if late <= timedelta(0):
            return Lateness(sub, due, ext, None, 0.0)
        fraction = policy.fraction(late)
        return Lateness(sub, due, ext, late, fraction, _note(late, fraction, policy, ext))
    if sub.marked_late:
        if ext is not None:
            return Lateness(sub, due, ext, None, 0.0, "marked late by the LMS, within the student's extension")
        unit = timedelta(hours=1) if policy.per == "hour" else timedelta(days=1)
        late = max(unit, policy.grace + timedelta(seconds=1))
        fraction = policy.fraction(late)
        return Lateness(sub, due, ext, late, fraction,
                        "marked late by the LMS (time unknown: counted as one " + policy.per + ")"
                        + (f"; {fraction:.0%} late penalty" if fraction else ""))
    return Lateness(sub, due, ext, None, 0.0)


def _note(late: timedelta, fraction: float, policy, ext) -> str:
    hours = late.total_seconds() / 3600
    text = f"submitted {hours:.1f} h after the deadline" + (" (extension included)" if ext else "")
    return text + (f"; {fraction:.0%} late penalty ({policy.describe()})" if fraction else "; no penalty")


def penalty(points: float, fraction: float) -> float:
    """Points taken from ``points`` earned; rounded to hundredths, never more than earned."""
    if points <= 0 or fraction <= 0:
        return 0.0
    return min(points, math.floor(points * fraction * 100 + 0.5) / 100)


def read_lms_times(path: Path | None, config: CourseConfig) -> dict[str, datetime]:
    """Submission times from a Moodle grading worksheet (``--lms-times``); {} without one."""
    if path is None:
        return {}
    from .lms import moodle_submission_times

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        from .layout import LayoutError

        raise LayoutError(f"{path} cannot be read ({exc.strerror}); give Moodle's grading worksheet (CSV).") from None
    return moodle_submission_times(text, config.timezone)


def apply(entries: list[dict], paths: dict, lms_files: dict, config: CourseConfig,
          lms_times: dict[str, datetime]) -> None:
    """Give every entry its assignment and its assignment's lateness (``_late``, a plain dict):
    ``{"submitted", "source", "due", "extension_hours", "hours", "fraction", "note"}``."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in entries:
        e["_assignment"] = e.get("_assignment") or config.assignment_of(e["notebook"])
        groups.setdefault((e["student_id"], e["_assignment"]), []).append(e)
    for (sid, assignment), group in groups.items():
        parts = [submitted(paths.get((sid, e.get("_file"))), lms_files.get(e.get("_file")), lms_times)
                 for e in group if e.get("_file")]
        late = lateness(config, sid, assignment, combine(parts))
        info = {"submitted": late.submitted.time.isoformat() if late.submitted.time else None,
                "source": late.submitted.source, "due": late.due.isoformat() if late.due else None,
                "extension_hours": round(late.extension.total_seconds() / 3600, 2) if late.extension else None,
                "hours": late.hours, "fraction": late.fraction, "note": late.note}
        for e in group:
            e["_late"] = info
