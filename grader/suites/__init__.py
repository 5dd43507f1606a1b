"""Probes and known mistakes for every graded function (instructor side only).

A *suite* names the inputs a function is called on (visible probes, stored with their
expected outputs in the student-safe fixtures, and hidden probes drawn afresh from a
seeded generator at grading time) and the common wrong implementations whose outputs let
the judge name a learner's mistake.
"""
from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..checks import wire
from ..checks.evaluate import KnownMistake, ProbeCase
from ..checks.specs import SPECS


@dataclass
class Probe:
    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass
class Mistake:
    """A common wrong implementation: its message names the mistake for a learner; its id
    (``<function>.<slug>``, the slug by default the implementation's name without leading
    underscores) is stable, for class reports that count mistakes."""

    message: str
    fn: Callable
    id: str = ""

    def full_id(self, function: str) -> str:
        return f"{function}.{self.id or self.fn.__name__.lstrip('_')}"


@dataclass
class Suite:
    function: str
    visible: list[Probe]
    hidden: Callable[[np.random.Generator], list[Probe]]
    mistakes: list[Mistake]


def _run_quietly(fn, probe: Probe):
    """Call a reference or mistake on copies of the probe's inputs; plain output or None."""
    args, kwargs = wire.unplain(wire.to_plain(probe.args)), wire.unplain(wire.to_plain(probe.kwargs))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return wire.to_plain(fn(*args, **kwargs))
        except Exception:  # noqa: BLE001 - a mistake may well fail on a degenerate probe
            return None


def cases(suite: Suite, probes: list[Probe], reference: Callable) -> list[ProbeCase]:
    """Probe cases with the expected output and the distinguishable mistakes' outputs."""
    from ..checks.judge import matches

    spec = SPECS[suite.function]
    out = []
    for probe in probes:
        expected = _run_quietly(reference, probe)
        if expected is None:
            raise RuntimeError(f"the reference {suite.function} failed on probe {probe.name!r}")
        wrongs = []
        for m in suite.mistakes:
            wrong = _run_quietly(m.fn, probe)
            if wrong is not None and not _matches(spec, wrong, expected, matches):
                wrongs.append(KnownMistake(m.full_id(suite.function), m.message, wrong))
        out.append(ProbeCase(probe.name, wire.to_plain(probe.args), wire.to_plain(probe.kwargs), expected, wrongs))
    return out


def _matches(spec, got, want, matches) -> bool:
    if spec.returns_tuple:
        return matches(got, want, spec)
    return matches((got,), (want,), spec)


def hidden_rng(function: str, key: bytes | None = None) -> np.random.Generator:
    """The generator of ``function``'s hidden probes: the same every time for the same inputs, so
    grading is deterministic. Without ``key`` it is seeded by the function's name alone (anyone can
    recompute it: fine for self-study); with ``key`` (a keyed hash of the instructor's secret and
    the student, see :func:`grader.hidden.student_key`) each student gets probes of their own."""
    if key is None:
        return np.random.default_rng(zlib.crc32(function.encode()))
    import hashlib

    digest = hashlib.sha256(key + b"\0" + function.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def all_suites() -> dict[str, Suite]:
    """Every ``SUITES`` list of the modules in this package (one module per notebook)."""
    import importlib
    import pkgutil

    suites: dict[str, Suite] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        for s in getattr(importlib.import_module(f"{__name__}.{info.name}"), "SUITES", ()):
            suites[s.function] = s
    return suites
