"""The release: student notebooks and fixtures are in sync with the sources, deterministic,
and free of solutions and hidden tests; every graded function is wired up."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import release as release_module
from grader.checks import wire
from grader.fixture_sync import first_difference
from grader.checks.specs import SPECS
from grader.release import FIXTURES, NOTEBOOKS, planned, unchanged
from grader.sourcefiles import all_sources, answer_cells, nbgrader_meta, read_source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = all_sources()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    return planned(out / "notebooks", out / "fixtures"), out


def test_there_is_a_source_per_notebook_and_a_student_notebook_per_source():
    assert SOURCES, "no instructor sources"
    names = [p.stem for p in SOURCES]
    assert names == sorted(names) and all(re.fullmatch(r"\d\d_[a-z0-9_]+", n) for n in names)
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == names


def test_committed_release_is_in_sync_with_the_sources(released):
    files, out = released
    for path, text in files.items():
        committed = (NOTEBOOKS if path.parent.name == "notebooks" else FIXTURES) / path.name
        assert committed.exists(), f"{committed} is missing: run `python -m grader release`"
        _assert_in_sync(committed, text)


def _assert_in_sync(committed: Path, text: str) -> None:
    """The release's own rule (``release.unchanged``): notebooks byte for byte, fixtures with their
    numbers within ``fixture_sync.RTOL`` (another CPU's BLAS rounding is not drift)."""
    if unchanged(committed, text):
        return
    where = first_difference(committed.read_text(encoding="utf-8"), text) if committed.suffix == ".json" else None
    shown = committed.relative_to(ROOT) if committed.is_relative_to(ROOT) else committed
    pytest.fail(f"{shown} drifted from its source" + (f" at {where}" if where else "")
                + ": run `python -m grader release` and commit")


def _fixture_with(text: str, change) -> str:
    """The fixture text with ``change(x)`` applied to the first float of magnitude > 0.1 of an
    array in an "expected" output."""
    tree = json.loads(text)

    def first_row(node):
        if isinstance(node, dict):
            if "array" in node:
                row = node["array"]
                while isinstance(row, list) and row and isinstance(row[0], list):
                    row = row[0]
                if row and isinstance(row[0], float) and abs(row[0]) > 0.1:
                    return row
                return None
            return next((r for v in node.values() if (r := first_row(v)) is not None), None)
        if isinstance(node, list):
            return next((r for v in node if (r := first_row(v)) is not None), None)
        return None

    for cases in tree["functions"].values():
        for case in cases:
            row = first_row(case["expected"])
            if row is not None:
                row[0] = change(row[0])
                return wire.dumps(tree)
    raise AssertionError("no float in an expected array to perturb")


def test_a_fixture_a_few_ulps_away_is_in_sync_and_one_moved_by_1e_6_is_drift(tmp_path):
    """Another CPU's BLAS rounds in the last digits: that is in sync; a real change is drift,
    reported with the file, the path inside it and both numbers."""
    source = FIXTURES / "04_batchnorm_in_a_network.json"
    text = source.read_text(encoding="utf-8")
    committed = tmp_path / source.name
    committed.write_text(_fixture_with(text, lambda x: float(np.nextafter(np.nextafter(x, 2 * x), 2 * x))),
                         encoding="utf-8")
    assert committed.read_text(encoding="utf-8") != text
    _assert_in_sync(committed, text)
    assert release_module.unchanged(committed, text)
    moved = _fixture_with(text, lambda x: x * (1 + 1e-6))
    committed.write_text(moved, encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as failed:
        _assert_in_sync(committed, text)
    message = str(failed.value)
    assert source.name in message and '["expected"]' in message and '["array"][0][0]' in message, message
    assert re.search(r"committed [-0-9.e]+ but regenerated [-0-9.e]+", message), message
    assert "committed" in message and "regenerated" in message and "relative difference 1.0e-06" in message, message


def test_release_leaves_a_fixture_that_agrees_within_the_tolerance_untouched(tmp_path, monkeypatch):
    """A second `grader release` on another machine changes nothing."""
    fixture = FIXTURES / "06_softmax.json"
    text = fixture.read_text(encoding="utf-8")
    nudged = _fixture_with(text, lambda x: float(np.nextafter(x, 2 * x)))
    out = tmp_path / "fixtures"
    out.mkdir()
    (out / fixture.name).write_text(nudged, encoding="utf-8")
    monkeypatch.setattr(release_module, "planned", lambda out_dir, fixtures_dir: {fixtures_dir / fixture.name: text})
    assert release_module.release(tmp_path / "notebooks", out) == []
    assert (out / fixture.name).read_text(encoding="utf-8") == nudged
    (out / fixture.name).write_text(_fixture_with(text, lambda x: x + 1e-3), encoding="utf-8")
    assert release_module.release(tmp_path / "notebooks", out) == [out / fixture.name]
    assert (out / fixture.name).read_text(encoding="utf-8") == text


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=8),
       st.integers(0, 4))
def test_numbers_agree_within_a_few_ulps_and_not_beyond(values, ulps):
    def tree(xs):
        return json.dumps({"expected": {"array": xs, "dtype": "float64", "shape": [len(xs)]}})

    nudged = [x if not np.isfinite(x) else float(x if ulps == 0 else np.nextafter(x, np.inf) if x == 0
                                                  else x + ulps * np.spacing(x)) for x in values]
    assert first_difference(tree(values), tree(nudged)) is None
    big = max((abs(x) for x in values if np.isfinite(x)), default=0.0)
    if big > 1e-300:
        i = next(i for i, x in enumerate(values) if np.isfinite(x) and abs(x) == big)
        moved = list(values)
        moved[i] = values[i] * (1 + 1e-9)
        assert first_difference(tree(values), tree(moved)) is not None


def test_release_is_deterministic(released):
    files, out = released
    again = planned(out / "notebooks", out / "fixtures")
    assert again == files


def _student(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def _solution_lines(path: Path) -> set[str]:
    """Non-trivial lines between the BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS markers."""
    lines, inside = set(), False
    for raw in path.read_text(encoding="utf-8").splitlines():
        marker = re.search(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", raw)
        if marker:
            inside = marker[1] == "BEGIN"
            continue
        line = raw.strip().lstrip("#").strip()
        if inside and len(line) > 12 and not line.startswith(("return", "from grader", "import")):
            lines.add(line)
    return lines


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_student_notebook_holds_no_solution_no_hidden_test_no_output(source):
    nb = _student(source.stem)
    text = json.dumps(nb)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "check_hidden", "grader.hidden",
                   "grader.reference", "grader.suites"):
        assert marker not in text, f"{source.stem}: {marker!r} shipped to students"
    student_text = "\n".join("".join(c["source"]) for c in nb["cells"])
    leaked = [line for line in _solution_lines(source) if line in student_text]
    assert not leaked, f"{source.stem}: solution lines shipped to students: {leaked[:3]}"
    assert _solution_lines(source), "the solution-line scanner found nothing to compare"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in nb["metadata"], "widget state shipped"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_graded_function_raises_not_implemented_in_the_student_notebook(name):
    from grader.checks.evaluate import visible_probes
    from grader.checks.wire import unplain

    spec = SPECS[name]
    nb = _student(spec.notebook)
    cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"]) for c in nb["cells"]}
    assert name in cells, f"{spec.notebook} has no answer cell {name!r}"
    from grader.checks.evaluate import prelude

    namespace: dict = {}
    exec(prelude(spec.notebook), namespace)
    exec(cells[name], namespace)
    case = visible_probes(name)[0]
    with pytest.raises(NotImplementedError):
        namespace[name](*unplain(case.args), **unplain(case.kwargs))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_graded_function_has_an_answer_cell_and_visible_and_hidden_check_cells(name):
    spec = SPECS[name]
    nb = read_source(ROOT / "grader" / "source" / f"{spec.notebook}.py")
    meta = {nbgrader_meta(c).get("grade_id"): (c, nbgrader_meta(c)) for c in nb.cells}
    assert name in answer_cells(ROOT / "grader" / "source" / f"{spec.notebook}.py")
    visible, hidden = meta.get(f"{name}_visible"), meta.get(f"{name}_hidden")
    assert visible and visible[1].get("grade") and visible[1].get("points", 0) > 0 and visible[1].get("locked")
    assert hidden and hidden[1].get("grade") and hidden[1].get("points", 0) > 0 and hidden[1].get("locked")
    assert f"check({name})" in visible[0].source
    assert "### BEGIN HIDDEN TESTS" in hidden[0].source and f"check_hidden({name})" in hidden[0].source


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_every_notebook_ends_with_written_questions(source):
    nb = read_source(source)
    written = [c for c in nb.cells if c.cell_type == "markdown" and nbgrader_meta(c).get("solution")
               and nbgrader_meta(c).get("grade")]
    assert 1 <= len(written), f"{source.stem} has no manually graded written question"
    assert all(nbgrader_meta(c).get("points", 0) > 0 for c in written)
    assert all("### BEGIN SOLUTION" in c.source for c in written), "a written question has no model answer"


def test_the_check_library_holds_no_reference_solution():
    for path in sorted((ROOT / "grader" / "checks").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("grader.reference", "grader.suites", "grader.hidden", "from ..reference", "from ..suites",
                          "from ...reference", "from ...suites", "from ...hidden"):
            assert forbidden not in text, f"{path.relative_to(ROOT)} imports instructor-only code ({forbidden})"
        for name in SPECS:
            assert not re.search(rf"^\s*def {name}\(", text, re.M), f"{path.relative_to(ROOT)} defines {name}"


def _course_modules_imported_by(source: Path) -> set[Path]:
    text = source.read_text(encoding="utf-8")
    names = set(re.findall(r"^\s*from course\.(\w+) import", text, re.M))
    names |= set(re.findall(r"^\s*import course\.(\w+)", text, re.M))
    for group in re.findall(r"^\s*from course import ([\w, ()]+)", text, re.M):
        names |= {n.strip(" ()") for n in group.split(",")}
    return {ROOT / "course" / f"{n}.py" for n in names if (ROOT / "course" / f"{n}.py").exists()}


def _imports_closure(modules: set[Path]) -> set[Path]:
    seen, todo = set(), list(modules)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        for n in re.findall(r"^\s*from \.(\w+) import", text, re.M) + re.findall(r"^\s*from course\.(\w+) import", text, re.M):
            if (ROOT / "course" / f"{n}.py").exists():
                todo.append(ROOT / "course" / f"{n}.py")
    return seen


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_no_helper_a_notebook_imports_defines_that_notebooks_graded_functions(source):
    """What a notebook imports from course/ never holds the answer to that notebook."""
    from grader.checks.specs import functions_of

    graded = [s.name for s in functions_of(source.stem)]
    for path in _imports_closure(_course_modules_imported_by(source)):
        text = path.read_text(encoding="utf-8")
        for name in graded:
            assert not re.search(rf"^\s*def {name}\(", text, re.M), (
                f"{path.relative_to(ROOT)}, imported by {source.stem}, defines its graded function {name}")


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_light_answer_cell_reader_agrees_with_jupytext(source):
    nb = read_source(source)
    expected = {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells
                if c.cell_type == "code" and nbgrader_meta(c).get("solution")}
    assert answer_cells(source) == expected


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_prelude_of_an_answer_cell_is_what_the_notebook_imports_no_more(source):
    """An answer cell runs after the notebook's own imports of NumPy and the standard library:
    no module the notebook never imports (math), no course helper, no grader."""
    import ast

    from grader.checks.evaluate import prelude
    from grader.sourcefiles import prelude as source_prelude

    text = source_prelude(source)
    assert "import numpy as np" in text.splitlines()
    assert prelude(source.stem) == text or not (FIXTURES / f"{source.stem}.json").exists()
    imported = {a.asname or a.name for node in ast.parse(source.read_text(encoding="utf-8")).body
                if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
    for node in ast.parse(text).body:
        for alias in node.names:
            assert (alias.asname or alias.name) in imported, f"{source.stem}: the prelude imports {alias.name}"
            assert not alias.name.startswith(("course", "grader", "matplotlib", "IPython"))
    if "import math" not in source.read_text(encoding="utf-8"):
        assert "math" not in text
