"""What each graded function takes and returns, by name (COURSE_SPEC.md, "Notebooks and
graded functions"). This file holds no solutions: only names, shapes in words and the
notebook each function belongs to, which the judge uses to word its messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    notebook: str
    args: tuple[str, ...]
    outputs: tuple[str, ...]  # one name: the function returns that value, not a tuple
    signature: str
    cache_keys: tuple[str, ...] = ()  # for an output named "cache": keys that must match
    float_outputs: bool = True  # outputs must be float64 arrays
    depends_on: tuple[str, ...] = field(default=())  # other answer cells the function calls
    # A property judge replaces the comparison with the expected output, for functions with
    # more than one right answer (a shuffle) or judged by an outcome (a training run):
    # judge(spec, args, kwargs, output, expected) -> max difference (float), raising
    # judge.Mismatch with a message for the learner. It runs in the trusted process.
    judge: Callable | None = field(default=None, compare=False)
    # Properties of several calls taken together (e.g. the same seed gives the same shuffle,
    # another seed another one): judge_together(spec, cases, records) -> a message for the
    # learner (or a judge.Mismatch, which may name the mistake), or None. It runs after every probe has passed, in the trusted process.
    judge_together: Callable | None = field(default=None, compare=False)
    # The grader's sandbox shows the ``course`` package only to functions that declare it: the
    # helpers of later notebooks (course/network.py) hold answers to earlier ones.
    uses_course: bool = False
    # Functions of ``depends_on`` whose calls are recorded while this one runs (``runner.watching``):
    # the record's ``watched`` lets ``judge_together`` check the protocol the notebook states
    # (a new permutation every epoch, the seed of each epoch).
    watches: tuple[str, ...] = ()

    @property
    def returns_tuple(self) -> bool:
        return len(self.outputs) > 1


BN_CACHE_KEYS = ("Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon")


def _collect() -> dict[str, FunctionSpec]:
    """Every ``FUNCTIONS`` list of the modules in ``catalog/`` (one module per notebook)."""
    import importlib
    import pkgutil

    from . import catalog

    specs: dict[str, FunctionSpec] = {}
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda i: i.name):
        for spec in importlib.import_module(f"{catalog.__name__}.{info.name}").FUNCTIONS:
            if spec.name in specs:
                raise ValueError(f"graded function {spec.name!r} is declared twice")
            specs[spec.name] = spec
    return specs


SPECS: dict[str, FunctionSpec] = _collect()


def notebooks() -> list[str]:
    return sorted({s.notebook for s in SPECS.values()})


def functions_of(notebook: str) -> list[FunctionSpec]:
    return [s for s in SPECS.values() if s.notebook == notebook]
