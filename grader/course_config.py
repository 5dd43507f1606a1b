"""The course file an instructor edits: assignments, due dates, extensions, the late policy.

``course.toml`` at the repository root (or the file given with ``--course-config`` or in the
``COURSE_CONFIG`` environment variable) is read by ``python -m grader release`` (which checks it)
and by ``python -m grader autograde`` (which groups notebooks into assignments, applies deadlines
and writes them into nbgrader's gradebook)::

    [late_penalty]
    policy = "percent"      # "none" | "zero" (0 points once late) | "percent"
    percent = 10            # percent of the points earned, per started period late
    per = "day"             # "hour" | "day"
    cap = 50                # at most this many percent
    grace_minutes = 5       # this late counts as on time

    timezone = "Europe/Berlin"   # for LMS times written without an offset (default UTC)

    [[assignment]]
    name = "week1"
    notebooks = ["01_normalizing_inputs", "02_batchnorm_forward"]
    due = "2026-10-05T23:59:00+02:00"     # ISO 8601 with an offset (or "Z")

    [extensions.aadams]     # student id (as in the submissions) -> assignment -> extra time
    week1 = "48h"           # "36h", "2d", "90m" or an ISO 8601 date-time (the new deadline)

A notebook belongs to at most one assignment. A notebook in no assignment is its own assignment
(named after it, no due date), which is also what happens without any course file.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "course.toml"
POLICIES = ("none", "zero", "percent")


class CourseConfigError(Exception):
    """The course file is wrong; the message names the file, the entry and what to write."""


@dataclass(frozen=True)
class LatePolicy:
    policy: str = "none"
    percent: float = 0.0
    per: str = "day"
    cap: float = 100.0
    grace: timedelta = timedelta(0)

    def fraction(self, late: timedelta | None) -> float:
        """The share (0..1) of the points earned that a submission ``late`` past its deadline loses."""
        if late is None or late <= self.grace or self.policy == "none":
            return 0.0
        if self.policy == "zero":
            return 1.0
        unit = timedelta(hours=1) if self.per == "hour" else timedelta(days=1)
        periods = int(-(-late.total_seconds() // unit.total_seconds()))  # every started hour or day
        return min(self.cap, self.percent * periods) / 100.0

    def describe(self) -> str:
        if self.policy == "none":
            return "no late penalty"
        if self.policy == "zero":
            return "0 points after the deadline"
        return f"{self.percent:g}% per {self.per} late, at most {self.cap:g}%"


@dataclass(frozen=True)
class Assignment:
    name: str
    notebooks: tuple[str, ...]
    due: datetime | None = None


@dataclass(frozen=True)
class CourseConfig:
    path: Path | None
    assignments: tuple[Assignment, ...] = ()
    late: LatePolicy = LatePolicy()
    extensions: dict = field(default_factory=dict)  # {student: {assignment: timedelta | datetime}}
    timezone: str = "UTC"

    def assignment_of(self, notebook: str) -> str:
        """The assignment ``notebook`` belongs to (its own name if it is in none)."""
        for a in self.assignments:
            if notebook in a.notebooks:
                return a.name
        return notebook

    def find(self, name: str) -> Assignment | None:
        return next((a for a in self.assignments if a.name == name), None)

    def notebooks_of(self, assignment: str) -> tuple[str, ...]:
        a = self.find(assignment)
        return a.notebooks if a else ((assignment,) if assignment in _known_notebooks() else ())

    def due(self, assignment: str, student: str | None = None) -> datetime | None:
        """The deadline of ``student`` (extension included) for ``assignment``, or None."""
        a = self.find(assignment)
        base = a.due if a else None
        ext = self.extensions.get(student, {}).get(assignment) if student is not None else None
        if isinstance(ext, datetime):
            return ext
        if base is not None and ext is not None:
            return base + ext
        return base

    def extension(self, assignment: str, student: str) -> timedelta | None:
        """The student's extra time as a duration (for nbgrader's extension field)."""
        ext = self.extensions.get(student, {}).get(assignment)
        a = self.find(assignment)
        if isinstance(ext, datetime):
            return ext - a.due if a is not None and a.due is not None else None
        return ext


def _known_notebooks() -> tuple[str, ...]:
    from .autograde.plan import course_notebooks

    return course_notebooks()


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$", re.I)


def parse_time(text: str, where: str) -> datetime:
    """An ISO 8601 date-time with an offset, as an aware UTC datetime."""
    try:
        t = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise CourseConfigError(f"{where}: {text!r} is not a date-time; write it as ISO 8601 with an offset, "
                                "e.g. \"2026-10-05T23:59:00+02:00\" or \"2026-10-05T21:59:00Z\".") from None
    if t.tzinfo is None:
        raise CourseConfigError(f"{where}: {text!r} has no time zone; add one, e.g. \"{text}+00:00\" or \"{text}Z\".")
    return t.astimezone(timezone.utc)


def parse_extension(value, where: str) -> timedelta | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise CourseConfigError(f"{where}: {value} has no time zone; add one, e.g. +00:00.")
        return value.astimezone(timezone.utc)
    m = _DURATION.match(str(value))
    if m:
        n, unit = float(m[1]), m[2].lower()
        return timedelta(minutes=n) if unit.startswith("m") else timedelta(hours=n) if unit == "h" else timedelta(days=n)
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d", value):
        return parse_time(value, where)
    raise CourseConfigError(f"{where}: {value!r} is neither a duration (\"48h\", \"2d\", \"90m\") nor a date-time "
                            "with an offset (\"2026-10-07T23:59:00+02:00\").")


def _number(table: dict, key: str, default: float, where: str, low: float = 0.0) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise CourseConfigError(f"{where}: {key} = {value!r} must be a number of at least {low:g}.")
    return float(value)


def parse(data: dict, path: Path | None, notebooks: tuple[str, ...] | None = None) -> CourseConfig:
    """A :class:`CourseConfig` from the TOML tables ``data``; :class:`CourseConfigError` if wrong."""
    where = str(path or "course file")
    notebooks = _known_notebooks() if notebooks is None else notebooks
    unknown = set(data) - {"assignment", "late_penalty", "extensions", "timezone"}
    if unknown:
        raise CourseConfigError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; the sections are "
                                "[[assignment]], [late_penalty] and [extensions.<student>].")
    assignments, owner = [], {}
    for i, a in enumerate(data.get("assignment", [])):
        at = f"{where}: [[assignment]] #{i + 1}"
        if not isinstance(a, dict) or not isinstance(a.get("name"), str) or not a["name"].strip():
            raise CourseConfigError(f"{at} needs a name, e.g. name = \"week1\".")
        name = a["name"].strip()
        if "/" in name or name in (".", "..") or name in {x.name for x in assignments}:
            raise CourseConfigError(f"{at}: the name {name!r} is used twice or is not a folder name.")
        nbs = a.get("notebooks")
        if not isinstance(nbs, list) or not nbs or not all(isinstance(n, str) for n in nbs):
            raise CourseConfigError(f"{at} ({name}): notebooks must be a list of notebook names, e.g. "
                                    f"notebooks = [\"{notebooks[0] if notebooks else '01_topic'}\"].")
        nbs = tuple(n.removesuffix(".ipynb") for n in nbs)
        for n in nbs:
            if n not in notebooks:
                raise CourseConfigError(f"{at} ({name}): {n!r} is not a notebook of this course "
                                        f"({', '.join(notebooks)}).")
            if n in owner:
                raise CourseConfigError(f"{at} ({name}): {n} is already in assignment {owner[n]}; a notebook "
                                        "belongs to one assignment.")
            owner[n] = name
        due = a.get("due")
        if due is not None:
            due = parse_extension(due, f"{at} ({name}) due") if isinstance(due, datetime) else parse_time(due, f"{at} ({name}) due")
        assignments.append(Assignment(name, nbs, due))
    lp = data.get("late_penalty", {})
    if not isinstance(lp, dict):
        raise CourseConfigError(f"{where}: late_penalty must be a table [late_penalty].")
    policy = lp.get("policy", "none")
    if policy not in POLICIES:
        raise CourseConfigError(f"{where}: [late_penalty] policy = {policy!r}; use one of {', '.join(POLICIES)}.")
    per = lp.get("per", "day")
    if per not in ("hour", "day"):
        raise CourseConfigError(f"{where}: [late_penalty] per = {per!r}; use \"hour\" or \"day\".")
    if policy == "percent" and "percent" not in lp:
        raise CourseConfigError(f"{where}: [late_penalty] policy = \"percent\" needs percent = N (per {per}).")
    late = LatePolicy(policy, _number(lp, "percent", 0, f"{where}: [late_penalty]"), per,
                      min(100.0, _number(lp, "cap", 100, f"{where}: [late_penalty]")),
                      timedelta(minutes=_number(lp, "grace_minutes", 0, f"{where}: [late_penalty]")))
    extensions = {}
    ext = data.get("extensions", {})
    if not isinstance(ext, dict):
        raise CourseConfigError(f"{where}: extensions must be tables [extensions.<student>] with week1 = \"48h\".")
    names = {a.name for a in assignments}
    for student, table in ext.items():
        if not isinstance(table, dict):
            raise CourseConfigError(f"{where}: [extensions.{student}] must map assignments to durations, "
                                    "e.g. week1 = \"48h\".")
        for assignment, value in table.items():
            if assignment not in names:
                raise CourseConfigError(f"{where}: [extensions.{student}] names {assignment!r}, which is not an "
                                        f"assignment ({', '.join(sorted(names)) or 'none declared'}).")
            extensions.setdefault(student, {})[assignment] = parse_extension(
                value, f"{where}: [extensions.{student}] {assignment}")
    tz = data.get("timezone", "UTC")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(str(tz))
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError
        raise CourseConfigError(f"{where}: timezone = {tz!r} is not a time zone name such as \"Europe/Berlin\" "
                                "or \"UTC\".") from None
    return CourseConfig(path, tuple(assignments), late, extensions, str(tz))


def config_path(path: Path | str | None = None) -> Path | None:
    """The course file to read: ``path``, else ``$COURSE_CONFIG``, else ``course.toml`` at the root if present."""
    if path:
        return Path(path)
    if os.environ.get("COURSE_CONFIG"):
        return Path(os.environ["COURSE_CONFIG"])
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def load(path: Path | str | None = None) -> CourseConfig:
    """The course configuration (see the module's docstring); the default when there is no file."""
    p = config_path(path)
    if p is None:
        return CourseConfig(None)
    return _load(p.resolve())


@lru_cache(maxsize=8)
def _load(p: Path) -> CourseConfig:
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseConfigError(f"{p} does not exist; give the course file (course.toml) or leave the option out.") from None
    except OSError as exc:
        raise CourseConfigError(f"{p} cannot be read: {exc.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseConfigError(f"{p} is not valid TOML: {exc}.") from None
    return parse(data, p)
