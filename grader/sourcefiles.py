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
