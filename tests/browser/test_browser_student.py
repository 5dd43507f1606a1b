"""A fresh student notebook in JupyterLab: run cell by cell as a learner does, every visible
check says its function is "not implemented yet" and what to do (no traceback), and the widget
panels say what to implement instead of failing."""
from __future__ import annotations

import re

import pytest

from tools.lab import student_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PANEL_CALL = re.compile(r"\b\w*panel\w*\s*\(")


@pytest.mark.parametrize("notebook", student_notebooks(), ids=[p.stem for p in student_notebooks()])
def test_student_notebook_checks_say_not_implemented_yet(lab, artifacts, notebook):
    nb = lab.open(f"student/{notebook.name}")
    for cell in nb.cells():  # Shift+Enter through the notebook; an error does not stop the next cell
        if cell["type"] == "code" and cell["source"].strip():
            nb.run_cell(cell["index"])
    nb.wait_widgets_rendered()
    cells = nb.cells()

    answers = {c["grade_id"] for c in cells if c["type"] == "code" and c["solution"]}
    checks = [c for c in cells if c["type"] == "code" and (c["grade_id"] or "").endswith("_visible")]
    assert checks, f"{notebook.name} has no visible check cell"
    for c in checks:
        function = c["grade_id"].removesuffix("_visible")
        shown = nb.cell(c["index"])
        shown.scroll_into_view_if_needed()
        shown.screenshot(path=str(artifacts / f"check-{function}.png"))
        text = shown.locator(".jp-OutputArea").inner_text()
        where = f"{notebook.stem}: the visible check of {function}"
        if function not in answers:  # a check of something else (e.g. a trained model): it only must not crash
            assert "Traceback" not in text, f"{where} shows a traceback:\n{text[:800]}"
            continue
        assert "not implemented yet" in text, f"{where} does not say 'not implemented yet'; it shows:\n{text[:800]}"
        assert function in text and "NotImplementedError" in text, \
            f"{where} does not say which function to write or what to replace:\n{text[:800]}"
        assert "Traceback" not in text and "File " not in text, f"{where} shows a traceback:\n{text[:800]}"

    for c in cells:  # the panels explain what is missing instead of failing
        graded = c["solution"] or (c["grade_id"] or "").endswith(("_visible", "_hidden"))
        if c["type"] == "code" and not graded and PANEL_CALL.search(c["source"]):
            errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in c["outputs"] if o.get("output_type") == "error"]
            assert not errors, f"{notebook.stem}: the panel cell {c['index']} fails in a fresh student notebook: {errors}"
            assert c["text"].strip(), f"{notebook.stem}: the panel cell {c['index']} shows nothing in a fresh student notebook"
    assert not nb.console_errors, "the browser console shows errors:\n" + "\n".join(nb.console_errors)
