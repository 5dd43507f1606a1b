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


def load(path: Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path} does not exist. Give the path of your .ipynb file.")
    if path.is_dir():
        raise NotebookError(f"{path} is a folder; give the path of one .ipynb file.")
    raw = path.read_bytes()
    if not raw.strip():
        raise NotebookError(f"{path} is empty. Reopen the notebook in JupyterLab and save it again "
                            "(or take a fresh copy from notebooks/).")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path} is not a text file, so it is not a Jupyter notebook.") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path} is not valid notebook JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}). Was it edited outside Jupyter? Open it in JupyterLab, or restore it "
                            "from a checkpoint (File > Revert Notebook to Checkpoint).") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path} is JSON but not a Jupyter notebook (it has no list of cells).")
    return nb


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
    gid = nbg.get("grade_id")
    return gid if isinstance(gid, str) and nbg.get("solution") else None


def identify(nb: dict, path: Path) -> str:
    """Which course notebook this is: by its answer cells, else by its file name."""
    ids = {_grade_id(c) for c in nb["cells"] if isinstance(c, dict)} - {None}
    for name in notebooks():
        if ids & {s.name for s in functions_of(name)}:
            return name
    stem = Path(path).stem
    if stem in notebooks():
        return stem
    raise NotebookError(f"{path} is not a notebook of this course: it has none of the graded answer cells "
                        f"and its name is not one of {', '.join(notebooks())}.ipynb.")


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
