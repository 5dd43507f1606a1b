"""Student-style implementations of the course's graded functions, right and wrong.

Each :class:`Case` is the full text of one student's answer cell for one graded function,
with a plain-words ``intent``: what the student got wrong (``correct=False``) or the style of a
correct answer (``correct=True``). They are written as students write them, to measure whether
the grader's messages name the real mistake.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One student's answer cell: the graded ``function`` it defines, what it does, its code."""

    function: str
    intent: str
    code: str
    correct: bool = False


def define(case, source: str = "cases"):
    """The function a case's answer cell defines, run as the grader runs a cell: a fresh namespace
    with the notebook's own imports, and the reference solutions of the answer cells it calls."""
    from grader.checks.evaluate import prelude
    from grader.checks.specs import SPECS
    from grader.reference import reference

    spec = SPECS[case.function]
    namespace: dict = {"__name__": "__student__"}
    exec(prelude(spec.notebook), namespace)  # noqa: S102 - the notebook's imports
    for dep in spec.depends_on:
        namespace[dep] = reference(dep)
    exec(compile(case.code, f"<{source}: {case.intent}>", "exec"), namespace)  # noqa: S102
    return namespace[case.function]
