"""The course helpers of notebooks 01-02: descent compute vs a plain loop, and the widget
panels (redraw in place, a friendly message before the learner's functions exist)."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from course import data
from course.descent import Bowl, gradient_descent, gradient_descent_loop
from course.panels import batchnorm_panel, normalizing_panel
from course.widgets import Panel
from grader.reference import reference
from hypothesis import assume, given, settings, strategies as st


def test_bowl_minimum_is_the_least_squares_solution():
    X, y = data.two_scale_regression(m=100, seed=3)
    bowl = Bowl.of(X, y)
    w_lstsq, *_ = np.linalg.lstsq(X.T, y, rcond=None)
    np.testing.assert_allclose(bowl.w_star, w_lstsq, rtol=1e-9)
    W = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_allclose(bowl.cost(W), [np.mean((w @ X - y) ** 2) / 2 for w in W], rtol=1e-10)


@pytest.mark.parametrize("lr_factor", [0.1, 0.5, 0.99, 1.01, 1.5])
def test_closed_form_descent_matches_the_plain_loop(lr_factor):
    X, y = data.two_scale_regression(m=80, seed=1)
    Xn = (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)
    bowl = Bowl.of(Xn, y)
    lr = lr_factor * bowl.max_stable_lr
    fast, slow = gradient_descent(bowl, lr, max_iter=400), gradient_descent_loop(bowl, lr, max_iter=400)
    assert (fast.iterations, fast.converged, fast.diverged) == (slow.iterations, slow.converged, slow.diverged)
    np.testing.assert_allclose(fast.path, slow.path, rtol=1e-8, atol=1e-10)
    assert fast.diverged == (lr_factor > 1)


def _not_yet(*args, **kwargs):
    raise NotImplementedError()


def test_panels_say_what_to_do_before_the_functions_exist():
    X, y = data.two_scale_regression()
    for panel in (normalizing_panel(X, y, _not_yet, _not_yet), batchnorm_panel(data.preactivations(), _not_yet)):
        assert isinstance(panel, widgets.HTML) and "Implement" in panel.value
    broken = batchnorm_panel(data.preactivations(), lambda Z, g, b, eps=1e-5: 1 / 0)
    assert "ZeroDivisionError" in broken.value


def _panels():
    X, y = data.two_scale_regression()
    yield "01", normalizing_panel(X, y, reference("compute_mean_variance"), reference("normalize_inputs"))
    yield "02", batchnorm_panel(data.preactivations(), reference("batchnorm_forward"))


@pytest.mark.parametrize("name,panel", list(_panels()), ids=["01", "02"])
def test_every_control_redraws_the_same_figure_in_place(name, panel):
    assert isinstance(panel, Panel)
    assert {"gamma", "beta", "epsilon"} <= set(panel.controls)
    fig, image = panel.fig, panel.image
    artists = [list(ax.get_children()) for ax in fig.axes]
    moves = {"gamma": 2.0, "beta": 1.0, "epsilon": 0.05, "lr": 0.05, "normalize": False, "batch": 8, "unit": 0}
    for control in panel.controls:
        before = image.value
        panel.set(**{control: moves[control]})
        assert image.value != before, f"moving {control} did not change the figure"
        assert panel.fig is fig and panel.image is image
    # redrawn in place: the line/patch artists that existed are still the ones drawn
    lines_before = [a for axes in artists for a in axes if a.__class__.__name__ in ("Line2D", "StepPatch")]
    lines_now = [a for ax in fig.axes for a in ax.get_children() if a.__class__.__name__ in ("Line2D", "StepPatch")]
    assert lines_before and all(a in lines_now for a in lines_before)
    assert panel.status.value


@pytest.mark.parametrize("name,panel", list(_panels()), ids=["01", "02"])
def test_a_blitted_frame_shows_what_a_full_draw_shows(name, panel):
    """Swept back and forth, a panel reuses cached backgrounds: each frame must still be the
    figure a full draw gives (a stale background would show old ticks or titles)."""
    sweeps = {"gamma": [0.3, 2.5, 1.0, 0.3], "beta": [2.0, -1.5, 2.0], "epsilon": [0.5, 1e-5, 0.5]}
    for control, values in sweeps.items():
        for v in values:
            panel.set(**{control: v})
            differ = panel.blit_error()
            assert differ < 0.002, f"{name}: after {control}={v}, {differ:.2%} of the pixels differ from a full draw"


def test_the_contour_view_holds_start_and_minimum_and_rarely_moves():
    from course.plots import view_box

    X, y = data.two_scale_regression(m=200, seed=0)
    Xn = (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)
    views = set()
    for gamma in np.linspace(0.1, 3.0, 31):
        bowl = Bowl.of(np.vstack([Xn[0], gamma * Xn[1]]), y)
        w1, w2 = view_box(bowl)
        for grid, w in ((w1, bowl.w_star[0]), (w2, bowl.w_star[1])):
            assert grid[0] <= min(0.0, w) and max(0.0, w) <= grid[-1]
            assert abs(w) <= 0.8 * max(abs(grid[0]), abs(grid[-1])), "w* sits in the window, not on its edge"
        views.add((w1[0], w1[-1], w2[0], w2[-1]))
    assert len(views) <= 7, f"a gamma sweep moved the contour window {len(views)} times in 31 steps"


def test_a_panel_refuses_an_animated_artist_it_would_never_draw():
    from course.widgets import figure

    fig, (ax, _) = figure()
    ax.plot([0, 1], label="x")
    legend_text = ax.legend().get_texts()[0]
    with pytest.raises(ValueError, match="never be drawn"):
        Panel(fig, lambda v: "", {}, animated=[legend_text])


@pytest.mark.parametrize("loc, stamped", [("upper left", True), ("best", False)])
def test_a_legend_over_moving_artists_stays_on_top(loc, stamped):
    """A legend with a fixed place is made opaque and pasted from the cache; one placed 'best'
    (it may move) is drawn again on every move. Either way it stays above the moving line."""
    from course.widgets import figure

    fig, (ax, _) = figure()
    (line,) = ax.plot([0, 1], [0, 1], lw=30, label="moving")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    legend = ax.legend(loc=loc)
    slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0)

    def draw(v):
        line.set_ydata([v["y"], v["y"]])  # a thick band across the axes, through the legend at the top

    panel = Panel(fig, draw, {"y": slider}, animated=[line])
    assert (legend in panel._stamps) is stamped and legend.get_animated() is not stamped
    for y in (0.92, 0.1, 0.5, 0.92, 0.9):
        panel.set(y=y)
        assert panel.blit_error() < 0.002  # a legend under the band: over 0.5% of the pixels


@settings(max_examples=60, deadline=None)
@given(log_ratio=st.floats(0.0, 3.0), angle=st.floats(0.0, 3.14), lr_factor=st.floats(0.02, 1.6),
       w0=st.tuples(st.floats(-5, 5), st.floats(-5, 5)), b=st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_bisected_descent_agrees_with_the_plain_loop_on_any_bowl(log_ratio, angle, lr_factor, w0, b):
    """The closed form finds the first converged / diverged iteration by bisection on a convex
    gap: on any bowl, learning rate and start it stops where the loop stops, on the same path."""
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    H = R @ np.diag([10.0 ** log_ratio, 1.0]) @ R.T
    bowl = Bowl(H, np.array(b), 0.0)
    # not a start on the minimum (where the loop's J - J* is 0 by cancellation, the closed form's
    # a rounding residue), nor the knife edge lr = 2/L where the steep coordinate flips forever
    assume(np.linalg.norm(np.array(w0) - bowl.w_star) > 0.1 and abs(lr_factor - 1.0) > 1e-3)
    lr = lr_factor * bowl.max_stable_lr
    fast, slow = gradient_descent(bowl, lr, w0=w0, max_iter=300), gradient_descent_loop(bowl, lr, w0=w0, max_iter=300)
    # a gap within rounding of a threshold may tip one iteration either way; nothing more
    assert abs(fast.iterations - slow.iterations) <= 1, (fast.iterations, slow.iterations)
    if fast.iterations == slow.iterations:
        assert (fast.converged, fast.diverged) == (slow.converged, slow.diverged)
        if not fast.diverged:
            np.testing.assert_allclose(fast.path, slow.path, rtol=1e-7, atol=1e-9)
    n = fast.iterations + 1
    expected = fast.path if n <= 50 else fast.path[np.unique(np.r_[np.linspace(0, n - 1, 50).astype(int), n - 1])]
    np.testing.assert_allclose(fast.sampled(50), expected, rtol=1e-12)
