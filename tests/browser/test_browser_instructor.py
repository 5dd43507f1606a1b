"""The instructor's view in JupyterLab: nbgrader's extension is there (the Nbgrader menu, the
Formgrader and Create Assignment tools) and its Validate button passes a completed notebook."""
from __future__ import annotations

import pytest

from tools.lab import student_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NBGRADER_COMMANDS = {"nbgrader:open-formgrader", "nbgrader:open-create-assignment",
                     "nbgrader:open-assignment-list", "nbgrader:open-course-list"}


def test_nbgrader_menu_opens_the_formgrader(lab, artifacts):
    page, console_mark = lab.page, len(lab.console)
    commands = set(page.evaluate("() => window.jupyterapp.commands.listCommands()"))
    assert NBGRADER_COMMANDS <= commands, f"nbgrader's JupyterLab commands are missing: {NBGRADER_COMMANDS - commands}"
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu-content")
    for item in ("Formgrader", "Create assignment", "Assignment List", "Course List"):
        assert menu.get_by_text(item, exact=True).count() == 1, f"the Nbgrader menu has no {item!r} item:\n{menu.inner_text()}"
    menu.get_by_text("Formgrader", exact=True).click()

    frame = page.frame_locator("iframe[src*='formgrader']")
    heading = frame.get_by_text("Manage Assignments").first
    heading.wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "formgrader.png"))
    body = frame.locator("body").inner_text()
    for part in ("Manual Grading", "Manage Students"):
        assert part in body, f"the formgrader page has no {part!r}:\n{body[:800]}"
    errors = lab.console[console_mark:]
    assert not errors, "the browser console shows errors:\n" + "\n".join(errors)


def test_create_assignment_panel_shows_the_nbgrader_cell_types(lab, filled, artifacts):
    first = student_notebooks()[0]
    nb = lab.open(filled(first.name))
    nb.command("nbgrader:open-create-assignment")
    panel = lab.page.locator(".nbgrader-CreateAssignmentWidget")
    panel.wait_for(timeout=30_000)
    lab.page.screenshot(path=str(artifacts / "create-assignment.png"))
    assert panel.locator(".nbgrader-CellWidget").count() == len(nb.cells()), "the panel does not list every cell"
    types = panel.locator(".nbgrader-CellType select").evaluate_all("els => els.map(e => e.value)")
    assert "solution" in types and "tests" in types and "manual" in types, \
        f"the graded cells are not shown as autograded answers, tests and written answers: {sorted(set(types))}"
    nb.command("nbgrader:open-create-assignment")  # close the panel again (toggles)
    assert not nb.console_errors, "the browser console shows errors:\n" + "\n".join(nb.console_errors)


def test_validate_button_passes_a_completed_notebook(lab, filled, artifacts):
    first = student_notebooks()[0]
    nb = lab.open(filled(first.name))
    lab.page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = lab.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    text = dialog.inner_text()
    lab.page.screenshot(path=str(artifacts / "validate.png"))
    assert "Success" in text and "passes all the tests" in text, f"nbgrader's Validate does not pass {first.name}:\n{text[:1500]}"
    lab.dismiss_dialogs()
    assert not nb.console_errors, "the browser console shows errors:\n" + "\n".join(nb.console_errors)
