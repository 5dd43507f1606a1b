"""The course's check library: visible checks that the notebooks' test cells call.

``check(fn)`` calls the student's function on the visible probes of its fixture and
judges the results; the autograder runs the same judge on results that come back from a
sandbox. Nothing in this subpackage holds a reference solution: expected outputs are
numbers stored in ``fixtures/NN_topic.json`` by ``python -m grader release``.
"""
from __future__ import annotations

from .evaluate import CheckFailed, check, visible_probes

__all__ = ["CheckFailed", "check", "visible_probes"]
