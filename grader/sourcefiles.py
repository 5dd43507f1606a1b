"""Read the instructor sources: jupytext py:percent files with nbgrader cell metadata."""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

SOURCE_DIR = Path(__file__).with_name("source")


def source_path(notebook: str) -> Path:
    return SOURCE_DIR / f"{notebook}.py"


def all_sources() -> list[Path]:
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py"))


def read_source(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path, fmt="py:percent")


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def answer_cells(path: Path) -> dict[str, str]:
    """``{grade_id: source}`` of the autograded-answer cells of one source."""
    nb = read_source(path)
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("solution")}
