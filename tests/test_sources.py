"""Every instructor source executes headless without error, widget cells included, and every
visible and hidden check in it passes against the reference solutions."""
from __future__ import annotations

import json

import pytest

from grader.checks.specs import functions_of
from grader.execute import execute_source
from grader.sourcefiles import all_sources
from tools.panel_timing import BLIT_MARK, kernel_cell

SOURCES = all_sources()
# After the source's own cells: drag every slider of every panel back and forth and compare
# each frame with a full draw of its figure (a stale cached background, an overlay drawn under
# a moving artist...).
VERIFY_BLITTING = kernel_cell("verify_blitting()")


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_source_executes_headless_and_passes_its_checks(source):
    nb, seconds = execute_source(source, then=(VERIFY_BLITTING,))  # raises CellExecutionError on the first failing cell
    outputs = {c.id: _text(c) for c in nb.cells if c.cell_type == "code"}
    for spec in functions_of(source.stem):
        for kind in ("visible", "hidden"):
            text = outputs.get(f"{spec.name}_{kind}", "")
            assert f"\u2713 {spec.name} ({kind} checks)" in text, f"{spec.name} {kind} checks did not pass: {text!r}"
    widgets = [c for c in nb.cells if c.cell_type == "code" and any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", []))]
    assert widgets, f"{source.stem} displays no widget panel"
    text = _text(nb.cells[-1])
    line = next((ln for ln in text.splitlines() if ln.startswith(BLIT_MARK)), None)
    assert line is not None, f"the blitting check did not run: {text!r}"
    bad = json.loads(line[len(BLIT_MARK):])
    assert not bad, f"{len(bad)} frames differ from a full draw of their figure, e.g. {bad[:3]}"
    assert int(text.split("frames compared")[0].split()[-1]) > 0, "no slider was moved"
