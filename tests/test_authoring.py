"""`grader release` catches the instructor's own mistakes (grader/authoring.py): one test per
authoring mistake, each on a temporary copy of the course, each with a message that says what
is wrong, where, and what to do, a non-zero exit, no traceback and nothing written. The last
test follows docs/authoring.md: it adds a graded function with two mistakes to notebook 02,
releases, and grades a right and a wrong submission (grader check and autograde)."""
from __future__ import annotations

import json
import os
import re

import pytest

from tests.course_copy import ROOT, append, clone, edit, grader, grader_python, make_copy

ARTIFACTS = ROOT / "test-artifacts" / "authoring"
SRC = "grader/source/02_batchnorm_forward.py"
CATALOG = "grader/checks/catalog/nb02_batchnorm_forward.py"
SUITE = "grader/suites/nb02_batchnorm_forward.py"
STUDENT = "notebooks/02_batchnorm_forward.ipynb"

# --- the recipe's pieces (docs/authoring.md, "Add a graded function") -------------------------

LAYERNORM_CELLS = '''
# %% [markdown]
# **Layer normalization** normalizes each example (column) over its units instead.
#
# **Implement** `layernorm_forward(Z, epsilon=1e-5) -> Z_norm`.

# %% nbgrader={"grade": false, "grade_id": "layernorm_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def layernorm_forward(Z, epsilon=1e-5):
    """Z: (n, m); returns Z_norm (n, m), each column normalized over its n units."""
    ### BEGIN SOLUTION
    mu = np.mean(Z, axis=0, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=0, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    ### END SOLUTION
    return Z_norm


# %% nbgrader={"grade": true, "grade_id": "layernorm_forward_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(layernorm_forward)

# %% nbgrader={"grade": true, "grade_id": "layernorm_forward_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, layernorm_forward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(layernorm_forward)
### END HIDDEN TESTS
'''

LAYERNORM_SPEC = '''
FUNCTIONS.append(FunctionSpec("layernorm_forward", "02_batchnorm_forward", ("Z", "epsilon"), ("Z_norm",),
                              "layernorm_forward(Z, epsilon=1e-5) -> Z_norm"))
'''

LAYERNORM_SUITE = '''

def _ln(Z, epsilon=1e-5, axis=0, eps_outside=False):
    mu = Z.mean(axis=axis, keepdims=True)
    sigma2 = Z.var(axis=axis, keepdims=True)
    return (Z - mu) / (np.sqrt(sigma2) + epsilon if eps_outside else np.sqrt(sigma2 + epsilon))


def _ln_mistake(**how):
    return lambda Z, epsilon=1e-5: _ln(Z, epsilon, **how)


_rl = np.random.default_rng(7)
LAYERNORM_FORWARD = Suite(
    "layernorm_forward",
    visible=[Probe("3 units x 4 examples", (_rl.normal(2, 3, (3, 4)),)),
             Probe("a low-variance example, epsilon = 0.1", (np.array([[1.0, 5.0], [1.001, -2.0]]),), {"epsilon": 0.1})],
    hidden=lambda rng: [Probe(f"hidden probe {i + 1} ({n} units x {m} examples)", (rng.normal(0, 2, (n, m)),))
                        for i, (n, m) in enumerate([(4, 3), (2, 7), (6, 1)])],
    mistakes=[
        Mistake("Each unit (row) was normalized over the examples: that is batch norm. Layer norm normalizes each "
                "example (column) over its units: axis=0.", _ln_mistake(axis=1), id="axis1"),
        Mistake("epsilon is outside the square root: divide by np.sqrt(sigma2 + epsilon).",
                _ln_mistake(eps_outside=True), id="eps_outside_sqrt"),
    ],
)
SUITES.append(LAYERNORM_FORWARD)
'''


@pytest.fixture(scope="session")
def pristine(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("pristine") / "course")


@pytest.fixture
def course(pristine, tmp_path):
    return clone(pristine, tmp_path / "course")


def add_layernorm(root, cells=True, spec=True, suite=True) -> None:
    if cells:
        edit(root, SRC, "### END HIDDEN TESTS\n", "### END HIDDEN TESTS\n" + LAYERNORM_CELLS)
    if spec:
        append(root, CATALOG, LAYERNORM_SPEC)
    if suite:
        append(root, SUITE, LAYERNORM_SUITE)


def refused(root, *words: str) -> str:
    """Release fails with a message holding ``words`` (and a "What to do"), writes nothing."""
    before = (root / STUDENT).read_bytes()
    run = grader(root, "release")
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    assert "Traceback" not in text, text
    assert "What to do:" in text and "nothing was written" in text, text
    for w in words:
        assert w in text, f"{w!r} not in:\n{text}"
    assert (root / STUDENT).read_bytes() == before
    name = re.sub(r"\W+", "_", os.environ.get("PYTEST_CURRENT_TEST", "release").split("::")[-1].rsplit(" ", 1)[0])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.txt").write_text(text, encoding="utf-8")  # what the instructor reads
    return text


def test_an_answer_cell_without_a_description_or_suite(course):
    add_layernorm(course, spec=False, suite=False)
    refused(course, SRC, "cell 'layernorm_forward' (line", "names no graded function", "FunctionSpec")


def test_a_description_without_probes_or_mistakes(course):
    add_layernorm(course, suite=False)
    refused(course, CATALOG, "layernorm_forward has no suite", "Suite('layernorm_forward'")


def test_a_suite_without_visible_probes(course):
    add_layernorm(course)
    edit(course, SUITE, 'visible=[Probe("3 units x 4 examples"', 'visible=[] and [Probe("3 units x 4 examples"')
    refused(course, SUITE, "the suite of layernorm_forward has no visible probes")


def test_a_hidden_test_cell_without_its_markers(course):
    edit(course, SRC, "### BEGIN HIDDEN TESTS\n", "")
    edit(course, SRC, "### END HIDDEN TESTS\n", "")
    refused(course, "cell 'batchnorm_forward_hidden' (line", "no ### BEGIN HIDDEN TESTS",
            "check_hidden(batchnorm_forward) into the student notebook")


def test_a_hidden_test_cell_with_code_outside_its_markers(course):
    edit(course, SRC, "### BEGIN HIDDEN TESTS\nfrom grader.hidden import check_hidden\n",
         "from grader.hidden import check_hidden\n### BEGIN HIDDEN TESTS\n")
    refused(course, "cell 'batchnorm_forward_hidden'", "code outside its hidden-test markers",
            "'from grader.hidden import check_hidden'")


def test_a_mistake_that_is_in_fact_correct(course):
    edit(course, SUITE, "    mistakes=[\n", "    mistakes=[\n        Mistake(\"not a mistake at all\", "
                                              "lambda Z, gamma, beta, epsilon=1e-5: _forward(Z, gamma, beta, epsilon), "
                                              "id=\"correct_after_all\"),\n")
    refused(course, SUITE, "'batchnorm_forward.correct_after_all' gives the reference's output", "could never be named")


def test_output_names_that_are_a_string(course):
    edit(course, CATALOG, '("Z_tilde", "cache")', '("Z_tilde")')
    refused(course, CATALOG, "the outputs of batchnorm_forward are the string 'Z_tilde'", "('Z_tilde',) with a comma")


def test_a_grade_id_that_does_not_match_the_function(course):
    add_layernorm(course)
    edit(course, SRC, "def layernorm_forward(Z, epsilon=1e-5):", "def layer_norm_forward(Z, epsilon=1e-5):")
    refused(course, "cell 'layernorm_forward'", "does not match the function the cell defines: it defines "
                                                "layer_norm_forward")


@pytest.mark.parametrize("old,new,shown", [('"points": 2, ', "", "none"), ('"points": 2, ', '"points": 0, ', "0"),
                                           ('"points": 2, ', '"points": "two", ', "'two'")])
def test_points_missing_or_not_positive(course, old, new, shown):
    edit(course, SRC, '"grade_id": "batchnorm_forward_visible", "locked": true, ' + old,
         '"grade_id": "batchnorm_forward_visible", "locked": true, ' + new)
    refused(course, "cell 'batchnorm_forward_visible'", f"needs positive points; it has {shown}")


def test_a_factory_made_mistake_without_an_id_and_two_mistakes_sharing_one(course):
    edit(course, SUITE, ', id="axis0"', "")
    edit(course, SUITE, 'id="gamma_beta_swapped"', 'id="eps_outside_sqrt"')
    refused(course, "has no id, and its implementation's name '<lambda>' cannot be one",
            "two different mistakes of batchnorm_forward have the id 'eps_outside_sqrt'")


def test_an_answer_cell_without_solution_markers(course):
    edit(course, SRC, "    ### BEGIN SOLUTION\n    mu = np.mean(Z, axis=1", "    mu = np.mean(Z, axis=1")
    refused(course, "cell 'batchnorm_forward'", "the student notebook would hold the solution")


def test_a_test_cell_that_names_no_graded_function(course):
    edit(course, SRC, '"grade_id": "batchnorm_forward_visible"', '"grade_id": "bn_visible"')
    edit(course, SRC, "check(batchnorm_forward)\n", "check(batchnorm)\n")
    refused(course, "cell 'bn_visible'", "names no graded function", "batchnorm_forward has no visible test cell")


EPS_OUTSIDE = '''def layernorm_forward(Z, epsilon=1e-5):
    mu = Z.mean(axis=0, keepdims=True)
    return (Z - mu) / (Z.std(axis=0, keepdims=True) + epsilon)
'''


def _answer(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_recipe_adds_a_graded_function_whose_mistakes_are_named(course, tmp_path):
    """docs/authoring.md, followed step by step on a copy: answer and check cells in the source,
    a FunctionSpec, a Suite with probes and two mistakes; release; grade two students."""
    add_layernorm(course)
    run = grader(course, "release")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "02_batchnorm_forward.ipynb" in run.stdout and "02_batchnorm_forward.json" in run.stdout
    student = json.loads((course / STUDENT).read_text(encoding="utf-8"))
    assert "raise NotImplementedError()" in "".join(_answer(student, "layernorm_forward")["source"])
    assert "check_hidden" not in json.dumps(student)
    fixture = json.loads((course / "grader/checks/fixtures/02_batchnorm_forward.json").read_text(encoding="utf-8"))
    ids = {m["id"] for p in fixture["functions"]["layernorm_forward"] for m in p["mistakes"]}
    assert ids == {"layernorm_forward.axis1", "layernorm_forward.eps_outside_sqrt"}

    # a right and a wrong submission: the released notebook with the answers pasted in
    filled = grader_python(course, "import json; from grader.release import filled_student_notebook; "
                                   "print(json.dumps(filled_student_notebook('02_batchnorm_forward')))")
    right = json.loads(filled)
    wrong = json.loads(json.dumps(right))
    _answer(wrong, "layernorm_forward")["source"] = EPS_OUTSIDE
    subs = tmp_path / "submissions"
    for sid, nb in (("ada", right), ("bo", wrong)):
        (subs / sid).mkdir(parents=True)
        (subs / sid / "02_batchnorm_forward.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    ok = grader(course, "check", str(subs / "ada" / "02_batchnorm_forward.ipynb"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "layernorm_forward" in ok.stdout and "2 of 2 graded functions pass" in ok.stdout
    bad = grader(course, "check", str(subs / "bo" / "02_batchnorm_forward.ipynb"))
    assert bad.returncode != 0 and "epsilon is outside the square root" in bad.stdout, bad.stdout

    out = tmp_path / "OUT"
    graded = grader(course, "autograde", str(subs), "--out", str(out), "--no-gradebook", "--quiet", "--workers", "1")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = {r["student_id"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert results["ada"]["score"] == results["ada"]["max_score"] == 2 + 3 + 1 + 2
    checks = {c["id"]: c for c in results["bo"]["checks"]}
    assert checks["layernorm_forward_visible"]["mistake"] == "layernorm_forward.eps_outside_sqrt"
    assert checks["layernorm_forward_hidden"]["mistake"] == "layernorm_forward.eps_outside_sqrt"
    assert checks["batchnorm_forward_visible"]["status"] == "pass"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["mistakes"][0]["id"] == "layernorm_forward.eps_outside_sqrt" and report["mistakes"][0]["students"] == 1
