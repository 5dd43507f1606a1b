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
    missing: dict[str, str] = field(default_factory=dict)  # grade_id -> why its definition does not count


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


def _check_cell_of(cells: list[dict], name: str) -> int | None:
    """Index (in ``cells``) of the visible check cell of ``name``: the cell with grade_id
    ``<name>_visible``, else the first cell that calls ``check(<name>)``."""
    for i, c in enumerate(cells):
        meta = c.get("metadata") if isinstance(c.get("metadata"), dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        if nbg.get("grade_id") == f"{name}_visible":
            return i
    call = re.compile(rf"^\s*check\(\s*{re.escape(name)}\s*[,)]", re.M)
    return next((i for i, c in enumerate(cells) if call.search(_source(c))), None)


def _defines(cell: dict, name: str) -> bool:
    return re.search(rf"^def\s+{re.escape(name)}\s*\(", _source(cell), re.M) is not None


def answers(nb: dict, notebook: str) -> Answers:
    """The cell that counts for each graded function: the definition in force where the
    function's check cell runs when the notebook is run from the top (Kernel > Restart & Run All),
    which is what the notebook's own ``check()`` sees.

    Rule: among the code cells above the function's visible check cell, the last one that carries
    the function's nbgrader grade_id or defines it (``def name(`` at the start of a line) counts.
    So an answer written in a new cell below the untouched answer cell counts; of a duplicated
    answer cell, the lower copy counts; a cell that lost its metadata is found by its ``def``.
    A function defined only below its check cell counts as missing (the check runs before it),
    with a message that says so (``Answers.missing``). Without a check cell, the last definition
    in the notebook counts.
    """
    result = Answers(notebook, {})
    cells = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    for spec in functions_of(notebook):
        name = spec.name
        found = [i for i, c in enumerate(cells) if _grade_id(c) == name or _defines(c, name)]
        check_at = _check_cell_of(cells, name)
        above = [i for i in found if check_at is None or i < check_at]
        if not above:
            if found:
                result.missing[name] = (
                    f"{name} is defined only below its check cell `check({name})`, so that check (and the "
                    "grader, which reads the notebook from the top as Kernel > Restart & Run All does) finds no "
                    f"answer. Move the cell that defines {name} back above `check({name})`.")
            continue
        chosen = above[-1]
        tagged = [i for i in above if _grade_id(cells[i]) == name]
        if len(tagged) > 1 and chosen == tagged[-1]:
            result.notes.append(f"{len(tagged)} cells carry the answer id {name!r} (a duplicated answer cell); the "
                                f"last one counts (the lower copy, as when the notebook runs from the top). Delete the "
                                "other copy.")
        elif not tagged:
            result.notes.append(f"the answer cell of {name} has lost its nbgrader metadata (or was deleted and "
                                "retyped); the grader reads the last cell above its check that defines it.")
        elif chosen != tagged[-1]:
            stub = _is_stub(cells[tagged[-1]])
            result.notes.append(
                f"{name} is defined in a cell below its answer cell" + (" (which still raises NotImplementedError)"
                                                                         if stub else "")
                + "; the grader reads that lower cell, as when the notebook runs from the top. To keep one answer, "
                  f"move your code into the answer cell of {name} and delete the other cell.")
        elif len(above) > 1 and _is_stub(cells[chosen]) and any(not _is_stub(cells[i]) for i in above[:-1]):
            result.notes.append(f"your code for {name} is in a cell above a cell that still raises "
                                f"NotImplementedError, which replaces it when the notebook runs from the top: move "
                                f"your code into that lower cell (or delete it).")
        elif len(above) > 1:
            result.notes.append(f"{name} is defined in more than one cell; the grader reads its answer cell, the last "
                                "definition above its check. Delete the other definitions.")
        result.code[name] = _source(cells[chosen])
    return result


def _is_stub(cell: dict) -> bool:
    return "raise NotImplementedError" in _source(cell)


def missing_message(answers: Answers, function: str) -> str:
    """Why ``function`` (or a function it builds on) has no cell to run, and what to do."""
    spec = SPECS[function]
    names = (*spec.depends_on, function)
    reasons = [answers.missing[n] for n in names if n in answers.missing]
    absent = [n for n in names if n not in answers.code and n not in answers.missing]
    if absent:
        reasons.append(f"no answer cell for {', '.join(absent)} was found. Keep the cell that defines "
                       f"`{SPECS[absent[-1]].signature}` (if you deleted it, take it again from a fresh copy of the "
                       "notebook).")
    return " ".join(reasons)


def cells_for(answers: Answers, function: str) -> list[dict] | None:
    """Cells to execute for ``function``: the notebook's imports (``evaluate.prelude``), its
    dependencies, then its own cell; None if one is missing."""
    from .checks.evaluate import prelude
    from .checks.runner import PRELUDE_LABEL

    names = (*SPECS[function].depends_on, function)
    if any(n not in answers.code for n in names):
        return None
    return [{"label": PRELUDE_LABEL, "code": prelude(answers.notebook)},
            *({"label": n, "code": answers.code[n]} for n in names)]
