"""Every notebook, answers filled in, in JupyterLab and Chromium: Run All Cells shows no error,
the browser console stays clean, and every control of every widget panel (gamma, beta and
epsilon, and the topic's own) really changes the figure when a learner moves it."""
from __future__ import annotations

import json
import re
import warnings

import pytest

from tools.lab import student_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STANDARD = {"gamma": re.compile(r"\bgamma\b|\u03b3", re.I), "beta": re.compile(r"\bbeta\b|\u03b2", re.I),
            "epsilon": re.compile(r"\bepsilon\b|\u03b5", re.I)}


KEY_PRESSES = 10


def _ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("notebook", student_notebooks(), ids=_ids(student_notebooks()))
def test_notebook_runs_clean_and_every_control_redraws_its_figure(lab, filled, course_root, artifacts, notebook):
    nb = lab.open(filled(notebook.name))
    ran_clean = nb.run_all()
    nb.save()
    (artifacts / notebook.name).write_bytes((course_root / nb.path).read_bytes())  # the executed notebook
    problems = nb.cell_problems()
    assert not problems, "Run All Cells shows errors:\n" + "\n".join(problems)
    assert ran_clean, "Run All Cells stopped early although no cell shows an error"
    stderr = nb.stderr_outputs()
    if stderr:  # not an error, but a learner sees it: keep it visible in the test report
        (artifacts / "stderr.txt").write_text("\n".join(stderr))
        warnings.warn(f"{notebook.stem} writes to stderr: {stderr[0]}", stacklevel=1)

    panels = nb.panels()
    assert panels, f"{notebook.name} shows no widget panel (an ipywidgets Image with its controls)"
    panel_controls = [nb.controls(panel) for panel in panels]
    sliders = [c.label for controls in panel_controls for c in controls if c.kind == "slider"]
    for name, pattern in STANDARD.items():
        assert any(pattern.search(label) for label in sliders), f"{notebook.name} has no {name} slider (its sliders: {sliders})"
    moved = []
    for p, (panel, controls) in enumerate(zip(panels, panel_controls)):
        panel.screenshot(path=str(artifacts / f"panel{p}.png"))
        assert controls, f"panel {p} of {notebook.name} has no control"
        # The keyboard: arrow keys on the first slider's handle move it step by step and the
        # figure follows (within a few steps: one step may change nothing a figure can show,
        # e.g. no prediction of a classifier).
        slider = next((c for c in controls if c.kind == "slider"), None)
        if slider is not None:
            nb.wait_settled(panel)
            before_value, before_png = nb.read(slider), nb.image_bytes(panel)
            key = "ArrowLeft" if nb.slider_position(slider) > 0.5 else "ArrowRight"
            for presses in range(1, KEY_PRESSES + 1):
                value = nb.read(slider)
                nb.press(slider, key)
                nb.wait_settled(panel, quiet=0.3)
                assert nb.read(slider) != value, f"{notebook.stem}: {key} did not move {slider.label!r} from {value}"
                if nb.image_bytes(panel) != before_png:
                    break
            else:
                pytest.fail(f"{notebook.stem}: {KEY_PRESSES} presses of {key} moved {slider.label!r} from "
                            f"{before_value} to {nb.read(slider)} and the figure did not change")

        # The mouse: drag each slider across its track, then switch the other controls (last,
        # since a switch may turn a slider's effect off, as "normalize inputs" does in 01).
        for control in sorted(controls, key=lambda c: c.kind != "slider"):
            nb.wait_settled(panel)
            before_value, before_png = nb.read(control), nb.image_bytes(panel)
            before_shot = nb.image(panel).screenshot(path=str(artifacts / f"panel{p}-{control.slug}-before.png"))
            nb.move(control)
            nb.wait_settled(panel)
            after_value, after_png = nb.read(control), nb.image_bytes(panel)
            after_shot = nb.image(panel).screenshot(path=str(artifacts / f"panel{p}-{control.slug}-after.png"))
            where = f"{notebook.stem}, panel {p}, {control.kind} {control.label!r} ({before_value} -> {after_value})"
            assert after_value != before_value, f"{where}: the control did not move"
            assert after_png != before_png, f"{where}: the kernel sent no new figure"
            assert after_shot != before_shot, f"{where}: the figure on screen did not change"
            moved.append(f"{control.label}: {before_value} -> {after_value}")

    (artifacts / "moves.json").write_text(json.dumps(moved, indent=1, ensure_ascii=False))
    assert not nb.console_errors, "the browser console shows errors:\n" + "\n".join(nb.console_errors)
