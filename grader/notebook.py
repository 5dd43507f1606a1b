"""Read a submitted notebook and find its answers, with messages a student can act on."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .checks.specs import SPECS, functions_of, notebooks


class NotebookError(Exception):
    """A submission that cannot be read; the message says what is wrong and what to do."""


@dataclass
class Answers:
    notebook: str  # course notebook name, e.g. "01_normalizing_inputs"
    code: dict[str, str]  # grade_id -> source of the answer cell that counts
    notes: list[str] = field(default_factory=list)  # duplicates, retyped cells...


MAX_NOTEBOOK_BYTES = 50 * 1024**2


def load(path: Path, shown: str | None = None) -> dict:
    """The notebook at ``path``, cleaned (:func:`clean`); :class:`NotebookError` with a message
    that names it as ``shown`` (default: the path) when it cannot be read."""
    path = Path(path)
    shown = shown or str(path)
    if not path.exists():
        raise NotebookError(f"{shown} does not exist. Give the path of your .ipynb file.")
    if path.is_dir():
        raise NotebookError(f"{shown} is a folder; give the path of one .ipynb file.")
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_NOTEBOOK_BYTES else b""
    except OSError as exc:
        raise NotebookError(f"{shown} cannot be read ({exc.strerror}).") from None
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{shown} is {size / 1024**2:.0f} MB, more than a notebook should be "
                            f"({MAX_NOTEBOOK_BYTES // 1024**2} MB). Clear the outputs (Edit > Clear "
                            "Outputs of All Cells), save, and hand it in again.")
    if not raw.strip():
        raise NotebookError(f"{shown} is empty. Reopen the notebook in JupyterLab and save it again "
                            "(or take a fresh copy from notebooks/).")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{shown} is not a text file, so it is not a Jupyter notebook.") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{shown} is not valid notebook JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}). Was it edited outside Jupyter? Open it in JupyterLab, or restore it "
                            "from a checkpoint (File > Revert Notebook to Checkpoint).") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{shown} is JSON but not a Jupyter notebook (it has no list of cells).")
    return clean(nb)


def clean(nb: dict) -> dict:
    """The parts of a notebook the grader reads, with every field of a sane type (a hand-edited
    or hostile file cannot make the reader fail)."""
    cells = []
    for c in nb.get("cells", []):
        if not isinstance(c, dict):
            continue
        src = c.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        elif not isinstance(src, str):
            src = ""
        meta = c.get("metadata") if isinstance(c.get("metadata"), dict) else {}
        ctype = c.get("cell_type") if isinstance(c.get("cell_type"), str) else ""
        cells.append({"cell_type": ctype, "source": src, "metadata": meta})
    return {"cells": cells}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
    gid = nbg.get("grade_id")
    return gid if isinstance(gid, str) and nbg.get("solution") else None


def identify(nb: dict, stem: str) -> str:
    """Which course notebook this is: by its answer cells' ids (the most matches; a tie goes to
    the file name ``stem``), else by its file name."""
    ids = {_grade_id(c) for c in nb["cells"]} - {None}
    known = notebooks()
    counts = {name: len(ids & {s.name for s in functions_of(name)}) for name in known}
    best = max(counts.values(), default=0)
    if best:
        tied = [name for name in known if counts[name] == best]
        return stem if stem in tied else tied[0]
    if stem in known:
        return stem
    raise NotebookError(f"{stem}.ipynb is not a notebook of this course: it has none of the graded answer "
                        f"cells and its name is not one of {', '.join(n + '.ipynb' for n in known)}.")


def answers(nb: dict, notebook: str) -> Answers:
    """The answer cell that counts for each graded function.

    Rule: the answer cell is the one that carries the function's nbgrader grade_id; when
    several do (a duplicated cell), the *last* one counts. When none does (the cell was
    deleted and retyped), the last code cell that defines the function counts.
    """
    result = Answers(notebook, {})
    cells = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    for spec in functions_of(notebook):
        tagged = [c for c in cells if _grade_id(c) == spec.name]
        if len(tagged) > 1:
            result.notes.append(f"{len(tagged)} cells carry the answer id {spec.name!r}; the last one counts.")
        if not tagged:
            pattern = re.compile(rf"^\s*def\s+{re.escape(spec.name)}\s*\(", re.M)
            tagged = [c for c in cells if pattern.search(_source(c))]
            if tagged:
                result.notes.append(f"the answer cell of {spec.name} has lost its nbgrader metadata; "
                                    "the last cell that defines it counts.")
        if tagged:
            result.code[spec.name] = _source(tagged[-1])
    return result


def cells_for(answers: Answers, function: str) -> list[dict] | None:
    """Cells to execute for ``function`` (its dependencies first), or None if one is missing."""
    names = (*SPECS[function].depends_on, function)
    if any(n not in answers.code for n in names):
        return None
    return [{"label": n, "code": answers.code[n]} for n in names]
