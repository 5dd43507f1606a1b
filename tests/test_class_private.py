"""Private solutions: the bundle and the wheel hold no answer; hidden probes per student with a secret."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import bundle, hidden

ROOT = Path(__file__).resolve().parent.parent


def test_the_bundle_holds_what_students_receive_and_no_answer(tmp_path):
    names = bundle.bundle(tmp_path / "b.zip")
    assert {n.split("/")[0] for n in names} == {"notebooks", "course", "grader", "data"}
    assert all(n.startswith(("notebooks/", "course/", "grader/checks/", "data/")) or n == "grader/__init__.py"
               for n in names)
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        data = {n: zf.read(n) for n in zf.namelist()}
    assert sorted(data) == sorted(names) and bundle.leaks(data) == []
    assert bundle.bundle(tmp_path / "again.zip") == names
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()  # deterministic
    code, written, blocks = bundle.secrets()
    assert code and written and blocks


def test_the_leak_search_finds_a_solution_line_a_model_answer_and_an_instructor_file():
    code, written, blocks = bundle.secrets()
    line, answer = next(iter(code)), next(iter(written))
    found = bundle.leaks({"notebooks/x.ipynb": line.encode(), "course/y.py": answer.encode(),
                          "grader/suites/z.py": b""})
    assert len(found) == 3 and any("instructor file" in f for f in found)


def test_the_bundle_command(tmp_path):
    r = subprocess.run([sys.executable, "-m", "grader", "bundle", "--out", str(tmp_path / "dir")], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "no solution line" in r.stdout, r.stderr
    assert (tmp_path / "dir" / "notebooks" / "01_normalizing_inputs.ipynb").exists()
    assert not (tmp_path / "dir" / "grader" / "source").exists()
    again = subprocess.run([sys.executable, "-m", "grader", "bundle", "--out", str(tmp_path / "dir")], cwd=ROOT,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "not an empty folder" in again.stderr and "Traceback" not in again.stderr


def _clean_copy(dest: Path) -> Path:
    """The project's files as a fresh clone has them (no build/ or *.egg-info left by an earlier build, which
    setuptools would reuse), so that the wheel is the one a student image would build."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"the wheel test copies the files git tracks, and git failed here: {listed.stderr.strip()}")
    for name in listed.stdout.splitlines():
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(src.read_bytes())
    return dest


def test_the_wheel_holds_no_source_suite_or_answer(tmp_path):
    src = _clean_copy(tmp_path / "src")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"pip could not build the wheel here (it needs setuptools>=77 from PyPI): {r.stderr[-500:]}")
    wheel = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        data = {n: zf.read(n) for n in zf.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert not [n for n in data if n.startswith(("grader/source/", "grader/suites/", "grader/autograde/"))]
    assert "grader/checks/fixtures/01_normalizing_inputs.json" in data and "course/network.py" in data
    code, written, blocks = bundle.secrets()
    found = [f for f in bundle.leaks({n: d for n, d in data.items()}) if "instructor file" not in f]
    assert found == []


def test_hidden_probes_per_student_with_a_secret_and_the_old_ones_without(monkeypatch):
    monkeypatch.delenv(hidden.SECRET_ENV, raising=False)
    monkeypatch.delenv(hidden.SECRET_FILE_ENV, raising=False)
    plain = hidden.hidden_cases("batchnorm_forward", "alice")
    assert plain == hidden.hidden_cases("batchnorm_forward")  # self-study: today's probes
    monkeypatch.setenv(hidden.SECRET_ENV, "a-long-instructor-secret-0123456789")
    alice, bob = hidden.hidden_cases("batchnorm_forward", "alice"), hidden.hidden_cases("batchnorm_forward", "bob")
    assert alice == hidden.hidden_cases("batchnorm_forward", "alice")  # a regrade: the same

    def arrays(cases):
        return [np.asarray(c.args[0]) for c in cases]

    assert any(not np.array_equal(a, b) for a, b in zip(arrays(alice), arrays(bob)))
    assert any(not np.array_equal(a, b) for a, b in zip(arrays(alice), arrays(plain)))
    monkeypatch.setenv(hidden.SECRET_ENV, "short")
    with pytest.raises(hidden.SecretError, match="too short"):
        hidden.secret()
