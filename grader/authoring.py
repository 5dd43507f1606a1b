"""The instructor's own mistakes, caught by ``python -m grader release`` before it writes anything.

:func:`course_problems` reads the instructor sources (``grader/source/``), the check library's
descriptions of the graded functions (``grader/checks/catalog/``) and the suites
(``grader/suites/``), and returns every :class:`Problem` it finds, each saying what is wrong,
in which file and cell, and what to do:

- an answer cell (nbgrader ``solution``, code) whose grade_id names no described function, or
  whose grade_id is not the function the cell defines, or without solution markers (the student
  notebook would hold the solution);
- a described function without a suite (no probes, no mistakes), without visible probes, with
  a hidden-probe generator that fails or gives none, without an answer cell or check cells;
- output or argument names that are not a tuple of names (``("Z_tilde")`` is a string);
- a test cell that names no graded function, a hidden test cell without the hidden-test
  markers (release would copy ``check_hidden(fn)`` into the student notebook) or with code
  outside them, points missing or not positive;
- a catalogued mistake without a well-formed id (``<function>.<slug>``: a lambda needs
  ``id=``), two different mistakes sharing an id, a mistake that gives the reference's output
  on every visible probe (it could never be named), a reference that fails on a probe.

Instructor side only (it imports the suites and runs the reference solutions).
"""
from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from .sourcefiles import SOURCE_DIR, all_sources, nbgrader_meta, percent_cells

GRADER = Path(__file__).resolve().parent
ROOT = GRADER.parent
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class Problem:
    where: str  # a file (relative to the repository), with the cell or object when there is one
    what: str
    todo: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}\n    What to do: {self.todo}"


class AuthoringError(Exception):
    """The course has authoring problems; ``str()`` lists them for the instructor."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        n = len(self.problems)
        head = (f"release stopped: {n} problem{'s' if n != 1 else ''} in the course's sources (nothing was written; "
                "docs/authoring.md says how each part fits):")
        return "\n".join([head, *(f"- {p}" for p in self.problems)])


def _rel(path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _import_problem(exc: BaseException, what: str) -> Problem:
    """A Problem for a module of the course that cannot be imported, pointing at the failing line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(GRADER) in str(f.filename)]
    where = f"{_rel(frames[-1].filename)}, line {frames[-1].lineno}" if frames else what
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{_rel(exc.filename)}, line {exc.lineno}"
    return Problem(where, f"{what} cannot be imported: {type(exc).__name__}: {exc}",
                   "fix this line (run `python -c \"import grader.suites\"` to see the whole error).")


# --- what the Python side declares --------------------------------------------------------

def _declared(package: str, attribute: str) -> tuple[dict[str, list[tuple[object, str]]], list[Problem]]:
    """``{name: [(object, file)]}`` of every ``attribute`` list (FUNCTIONS or SUITES) of the modules
    of ``package``, keyed by the function's name, with import problems."""
    found: dict[str, list[tuple[object, str]]] = {}
    problems = []
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        try:
            module = importlib.import_module(f"{package}.{info.name}")
        except Exception as exc:  # noqa: BLE001 - reported to the instructor, not raised
            problems.append(_import_problem(exc, f"{package}.{info.name}"))
            continue
        for obj in getattr(module, attribute, ()):
            name = getattr(obj, "name", None) or getattr(obj, "function", None)
            found.setdefault(str(name), []).append((obj, _rel(module.__file__)))
    return found, problems


def _names_problem(spec, field: str, where: str) -> Problem | None:
    value = getattr(spec, field)
    if isinstance(value, tuple) and value and all(isinstance(v, str) and v.isidentifier() for v in value):
        return None
    if isinstance(value, str):
        what = (f"the {field} of {spec.name} are the string {value!r}, not a tuple of names: "
                f"{value!r} in parentheses is just a string, so it would be read letter by letter")
        todo = f"write ({value!r},) with a comma"
    else:
        what = f"the {field} of {spec.name} should be a non-empty tuple of Python names; it is {value!r}"
        todo = 'list the names, e.g. ("Z_tilde", "cache"), or ("A",) for a single value'
    return Problem(where, what, todo + " in its FunctionSpec.")


def _mistake_problems(suite, where: str) -> list[Problem]:
    problems, seen = [], {}
    for i, m in enumerate(suite.mistakes):
        label = f"mistake {i + 1} of {suite.function} ({m.message[:50]!r}...)"
        slug = m.id or getattr(m.fn, "__name__", "").lstrip("_")
        if not m.id and not SLUG.match(slug):
            problems.append(Problem(where, f"{label} has no id, and its implementation's name "
                                           f"{getattr(m.fn, '__name__', '?')!r} cannot be one",
                                    'give it a short, stable id: Mistake(message, fn, id="eps_outside_sqrt") '
                                    "(lower case, digits and _); class reports count mistakes by it."))
            continue
        if not SLUG.match(slug):
            problems.append(Problem(where, f"{label} has the id {m.id!r}, which is not a slug",
                                    "use lower case letters, digits and _ only, e.g. id=\"eps_outside_sqrt\"; the "
                                    "function's name is added in front."))
            continue
        other = seen.setdefault(slug, m.message)
        if other != m.message:
            problems.append(Problem(where, f"two different mistakes of {suite.function} have the id {slug!r}",
                                    "give each mistake its own id (variants of one mistake may share an id only "
                                    "when they share the message too)."))
    return problems


# --- what the sources hold ----------------------------------------------------------------

@dataclass
class Cell:
    grade_id: str
    line: int  # of the `# %%` marker, 1-based
    cell_type: str
    meta: dict
    source: str


def _cells(path: Path) -> tuple[list[Cell], list[Problem]]:
    """The nbgrader cells of a py:percent source, with their line numbers."""
    cells, problems = [], []
    for raw in percent_cells(path):
        if raw.nbgrader_text is None:
            continue
        try:
            meta = json.loads(raw.nbgrader_text)
        except ValueError as exc:
            problems.append(Problem(f"{_rel(path)}, line {raw.line}", f"the nbgrader metadata is not JSON ({exc})",
                                    'write it as nbgrader={"grade": ..., "grade_id": "...", ...} on one line.'))
            continue
        cells.append(Cell(str(meta.get("grade_id", "")), raw.line, raw.cell_type, meta, raw.text))
    for c in cells:
        if c.cell_type == "markdown":
            c.source = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                                 for line in c.source.splitlines())
    return cells, problems


def _defined(code: str) -> list[str] | None:
    """Names of the functions a cell defines at top level (None: not valid Python)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _outside(code: str, begin: str, end: str) -> list[str]:
    """Code lines (not blank, not comments) outside the ``begin``/``end`` markers."""
    out, inside = [], False
    for line in code.splitlines():
        s = line.strip()
        if s == begin:
            inside = True
        elif s == end:
            inside = False
        elif not inside and s and not s.startswith("#"):
            out.append(s)
    return out


def _source_problems(path: Path, specs: dict, where_spec: dict) -> list[Problem]:
    """Problems of one source: its cells, and the cells each of its graded functions needs."""
    cells, problems = _cells(path)
    notebook = path.stem
    answers, tests = {}, {}
    for c in cells:
        where = f"{_rel(path)}, cell {c.grade_id!r} (line {c.line})"
        meta = c.meta
        if not c.grade_id:
            problems.append(Problem(f"{_rel(path)}, line {c.line}", "an nbgrader cell without a grade_id",
                                    "give every graded, answer or locked cell a unique grade_id."))
            continue
        if meta.get("grade"):
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
                problems.append(Problem(where, f"a graded cell needs positive points; it has "
                                               f"{'none' if points is None else repr(points)}",
                                        'add "points": N (N > 0) to its nbgrader metadata.'))
        if meta.get("solution") and c.cell_type == "code":
            answers[c.grade_id] = c
            defined = _defined(c.source)
            if c.grade_id not in specs:
                problems.append(Problem(where, f"the answer cell {c.grade_id!r} names no graded function: there is no "
                                               f"FunctionSpec {c.grade_id!r} in grader/checks/catalog/",
                                        f"add a FunctionSpec to FUNCTIONS in grader/checks/catalog/nb{notebook}.py "
                                        f"and a Suite to SUITES in grader/suites/nb{notebook}.py (docs/authoring.md, "
                                        "'Add a graded function'), or fix the grade_id."))
            elif specs[c.grade_id].notebook != notebook:
                problems.append(Problem(where, f"the FunctionSpec of {c.grade_id} says it belongs to notebook "
                                               f"{specs[c.grade_id].notebook!r}, but its answer cell is in {notebook}",
                                        f"set notebook={notebook!r} in its FunctionSpec ({where_spec[c.grade_id]})."))
            if defined is None:
                problems.append(Problem(where, "the answer cell is not valid Python",
                                        "fix the syntax error (run the cell in the source notebook)."))
            elif c.grade_id not in defined:
                what = (f"defines {', '.join(defined)}" if defined else "defines no function")
                problems.append(Problem(where, f"the grade_id {c.grade_id!r} does not match the function the cell "
                                               f"defines: it {what}",
                                        "the grade_id of an answer cell is the name of the function it defines: "
                                        "rename one of them."))
            if SOLUTION_BEGIN not in c.source or SOLUTION_END not in c.source:
                problems.append(Problem(where, "the answer cell has no ### BEGIN SOLUTION / ### END SOLUTION markers, "
                                               "so the student notebook would hold the solution",
                                        "put the solution's lines between the two markers (the student gets "
                                        "`raise NotImplementedError()` instead)."))
        elif meta.get("grade") and not meta.get("solution") and c.cell_type == "code":
            function, hidden = None, False
            for suffix in ("_visible", "_hidden"):
                if c.grade_id.endswith(suffix) and c.grade_id[: -len(suffix)] in specs:
                    function, hidden = c.grade_id[: -len(suffix)], suffix == "_hidden"
            if function is None:
                called = re.findall(r"\bcheck(?:_hidden)?\(\s*([A-Za-z_]\w*)", c.source)
                function = next((f for f in called if f in specs), None)
            hidden = hidden or "check_hidden(" in c.source
            undescribed = re.sub(r"_(visible|hidden)$", "", c.grade_id)
            if function is None and undescribed in answers and undescribed not in specs:
                continue  # its answer cell is reported above
            if function is None:
                problems.append(Problem(where, "this test cell names no graded function",
                                        "name it <function>_visible (with check(function)) or <function>_hidden "
                                        "(with check_hidden(function) between the hidden-test markers)."))
                continue
            tests.setdefault(function, set()).add("hidden" if hidden else "visible")
            if hidden and (HIDDEN_BEGIN not in c.source or HIDDEN_END not in c.source):
                problems.append(Problem(where, "this hidden test cell has no ### BEGIN HIDDEN TESTS / ### END HIDDEN "
                                               f"TESTS markers, so release would copy check_hidden({function}) into "
                                               "the student notebook",
                                        "put the hidden checks between the two markers (a comment above them may "
                                        "say what the hidden checks do)."))
            elif hidden and _outside(c.source, HIDDEN_BEGIN, HIDDEN_END):
                problems.append(Problem(where, "this hidden test cell has code outside its hidden-test markers, which "
                                               f"the student notebook would show: {_outside(c.source, HIDDEN_BEGIN, HIDDEN_END)[0]!r}",
                                        "move every line of code between ### BEGIN HIDDEN TESTS and ### END HIDDEN "
                                        "TESTS (only comments may stay outside)."))
    for name, spec in specs.items():
        if spec.notebook != notebook:
            continue
        where = f"{_rel(path)} ({name})"
        if name not in answers:
            problems.append(Problem(where, f"{name} is described ({where_spec[name]}) for this notebook, but the "
                                           f"source has no answer cell with grade_id {name!r}",
                                    "add the answer cell (nbgrader solution: true, grade_id = the function's name), "
                                    "or remove the FunctionSpec."))
            continue
        for kind in ("visible", "hidden"):
            if kind not in tests.get(name, set()):
                problems.append(Problem(where, f"{name} has no {kind} test cell",
                                        f"add a locked, graded code cell with grade_id {name}_{kind} below the answer "
                                        "cell (docs/authoring.md shows one)."))
    return problems


# --- the suites against the reference -----------------------------------------------------

def _probe_problems(suite, spec, where: str, answer_where: str) -> list[Problem]:
    """The reference runs on every visible probe, and every mistake differs from it on one."""
    from .checks.judge import matches
    from .reference import reference
    from .suites import _matches, _run_quietly, hidden_rng

    try:
        ref = reference(spec.name)
    except Exception as exc:  # noqa: BLE001
        return [Problem(answer_where, f"the reference solution of {spec.name} cannot be run: {type(exc).__name__}: {exc}",
                        "run the cell in the source notebook and fix it.")]
    problems = []
    try:
        hidden = suite.hidden(hidden_rng(spec.name))
        if not hidden:
            problems.append(Problem(where, f"the hidden-probe generator of {spec.name} gives no probe",
                                    "return a list of Probe(name, args) drawn from the rng it is given."))
    except Exception as exc:  # noqa: BLE001
        problems.append(Problem(where, f"the hidden-probe generator of {spec.name} fails: {type(exc).__name__}: {exc}",
                                "fix it: hidden=lambda rng: [Probe(...), ...] must run with any numpy Generator."))
    expected = []
    for probe in suite.visible:
        out = _run_quietly(ref, probe)
        if out is None:
            problems.append(Problem(answer_where, f"the reference solution of {spec.name} fails on the visible probe "
                                                  f"{probe.name!r}",
                                    "fix the reference or the probe's inputs (run both in the source notebook)."))
        expected.append(out)
    if problems:
        return problems
    for i, m in enumerate(suite.mistakes):
        shown = False
        for probe, want in zip(suite.visible, expected):
            got = _run_quietly(m.fn, probe)
            if got is not None and not _matches(spec, got, want, matches):
                shown = True
                break
        if not shown:
            problems.append(Problem(where, f"the mistake {m.full_id(spec.name)!r} gives the reference's output (or "
                                           "fails) on every visible probe, so it could never be named",
                                    "check that it really is a mistake, and add a visible probe on which it differs "
                                    "from the reference (or remove it)."))
    return problems


def course_problems() -> list[Problem]:
    """Every authoring problem of the course (an empty list: release may go ahead)."""
    try:
        specs_by_name, problems = _declared("grader.checks.catalog", "FUNCTIONS")
        suites_by_name, more = _declared("grader.suites", "SUITES")
    except Exception as exc:  # noqa: BLE001 - e.g. a syntax error in a package's __init__
        return [_import_problem(exc, "the check library or the suites")]
    problems += more
    specs, where_spec = {}, {}
    for name, found in specs_by_name.items():
        spec, where = found[0]
        specs[name], where_spec[name] = spec, where
        if len(found) > 1:
            problems.append(Problem(found[1][1], f"the graded function {name!r} is described twice "
                                                 f"({found[0][1]} and {found[1][1]})", "keep one FunctionSpec."))
        for field in ("args", "outputs"):
            p = _names_problem(spec, field, f"{where} ({name})")
            if p:
                problems.append(p)
    for name, found in suites_by_name.items():
        if len(found) > 1:
            problems.append(Problem(found[1][1], f"{name!r} has two suites ({found[0][1]} and {found[1][1]})",
                                    "keep one Suite per graded function."))
        if name not in specs:
            problems.append(Problem(found[0][1], f"the suite of {name!r} tests a function that is not described in "
                                                 "grader/checks/catalog/",
                                    "add its FunctionSpec, or fix the suite's function name."))
    sources = {p.stem: p for p in all_sources()}
    for path in sources.values():
        problems += _source_problems(path, specs, where_spec)
    for name, spec in specs.items():
        if spec.notebook not in sources:
            problems.append(Problem(f"{where_spec[name]} ({name})", f"{name} belongs to notebook {spec.notebook!r}, "
                                    f"which has no source {_rel(SOURCE_DIR / (spec.notebook + '.py'))}",
                                    "fix the notebook name in its FunctionSpec, or add the source."))
            continue
        if name not in suites_by_name:
            problems.append(Problem(f"{where_spec[name]} ({name})", f"{name} has no suite: no probes to call it on and "
                                    "no mistakes to name",
                                    f"add a Suite({name!r}, visible=[Probe(...)], hidden=lambda rng: [...], "
                                    "mistakes=[Mistake(...)]) to a SUITES list in grader/suites/ (docs/authoring.md)."))
            continue
        suite, where = suites_by_name[name][0]
        where = f"{where} ({name})"
        if not suite.visible:
            problems.append(Problem(where, f"the suite of {name} has no visible probes",
                                    "add at least one Probe(name, args) to visible=[...]; the notebook's check() and "
                                    "the fixtures are made from them."))
            continue
        problems += _mistake_problems(suite, where)
    if problems:  # the references and mistakes are run only on a course that is otherwise sound
        return problems
    for name, spec in specs.items():
        suite, where = suites_by_name[name][0]
        answer = next(c for c in _cells(sources[spec.notebook])[0] if c.grade_id == name)
        problems += _probe_problems(suite, spec, f"{where} ({name})",
                                    f"{_rel(sources[spec.notebook])}, cell {name!r} (line {answer.line})")
    return problems


def check_course() -> None:
    """Raise :class:`AuthoringError` listing every problem, if there is one."""
    problems = course_problems()
    if problems:
        raise AuthoringError(problems)
