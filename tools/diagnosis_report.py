"""``python -m tools.diagnosis_report``: how well the judge names real mistakes.

Over suites of correct and wrong implementations it prints, per suite and per graded function:
correct implementations accepted, wrong ones rejected, and wrong ones *named*: rejected with a
diagnosis (a failed check that carries a mistake id: a catalogued mistake, a relation such as
``softmax.unstable`` or ``*.factor_m``, an explained exception, a shape or dtype hint), not the
generic "differs from the answer", "contains nan" or a bare exception.

Suites:
- ``catalogue``: the course's own suites, the ``CORRECT``/``WRONG`` implementations that
  ``tests/test_nbNN_*.py`` parametrize (written alongside the catalogue of mistakes);
- ``blind``: ``tests/student_code/blind.py``, written the way students write them without
  looking at the catalogue;
- any ``--extra FILE`` of the same form (a held-out set kept outside the repository).

A file of cases defines ``WRONG`` and ``CORRECT``: lists of objects with ``function``, ``intent``
and ``code`` (the text of the student's answer cell). Each runs like an answer cell on its own,
with the notebook's imports and, for functions that call other answer cells, the references of
those. Visible and hidden checks are both run, in this process.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Item:
    suite: str
    function: str
    label: str
    fn: object  # a callable, or an Exception if the code could not even be defined
    correct: bool


@dataclass
class Outcome:
    item: Item
    passed: bool
    named: bool
    message: str
    mistake: str | None


# --- collecting the suites -----------------------------------------------------------------

_CALL = re.compile(r"assert_(?:accepted|rejected)\(\s*[\"'](\w+)[\"']")


def catalogue_items() -> list[Item]:
    """The parametrized implementations of tests/test_nbNN_*.py, with the graded function that each
    test function passes to ``assert_accepted`` / ``assert_rejected``."""
    sys.path.insert(0, str(ROOT))
    items = []
    for path in sorted((ROOT / "tests").glob("test_nb0*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for name, test in vars(module).items():
            if not name.startswith("test_") or not callable(test):
                continue
            found = _CALL.search(inspect.getsource(test))
            if not found:
                continue
            for mark in getattr(test, "pytestmark", []):
                if mark.name != "parametrize" or not str(mark.args[0]).startswith("fn"):
                    continue
                for value in mark.args[1]:
                    value = getattr(value, "values", value)  # pytest.param
                    fn, correct = (value[0], False) if isinstance(value, tuple) else (value, True)
                    label = getattr(fn, "__name__", repr(fn))
                    items.append(Item("catalogue", found.group(1), label, fn, correct))
    return items


def code_items(path: Path, suite: str) -> list[Item]:
    """The cases of a file defining WRONG and CORRECT lists of (function, intent, code) cases."""
    from tests.student_code import define

    spec_ = importlib.util.spec_from_file_location(f"_cases_{suite}", path)
    module = importlib.util.module_from_spec(spec_)
    sys.modules[spec_.name] = module
    spec_.loader.exec_module(module)
    items = []
    for correct, cases in ((True, getattr(module, "CORRECT", [])), (False, getattr(module, "WRONG", []))):
        for case in cases:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fn = define(case, suite)
            except Exception as exc:  # noqa: BLE001 - the case's own code is broken
                fn = exc
            items.append(Item(suite, case.function, case.intent, fn, correct))
    return items


# --- judging them --------------------------------------------------------------------------

def judge_item(item: Item) -> Outcome:
    from grader.checks.evaluate import run_direct, visible_probes
    from grader.checks.specs import SPECS
    from grader.hidden import hidden_cases

    if isinstance(item.fn, Exception):
        return Outcome(item, False, False, f"the case does not define {item.function}: {item.fn!r}", None)
    spec = SPECS[item.function]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        verdicts = [run_direct(spec, item.fn, visible_probes(item.function)),
                    run_direct(spec, item.fn, list(hidden_cases(item.function)))]
    passed = all(v.passed for v in verdicts)
    failing = [v for v in verdicts if not v.passed]
    first = failing[0] if failing else verdicts[0]
    named = bool(failing) and all(v.mistake is not None for v in failing)
    return Outcome(item, passed, named, first.message, first.mistake)


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"


def summarize(outcomes: list[Outcome]) -> dict:
    correct = [o for o in outcomes if o.item.correct]
    wrong = [o for o in outcomes if not o.item.correct]
    return {"correct": len(correct), "accepted": sum(o.passed for o in correct),
            "wrong": len(wrong), "rejected": sum(not o.passed for o in wrong),
            "named": sum(o.named and not o.passed for o in wrong)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.diagnosis_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--extra", action="append", default=[], metavar="FILE",
                        help="another file of cases (WRONG/CORRECT lists), e.g. a held-out set")
    parser.add_argument("--suite", action="append", default=None, help="only these suites (catalogue, blind, ...)")
    parser.add_argument("--show", choices=("unnamed", "all", "none"), default="unnamed",
                        help="list the wrong implementations whose message names no mistake (default), all, or none")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    items: list[Item] = []
    wanted = set(args.suite) if args.suite else None
    if wanted is None or "catalogue" in wanted:
        items += catalogue_items()
    blind = ROOT / "tests" / "student_code" / "blind.py"
    if blind.exists() and (wanted is None or "blind" in wanted):
        items += code_items(blind, "blind")
    for extra in args.extra:
        path = Path(extra)
        if not path.is_file():
            print(f"error: {extra} is not a file of cases.", file=sys.stderr)
            return 2
        items += code_items(path, path.stem)
    outcomes = [judge_item(i) for i in items]

    figures = {}
    print(f"{'suite':<12} {'correct accepted':>18} {'wrong rejected':>18} {'wrong named':>18}")
    for suite in dict.fromkeys(o.item.suite for o in outcomes):
        s = summarize([o for o in outcomes if o.item.suite == suite])
        figures[suite] = s
        print(f"{suite:<12} {pct(s['accepted'], s['correct']):>18} {pct(s['rejected'], s['wrong']):>18} "
              f"{pct(s['named'], s['wrong']):>18}")
    total = summarize(outcomes)
    figures["all"] = total
    print(f"{'all':<12} {pct(total['accepted'], total['correct']):>18} {pct(total['rejected'], total['wrong']):>18} "
          f"{pct(total['named'], total['wrong']):>18}")

    problems = [o for o in outcomes if o.item.correct and not o.passed] + \
               [o for o in outcomes if not o.item.correct and o.passed]
    for o in problems:
        kind = "correct implementation rejected" if o.item.correct else "wrong implementation accepted"
        print(f"\n!! {kind}: [{o.item.suite}] {o.item.function}: {o.item.label}\n   {o.message.splitlines()[0]}")
    if args.show != "none":
        listed = [o for o in outcomes if not o.item.correct and not o.passed and (args.show == "all" or not o.named)]
        if listed:
            print(f"\n{'Wrong implementations' if args.show == 'all' else 'Rejected but not named'} ({len(listed)}):")
        for o in listed:
            print(f"- [{o.item.suite}] {o.item.function}: {o.item.label}\n    -> {o.mistake}: "
                  f"{o.message.splitlines()[0][:300]}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
