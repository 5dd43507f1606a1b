"""Run a function's probes through a caller and the judge; report to a learner."""
from __future__ import annotations

import json
import linecache
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

from . import wire
from .diagnose import across_probes
from .judge import FunctionVerdict, ProbeVerdict, judge_call, summarize
from .runner import PRELUDE, call_probe
from .specs import SPECS, FunctionSpec

FIXTURES = Path(__file__).with_name("fixtures")


class KnownMistake(NamedTuple):
    """What a known wrong implementation returns on a probe, with its stable id and message."""

    id: str
    message: str
    output: object


@dataclass
class ProbeCase:
    """One probe with what is expected of it and what known mistakes return."""

    name: str
    args: tuple
    kwargs: dict
    expected: object
    mistakes: list  # [KnownMistake]


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
            [KnownMistake(m["id"], m["message"], wire.from_json_tree(m["output"])) for m in p["mistakes"]],
        ))
    return cases


def evaluate(spec: FunctionSpec, cases: list[ProbeCase], records: list[dict]) -> FunctionVerdict:
    """Judge the call ``records`` (one per case, from ``call_probe``) against ``cases``."""
    verdicts = [judge_call(spec, c.name, c.args, c.kwargs, r, c.expected, c.mistakes)
                for c, r in zip(cases, records)]
    failing = [v for v in verdicts if v.status != "pass"]
    if failing and failing[0].mistake is None:  # nothing named it: does the pattern of probes?
        found = across_probes(spec, cases, records, verdicts)
        if found:
            first = failing[0]
            first.message = f"{found[0]}\n  ({first.message})"
            first.mistake = found[1]
    if spec.judge_together is not None and verdicts and all(v.status == "pass" for v in verdicts):
        problem = spec.judge_together(spec, cases, records)
        if problem:
            verdicts.append(ProbeVerdict("the calls taken together", "fail", problem))
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


def as_graded(fn: Callable, spec: FunctionSpec) -> Callable:
    """The function as the grader will see it: its notebook cell executed alone.

    The grader runs each answer cell on its own (with ``import math; import numpy as np``),
    so a function that leans on a name defined in another cell passes in the notebook but
    fails when graded. Re-running the cell in a fresh namespace here shows that at once. The
    functions it ``depends_on`` are the learner's own, taken from the notebook. Functions
    that do not come from a notebook cell are returned unchanged.
    """
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", "")
    if not ("ipykernel_" in filename or filename.startswith("<ipython-input")):
        return fn
    source = "".join(linecache.getlines(filename))
    if not source:
        return fn
    namespace: dict = {"__name__": "__student__"}
    exec(PRELUDE, namespace)  # noqa: S102
    for dep in spec.depends_on:
        if dep in getattr(fn, "__globals__", {}):
            namespace[dep] = fn.__globals__[dep]
    try:
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    except Exception:  # noqa: BLE001 - the learner's own function will show the error
        return fn
    alone = namespace.get(spec.name)
    if not callable(alone):
        return fn

    def graded(*args, **kwargs):
        try:
            return alone(*args, **kwargs)
        except NameError as exc:
            raise NameError(f"{exc}. The grader runs each answer cell on its own: use only names defined "
                            "in this cell (and np, math); define helpers inside it.") from None

    graded.__name__ = spec.name
    return graded


def check(fn: Callable, name: str | None = None) -> None:
    """Run the visible checks of a graded function; raise :class:`CheckFailed` if one fails."""
    name = name or getattr(fn, "__name__", "")
    if name not in SPECS:
        raise CheckFailed(f"{name!r} is not a graded function of this course; "
                          f"known ones: {', '.join(sorted(SPECS))}.")
    verdict = run_direct(SPECS[name], as_graded(fn, SPECS[name]), visible_probes(name))
    text = report(verdict)
    if not verdict.passed:
        raise CheckFailed(text)
    print(text)
