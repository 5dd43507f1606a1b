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
from .runner import call_probe, describe_error, watching
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


DEFAULT_PRELUDE = "import numpy as np\n"


def prelude(notebook: str) -> str:
    """What each answer cell of ``notebook`` runs after: the notebook's own imports of NumPy and
    the standard library (``sourcefiles.prelude``, stored in the fixture by the release)."""
    try:
        return _fixture(notebook).get("prelude", DEFAULT_PRELUDE)
    except FileNotFoundError:
        return DEFAULT_PRELUDE


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
    catalogued = {m.id for c in cases for m in c.mistakes}
    if failing and failing[0].mistake not in catalogued:
        # No catalogued mistake named it: the pattern of passing and failing probes (an ignored
        # argument, one-hot labels only...) says more than a relation seen on one probe.
        found = across_probes(spec, cases, records, verdicts)
        if found:
            first = failing[0]
            first.message = f"{found[0]}\n  ({first.message})"
            first.mistake = found[1]
    if spec.judge_together is not None and verdicts and all(v.status == "pass" for v in verdicts):
        problem = spec.judge_together(spec, cases, records)
        if problem:  # a message, or a judge.Mismatch that may name the mistake
            verdicts.append(ProbeVerdict("the calls taken together", "fail", str(problem),
                                         mistake=getattr(problem, "mistake", None)))
    return summarize(spec, verdicts)


def run_direct(spec: FunctionSpec, fn: Callable, cases: list[ProbeCase], imports: str | None = None) -> FunctionVerdict:
    """Call ``fn`` in this process on every case and judge it (notebooks, instructor runs);
    ``imports``: the prelude its cell ran after, to explain a NameError."""
    namespace = getattr(fn, "__globals__", None)
    if not spec.watches or not isinstance(namespace, dict):
        return evaluate(spec, cases, [call_probe(fn, c.args, c.kwargs, imports) for c in cases])
    with watching(namespace, spec.watches) as log:
        return evaluate(spec, cases, [call_probe(fn, c.args, c.kwargs, imports, log) for c in cases])


class CheckFailed(AssertionError):
    """A check that failed; shown in a notebook as its message alone, without a traceback."""

    def _render_traceback_(self):  # IPython calls this instead of printing a traceback
        return [f"\x1b[31m{line}\x1b[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def report(verdict: FunctionVerdict, kind: str = "visible") -> str:
    mark = "\u2713" if verdict.passed else "\u2717"
    return f"{mark} {verdict.function} ({kind} checks): {verdict.message}"


def _without_course(uses_course: bool):
    """``__import__`` as the sandbox offers it: without the ``course`` package (and the grader)
    unless the function's spec ``uses_course``."""
    import builtins

    real = builtins.__import__

    def restricted(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level == 0 and (top == "grader" or (top == "course" and not uses_course)):
            raise ModuleNotFoundError(f"No module named {top!r}", name=top)
        return real(name, globals, locals, fromlist, level)

    return restricted


def as_graded(fn: Callable, spec: FunctionSpec) -> Callable:
    """The function as the grader will see it: its notebook cell executed alone.

    The grader runs each answer cell on its own, after the notebook's imports of NumPy and the
    standard library (:func:`prelude`) and without the ``course`` package unless the spec
    ``uses_course``; so a function that leans on a name defined in another cell, or on a module
    the notebook never imports, passes in the notebook but fails when graded. Re-running the
    cell that way here shows that at once, with the same explanation. The functions it
    ``depends_on`` are the learner's own, taken from the notebook. Functions that do not come
    from a notebook cell are returned unchanged.
    """
    import builtins

    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", "")
    if not ("ipykernel_" in filename or filename.startswith("<ipython-input")):
        return fn
    source = "".join(linecache.getlines(filename))
    if not source:
        return fn
    imports = prelude(spec.notebook)
    namespace: dict = {"__name__": "__student__",
                       "__builtins__": {**vars(builtins), "__import__": _without_course(spec.uses_course)}}
    exec(imports, namespace)  # noqa: S102
    for dep in spec.depends_on:
        if dep in getattr(fn, "__globals__", {}):
            namespace[dep] = fn.__globals__[dep]
    try:
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    except Exception as exc:  # noqa: BLE001 - the grader would see the same error: report it on every call
        failure = describe_error(exc, imports)

        def broken(*args, **kwargs):
            raise CellFailed(f"the answer cell of {spec.name}, run on its own as the grader runs it, raised "
                             f"{failure['type']}: {failure['message']}")

        broken.__name__ = spec.name
        return broken
    alone = namespace.get(spec.name)
    if not callable(alone):
        return fn
    return alone


class CellFailed(Exception):
    """The answer cell itself fails when run alone (as the grader runs it)."""


def check(fn: Callable, name: str | None = None) -> None:
    """Run the visible checks of a graded function; raise :class:`CheckFailed` if one fails."""
    name = name or getattr(fn, "__name__", "")
    if name not in SPECS:
        raise CheckFailed(f"{name!r} is not a graded function of this course; "
                          f"known ones: {', '.join(sorted(SPECS))}.")
    spec = SPECS[name]
    verdict = run_direct(spec, as_graded(fn, spec), visible_probes(name), prelude(spec.notebook))
    text = report(verdict)
    if not verdict.passed:
        raise CheckFailed(text)
    print(text)
