"""The pieces of `make bench` and of the browser tests that run without a browser: the course
copy with the answers filled in, the moves given to each control, the panel timings and the
report's verdicts."""
from __future__ import annotations

import json

import ipywidgets as widgets
import pytest

from grader.release import reference_answers
from grader.sourcefiles import source_path
from tools import bench, lab, panel_timing


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.mark.parametrize("student", lab.student_notebooks(), ids=[p.stem for p in lab.student_notebooks()])
def test_filled_notebook_has_every_answer_and_nothing_else_changed(student):
    raw = json.loads(student.read_text(encoding="utf-8"))
    filled = lab.filled_notebook(student)
    answers = reference_answers(source_path(student.stem))
    assert len(filled["cells"]) == len(raw["cells"])
    for before, after in zip(raw["cells"], filled["cells"]):
        meta = _nbgrader(before)
        if meta.get("solution"):
            text = "".join(after["source"])
            assert text == answers[meta["grade_id"]][1]
            assert "NotImplementedError" not in text and "YOUR ANSWER HERE" not in text
            assert "BEGIN SOLUTION" not in text or before["cell_type"] == "code"
        else:
            assert after == before


def test_course_copy_holds_filled_and_student_notebooks_and_data(tmp_path):
    notebooks = lab.student_notebooks()[:1]
    assert lab.course_copy(tmp_path, notebooks) == {}
    name = notebooks[0].name
    assert (tmp_path / "student" / name).read_bytes() == notebooks[0].read_bytes()
    assert json.loads((tmp_path / "notebooks" / name).read_text()) == lab.filled_notebook(notebooks[0])
    if lab.DATA.is_dir():
        assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(p.name for p in lab.DATA.iterdir())


def test_a_notebook_without_its_source_is_reported_not_copied(tmp_path):
    stray = tmp_path / "99_no_such_topic.ipynb"
    stray.write_text(lab.student_notebooks()[0].read_text())
    problems = lab.course_copy(tmp_path / "copy", [stray])
    assert "has no instructor source" in problems[stray.name]
    assert not (tmp_path / "copy" / "notebooks" / stray.name).exists()


def test_slider_moves_sweep_the_whole_range_visiting_each_value_once():
    s = widgets.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.05)
    moves = panel_timing.control_moves(s, 30)
    assert len(moves) == 30 == len(set(moves)) and s.value not in moves
    assert moves[0] > s.value and moves == sorted(moves[:moves.index(3.0) + 1]) + moves[moves.index(3.0) + 1:]
    assert min(moves) == 0.0 and max(moves) == 3.0
    log = widgets.FloatLogSlider(value=1e-5, base=10, min=-8, max=0)
    moves = panel_timing.control_moves(log, 30)
    assert min(moves) == pytest.approx(1e-8) and max(moves) == pytest.approx(1.0) and len(set(moves)) == 30
    # an integer slider with fewer values than moves: back and forth over them
    assert panel_timing.control_moves(widgets.IntSlider(value=3, min=0, max=3), 6) == [2, 1, 0, 1, 2, 3]
    choice = widgets.SelectionSlider(options=[("0.01", 0), ("0.1", 1), ("1", 2)], value=1)
    assert panel_timing.control_moves(choice, 2) == [2, 0]


def test_switch_and_menu_moves_go_through_their_options():
    assert panel_timing.control_moves(widgets.Checkbox(value=True), 3) == [False, True, False]
    menu = widgets.Dropdown(options=[("a", 1), ("b", 2), ("c", 3)], value=2)
    assert panel_timing.control_moves(menu, 4) == [1, 2, 3, 1]
    assert panel_timing.control_moves(widgets.Dropdown(options=[("only", 1)], value=1), 4) == []


def test_measure_panel_times_every_control_and_puts_it_back():
    from course import data
    from course.panels import batchnorm_panel
    from grader.reference import reference

    panel = batchnorm_panel(data.preactivations(), reference("batchnorm_forward"))
    draw, before, image = panel.draw, panel.values(), panel.image.value
    result = panel_timing.measure_panel(panel, moves=4, goal_ms=1e9)
    assert [c["control"] for c in result["controls"]] == list(panel.controls)
    for c in result["controls"]:
        assert c["moves"] == 4
        assert 0 < c["min_ms"] <= c["median_ms"] <= c["p90_ms"] <= c["max_ms"]
        assert c["draw_median_ms"] > 0 and c["png_median_ms"] > 0
        assert c["median_ms"] == pytest.approx(c["draw_median_ms"] + c["png_median_ms"], rel=0.5)
    assert panel.values() == before and panel.draw is draw and panel.image.value == image
    assert result["png_bytes"] == len(image) and "Batch norm" in result["title"]


def _results(execute_s, training, median_ms, browser_ms, load=0.5):
    control = {"control": "gamma", "label": "gamma γ", "kind": "FloatSlider", "moves": 30, "median_ms": median_ms,
               "p90_ms": median_ms * 1.2, "min_ms": median_ms * 0.8, "max_ms": median_ms * 1.5, "set_median_ms": median_ms,
               "cpu_median_ms": median_ms, "draw_median_ms": 1.0, "png_median_ms": median_ms - 1, "full_redraws": 3,
               "profile": ["12.00 ms self: _get_layout (matplotlib/text.py)"]}
    name = "04_batchnorm_in_a_network" if training else "02_batchnorm_forward"
    return {"machine": {"cores": 2, "python": "3.11", "platform": "test", "load_average": (load, load, load)},
            "goals": bench.GOALS,
            "notebooks": [{"notebook": name, "training": training, "execute_s": execute_s, "kernel_start_s": 1.0,
                           "slowest_cells": [{"seconds": 7.5, "cell": 12, "code": "train(X, Y)"}],
                           "panels": [{"title": "t", "png_bytes": 20480, "controls": [control]}]}],
            "browser": {"notebooks": {name: {"controls": [{"panel": 0, "label": "gamma γ", "moves": 20, "new_images": 20,
                                                           "unchanged": 0, "median_ms": browser_ms,
                                                           "p90_ms": browser_ms * 1.3, "max_ms": browser_ms * 2,
                                                           "panel_labels": ["gamma γ"], "kernel_redraws": 20,
                                                           "kernel_median_ms": median_ms - 10}]}}}}


def test_report_says_all_goals_met_when_they_are():
    text = "\n".join(bench.report(_results(4.0, False, 20.0, 90.0)))
    assert "Goals: all met." in text and "MISSED" not in text
    assert "20/20" in text  # every arrow-key step in the browser brought a new figure
    assert "autograder: skipped" in text


def test_report_names_each_missed_goal_with_its_cause():
    text = "\n".join(bench.report(_results(12.0, False, 80.0, 200.0)))
    assert "Goals missed, and why:" in text
    assert "02_batchnorm_forward executes in 12.0 s (goal 10 s)" in text and "train(X, Y)" in text
    assert "kernel redraw median 80.0 ms" in text and "_get_layout" in text
    assert "browser median 200 ms for arrow-key steps, of which the kernel's redraw" in text and "is 70 ms" in text
    assert "the other 130 ms are the widget messages, the PNG (20 kB)" in text
    assert "3 of 30 moves changed the axes' limits" in text


def test_report_tells_a_busy_machine_from_a_slow_redraw():
    results = _results(4.0, False, 80.0, 90.0)
    results["notebooks"][0]["panels"][0]["controls"][0]["cpu_median_ms"] = 30.0
    text = "\n".join(bench.report(results))
    assert "the machine is busy (the kernel got 30 ms of CPU per move" in text


def test_training_notebooks_have_the_30_second_goal():
    assert bench.is_training("04_batchnorm_in_a_network") and bench.is_training("08_training_a_softmax_classifier")
    assert not bench.is_training("02_batchnorm_forward")
    text = "\n".join(bench.report(_results(25.0, True, 20.0, 90.0)))
    assert "Goals: all met." in text


def test_the_scaling_goals_are_judged_from_the_autograder_figures():
    met = {"dask": {"workers": 2, "speedup_vs_1_local_worker": 1.8},
           "gradebook": {"postgresql_vs_sqlite_per_entry": 1.2, "sqlite": {"ms_per_entry": 12}, "postgresql": {"ms_per_entry": 10}}}
    assert bench.autograde_misses(met) == []
    missed = {"dask": {"workers": 2, "speedup_vs_1_local_worker": 1.3, "load_average_at_end": 5.0},
              "gradebook": {"postgresql_vs_sqlite_per_entry": 0.5, "sqlite": {"ms_per_entry": 10},
                            "postgresql": {"ms_per_entry": 20}}}
    text = " | ".join(bench.autograde_misses(missed))
    assert "1.3x" in text and "goal 1.7x" in text and "PostgreSQL 20 ms" in text
    assert bench.autograde_misses({"dask": {"skipped": "Dask is not installed"}, "gradebook": {}}) == []
