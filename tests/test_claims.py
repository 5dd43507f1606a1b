"""What the notebooks' prose says about their experiments, checked against what they measure.

Each test pins one claim of the prose (its name says which). Numbers come from the instructor
source executed headless in its own kernel (tests/executed.py, one execution per notebook
shared by its tests) or, for a panel task the prose sets, from the panel built with the reference
solutions and moved as a learner would: the setting the prose promises must do what it says.
A claim the prose states with a number that the code prints next to it (an f-string of the
measured value) is not repeated here unless the prose draws a conclusion from it.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from course import data
from executed import run, stream_text
from grader.reference import reference
from grader.sourcefiles import all_sources

SOURCES = {p.stem: p for p in all_sources()}


def markdown(stem: str) -> str:
    """The text of the markdown cells of an instructor source, one cell after another."""
    from grader.release import source_notebook

    return "\n\n".join(c.source for c in source_notebook(SOURCES[stem]).cells if c.cell_type == "markdown")


# --- 01 -------------------------------------------------------------------------------------------

def _normalizing_panel():
    from course.panels import normalizing_panel

    X, y = data.two_scale_regression(m=200, seed=0)
    return normalizing_panel(X, y, reference("compute_mean_variance"), reference("normalize_inputs"))


def _outcome(panel) -> str:
    return panel.status.value.rsplit("descent ", 1)[-1]


def test_01_the_features_scales_differ_by_more_than_20():
    _, v = run("01_normalizing_inputs")
    assert v["spread_ratio"] > 20, v["spread_ratio"]


def test_01_the_raw_scatter_shows_both_features_on_one_scale():
    from matplotlib.figure import Figure

    from course import plots

    X, _ = data.two_scale_regression(m=200, seed=0)
    ax = Figure().add_subplot()
    plots.draw_scatter(ax, X, "raw")
    assert ax.get_xlim() == ax.get_ylim()
    lo, hi = ax.get_ylim()
    assert np.ptp(X[1]) < 0.1 * (hi - lo), "the rooms should hug the axis: the factor between the scales shows"


def test_01_normalizing_cuts_the_iterations_by_at_least_10x():
    _, v = run("01_normalizing_inputs")
    assert v["iterations"]["raw"] >= 10 * v["iterations"]["normalized"]


def test_01_iterations_are_a_few_times_kappa_for_both_bowls():
    """'they grow in proportion to kappa (... a few times kappa: the table prints the ratio)'."""
    _, v = run("01_normalizing_inputs")
    for label in ("raw", "normalized"):
        ratio = v["iterations"][label] / v["kappa"][label]
        assert 2 <= ratio <= 10, (label, ratio)
    text = re.sub(r"\s+", " ", markdown("01_normalizing_inputs"))
    assert "(about $\\kappa$)" not in text and "in **proportion** to $\\kappa$" in text


def test_01_panel_task_raw_features_converge_only_in_a_narrow_band_and_slowly():
    """'Untick normalize inputs and look for a learning rate that converges': some slider value
    does (the task has a solution), above the limit it diverges, far below it has not converged,
    and every converging rate takes tens of thousands of iterations."""
    panel = _normalizing_panel()
    lr = panel.controls["lr"]
    grid = 10.0 ** np.arange(lr.min, lr.max + 1e-9, lr.step)
    panel.set(normalize=False)
    outcomes = {}
    for value in grid:
        panel.set(lr=float(value))
        outcomes[float(value)] = _outcome(panel)
    converging = {v: o for v, o in outcomes.items() if o.startswith("converges")}
    assert converging, "no learning rate converges on the raw features: the task has no solution"
    iterations = [int(o.split(" in ")[1].split()[0].replace(",", "")) for o in converging.values()]
    assert min(iterations) >= 10_000, iterations
    assert len(converging) <= 0.3 * len(grid), "a narrow band, not most of the slider"
    assert outcomes[float(grid[-1])] == "diverges" and outcomes[float(grid[0])].startswith("has not converged")


def test_01_panel_gamma_2_diverges_at_the_default_rate_and_converges_slower_below_the_limit():
    panel = _normalizing_panel()
    assert _outcome(panel).startswith("converges")
    at_one = int(_outcome(panel).split(" in ")[1].split()[0].replace(",", ""))
    panel.set(gamma=2.0)
    assert _outcome(panel) == "diverges"
    limit = float(re.search(r"stable below ([0-9.e+-]+)", panel.status.value).group(1))
    panel.set(lr=0.2)
    assert 0.2 < limit and _outcome(panel).startswith("converges")
    assert int(_outcome(panel).split(" in ")[1].split()[0].replace(",", "")) > at_one
    panel.set(gamma=0.5, lr=0.5)
    assert int(_outcome(panel).split(" in ")[1].split()[0].replace(",", "")) > at_one
    bullet = re.sub(r"\s+", " ", markdown("01_normalizing_inputs")).split("Move **gamma**")[1].split("* Move **beta**")[0]
    assert "diverges" in bullet and "at $\\gamma = 2$" in bullet


def test_01_panel_beta_steepens_the_w2_curvature_and_beta_2_diverges():
    panel = _normalizing_panel()
    limits = []
    for beta in (0.0, 1.0, 2.0):
        panel.set(beta=beta)
        limits.append(float(re.search(r"stable below ([0-9.e+-]+)", panel.status.value).group(1)))
    assert limits[0] > limits[1] > limits[2], limits
    assert _outcome(panel) == "diverges"
    text = re.sub(r"\s+", " ", markdown("01_normalizing_inputs"))
    assert "tilts the bowl" not in text and "curvature along $w_2$ grows" in text


def test_01_panel_titles_fit_in_the_figure():
    """The title above the descent (the longest one: not converged after 200,000 iterations) and
    the header fit: nothing is cut off on the right."""
    panel = _normalizing_panel()
    panel.set(normalize=False, lr=1e-6)
    renderer = panel.fig.canvas.get_renderer()
    for ax in panel.fig.axes:
        box = ax.title.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= panel.fig.bbox.width, ax.title.get_text()
    header = panel.widget.children[0]
    assert header.layout.width == panel.image.layout.width


# --- 02 -------------------------------------------------------------------------------------------

def test_02_std_is_gamma_for_every_unit_but_unit_3_whose_variance_is_of_the_order_of_epsilon():
    _, v = run("02_batchnorm_forward")
    ratios, variances = v["std_over_gamma"], v["variance"]
    for j, (ratio, var) in enumerate(zip(ratios, variances)):
        if var > 100 * 1e-5:
            assert abs(ratio - 1) < 1e-3, (j, ratio)
    assert variances[3] < 10 * 1e-5 and ratios[3] < 0.9, (variances[3], ratios[3])
    assert "Unit 3 is the exception" in markdown("02_batchnorm_forward")


def test_02_opening_histograms_show_every_unit_on_its_own_axis():
    """'keep an eye on unit 3': its histogram fills its own axes instead of vanishing on a shared one."""
    _, v = run("02_batchnorm_forward")
    assert len(v["unit_axes"]) == 4
    for j, axis in enumerate(v["unit_axes"]):
        lo, hi = axis["xlim"]
        assert (axis["hi"] - axis["lo"]) > 0.5 * (hi - lo), (j, axis)


def test_02_says_plainly_that_the_notes_alpha_is_gamma():
    text = markdown("02_batchnorm_forward")
    bullet = next((ln for ln in text.splitlines() if "alpha" in ln and ln.startswith("* ")), None)
    assert bullet is not None and "gamma" in bullet, "a bullet of its own, not a parenthesis"


# --- 03 -------------------------------------------------------------------------------------------

def test_03_db_is_printed_without_negative_zeros():
    nb, _ = run("03_batchnorm_backward")
    text = stream_text(nb)
    assert "db = sum of dZ" in text
    assert not re.search(r"-0\.(?![0-9]*[1-9])", text), "a negative zero is printed"


# --- 04 -------------------------------------------------------------------------------------------

def test_04_progress_bars_leave_a_readable_final_line():
    nb, _ = run("04_batchnorm_in_a_network")
    lines = [o["data"]["text/plain"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if o.get("output_type") == "display_data" and "text/plain" in o.get("data", {})]
    bars = [ln for ln in lines if "it/s" in ln or "s/it" in ln]
    assert len(bars) >= 4, lines
    assert not any(" 0%|" in ln or "| 0/" in ln for ln in lines), lines
    assert all("100%" in ln for ln in bars), bars


def test_04_batch_norm_fits_the_spirals_within_a_few_epochs():
    _, v = run("04_batchnorm_in_a_network")
    assert v["first_95"]["batch norm"] is not None and v["first_95"]["batch norm"] <= 3


def test_04_without_batch_norm_the_first_ten_epochs_are_no_better_than_a_straight_line():
    _, v = run("04_batchnorm_in_a_network")
    assert v["early_no_bn"][1] <= v["line_accuracy"] + 0.05, (v["early_no_bn"], v["line_accuracy"])


def test_04_without_batch_norm_it_is_still_well_behind_after_15_epochs():
    _, v = run("04_batchnorm_in_a_network")
    acc = v["final_accuracy"]
    assert acc["no batch norm"] <= acc["batch norm"] - 0.05, acc
    assert v["first_95"]["no batch norm"] is None
    assert "still far from the spirals" not in markdown("04_batchnorm_in_a_network")


def test_04_minibatch_cost_stays_well_above_the_whole_set_cost():
    _, v = run("04_batchnorm_in_a_network")
    minibatch, whole = v["minibatch_vs_whole_cost"]
    assert minibatch > 2 * whole, (minibatch, whole)


def test_04_with_batch_norm_at_least_10_of_20_grid_settings_train_without_it_none():
    _, v = run("04_batchnorm_in_a_network")
    assert v["grid_trained"]["batch norm"] >= 10 and v["grid_trained"]["no batch norm"] == 0, v["grid_trained"]


def test_04_wa_drifts_less_with_batch_norm_and_z_tilde_least():
    """'With batch norm, Wa still drifts: its spread changes by about as much, and its mean
    wanders too, though less ... z tilde's numbers are the smallest of the three columns'."""
    _, v = run("04_batchnorm_in_a_network")
    (wander_plain, spread_plain), (wander_wa, spread_wa), (wander_tilde, spread_tilde) = v["drift"].values()
    assert wander_tilde < wander_wa < wander_plain, v["drift"]
    assert spread_tilde < spread_wa and spread_tilde < spread_plain, v["drift"]
    assert 0.5 < (spread_wa - 1) / (spread_plain - 1) < 2, "about as much"
    assert "drifts just as much" not in re.sub(r"\s+", " ", markdown("04_batchnorm_in_a_network"))


# --- 05 -------------------------------------------------------------------------------------------

def test_05_does_not_use_softmax_before_notebook_06_teaches_it():
    text = markdown("05_batchnorm_test_time")
    assert "softmax" not in text.lower()


def test_05_the_two_networks_differ_a_little_and_the_prose_says_why():
    _, v = run("05_batchnorm_test_time")
    assert abs(v["accuracy_section_1"] - v["accuracy_section_6"]) < 0.03, v
    assert "differ a little from section 1" in markdown("05_batchnorm_test_time")


def test_05_bias_corrected_mean_can_sit_farther_from_the_population_than_the_uncorrected():
    from course.panels_test_time import running_average_panel

    panel = running_average_panel(reference("update_running_averages"), reference("batchnorm_inference"))
    panel.set(momentum=0.99, seen=100, correct=True)
    match = re.search(r"bias-corrected \u03bc = [-0-9.]+: ([0-9.]+) from the population mean, the running \u03bc ([0-9.]+)",
                      panel.status.value)
    assert match, panel.status.value
    assert float(match.group(1)) > float(match.group(2))


def test_05_momentum_099_is_still_far_from_2_after_100_batches_while_09_is_close():
    from course.panels_test_time import running_average_panel

    panel = running_average_panel(reference("update_running_averages"), reference("batchnorm_inference"))

    def running_mu(momentum):
        panel.set(momentum=momentum, seen=100)
        return float(re.search(r"running \u03bc = ([-0-9.]+)", panel.status.value).group(1))

    assert abs(running_mu(0.99) - 2.0) > 0.3 and abs(running_mu(0.9) - 2.0) < 0.3


def test_05_second_question_is_not_notebook_09s_first():
    def questions(stem):
        return [re.sub(r"\s+", " ", q) for q in re.findall(r"\*\*Q\d\.\*\*(.*?)(?:\n\n|$)", markdown(stem), re.S)]

    q05, q09 = questions("05_batchnorm_test_time"), questions("09_deep_learning_frameworks")
    assert len(q05) == 2 and q09
    assert not re.search(r"momentum=0\.9(?!\d)", q05[1]) and "PyTorch" not in q05[1] and "BatchNorm1d" not in q05[1]


# --- 06 -------------------------------------------------------------------------------------------

def test_06_plots_and_panels_name_the_classes_0_to_C_minus_1():
    from course import panels_softmax as sm

    assert sm.CLASS_NAMES == tuple(f"class {k}" for k in range(sm.C))
    source = SOURCES["06_softmax"].read_text()
    assert "class {k + 1}" not in source
    panel = sm.softmax_panel(reference("softmax"), reference("hardmax"))
    assert set(panel.controls) >= {f"z{k}" for k in range(sm.C)}
    assert [label for label, _ in panel.controls["beta_on"].options][:sm.C] == [f"class {k} only" for k in range(sm.C)]


def test_06_prose_states_the_limits_correctly():
    text = re.sub(r"\s+", " ", markdown("06_softmax"))
    assert "never zero everywhere" not in text
    assert "when the maximum of $z$ is unique" in text
    assert "convex polygon" not in text


def test_06_every_region_of_the_demo_classifier_is_unbounded():
    """'It need not be bounded, and often is not': the notebook counts the regions that reach infinity."""
    nb, v = run("06_softmax")
    assert v["unbounded_regions"] >= 2
    assert f"regions that reach infinity: {v['unbounded_regions']} of 4" in stream_text(nb)


def test_06_class_3s_raw_score_varies_about_0_04_against_12_to_13_for_the_others():
    _, v = run("06_softmax")
    *others, low = v["score_variance"]
    assert 0.02 <= low <= 0.06 and all(11.5 <= o <= 13.5 for o in others), v["score_variance"]


# --- 07 -------------------------------------------------------------------------------------------

def test_07_panel_labels_the_jacobian_with_respect_to_the_softmax_input_u():
    from course import panels_softmax as sm

    panel = sm.softmax_loss_panel(reference("softmax"), reference("softmax_jacobian"), reference("cross_entropy_cost"),
                                  reference("softmax_cross_entropy_backward"))
    assert "softmax input u" in panel.status.value
    titles = " ".join(ax.get_title() for ax in panel.fig.axes)
    assert "\u2202u" in titles and "\u2202z" not in titles
    ticks = [t.get_text() for t in panel.fig.axes[1].get_xticklabels()]
    assert ticks == [f"$u_{k}$" for k in range(sm.C)]


def test_07_the_notes_diagonal_only_jacobian_has_a_relative_error_above_0_1():
    _, v = run("07_softmax_derivation")
    assert v["jacobian_error"] < 1e-7 and v["diagonal_error"] > 0.1, v


# --- 08 -------------------------------------------------------------------------------------------

def _changes(v, layer, gamma, beta=0.0, epsilon=1e-5):
    return v["changes"][f"{layer},{gamma},{beta},{epsilon:g}"]


def test_08_gamma_x2_on_layer_2_changes_few_predictions_and_fewer_than_on_layer_1():
    _, v = run("08_training_a_softmax_classifier")
    assert _changes(v, 2, 2.0)[0] <= 5, v["changes"]
    assert _changes(v, 1, 2.0)[0] > _changes(v, 2, 2.0)[0], v["changes"]


def test_08_gamma_x025_on_layer_1_costs_accuracy():
    _, v = run("08_training_a_softmax_classifier")
    assert _changes(v, 1, 0.25)[1] < v["accuracy"], v


def test_08_beta_shift_of_1_on_layer_1_costs_several_points():
    _, v = run("08_training_a_softmax_classifier")
    assert _changes(v, 1, 1.0, 1.0)[1] <= v["accuracy"] - 0.02, v


def test_08_a_large_epsilon_hurts_layer_2_less_than_layer_1():
    _, v = run("08_training_a_softmax_classifier")
    assert _changes(v, 2, 1.0, 0.0, 0.3)[0] < _changes(v, 1, 1.0, 0.0, 0.3)[0], v["changes"]


def test_08_prose_does_not_claim_an_exact_scaling_of_the_logits():
    text = re.sub(r"\s+", " ", markdown("08_training_a_softmax_classifier"))
    assert "Scaling its output scales the logits" not in text
    assert "would be undone by the next batch-norm layer" not in text


def test_08_names_the_digit_confused_with_the_most_other_digits():
    nb, v = run("08_training_a_softmax_classifier")
    assert v["partners"][v["most_spread"]] == max(v["partners"])
    assert f"the digit mistaken for the most different digits: {v['most_spread']}" in stream_text(nb)


# --- 09 -------------------------------------------------------------------------------------------

def test_09_timings_are_medians_of_repeated_measurements_and_verdicts_respect_the_spread():
    from course.frameworks import Spread, compare

    _, v = run("09_deep_learning_frameworks")
    assert v["timings"]
    for t in v["timings"]:
        low, median, high, samples = t["spread"]["numpy"]
        assert samples >= 5 and low <= median <= high
        if t["spread"]["torch32"][3]:
            n, p = (Spread(s[1], s[0], s[2], s[3]) for s in (t["spread"]["numpy"], t["spread"]["torch32"]))
            assert t["verdict"] == compare(n, p, "NumPy", "torch f32")


def test_readme_lists_every_graded_function_and_links_the_conventions():
    from pathlib import Path

    from grader.checks.specs import functions_of

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "../shared" not in readme
    assert "(docs/conventions.md)" in readme and (Path(__file__).resolve().parent.parent / "docs/conventions.md").exists()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[3] for line in readme.splitlines()
            if line.startswith("| `0")}
    for stem in SOURCES:
        for spec in functions_of(stem):
            assert spec.name in rows[stem], f"README's table misses {spec.name} for {stem}"


@pytest.mark.parametrize("stem", sorted(SOURCES))
def test_conventions_doc_gives_every_graded_function_its_signature(stem):
    from pathlib import Path

    from grader.checks.specs import functions_of

    doc = (Path(__file__).resolve().parent.parent / "docs/conventions.md").read_text()
    for spec in functions_of(stem):
        assert f"`{spec.name}(" in doc, f"docs/conventions.md lacks {spec.name}"


from hypothesis import given, strategies as st  # noqa: E402

_seconds = st.floats(1e-6, 1.0)


@given(a=st.tuples(_seconds, _seconds, _seconds), b=st.tuples(_seconds, _seconds, _seconds))
def test_09_a_timing_verdict_claims_an_ordering_only_where_the_spreads_do_not_overlap(a, b):
    from course.frameworks import Spread, compare

    sa, sb = (Spread(sorted(t)[1], sorted(t)[0], sorted(t)[2], 7) for t in (a, b))
    verdict = compare(sa, sb, "A", "B")
    if sa.high < sb.low:
        assert verdict.startswith("A faster")
    elif sb.high < sa.low:
        assert verdict.startswith("B faster")
    else:
        assert verdict == "no clear difference"


def test_09_measure_warms_up_then_takes_turns_and_reports_the_median():
    from course.frameworks import measure

    calls, now = [], [0.0]
    cost = {"slow": 0.010, "fast": 0.001}

    def clock():
        return now[0]

    def step(name):
        def run():
            calls.append(name)
            now[0] += cost[name]
        return run

    spreads = measure({"slow": step("slow"), "fast": step("fast")}, repeats=5, warmup=3, min_seconds=0.005,
                      clock=clock)
    assert calls[:3] == ["slow"] * 3 and calls[4:7] == ["fast"] * 3  # warm-up, then one calibration call
    timed = calls[8:]
    assert timed[0] == "slow" and "fast" in timed[:7], "the measurements take turns"
    assert spreads["slow"].samples == spreads["fast"].samples == 5
    assert spreads["slow"].median == pytest.approx(0.010) and spreads["fast"].median == pytest.approx(0.001)
