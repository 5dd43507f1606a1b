"""A temporary copy of the course (grader/, course/, notebooks/, data/) to edit as an instructor
would and run ``python -m grader ...`` in: the copy's own ``grader`` package is the one imported
(``python -m`` puts the working directory first on the path)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("grader", "course", "notebooks", "data")


def make_copy(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def clone(pristine: Path, dest: Path) -> Path:
    shutil.copytree(pristine, dest)
    return dest


def grader(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` in the copy ``root``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


def grader_python(root: Path, code: str, timeout: float = 600) -> str:
    """Run Python ``code`` in the copy ``root`` (its grader and course packages); its stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert run.returncode == 0, run.stderr
    return run.stdout


def edit(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must occur ``count`` times) by ``new`` in the copy's file ``rel``."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{rel}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
