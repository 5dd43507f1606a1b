"""Execute notebooks headless (tests, benchmarks): instructor sources or student notebooks."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Run every cell of ``nb`` in a fresh kernel with ``cwd`` as working folder; raise on the
    first error (nbclient's CellExecutionError). Returns the executed notebook and seconds."""
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb, time.perf_counter() - start


def execute_source(path: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Execute an instructor source (py:percent) as a notebook in ``notebooks/``."""
    from .release import NOTEBOOKS, source_notebook

    return execute(source_notebook(path), NOTEBOOKS, timeout)
