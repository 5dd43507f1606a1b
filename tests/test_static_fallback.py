"""Executed notebooks read well without a kernel: every panel's output carries a PNG of its
figure, which an HTML export (nbconvert, as nbviewer and Jupyter Book use it) shows as an image,
and no output is a widget's Python repr (``VBox(children=...``) or a progress bar's first frame.
The notebooks are the instructor sources executed headless (tests/executed.py)."""
from __future__ import annotations

import re

import pytest
from nbconvert import HTMLExporter

from executed import run
from grader.sourcefiles import all_sources

WIDGET = "application/vnd.jupyter.widget-view+json"
STEMS = sorted(p.stem for p in all_sources())


@pytest.mark.parametrize("stem", STEMS)
def test_an_html_export_shows_one_image_per_panel(stem):
    nb, _ = run(stem)
    panels = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if WIDGET in o.get("data", {})]
    assert panels, f"{stem} displays no panel"
    for out in panels:
        assert "image/png" in out["data"], "a panel's output carries no PNG fallback"
        assert not out["data"]["text/plain"].startswith(("VBox(", "HTML(")), out["data"]["text/plain"][:80]
    html, _ = HTMLExporter().from_notebook_node(nb)
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', html)
    for k, out in enumerate(panels):
        png = out["data"]["image/png"].strip()
        assert sum(img.strip() == png for img in images) == 1, f"panel {k} of {stem} is not one <img> in the HTML export"
    assert "VBox(children" not in html and "HTML(value=" not in html


@pytest.mark.parametrize("stem", STEMS)
def test_no_output_is_a_progress_bars_first_frame(stem):
    nb, _ = run(stem)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "") + out.get("text", "")
            assert not re.search(r"\b0%\|.*\| 0/\d+", text), text[:200]
