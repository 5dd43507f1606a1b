"""Reference solutions, taken from the instructor sources (``grader/source/NN_topic.py``).

Instructor side only: this module is never imported by anything that ships to students.
Each answer cell (nbgrader ``solution: true``) whose ``grade_id`` names a graded function is
executed on its own, after the same prelude that student cells get (the notebook's imports of
NumPy and the standard library, ``sourcefiles.prelude``).
"""
from __future__ import annotations

from functools import lru_cache

from .checks.specs import SPECS
from .sourcefiles import answer_cells, prelude, source_path


@lru_cache(maxsize=None)
def reference(name: str):
    """The reference implementation of graded function ``name``."""
    spec = SPECS[name]
    cells = answer_cells(source_path(spec.notebook))
    namespace: dict = {"__name__": f"reference_{spec.notebook}"}
    exec(prelude(source_path(spec.notebook)), namespace)  # noqa: S102
    for dep in (*spec.depends_on, name):
        if dep not in cells:
            raise LookupError(f"{source_path(spec.notebook)} has no answer cell with grade_id {dep!r}")
        exec(compile(cells[dep], f"<reference {dep}>", "exec"), namespace)  # noqa: S102
    return namespace[name]

