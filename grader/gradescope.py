"""A Gradescope autograder for the course: build it, and run it inside Gradescope's container.

``python -m grader gradescope --out autograder.zip [--notebooks 01_normalizing_inputs,...]``
builds the zip that Gradescope's "Configure Autograder" page takes: ``setup.sh`` (installs
Python 3.11+, bubblewrap and the pinned packages once, when Gradescope builds the image),
``run_autograder`` (runs for every submission) and the instructor side of the grader: the
``grader`` package with its sources (reference solutions, hidden tests), the ``course``
package, the data and the pinned requirements, and the instructor secret when one is set
(``COURSE_GRADER_SECRET``: per-student hidden probes, keyed by Gradescope's student id). Never the
students' side (``notebooks/``) and never tests, tools or caches. Keep the zip private.

In the container, ``run_autograder`` grades the files in ``/autograder/submission`` with the
same :func:`autograde.run.autograde` as a local run (same sandbox, same checks, same messages)
and writes ``/autograder/results/results.json`` in Gradescope's format: one test per check
(``name``, ``score``, ``max_score``, ``output`` = the course's message, ``visibility``:
visible checks ``visible``, hidden checks ``after_due_date``: their result and message are shown
only after the due date), and an overall ``output``. The root ``/autograder`` can be moved with
the ``GRADESCOPE_ROOT`` environment variable (the tests use a temporary folder), and the Python
with ``GRADER_PYTHON``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the autograder needs from the checkout (everything else stays out of the zip).
SHIPPED = ("grader", "course", "data", "pyproject.toml")
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}
DEV_ONLY = {"pytest", "pytest-xdist", "playwright"}  # not needed to grade
HIDDEN_VISIBILITY = "after_due_date"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same checkout builds the same zip

SETUP_SH = r"""#!/usr/bin/env bash
# Run once by Gradescope when it builds the autograder's image (as root, in /autograder/source).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap: the sandbox in which student code runs; Python 3.11 or newer for the grader.
apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null
PY=""
for v in 3.13 3.12 3.11; do
  if command -v "python$v" >/dev/null 2>&1; then PY="python$v"; break; fi
done
if [ -z "$PY" ]; then
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY=python3.11
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet -r requirements-gradescope.txt
/autograder/venv/bin/python -m pip install --quiet --no-deps -e .
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Run by Gradescope for every submission: grade /autograder/submission into
# /autograder/results/results.json (GRADESCOPE_ROOT moves /autograder, GRADER_PYTHON the Python).
ROOT="${GRADESCOPE_ROOT:-/autograder}"
PY="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source" || exit 1
# the instructor secret (per-student hidden probes), if the zip was built with one
if [ -f "$ROOT/source/instructor-secret.txt" ]; then export COURSE_GRADER_SECRET_FILE="$ROOT/source/instructor-secret.txt"; fi
exec "$PY" -m grader.gradescope run --root "$ROOT"
"""


class GradescopeError(RuntimeError):
    pass


# --- building the zip ------------------------------------------------------------------

def _files() -> list[Path]:
    out = []
    for name in SHIPPED:
        path = ROOT / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out.extend(p for p in sorted(path.rglob("*"))
                       if p.is_file() and not SKIPPED_PARTS & set(p.relative_to(ROOT).parts) and p.suffix != ".pyc")
    return out


def requirements_text() -> str:
    """requirements.txt without the packages only the course's own tests need."""
    lines = ["# The pinned packages of requirements.txt that grading needs (no test tools)."]
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = line.split("==", 1)[0].strip().lower()
        if line.strip() and not line.lstrip().startswith("#") and name not in DEV_ONLY:
            lines.append(line.strip())
    return "\n".join(lines) + "\n"


def config_text(notebooks: list[str]) -> str:
    return json.dumps({"notebooks": notebooks, "hidden_visibility": HIDDEN_VISIBILITY}, indent=1) + "\n"


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(out: Path, notebooks: list[str] | None = None) -> Path:
    """Write the autograder zip to ``out`` for ``notebooks`` (default: every graded notebook)."""
    from .autograde.plan import course_notebooks, plan
    from .hidden import secret

    known = [nb for nb in course_notebooks() if plan(nb).tests]
    notebooks = notebooks or known
    unknown = [nb for nb in notebooks if nb not in known]
    if unknown:
        raise GradescopeError(f"{', '.join(unknown)} is not an autograded notebook of this course "
                              f"({', '.join(known)}).")
    out = Path(out)
    if out.suffix != ".zip":
        raise GradescopeError(f"{out} does not end in .zip: Gradescope takes a .zip (e.g. --out autograder.zip).")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _add(zf, "requirements-gradescope.txt", requirements_text().encode())
        _add(zf, "gradescope.json", config_text(notebooks).encode())
        for path in _files():
            _add(zf, path.relative_to(ROOT).as_posix(), path.read_bytes())
        key = secret()
        if key is not None:  # the zip is private anyway: it holds the reference solutions
            _add(zf, "instructor-secret.txt", key + b"\n")
    os.replace(tmp, out)
    return out


# --- running in Gradescope's container -------------------------------------------------

def _student_id(root: Path) -> str:
    """The submitter's id from submission_metadata.json (Gradescope's user id), else "student"."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        user = (meta.get("users") or [{}])[0]
        sid = str(user.get("sid") or user.get("email") or user.get("id") or "student")
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        sid = "student"
    return "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in sid)[:100] or "student"


def results(entries: list[dict], notebooks: list[str], notes: list[str], seconds: float) -> dict:
    """Gradescope's results.json from the entries of one student's run."""
    from .autograde.plan import plan

    tests, outputs = [], []
    for e in entries:
        kinds = {t.id: t.kind for t in plan(e["notebook"]).tests} if e["notebook"] in notebooks else {}
        outputs.append(f"{e['notebook']}: {e['score']:g} / {e['max_score']:g}. {e['message']}")
        for c in e["checks"]:
            hidden = kinds.get(c["id"]) == "hidden"
            tests.append({
                "name": f"{e['notebook']}: {c['id']}" + (" (hidden check)" if hidden else ""),
                "score": c["score"], "max_score": c["points"], "status": "passed" if c["status"] == "pass" else "failed",
                "output": c["message"], "visibility": HIDDEN_VISIBILITY if hidden else "visible",
            })
    outputs.extend(f"Note: {n}" for n in notes)
    return {"score": sum(t["score"] for t in tests), "execution_time": round(seconds, 1),
            "output": "\n".join(outputs), "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def run(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; 0, or 1 if the grader itself failed
    (results.json then says so, with a score of 0)."""
    from .autograde.run import autograde
    from .sandbox import Limits

    start = time.perf_counter()
    config = json.loads((root / "source" / "gradescope.json").read_text(encoding="utf-8"))
    notebooks = config["notebooks"]
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as tmp:
            subs = Path(tmp) / "submissions" / _student_id(root)
            submission = root / "submission"
            if submission.is_dir():
                shutil.copytree(submission, subs, symlinks=True)
            else:
                subs.mkdir(parents=True)
            s = autograde(subs.parent, Path(tmp) / "out", limits=Limits(), gradebook=False, notebooks=notebooks,
                          progress=False, log=lambda m: print(m, file=sys.stderr))
            for problem in s.problems:
                print(f"problem: {problem}", file=sys.stderr)  # stdout/stderr: hidden from students
            prefix = f"{subs.name}/"
            notes = [n.replace(prefix, "").removeprefix(f"{subs.name}: ") for n in s.ignored]
            data = results(s.entries, notebooks, notes, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - Gradescope shows nothing useful without a results.json
        print(f"the autograder failed: {exc!r}", file=sys.stderr)
        data = {"score": 0, "output": "The autograder failed on this submission (not your fault): your instructor "
                                      "will look into it. Make sure you uploaded your .ipynb notebook file(s).",
                "tests": []}
        results_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return 1
    results_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.gradescope", description="Run the Gradescope autograder.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json (in the container)")
    r.add_argument("--root", default=os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    args = p.parse_args(argv)
    root = Path(args.root)
    if not (root / "source" / "gradescope.json").is_file():
        print(f"error: {root}/source/gradescope.json is missing: {root} is not an unpacked autograder "
              "(build one with `python -m grader gradescope --out autograder.zip`).", file=sys.stderr)
        return 2
    return run(root)


if __name__ == "__main__":
    raise SystemExit(main())
