"""What decides a notebook's grades, hashed; and whether the released files are in step with it.

A submission's cached result (``OUT/.cache``) is keyed by :func:`notebook_version` of the
notebook it is: the grader's code that grades (every module of ``grader/`` except the
per-notebook files and the modules that only present results), plus that notebook's own files —
its instructor source, suite, catalogue module and fixture — and what those name: the source of
another notebook whose graded function a suite calls (``reference("batchnorm_forward")``), the
``course`` package and ``data/`` for checks that use them. Editing notebook 06's source
therefore regrades notebook 06 only; editing the judge regrades everything.

:func:`release_digest` is what ``python -m grader release`` stamps into a student notebook's
metadata and its fixture; :func:`stale_releases` tells autograde when they no longer match the
sources (the instructor edited a source or a suite and did not release).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

GRADER = Path(__file__).resolve().parent.parent
ROOT = GRADER.parent
# Modules that present or store results but never change one: editing them regrades nothing.
# (Late penalties, course.toml and grades.csv are applied in the reduce step, after the cache.)
NOT_GRADING = frozenset({
    "__main__.py", "cli.py", "authoring.py", "bundle.py", "course_config.py", "autograde/cli.py",
    "autograde/bench.py", "autograde/feedback.py", "autograde/gradebook.py", "autograde/grades.py",
    "autograde/export.py", "autograde/deadlines.py", "autograde/report.py", "autograde/report_plots.py",
    "autograde/classstats.py",
})
PER_NOTEBOOK = ("source/", "suites/nb", "checks/catalog/nb", "checks/fixtures/")
COURSE_IMPORT = re.compile(r"^\s*(from|import)\s+course\b", re.M)
SIBLING_IMPORT = re.compile(r"from\s+\.+(?:checks\.catalog\.|suites\.)?(nb\w+)\s+import")


def _hash_files(h, paths) -> None:
    for path in sorted(set(paths)):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")


@lru_cache(maxsize=None)
def code_files() -> tuple[Path, ...]:
    """The grading code shared by every notebook."""
    out = []
    for path in GRADER.rglob("*.py"):
        rel = path.relative_to(GRADER).as_posix()
        if "__pycache__" in path.parts or rel in NOT_GRADING or rel.startswith(PER_NOTEBOOK):
            continue
        out.append(path)
    return tuple(sorted(out))


def _module(kind: str, notebook: str) -> Path:
    return GRADER / kind / f"nb{notebook}.py"


@lru_cache(maxsize=None)
def notebook_files(notebook: str) -> tuple[Path, ...]:
    """The files a notebook's grades depend on, besides the shared code (see the module docstring)."""
    from ..checks.specs import SPECS

    owner = {name: spec.notebook for name, spec in SPECS.items()}
    files = {GRADER / "source" / f"{notebook}.py", GRADER / "checks" / "fixtures" / f"{notebook}.json"}
    todo = [_module("suites", notebook), _module("checks/catalog", notebook)]
    while todo:
        module = todo.pop()
        if module in files or not module.is_file():
            continue
        files.add(module)
        text = module.read_text(encoding="utf-8")
        for sibling in SIBLING_IMPORT.findall(text):
            todo += [GRADER / "suites" / f"{sibling}.py", GRADER / "checks" / "catalog" / f"{sibling}.py"]
        for name in set(re.findall(r"""["']([A-Za-z_]\w*)["']""", text)) & set(owner):
            if owner[name] != notebook:
                files.add(GRADER / "source" / f"{owner[name]}.py")
        if COURSE_IMPORT.search(text):
            files |= {p for p in (ROOT / "course").rglob("*.py") if "__pycache__" not in p.parts}
            files |= {p for p in (ROOT / "data").rglob("*") if p.is_file()}
    return tuple(sorted(p for p in files if p.is_file()))


@lru_cache(maxsize=None)
def notebook_version(notebook: str) -> str:
    """A hash of everything that decides the grades of ``notebook``."""
    import numpy

    h = hashlib.sha256()
    _hash_files(h, code_files())
    _hash_files(h, notebook_files(notebook))
    h.update(f"numpy {numpy.__version__}; python {sys.version_info[:3]}".encode())
    return h.hexdigest()[:16]


def release_digest(notebook: str) -> str:
    """A hash of what the release of ``notebook`` is made from: its source, suite and catalogue module."""
    h = hashlib.sha256()
    _hash_files(h, [p for p in (GRADER / "source" / f"{notebook}.py", _module("suites", notebook),
                                _module("checks/catalog", notebook)) if p.is_file()])
    return h.hexdigest()[:16]


def stamped_digest(path: Path) -> str | None:
    """The release digest a student notebook (metadata ``grader.release``) or a fixture
    (``release``) was made with; None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    holder = data.get("metadata", {}).get("grader", {}) if path.suffix == ".ipynb" else data
    value = holder.get("release") if isinstance(holder, dict) else None
    return value if isinstance(value, str) else None


def stale_releases(notebooks: list[str] | None = None) -> list[str]:
    """A warning for each released student notebook or fixture that does not match its source."""
    from ..checks.specs import functions_of
    from ..sourcefiles import all_sources

    warnings = []
    for source in all_sources():
        nb = source.stem
        if notebooks is not None and nb not in notebooks:
            continue
        want = release_digest(nb)
        released = [ROOT / "notebooks" / f"{nb}.ipynb"]
        if functions_of(nb):
            released.append(GRADER / "checks" / "fixtures" / f"{nb}.json")
        stale = [p for p in released if stamped_digest(p) != want]
        if stale:
            names = " and ".join(p.relative_to(ROOT).as_posix() for p in stale)
            warnings.append(f"{names} {'is' if len(stale) == 1 else 'are'} out of date with "
                            f"{source.relative_to(ROOT).as_posix()} or its suite: students may have an old notebook "
                            "and the visible checks (judged with the fixture) may not match the hidden ones (judged "
                            "with the source). Run `python -m grader release`, and hand students the new notebook "
                            "if its cells changed.")
    return warnings


def version_of(path: Path, rel: str) -> str:
    """The version that grades a submitted file: its notebook's (as the grader will identify it),
    or, when the file cannot be read, the version of the whole grader."""
    from .. import notebook as nbmod

    try:
        return notebook_version(nbmod.identify(nbmod.load(path, shown=rel), Path(rel).stem))
    except Exception:  # noqa: BLE001 - an unreadable file: graded (as an error) by the whole grader's version
        from .run import grader_version

        return grader_version()
