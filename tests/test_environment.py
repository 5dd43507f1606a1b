"""requirements.txt (pip) and environment.yml (conda, Binder) pin the same versions, and
environment.yml is something conda and Binder can build."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Packages whose conda-forge name is another program: environment.yml takes them from PyPI.
FROM_PYPI = {"playwright": "conda-forge's `playwright` is the Node.js tool, not the Python package",
             "psycopg": "psycopg-binary (its C build) exists only on PyPI: both come from there",
             "psycopg-binary": "conda-forge has no psycopg-binary"}


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.]+)", line)
            assert m, f"requirements.txt: {line!r} is not pinned as name==version"
            pins[m[1].lower().replace("_", "-")] = m[2]
    return pins


def environment() -> dict:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert isinstance(env, dict) and isinstance(env.get("dependencies"), list), \
        "environment.yml must be a mapping with a `dependencies` list"
    return env


def conda_and_pip_sections() -> tuple[list[str], list[str]]:
    conda, pip = [], []
    for dep in environment()["dependencies"]:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"environment.yml: unexpected entry {dep!r}"
            pip.extend(dep["pip"])
        else:
            conda.append(str(dep))
    return conda, pip


def environment_pins() -> dict[str, tuple[str, str]]:
    """name -> (version, "conda" or "pip") for every pinned package but python."""
    conda, pip = conda_and_pip_sections()
    pins = {}
    for dep in conda:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)=([\w.]+)", dep)
        if m and m[1] != "python":
            pins[m[1].lower().replace("_", "-")] = (m[2], "conda")
    for dep in pip:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.]+)", dep)
        if m:
            pins[m[1].lower().replace("_", "-")] = (m[2], "pip")
    return pins


def test_every_pip_pin_is_mirrored_in_environment_yml():
    pip = pip_pins()
    env = {name: version for name, (version, _) in environment_pins().items()}
    assert pip, "requirements.txt pins nothing"
    assert pip == env, f"pip only: {set(pip.items()) - set(env.items())}; environment.yml only: {set(env.items()) - set(pip.items())}"


def test_packages_named_differently_on_conda_forge_come_from_pypi():
    pins = environment_pins()
    for name, why in FROM_PYPI.items():
        if name in pip_pins():
            assert pins[name][1] == "pip", f"environment.yml must pip-install {name}: {why}"


def test_every_conda_dependency_is_pinned_and_unpinned_entries_are_only_python_tooling():
    conda, pip = conda_and_pip_sections()
    unpinned = [d for d in conda if "=" not in d]
    assert unpinned == ["pip"], f"environment.yml: unpinned conda packages {unpinned}"
    assert [d for d in pip if "==" not in d] == ["-e ."], "the pip section pins everything but the course itself"


def test_environment_yml_installs_the_course_package_and_python_311():
    conda, pip = conda_and_pip_sections()
    assert any(re.fullmatch(r"python=3\.1[1-9]", d) for d in conda)
    assert environment()["channels"] == ["conda-forge"]
    assert "-e ." in pip, "the notebooks import `course`: environment.yml must install the checkout"


def test_no_binder_folder_conflicts_with_the_root_environment():
    for folder in ("binder", ".binder"):
        assert not (ROOT / folder).exists(), f"{folder}/ would make Binder ignore the root environment.yml"
