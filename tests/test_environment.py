"""requirements.txt (pip) and environment.yml (conda, Binder) pin the same versions."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.]+)", line)
            assert m, f"requirements.txt: {line!r} is not pinned as name==version"
            pins[m[1].lower().replace("_", "-")] = m[2]
    return pins


def conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s+- ([A-Za-z0-9_.\-]+)=([\w.]+)", line)
        if m and m[1] != "python":
            pins[m[1].lower().replace("_", "-")] = m[2]
    return pins


def test_every_pip_pin_is_mirrored_in_environment_yml():
    pip, conda = pip_pins(), conda_pins()
    assert pip, "requirements.txt pins nothing"
    assert pip == conda, f"pip only: {set(pip.items()) - set(conda.items())}; conda only: {set(conda.items()) - set(pip.items())}"


def test_environment_yml_installs_the_course_package_and_python_311():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"- python=3\.1[1-9]", text)
    assert "- -e ." in text


def test_no_binder_folder_conflicts_with_the_root_environment():
    assert not (ROOT / "binder").exists()
