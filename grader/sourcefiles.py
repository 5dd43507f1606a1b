"""Read the instructor sources: jupytext py:percent files with nbgrader cell metadata."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(__file__).with_name("source")


def source_path(notebook: str) -> Path:
    return SOURCE_DIR / f"{notebook}.py"


def all_sources() -> list[Path]:
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py"))


def read_source(path: Path):
    """The whole source as an nbformat notebook (jupytext)."""
    import jupytext

    return jupytext.read(path, fmt="py:percent")


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")


@dataclass
class PercentCell:
    """One cell of a py:percent file as text: the 1-based line of its ``# %%`` marker, what follows
    the marker (``[markdown] nbgrader={...}``...) and the lines of its body."""

    line: int
    header: str
    body: list[str]

    @property
    def cell_type(self) -> str:
        return "markdown" if self.header.startswith("[markdown]") else "raw" if self.header.startswith("[raw]") \
            else "code"

    @property
    def nbgrader_text(self) -> str | None:
        """The JSON text of its nbgrader metadata, or None."""
        return self.header.split("nbgrader=", 1)[1] if "nbgrader=" in self.header else None

    @property
    def text(self) -> str:
        return "\n".join(self.body).strip("\n")


def percent_cells(path: Path) -> list[PercentCell]:
    """The cells of a py:percent file (the text before the first marker is not a cell).

    A small reader of our own sources, so that grading processes need not import jupytext and
    nbformat (seconds each); tests/test_release.py checks that it agrees with jupytext."""
    cells: list[PercentCell] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        marker = CELL_MARKER.match(line)
        if marker:
            cells.append(PercentCell(n, marker["rest"].strip(), []))
        elif cells:
            cells[-1].body.append(line)
    return cells


def answer_cells(path: Path) -> dict[str, str]:
    """``{grade_id: source}`` of the autograded-answer code cells of one source."""
    cells: dict[str, str] = {}
    for cell in percent_cells(path):
        if cell.cell_type == "code" and cell.nbgrader_text is not None:
            meta = json.loads(cell.nbgrader_text)
            if meta.get("solution"):
                cells[meta["grade_id"]] = cell.text
    return cells


def _code_cells_before_first_answer(path: Path) -> list[str]:
    """The code of the plain (non-nbgrader) code cells above the first answer cell."""
    cells: list[str] = []
    for cell in percent_cells(path):
        if cell.nbgrader_text is not None and json.loads(cell.nbgrader_text).get("solution"):
            break
        if cell.cell_type == "code" and cell.nbgrader_text is None:
            cells.append("\n".join(cell.body))
    return cells


def prelude(path: Path) -> str:
    """What an answer cell of this source runs after: the imports of NumPy and of the standard
    library made by the notebook's own code cells above its first answer cell (its import cell),
    one statement a line, e.g. ``"import numpy as np\\n"``. Nothing else: not the course's helpers,
    not a module the notebook never imports."""
    import ast
    import sys

    allowed = set(sys.stdlib_module_names) - {"__future__"} | {"numpy"}
    statements: list[str] = []
    for code in _code_cells_before_first_answer(path):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                kept = [a for a in node.names if a.name.split(".")[0] in allowed]
                node = ast.Import(names=kept) if kept else None
            elif isinstance(node, ast.ImportFrom):
                node = node if node.level == 0 and (node.module or "").split(".")[0] in allowed else None
            else:
                node = None
            if node is not None and ast.unparse(node) not in statements:
                statements.append(ast.unparse(node))
    return "".join(f"{s}\n" for s in statements)
