"""Shared machinery for the suites of correct and wrong student implementations.

Every graded function gets, in ``tests/test_nbNN_*.py``:
- ``CORRECT``: implementations a student might write (loops, np.var, two-pass, einsum...),
  each of which must pass every visible and hidden check;
- ``WRONG``: ``(implementation, words)`` pairs of common mistakes, each of which must fail
  with a message containing ``words`` (the diagnosis that names the mistake).
"""
from __future__ import annotations

from grader.checks.evaluate import run_direct, visible_probes
from grader.checks.judge import FunctionVerdict
from grader.checks.specs import SPECS
from grader.hidden import hidden_cases


def verdicts(name: str, fn) -> list[FunctionVerdict]:
    spec = SPECS[name]
    return [run_direct(spec, fn, visible_probes(name)), run_direct(spec, fn, list(hidden_cases(name)))]


def assert_accepted(name: str, fn) -> None:
    for v in verdicts(name, fn):
        assert v.passed, f"a correct {name} was rejected: {v.message}"


def assert_rejected(name: str, fn, words: str) -> None:
    """Rejected by the visible checks *and* the hidden ones, each naming the mistake."""
    for kind, v in zip(("visible", "hidden"), verdicts(name, fn)):
        assert not v.passed, f"a wrong {name} passed the {kind} checks (expected: {words})"
        assert words.lower() in v.message.lower(), f"{kind} diagnosis of {name} lacks {words!r}: {v.message}"
