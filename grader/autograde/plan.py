"""What is graded in each course notebook, read from the instructor sources.

A *test cell* of a source (nbgrader ``grade: true``, not a solution, a code cell with points) is
one check in ``results.json``. Its graded function and kind come from the course's convention
(``<fn>_visible`` runs ``check(fn)`` on the visible probes, ``<fn>_hidden`` runs
``check_hidden(fn)`` on the hidden ones) or, failing that, from the calls in its code. Manually
graded answers (``grade`` and ``solution``) are left to the instructors (formgrader).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..checks.specs import SPECS, functions_of
from ..sourcefiles import all_sources


@dataclass(frozen=True)
class TestCell:
    id: str
    function: str | None  # None: the grader has no rule for this cell (an instructor's error)
    kind: str  # "visible" or "hidden"
    points: float


@dataclass(frozen=True)
class ManualCell:
    id: str
    points: float
    cell_type: str


@dataclass(frozen=True)
class Plan:
    notebook: str
    tests: tuple[TestCell, ...]
    manual: tuple[ManualCell, ...]

    @property
    def functions(self) -> list[str]:
        return [s.name for s in functions_of(self.notebook)]


@lru_cache(maxsize=1)
def course_notebooks() -> tuple[str, ...]:
    """Notebooks that have an instructor source (and so can be graded); asked for every file."""
    return tuple(p.stem for p in all_sources())


def _function_of(grade_id: str, code: str, notebook: str) -> tuple[str | None, str]:
    hidden = "BEGIN HIDDEN TESTS" in code or "check_hidden(" in code
    for suffix, kind in (("_visible", "visible"), ("_hidden", "hidden")):
        if grade_id.endswith(suffix) and grade_id[: -len(suffix)] in SPECS:
            return grade_id[: -len(suffix)], kind
    names = {s.name for s in functions_of(notebook)}
    called = [m for m in re.findall(r"\bcheck(?:_hidden)?\(\s*([A-Za-z_]\w*)", code) if m in names]
    if called:
        return called[0], "hidden" if hidden else "visible"
    return None, "hidden" if hidden else "visible"


@lru_cache(maxsize=None)
def plan(notebook: str) -> Plan:
    from ..sourcefiles import nbgrader_meta, read_source, source_path  # jupytext: imported when needed

    nb = read_source(source_path(notebook))
    tests, manual = [], []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0) or 0)
        if meta.get("solution"):
            manual.append(ManualCell(meta["grade_id"], points, cell.cell_type))
        elif cell.cell_type == "code":
            function, kind = _function_of(meta["grade_id"], cell.source, notebook)
            tests.append(TestCell(meta["grade_id"], function, kind, points))
    return Plan(notebook, tuple(tests), tuple(manual))
