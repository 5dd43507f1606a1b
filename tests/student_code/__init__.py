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
