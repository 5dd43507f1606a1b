"""``python -m grader gradescope``: the autograder zip, unpacked into a temporary root standing in
for Gradescope's ``/autograder``, grades right, wrong and hostile submissions with ``run_autograder``
into ``results/results.json`` in Gradescope's format, with the same results as a local run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.autograde.plan import plan
from grader.autograde.run import autograde
from grader.release import filled_student_notebook
from tests.test_autograde import LIMITS, NB01, NB02, WRONG_MV, cell, write

pytestmark = pytest.mark.xdist_group("gradescope")
ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).with_name("hostile")


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    """The zip for notebooks 01 and 02, unpacked as Gradescope does: ROOT/source, ROOT/run_autograder."""
    tmp = tmp_path_factory.mktemp("gradescope")
    zpath = tmp / "autograder.zip"
    res = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(zpath),
                          "--notebooks", f"{NB01},{NB02}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return zpath


def unpack(zpath: Path, root: Path) -> Path:
    with zipfile.ZipFile(zpath) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    return root


def grade(zpath: Path, root: Path, files: dict[str, object], metadata: dict | None = None) -> tuple[dict, str]:
    """Run run_autograder on ``files`` (name -> notebook dict or text); (results.json, stderr)."""
    unpack(zpath, root)
    for name, content in files.items():
        write(root / "submission" / name, content)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {**os.environ, "GRADESCOPE_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    res = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                         timeout=900)
    assert res.returncode == 0, res.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), res.stderr


def test_the_zip_holds_the_grader_and_reference_never_the_students_side(autograder):
    names = zipfile.ZipFile(autograder).namelist()
    assert {"setup.sh", "run_autograder", "requirements-gradescope.txt", "gradescope.json"} <= set(names)
    assert f"grader/source/{NB01}.py" in names  # the reference (instructor source)
    assert any(n.startswith("grader/suites/") for n in names)
    assert not [n for n in names if n.startswith(("notebooks/", "tests/", "tools/", ".venv/", "bench-results/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    modes = {i.filename: i.external_attr >> 16 for i in zipfile.ZipFile(autograder).infolist()}
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    reqs = zipfile.ZipFile(autograder).read("requirements-gradescope.txt").decode()
    assert "numpy==" in reqs and "pytest" not in reqs and "playwright" not in reqs


def test_setup_sh_is_valid_bash(autograder, tmp_path):
    unpack(autograder, tmp_path)
    res = subprocess.run(["bash", "-n", str(tmp_path / "source" / "setup.sh")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_the_same_checkout_builds_the_same_zip(autograder, tmp_path):
    again = tmp_path / "again.zip"
    subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(again), "--notebooks",
                    f"{NB01},{NB02}"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert again.read_bytes() == autograder.read_bytes()


def test_a_right_submission_scores_full_marks_with_hidden_checks_after_the_due_date(autograder, tmp_path):
    data, _ = grade(autograder, tmp_path, {f"{NB01}.ipynb": filled_student_notebook(NB01),
                                           f"{NB02}.ipynb": filled_student_notebook(NB02)},
                    {"users": [{"email": "ada@example.org", "name": "Ada"}]})
    expected_tests = [(nb, t) for nb in (NB01, NB02) for t in plan(nb).tests]
    assert len(data["tests"]) == len(expected_tests)
    for test, (nb, t) in zip(data["tests"], expected_tests):
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert test["name"].startswith(f"{nb}: {t.id}")
        assert test["score"] == test["max_score"] == t.points
        assert test["visibility"] == ("after_due_date" if t.kind == "hidden" else "visible")
        assert test["output"]
    assert data["score"] == sum(t.points for _, t in expected_tests)


def test_a_wrong_submission_names_the_mistake_and_matches_a_local_run(autograder, tmp_path):
    wrong = filled_student_notebook(NB01)
    cell(wrong, "compute_mean_variance")["source"] = WRONG_MV
    data, _ = grade(autograder, tmp_path / "gs", {f"{NB01}.ipynb": wrong})  # no notebook 02: missing
    local_subs = tmp_path / "local-subs"
    write(local_subs / "student" / f"{NB01}.ipynb", wrong)
    local = autograde(local_subs, tmp_path / "local", limits=LIMITS, gradebook=False, progress=False,
                      notebooks=[NB01, NB02], log=lambda m: None)
    local_checks = [(e["notebook"], c) for e in local.entries for c in e["checks"]]
    assert [(t["score"], t["max_score"], t["output"]) for t in data["tests"]] == \
        [(c["score"], c["points"], c["message"]) for _, c in local_checks]
    by_name = {t["name"].split(" (")[0]: t for t in data["tests"]}
    assert by_name[f"{NB01}: compute_mean_variance_visible"]["score"] == 0
    assert "unbiased variance" in by_name[f"{NB01}: compute_mean_variance_visible"]["output"]
    assert all(t["score"] == 0 and "No submission" in t["output"] for n, t in by_name.items() if n.startswith(NB02))
    assert data["score"] == 3


def hostile_notebook(name: str) -> dict:
    nb = filled_student_notebook(NB01)
    cell(nb, "compute_mean_variance")["source"] = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    return nb


@pytest.mark.parametrize("attack", ["fake_results", "find_reference", "patch_builtins", "patch_numpy", "os_exit",
                                    "kill_parent", "array_liar"])
def test_a_hostile_submission_gains_nothing_and_results_json_is_written(autograder, tmp_path, attack):
    data, _ = grade(autograder, tmp_path, {f"{NB01}.ipynb": hostile_notebook(attack)})
    mv = [t for t in data["tests"] if "compute_mean_variance" in t["name"]]
    assert mv and all(t["score"] == 0 for t in mv), mv
    assert data["score"] <= 3  # at most normalize_inputs' points
    assert not (tmp_path / "source" / "grader" / "source" / f"{NB01}.py").read_text().startswith("# hacked")


def test_junk_and_an_empty_submission_get_a_results_json_that_says_what_to_do(autograder, tmp_path):
    data, _ = grade(autograder, tmp_path / "junk", {"notes.txt": "hello", f"{NB01}.ipynb": "{not json"})
    assert data["score"] == 0
    assert any("cannot be read" in t["output"] or "not" in t["output"] for t in data["tests"])
    assert "notes.txt" in data["output"]
    data, _ = grade(autograder, tmp_path / "empty", {})
    assert data["score"] == 0 and data["tests"]
    assert all("No submission" in t["output"] for t in data["tests"])


def test_run_outside_an_unpacked_autograder_is_a_clear_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "grader.gradescope", "run", "--root", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "not an unpacked autograder" in res.stderr and "Traceback" not in res.stderr


def test_the_instructor_secret_travels_in_the_zip_and_seeds_the_hidden_probes(tmp_path, monkeypatch):
    key = "gradescope-secret-for-this-test-0123456789"
    monkeypatch.setenv("COURSE_GRADER_SECRET", key)
    zpath = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(zpath), "--notebooks", NB01],
                   cwd=ROOT, check=True, capture_output=True, timeout=300, env={**os.environ})
    assert zipfile.ZipFile(zpath).read("instructor-secret.txt").decode().strip() == key
    monkeypatch.delenv("COURSE_GRADER_SECRET")
    data, stderr = grade(zpath, tmp_path / "root", {f"{NB01}.ipynb": filled_student_notebook(NB01)})
    assert data["score"] == sum(t.points for t in plan(NB01).tests)
    assert "no instructor secret" not in stderr  # run_autograder found it in the zip
