"""The notebook's check(), `python -m grader check` and autograde agree on every way a student
edits a notebook, and their messages say what the grader reads and how to fix it.

For each edit of notebook 02's answer cell, the edited notebook is
1. executed headless in a real kernel, from the top to the function's check cell (what
   Kernel > Restart & Run All shows the student): the check cell passes or fails;
2. checked with ``python -m grader check`` (a child process, as a learner runs it);
3. graded by autograde's unit, ``grader.autograde.unit.grade_file``;
and the three verdicts of the function's visible check must be the same.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.autograde.unit import Submission, grade_file
from grader.release import NOTEBOOKS, filled_student_notebook
from grader.sourcefiles import all_sources

NB = "02_batchnorm_forward"
FN = "batchnorm_forward"
RULE = "**Each answer cell is graded on its own.**"

OWN_ANSWER = '''def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    sigma2 = Z.var(axis=1, keepdims=True)
    Z_norm = {normalized}
    Z_tilde = gamma * Z_norm + beta
    cache = {{"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta,
             "epsilon": epsilon}}
    return Z_tilde, cache
'''
WITH_NUMPY = OWN_ANSWER.format(normalized="(Z - mu) / np.sqrt(sigma2 + epsilon)")
WITH_HELPER = OWN_ANSWER.format(normalized="center(Z) / np.sqrt(sigma2 + epsilon)")
WITH_MATH = OWN_ANSWER.format(normalized="(Z - mu) / np.array([[math.sqrt(s + epsilon)] for s in sigma2[:, 0]])")
HELPER = "def center(Z):\n    return Z - Z.mean(axis=1, keepdims=True)\n"


def _cells(nb: dict) -> list[dict]:
    return nb["cells"]


def _index(nb: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(_cells(nb)) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _code(source: str, meta: dict | None = None) -> dict:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata = meta or {}
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[cell])))["cells"][0]


def _student() -> dict:
    return json.loads((NOTEBOOKS / f"{NB}.ipynb").read_text(encoding="utf-8"))


def _filled() -> dict:
    return filled_student_notebook(NB)


def _with_answer(source: str) -> dict:
    nb = _filled()
    _cells(nb)[_index(nb, FN)]["source"] = source
    return nb


def new_cell_below_untouched():
    nb = _student()
    _cells(nb).insert(_index(nb, FN) + 1, _code(WITH_NUMPY))
    return nb


def new_cell_above_untouched():
    nb = _student()
    _cells(nb).insert(_index(nb, FN), _code(WITH_NUMPY))
    return nb


def duplicated_lower_copy_untouched():
    nb = _filled()
    stub = _cells(_student())[_index(_student(), FN)]
    _cells(nb).insert(_index(nb, FN) + 1, copy.deepcopy(stub))
    return nb


def duplicated_lower_copy_edited():
    nb = _student()
    i = _index(nb, FN)
    lower = copy.deepcopy(_cells(nb)[i])
    lower["source"] = WITH_NUMPY
    _cells(nb).insert(i + 1, lower)
    return nb


def deleted():
    nb = _filled()
    del _cells(nb)[_index(nb, FN)]
    return nb


def moved_to_the_top():
    nb = _filled()
    cell = _cells(nb).pop(_index(nb, FN))
    _cells(nb).insert(0, cell)
    return nb


def moved_below_its_check():
    nb = _filled()
    cell = _cells(nb).pop(_index(nb, FN))
    _cells(nb).insert(_index(nb, f"{FN}_visible") + 1, cell)
    return nb


def metadata_lost():
    nb = _filled()
    _cells(nb)[_index(nb, FN)]["metadata"] = {}
    return nb


def helper_in_another_cell():
    nb = _with_answer(WITH_HELPER)
    _cells(nb).insert(_index(nb, FN), _code(HELPER))
    return nb


def helper_inside_the_cell():
    return _with_answer(HELPER + "\n\n" + WITH_HELPER)


def module_never_imported():
    return _with_answer(WITH_MATH)


def module_imported_in_the_cell():
    return _with_answer("import math\n\n\n" + WITH_MATH)


# (edit, passes, words the grader's message must hold: what it reads, how to fix it)
EDITS = [
    (lambda: _filled(), True, None),
    (new_cell_below_untouched, True, "the grader reads that lower cell"),
    (new_cell_above_untouched, False, "not implemented yet"),
    (duplicated_lower_copy_untouched, False, "not implemented yet"),
    (duplicated_lower_copy_edited, True, "the last one counts (the lower copy"),
    (deleted, False, "no answer cell for batchnorm_forward"),
    (moved_to_the_top, True, None),
    (moved_below_its_check, False, "move the cell that defines batchnorm_forward back above"),
    (metadata_lost, True, "lost its nbgrader metadata"),
    (helper_in_another_cell, False, "runs each answer cell on its own"),
    (helper_inside_the_cell, True, None),
    (module_never_imported, False, "runs each answer cell on its own"),
    (module_imported_in_the_cell, True, None),
]
IDS = ["answer in place"] + [e.__name__.replace("_", " ") for e, _, _ in EDITS[1:]]


def _notebook_check(nb: dict, cwd: Path) -> tuple[bool, str]:
    """Run the notebook from the top to the function's check cell in a fresh kernel, as Restart &
    Run All does; the check cell's verdict and text."""
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    stop = next(i for i, c in enumerate(node.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == f"{FN}_visible")
    node.cells = node.cells[:stop + 1]
    NotebookClient(node, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    outputs = node.cells[-1].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    text += "".join(f"{o.ename}: {o.evalue}" for o in errors)
    return (not errors and "\u2713" in text), text


def _cli_check(path: Path) -> tuple[bool, str]:
    res = subprocess.run([sys.executable, "-m", "grader", "check", str(path)], capture_output=True, text=True,
                         timeout=300)
    assert "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    line = re.search(rf"^\S+ {FN} \[(\w+)\]", res.stdout, re.M)
    assert line, res.stdout
    return line[1] == "pass", res.stdout


def _autograde(path: Path) -> tuple[bool, str]:
    result = grade_file(Submission("student", path, path.name))
    visible = [c for c in result["checks"] if c["function"] == FN and "visible" in c["id"]]
    assert len(visible) == 1, result["checks"]
    return visible[0]["status"] == "pass", result["message"] + "\n" + visible[0]["message"]


@pytest.mark.parametrize("edit,passes,words", EDITS, ids=IDS)
def test_notebook_check_cli_and_autograde_agree(tmp_path, edit, passes, words):
    nb = edit()
    path = tmp_path / f"{NB}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    in_notebook, notebook_text = _notebook_check(nb, NOTEBOOKS)
    cli, cli_text = _cli_check(path)
    graded, graded_text = _autograde(path)
    assert (in_notebook, cli, graded) == (passes, passes, passes), (
        f"check() {in_notebook}, grader check {cli}, autograde {graded}; expected {passes}\n"
        f"--- notebook:\n{notebook_text}\n--- grader check:\n{cli_text}\n--- autograde:\n{graded_text}")
    if words:
        assert words.lower() in cli_text.lower(), cli_text
        assert words.lower() in graded_text.lower(), graded_text
    if "on its own" in (words or ""):
        assert "on its own" in notebook_text, notebook_text


@pytest.mark.parametrize("source", all_sources(), ids=[p.stem for p in all_sources()])
def test_every_notebook_states_the_rule_before_its_first_answer_cell_in_the_same_words(source):
    nb = json.loads((NOTEBOOKS / f"{source.stem}.ipynb").read_text(encoding="utf-8"))
    first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                 and c["metadata"].get("nbgrader", {}).get("solution"))
    rules = ["".join(c["source"]) for c in nb["cells"][:first] if c["cell_type"] == "markdown"
             and "".join(c["source"]).startswith(RULE)]
    assert len(rules) == 1, f"{source.stem} does not state the rule before its first answer cell"
    reference = "".join(next(c["source"] for c in _student()["cells"] if "".join(c["source"]).startswith(RULE)))
    assert rules[0] == reference, f"{source.stem} states the rule in other words"
    assert "`course` package" in rules[0] and "import" in rules[0]


def test_a_function_that_writes_none_into_its_input_is_judged_and_the_others_are_reported(tmp_path):
    """`cache["Z"] = None  # free memory` is a modified input, not an internal error; the other
    functions of the notebook are still reported."""
    nb = filled_student_notebook("04_batchnorm_in_a_network")
    cell = nb["cells"][_index(nb, "model_backward")]
    before = cell["source"]
    cell["source"] = re.sub(r'(def model_backward\(dZL, caches\):\n)', r'\1    caches[0]["Z"] = None  # free memory\n',
                            cell["source"], count=1)
    assert cell["source"] != before
    path = tmp_path / "04_batchnorm_in_a_network.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "grader", "check", str(path)], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 1 and "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    assert re.search(r"model_backward \[fail\]: .*modified its input", res.stdout), res.stdout
    assert "\u2713 model_forward [pass]" in res.stdout and "\u2713 update_parameters [pass]" in res.stdout
