"""Execute notebooks headless (tests, benchmarks): instructor sources or student notebooks."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Run every cell of ``nb`` in a fresh kernel with ``cwd`` as working folder; raise on the
    first error (nbclient's CellExecutionError). Returns the executed notebook and seconds.

    No widget state is saved: without a kernel a saved widget is a dead one (its sliders move,
    nothing redraws) that only a widget manager fetched from a CDN can draw at all. A panel's
    output carries a PNG of its figure (``course.widgets.Panel``), which every reader shows
    instead (an HTML export, GitHub, nbviewer)."""
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb, time.perf_counter() - start


def execute_source(path: Path, timeout: int = 300, then: tuple[str, ...] = ()) -> tuple[nbformat.NotebookNode, float]:
    """Execute an instructor source (py:percent) as a notebook in ``notebooks/``; ``then``:
    code cells appended after the source's own (tests use them to inspect the kernel)."""
    from .release import NOTEBOOKS, source_notebook

    nb = source_notebook(path)
    nb.cells.extend(nbformat.v4.new_code_cell(code) for code in then)
    return execute(nb, NOTEBOOKS, timeout)
