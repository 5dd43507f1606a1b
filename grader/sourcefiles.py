"""Read the instructor sources: jupytext py:percent files with nbgrader cell metadata."""
from __future__ import annotations

import json
import re
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


def answer_cells(path: Path) -> dict[str, str]:
    """``{grade_id: source}`` of the autograded-answer code cells of one source.

    A small reader of our own py:percent files, so that grading processes need not import
    jupytext and nbformat (seconds each); tests/test_release.py checks that it agrees with
    jupytext on every source.
    """
    cells: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []

    def close():
        if current is not None:
            cells[current] = "\n".join(lines).strip("\n")

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        marker = CELL_MARKER.match(line)
        if not marker:
            lines.append(line)
            continue
        close()
        current, lines = None, []
        rest = marker["rest"].strip()
        if rest.startswith("[") or "nbgrader=" not in rest:
            continue  # markdown/raw cell or a code cell without nbgrader metadata
        meta = json.loads(rest.split("nbgrader=", 1)[1])
        if meta.get("solution"):
            current = meta["grade_id"]
    close()
    return cells


def _code_cells_before_first_answer(path: Path) -> list[str]:
    """The code of the plain (non-nbgrader) code cells above the first answer cell."""
    cells: list[str] = []
    lines: list[str] | None = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        marker = CELL_MARKER.match(line)
        if not marker:
            if lines is not None:
                lines.append(line)
            continue
        if lines is not None:
            cells.append("\n".join(lines))
        rest = marker["rest"].strip()
        if "nbgrader=" in rest and json.loads(rest.split("nbgrader=", 1)[1]).get("solution"):
            return cells
        lines = None if rest.startswith("[") or "nbgrader=" in rest else []
    if lines is not None:
        cells.append("\n".join(lines))
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
