"""``python -m grader bundle --out DIR|FILE.zip``: exactly what students receive.

The bundle holds the student notebooks (``notebooks/``), the helpers they import (``course/``),
the check library (``grader/__init__.py`` and ``grader/checks/``, fixtures included) and the
data (``data/``), and nothing else: no instructor source, no suite, no hidden-probe generator, no
autograder. Before anything is written, :func:`leaks` searches the files for every line of every
reference solution and every model answer; one found stops the bundle.

A zip is deterministic (sorted members, fixed dates), so the same course gives the same bytes.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def members(root: Path = ROOT) -> dict[str, Path]:
    """``{path in the bundle: file}`` of what students receive."""
    files: dict[str, Path] = {}

    def add(folder: str, pattern: str) -> None:
        for path in sorted((root / folder).glob(pattern)):
            rel = path.relative_to(root)
            if path.is_file() and "__pycache__" not in rel.parts and not any(p.startswith(".") for p in rel.parts):
                files[rel.as_posix()] = path

    add("notebooks", "*.ipynb")
    add("course", "**/*.py")
    add("grader/checks", "**/*.py")
    add("grader/checks/fixtures", "*.json")
    add("data", "**/*")
    files["grader/__init__.py"] = root / "grader" / "__init__.py"
    return dict(sorted(files.items()))


# --- what must never ship ------------------------------------------------------------------

MIN_LINE = 20  # shorter solution lines ("return A", "m = X.shape[1]") are not distinctive


def secrets(root: Path = ROOT) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """``(code lines, model answer lines, blocks)``: ``{text: where it comes from}`` of every line of code between the solution
    markers and of every model answer (at least MIN_LINE characters, comments left out, lines the
    sources publish in their other cells - a formula in the prose, a given helper - left out), and
    of every whole solution (its code with blank lines and comments removed, whitespace normalized)."""
    from .sourcefiles import all_sources, nbgrader_meta, read_source

    lines_out, answers_out, blocks, public = {}, {}, {}, set()
    for source in all_sources():
        for cell in read_source(source).cells:
            meta = nbgrader_meta(cell)
            lines = [line.strip() for line in cell.source.splitlines()]
            if not (meta.get("solution") and meta.get("grade_id")):
                public.update(lines)
                continue
            where = f"{source.stem}:{meta['grade_id']}"
            inside = cell.cell_type == "markdown" or "### BEGIN SOLUTION" not in cell.source
            body = []
            for line in lines:
                if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                    inside = "BEGIN" in line
                    continue
                if inside and line and not line.startswith("#"):
                    body.append(line)
                    if len(line) >= MIN_LINE:
                        (lines_out if cell.cell_type == "code" else answers_out).setdefault(line, where)
            if cell.cell_type == "code" and len(body) > 1:
                blocks[_normal("\n".join(body))] = where
    return ({k: v for k, v in lines_out.items() if k not in public},
            {k: v for k, v in answers_out.items() if k not in public}, blocks)


def _normal(text: str) -> str:
    """Code with comments and blank lines removed and each line stripped."""
    return "\n".join(line.split("  #")[0].strip() for line in text.splitlines()
                     if line.strip() and not line.strip().startswith("#"))


# Later notebooks build on earlier answers (docs/architecture.md, "What ships to students"): the
# student notebook of 03 gives batch norm forward (02's answer) in a plain cell.
GIVEN_IN = {"notebooks/03_batchnorm_backward.ipynb": ("02_batchnorm_forward",)}


def leaks(files: dict[str, bytes], root: Path = ROOT) -> list[str]:
    """Every answer found in ``files`` ({name: bytes}), as messages: instructor files by name; in the
    student notebooks any solution line or model answer line; everywhere any whole solution and any
    model answer line. (``course/`` and the check library may state one formula of a solution, as the
    notebooks' prose and the checks' hints do; ``course/network.py`` builds on earlier answers, as
    docs/architecture.md says, and is searched for whole solutions of its own notebooks' functions.)"""
    import json

    found = [f"{name}: an instructor file" for name in files
             if name.startswith(("grader/source/", "grader/suites/", "grader/autograde/"))
             or name in ("grader/reference.py", "grader/hidden.py", "grader/release.py")]
    code, written, blocks = secrets(root)
    lines = {**code, **written}
    for name, data in files.items():
        text = data.decode("utf-8", errors="replace")
        if name.endswith(".ipynb"):
            try:  # search the cells' text, not JSON-escaped strings
                text = "\n".join("".join(c.get("source", "")) for c in json.loads(text).get("cells", []))
            except ValueError:
                pass
        allowed = GIVEN_IN.get(name, ())
        needles = lines if name.startswith("notebooks/") else written
        for needle, where in needles.items():
            if needle in text and where.split(":")[0] not in allowed:
                found.append(f"{name}: contains the answer of {where}: {needle!r}")
        normal = _normal(text)
        for block, where in blocks.items():
            if block in normal and where.split(":")[0] not in allowed:
                found.append(f"{name}: contains the whole solution of {where}")
    return found


# --- writing ----------------------------------------------------------------------------------

def bundle(out: Path, root: Path = ROOT) -> list[str]:
    """Write the bundle to ``out`` (a folder, or a file ending in .zip); returns the member names.
    Raises :class:`BundleError` if a solution would ship or ``out`` is unusable."""
    files = members(root)
    data = {name: path.read_bytes() for name, path in files.items()}
    problems = leaks(data, root)
    if problems:
        raise BundleError("the bundle would give students answers; nothing was written:\n  " + "\n  ".join(problems))
    out = Path(out)
    if out.suffix == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in data.items():
                info = zipfile.ZipInfo(f"{name}", ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, content)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buf.getvalue())
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise BundleError(f"{out} exists and is not an empty folder; give a new folder or a .zip file name.")
        for name, content in data.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    return list(data)


class BundleError(Exception):
    """The bundle cannot be written; the message says why."""


def add_parser(sub) -> None:
    p = sub.add_parser("bundle", help="write what students receive (notebooks, course/, grader/checks, data/) "
                                      "to a folder or a .zip, checked for solutions")
    p.add_argument("--out", required=True, help="a new folder, or a file name ending in .zip")


def run(args) -> int:
    try:
        names = bundle(Path(args.out))
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if "answers" in str(exc) else 2
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror}.", file=sys.stderr)
        return 2
    print(f"Wrote {args.out}: {len(names)} files (notebooks/, course/, grader/checks/, data/); no solution "
          "line or model answer found in them.")
    return 0

