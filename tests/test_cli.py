"""`python -m grader check`: pass/fail per check, and clear messages for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.release import NOTEBOOKS, filled_student_notebook

NB01 = "01_normalizing_inputs"


def run_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", str(path)], capture_output=True, text=True,
                          timeout=120)


def write(tmp_path: Path, nb: dict, name: str = f"{NB01}.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def answer(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def test_fresh_student_notebook_fails_with_not_implemented():
    res = run_check(NOTEBOOKS / f"{NB01}.ipynb")
    assert res.returncode == 1
    assert "not implemented yet" in res.stdout and "Traceback" not in res.stdout + res.stderr


def test_filled_notebook_passes(tmp_path):
    res = run_check(write(tmp_path, filled_student_notebook(NB01)))
    assert res.returncode == 0, res.stdout
    assert "2 of 2 graded functions pass" in res.stdout


def test_a_mistake_is_named_and_other_functions_are_unaffected(tmp_path):
    nb = filled_student_notebook(NB01)
    answer(nb, "compute_mean_variance")["source"] = (
        "def compute_mean_variance(X):\n    return X.mean(1, keepdims=True), X.var(1, ddof=1, keepdims=True)\n")
    res = run_check(write(tmp_path, nb))
    assert res.returncode == 1
    assert "unbiased variance" in res.stdout
    assert "\u2713 normalize_inputs [pass]" in res.stdout


@pytest.mark.parametrize("content,words", [
    (b"{not json", "not valid notebook JSON"),
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a text file"),
    (b'{"hello": "world"}', "not a Jupyter notebook"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
])
def test_unreadable_files_get_a_clear_message(tmp_path, content, words):
    path = tmp_path / f"{NB01}.ipynb"
    path.write_bytes(content)
    res = run_check(path)
    assert res.returncode == 2
    assert words in res.stdout and "Traceback" not in res.stdout + res.stderr


def test_missing_file_and_folder(tmp_path):
    res = run_check(tmp_path / "nope.ipynb")
    assert res.returncode == 2 and "does not exist" in res.stdout
    res = run_check(tmp_path)
    assert res.returncode == 2 and "is a folder" in res.stdout


def test_notebook_from_another_course(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": "print('hi')", "outputs": [],
                     "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    res = run_check(write(tmp_path, nb, "my_homework.ipynb"))
    assert res.returncode == 2 and "not a notebook of this course" in res.stdout


def test_deleted_answer_cell_is_reported_missing(tmp_path):
    nb = filled_student_notebook(NB01)
    nb["cells"].remove(answer(nb, "normalize_inputs"))
    res = run_check(write(tmp_path, nb))
    assert res.returncode == 1
    assert "normalize_inputs [missing]" in res.stdout and "no answer cell" in res.stdout
    assert "\u2713 compute_mean_variance [pass]" in res.stdout


def test_function_with_the_wrong_name(tmp_path):
    nb = filled_student_notebook(NB01)
    cell = answer(nb, "normalize_inputs")
    cell["source"] = cell["source"].replace("def normalize_inputs(", "def normalise_inputs(")
    res = run_check(write(tmp_path, nb))
    assert res.returncode == 1
    assert "defines no function named 'normalize_inputs'" in res.stdout


def test_syntax_error_in_an_answer_cell_is_reported_with_its_line(tmp_path):
    nb = filled_student_notebook(NB01)
    answer(nb, "normalize_inputs")["source"] = "def normalize_inputs(X, mu, sigma2, epsilon=1e-5):\n    return (X - mu /\n"
    res = run_check(write(tmp_path, nb))
    assert res.returncode == 1
    assert "normalize_inputs [error]" in res.stdout and "SyntaxError" in res.stdout


def test_duplicated_and_retyped_cells_follow_the_stated_rule(tmp_path):
    nb = filled_student_notebook(NB01)
    good = answer(nb, "compute_mean_variance")
    wrong = json.loads(json.dumps(good))
    wrong["source"] = "def compute_mean_variance(X):\n    return X.mean(1, keepdims=True), X.std(1, keepdims=True)\n"
    nb["cells"].insert(nb["cells"].index(good), wrong)  # duplicate above: the last one counts
    retyped = answer(nb, "normalize_inputs")
    retyped["metadata"] = {}  # retyped in a fresh cell without nbgrader metadata
    res = run_check(write(tmp_path, nb))
    assert res.returncode == 0, res.stdout
    assert "the last one counts" in res.stdout and "lost its nbgrader metadata" in res.stdout


def test_cells_of_the_wrong_type_are_read_as_the_autograder_reads_them(tmp_path):
    """A hand-edited file: a source list holding a number, cells that are not dicts. The check
    reads what it can, like the autograder, instead of failing with a traceback."""
    nb = filled_student_notebook(NB01)
    nb["cells"].append(42)
    nb["cells"].append({"cell_type": "code", "source": ["x = (", 3], "metadata": []})
    retyped = dict(answer(nb, "normalize_inputs"))  # a duplicate: the last one counts
    retyped["source"] = [*retyped["source"].splitlines(keepends=True), 3]
    nb["cells"].append(retyped)
    res = run_check(write(tmp_path, nb))
    assert "Traceback" not in res.stdout + res.stderr
    assert res.returncode == 0 and "2 of 2 graded functions pass" in res.stdout


def test_a_stray_answer_of_another_notebook_does_not_change_which_notebook_it_is(tmp_path):
    nb06 = filled_student_notebook("06_softmax")
    nb06["cells"].append(answer(filled_student_notebook(NB01), "normalize_inputs"))
    res = run_check(write(tmp_path, nb06, "06_softmax.ipynb"))
    assert "(06_softmax, visible checks)" in res.stdout, res.stdout
