"""Hidden checks: new probes drawn from a seeded generator, judged against the reference.

Instructor side only. The instructor sources call :func:`check_hidden` inside nbgrader's
``### BEGIN HIDDEN TESTS`` markers, so it never appears in a student notebook; the
autograder builds the same cases with :func:`hidden_cases` and judges sandboxed results.
"""
from __future__ import annotations

from functools import lru_cache

from .checks.evaluate import CheckFailed, ProbeCase, report, run_direct
from .checks.specs import SPECS
from .reference import reference
from .suites import all_suites, cases, hidden_rng


@lru_cache(maxsize=None)
def hidden_cases(name: str) -> tuple[ProbeCase, ...]:
    suite = all_suites()[name]
    return tuple(cases(suite, suite.hidden(hidden_rng(name)), reference(name)))


def visible_cases(name: str) -> list[ProbeCase]:
    """Visible cases computed from the reference (what the fixtures store)."""
    suite = all_suites()[name]
    return cases(suite, suite.visible, reference(name))


def check_hidden(fn, name: str | None = None) -> None:
    name = name or fn.__name__
    verdict = run_direct(SPECS[name], fn, list(hidden_cases(name)))
    text = report(verdict, "hidden")
    if not verdict.passed:
        raise CheckFailed(text)
    print(text)
