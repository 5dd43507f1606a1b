"""Run a function's probes through a caller and the judge; report to a learner."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import wire
from .judge import FunctionVerdict, judge_call, summarize
from .runner import call_probe
from .specs import SPECS, FunctionSpec

FIXTURES = Path(__file__).with_name("fixtures")


@dataclass
class ProbeCase:
    """One probe with what is expected of it and what known mistakes return."""

    name: str
    args: tuple
    kwargs: dict
    expected: object
    mistakes: list  # [(message, output)]


@lru_cache(maxsize=None)
def _fixture(notebook: str) -> dict:
    path = FIXTURES / f"{notebook}.json"
    if not path.exists():
        raise FileNotFoundError(f"no visible checks for {notebook}: {path} is missing. "
                                "Instructors: run `python -m grader release`.")
    return json.loads(path.read_text(encoding="utf-8"))


def visible_probes(name: str) -> list[ProbeCase]:
    """The visible probes of graded function ``name``, from its notebook's fixture."""
    spec = SPECS[name]
    cases = []
    for p in _fixture(spec.notebook)["functions"][name]:
        cases.append(ProbeCase(
            p["probe"],
            tuple(wire.from_json_tree(a) for a in p["args"]),
            {k: wire.from_json_tree(v) for k, v in p["kwargs"].items()},
            wire.from_json_tree(p["expected"]),
            [(m["message"], wire.from_json_tree(m["output"])) for m in p["mistakes"]],
        ))
    return cases


def evaluate(spec: FunctionSpec, cases: list[ProbeCase], records: list[dict]) -> FunctionVerdict:
    """Judge the call ``records`` (one per case, from ``call_probe``) against ``cases``."""
    verdicts = [judge_call(spec, c.name, c.args, c.kwargs, r, c.expected, c.mistakes)
                for c, r in zip(cases, records)]
    return summarize(spec, verdicts)


def run_direct(spec: FunctionSpec, fn: Callable, cases: list[ProbeCase]) -> FunctionVerdict:
    """Call ``fn`` in this process on every case and judge it (notebooks, instructor runs)."""
    return evaluate(spec, cases, [call_probe(fn, c.args, c.kwargs) for c in cases])


class CheckFailed(AssertionError):
    """A check that failed; shown in a notebook as its message alone, without a traceback."""

    def _render_traceback_(self):  # IPython calls this instead of printing a traceback
        return [f"\x1b[31m{line}\x1b[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def report(verdict: FunctionVerdict, kind: str = "visible") -> str:
    mark = "\u2713" if verdict.passed else "\u2717"
    return f"{mark} {verdict.function} ({kind} checks): {verdict.message}"


def check(fn: Callable, name: str | None = None) -> None:
    """Run the visible checks of a graded function; raise :class:`CheckFailed` if one fails."""
    name = name or getattr(fn, "__name__", "")
    if name not in SPECS:
        raise CheckFailed(f"{name!r} is not a graded function of this course; "
                          f"known ones: {', '.join(sorted(SPECS))}.")
    verdict = run_direct(SPECS[name], fn, visible_probes(name))
    text = report(verdict)
    if not verdict.passed:
        raise CheckFailed(text)
    print(text)
