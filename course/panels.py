"""The widget panel of each notebook: thin wrappers that wire sliders to plots.

Each panel takes the learner's own functions, so the panel shows *their* code at work; if
a function is not written yet, the panel says so instead of failing.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from . import plots
from .descent import Bowl, gradient_descent
from .widgets import Panel, figure, gamma_beta_epsilon, log_slider, nice_ceil, try_call


# --- 01: normalizing inputs --------------------------------------------------------------

NORMALIZING_MAX_ITER = 200_000  # as notebook 01's section 4: the raw features need over 100,000 at 1/L

def normalizing_panel(X, y, compute_mean_variance, normalize_inputs):
    """Sliders: gamma, beta (scale and shift of feature x2 after normalization), epsilon,
    learning rate, normalize on/off. Left: the features; right: cost contours and the descent."""
    stats, problem = try_call("compute_mean_variance and normalize_inputs",
                          lambda: (compute_mean_variance(X), normalize_inputs(X, *compute_mean_variance(X))))
    if problem:
        return problem
    (mu, sigma2), _ = stats
    fig, (ax_x, ax_w) = figure()
    controls = {**gamma_beta_epsilon(epsilon=(1e-5, -8, 1)),
                "lr": log_slider("learning rate", 0.5, -6, 0.5),
                "normalize": widgets.Checkbox(value=True, description="normalize inputs")}

    def features(v):
        if not v["normalize"]:
            return np.asarray(X, dtype=float)
        Xt = np.array(normalize_inputs(X, mu, sigma2, v["epsilon"]), dtype=float)
        Xt[1] = v["gamma"] * Xt[1] + v["beta"]
        return Xt

    def run(v):
        bowl = Bowl.of(features(v), y)
        return bowl, gradient_descent(bowl, v["lr"], max_iter=NORMALIZING_MAX_ITER)

    bowl, descent = run({k: c.value for k, c in controls.items()})
    scatter = plots.draw_scatter(ax_x, features({k: c.value for k, c in controls.items()}), "features")
    contour = plots.draw_descent(ax_w, bowl, descent)

    def draw(v):
        Xt = features(v)
        bowl, descent = run(v)
        plots.update_scatter(scatter, Xt, title="normalized features" if v["normalize"] else "raw features")
        outcome = ("diverges" if descent.diverged else
                   f"converges in {descent.iterations:,} iterations" if descent.converged else
                   f"has not converged after {descent.iterations:,} iterations")
        short = ("diverges" if descent.diverged else f"converges: {descent.iterations:,} iterations"
                 if descent.converged else f"not converged: {descent.iterations:,} iterations")
        plots.update_descent(contour, bowl, descent, title=f"descent {short}")
        return (f"condition number of the cost: {bowl.condition_number:,.1f} &nbsp;|&nbsp; learning rate "
                f"{v['lr']:.2g} (stable below {bowl.max_stable_lr:.2g}) &nbsp;|&nbsp; descent {outcome}")

    return Panel(fig, draw, controls, "Normalizing inputs: gamma and beta act on feature x\u2082 after normalization",
                 animated=plots.dynamic(scatter) + plots.dynamic(contour))


# --- 02: batch-norm forward -------------------------------------------------------------

EDGES = np.linspace(-10, 10, 101)


def batchnorm_panel(Z, batchnorm_forward):
    """Sliders: gamma, beta, epsilon, mini-batch size, unit. Left: one unit before and after
    batch norm; right: every unit's mean and std after batch norm."""
    n, m = Z.shape
    _, problem = try_call("batchnorm_forward", lambda: batchnorm_forward(Z, np.ones((n, 1)), np.zeros((n, 1))))
    if problem:
        return problem
    fig, (ax_h, ax_s) = figure()
    controls = {**gamma_beta_epsilon(epsilon=(1e-5, -8, 0)),
                "batch": widgets.IntSlider(value=m, min=1, max=m, description="batch size m",
                                           layout=widgets.Layout(width="340px"), style={"description_width": "90px"}),
                "unit": widgets.IntSlider(value=n - 1, min=0, max=n - 1, description="unit",
                                          layout=widgets.Layout(width="340px"), style={"description_width": "90px"})}

    def forward(v):
        Zb = Z[:, : v["batch"]]
        Zt, _ = batchnorm_forward(Zb, np.full((n, 1), v["gamma"]), np.full((n, 1), v["beta"]), v["epsilon"])
        return Zb, np.asarray(Zt, dtype=float)

    Zb, Zt = forward({k: c.value for k, c in controls.items()})
    before = plots.draw_histogram(ax_h, Zb[-1], EDGES, color=plots.GREY, label="$z$ (before)")
    after = plots.draw_histogram(ax_h, Zt[-1], EDGES, color=plots.BLUE, label="$\\tilde z$ (after)")
    ax_h.legend(fontsize=8, loc="upper left")
    ax_h.set_xlabel("value")
    stats = plots.draw_unit_stats(ax_s, Zt.mean(1), Zt.std(1))
    ax_s.set_title("every unit after batch norm", fontsize=10)

    def draw(v):
        Zb, Zt = forward(v)
        u = v["unit"]
        plots.update_histogram(before, Zb[u], EDGES)
        plots.update_histogram(after, Zt[u], EDGES)
        ax_h.set_ylim(0, nice_ceil(max(before.get_data().values.max(), after.get_data().values.max()) * 1.15 + 1))
        ax_h.set_title(f"unit {u}, a mini-batch of {v['batch']}", fontsize=10)
        plots.update_unit_stats(stats, Zt.mean(1), Zt.std(1), v["gamma"], v["beta"])
        var = float(Zb[u].var())
        shrink = np.sqrt(var / (var + v["epsilon"]))
        return (f"unit {u}: batch variance \u03c3\u00b2 = {var:.2e}, \u03b5 = {v['epsilon']:.1e} &nbsp;\u2192&nbsp; "
                f"std of z\u0303 = \u03b3\u00b7\u221a(\u03c3\u00b2/(\u03c3\u00b2+\u03b5)) = {v['gamma'] * shrink:.3f}")

    return Panel(fig, draw, controls, "Batch norm forward: gamma sets each unit's spread, beta its mean",
                 animated=[before, after, ax_h.title, *plots.dynamic(stats)])
