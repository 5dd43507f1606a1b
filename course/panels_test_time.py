"""Notebook 05 (batch norm at test time): the widget panel.

The panel runs the learner's ``update_running_averages`` and ``batchnorm_inference`` on the
mini-batch statistics of one unit during a simulated training run; this module holds no
running-average update or inference pass of its own.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .plots import BLUE, GREY, ORANGE, RED
from .widgets import Panel, figure, gamma_beta_epsilon, needs, nice_ceil, problem_message, slider

T_MAX = 200
EDGES = np.linspace(-6, 6, 61)


def training_run(T: int = T_MAX, m: int = 32, seed: int = 0):
    """One unit's pre-activations during training: the mean drifts from 5 to 2 and the std from
    2.5 to 1 as the weights settle. Returns the batch means and variances (T,), the final
    (population) mean and variance, and 1000 test values drawn from the final distribution."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1)
    mean, std = 2.0 + 3.0 * np.exp(-t / 25), 1.0 + 1.5 * np.exp(-t / 25)
    batches = mean[:, None] + std[:, None] * rng.standard_normal((T, m))
    test = 2.0 + 1.0 * rng.standard_normal(1000)
    return batches.mean(axis=1), batches.var(axis=1), 2.0, 1.0, test


def running_history(update_running_averages, batch_mu, batch_sigma2, momentum):
    """Running mean and variance after each mini-batch, from mu = 0 and sigma2 = 1, computed with
    the given update function. Returns two arrays of shape (T,)."""
    r_mu, r_s2 = np.zeros((1, 1)), np.ones((1, 1))
    out_mu, out_s2 = np.empty(len(batch_mu)), np.empty(len(batch_mu))
    for k, (mu, s2) in enumerate(zip(batch_mu, batch_sigma2)):
        r_mu, r_s2 = update_running_averages(r_mu, r_s2, np.full((1, 1), mu), np.full((1, 1), s2), momentum)
        out_mu[k], out_s2[k] = float(np.asarray(r_mu).ravel()[0]), float(np.asarray(r_s2).ravel()[0])
    return out_mu, out_s2


def running_average_panel(update_running_averages, batchnorm_inference, seed: int = 0):
    """Sliders: gamma, beta, epsilon, momentum, mini-batches seen; a bias-correction switch.
    Left: one unit's batch means during training and their running average (your update);
    right: the test outputs in inference mode (your batchnorm_inference) with the running
    statistics after t mini-batches, against the population statistics."""
    batch_mu, batch_s2, pop_mu, pop_s2, test = training_run(seed=seed)
    T = len(batch_mu)
    steps = np.arange(1, T + 1)
    Z_test = test[None, :]

    controls = {**gamma_beta_epsilon(epsilon=(1e-5, -8, 0)),
                "momentum": slider("momentum", 0.9, 0.0, 0.995, 0.005, ".3f"),
                "seen": widgets.IntSlider(value=60, min=1, max=T, description="batches seen",
                                          continuous_update=True, layout=widgets.Layout(width="340px"),
                                          style={"description_width": "90px"}),
                "correct": widgets.Checkbox(value=False, description="show the bias-corrected mean")}

    history = {}  # momentum -> running statistics: only a momentum change reruns the 200 updates

    def compute(v):
        momentum = float(v["momentum"])
        if momentum not in history:
            history.clear()
            history[momentum] = running_history(update_running_averages, batch_mu, batch_s2, momentum)
        r_mu, r_s2 = history[momentum]
        t = int(v["seen"])
        g, b = np.full((1, 1), float(v["gamma"])), np.full((1, 1), float(v["beta"]))
        eps = float(v["epsilon"])
        out = batchnorm_inference(Z_test, g, b, np.full((1, 1), r_mu[t - 1]), np.full((1, 1), r_s2[t - 1]), eps)
        ideal = batchnorm_inference(Z_test, g, b, np.full((1, 1), pop_mu), np.full((1, 1), pop_s2), eps)
        return r_mu, r_s2, np.asarray(out, dtype=float).ravel(), np.asarray(ideal, dtype=float).ravel()

    try:
        compute({k: c.value for k, c in controls.items()})
    except Exception as exc:  # noqa: BLE001 - show the learner what went wrong, keep the notebook running
        return needs(problem_message("update_running_averages and batchnorm_inference", exc))

    fig, (ax_r, ax_h) = figure(width=10.0, height=3.4, ncols=2)
    fig.subplots_adjust(left=0.07)
    ax_r.plot(steps, batch_mu, ".", color=GREY, ms=3)
    ax_r.axhline(pop_mu, color="black", lw=0.8, ls=":")
    (run_line,) = ax_r.plot(steps, np.zeros(T), color=BLUE, lw=1.8)
    (corr_line,) = ax_r.plot(steps, np.zeros(T), "--", color=ORANGE, lw=1.4)
    seen_line = ax_r.axvline(1, color=RED, lw=1)
    ax_r.set_xlim(0, T + 1)
    ax_r.set_ylim(-0.5, 7.5)
    ax_r.set_xlabel("mini-batch t")
    ax_r.set_ylabel("mean of the unit")
    ax_r.yaxis.set_major_locator(MaxNLocator(5))
    ax_r.set_title("grey: batch means, blue: running mean, dotted: population", fontsize=9, y=1.0)

    counts, _ = np.histogram(test, EDGES)
    ideal_patch = ax_h.stairs(counts, EDGES, color=GREY, lw=1.5, label="population statistics")
    out_patch = ax_h.stairs(counts, EDGES, fill=True, color=BLUE, alpha=0.5, label="running statistics")
    ax_h.set_xlim(EDGES[0], EDGES[-1])
    ax_h.set_ylim(0, 1.3 * counts.max() + 5)
    ax_h.set_xlabel("test output z\u0303 (inference mode)")
    ax_h.yaxis.set_major_locator(MaxNLocator(4))
    ax_h.set_title("test outputs; blue: running statistics at t, grey: population", fontsize=9, y=1.0)

    def draw(v):
        try:
            r_mu, r_s2, out, ideal = compute(v)
        except Exception as exc:  # noqa: BLE001
            return problem_message("update_running_averages and batchnorm_inference", exc)
        beta_m, t = float(v["momentum"]), int(v["seen"])
        run_line.set_data(steps[:t], r_mu[:t])
        if v["correct"] and beta_m < 1:
            corr_line.set_data(steps[:t], r_mu[:t] / (1 - beta_m ** steps[:t]))
        else:
            corr_line.set_data([], [])
        seen_line.set_xdata([t, t])
        out_patch.set_data(np.histogram(out, EDGES)[0], EDGES)
        ideal_patch.set_data(np.histogram(ideal, EDGES)[0], EDGES)
        shift = float(np.mean(out) - np.mean(ideal))
        ax_h.set_ylim(0, nice_ceil(1.1 * max(out_patch.get_data().values.max(), ideal_patch.get_data().values.max())))
        memory = "\u221e" if beta_m >= 1 else f"{1 / (1 - beta_m):.0f}"
        corrected = ""
        if v["correct"] and beta_m < 1:
            mu_hat = r_mu[t - 1] / (1 - beta_m ** t)
            corrected = (f" &nbsp;|&nbsp; bias-corrected \u03bc = {mu_hat:.3f}: {abs(mu_hat - pop_mu):.3f} from the "
                         f"population mean, the running \u03bc {abs(r_mu[t - 1] - pop_mu):.3f}")
        return (f"after {t} mini-batches: running \u03bc = {r_mu[t - 1]:.3f}, running \u03c3\u00b2 = {r_s2[t - 1]:.3f} "
                f"(population {pop_mu:.1f}, {pop_s2:.1f}), test outputs shifted by {shift:+.2f}{corrected} &nbsp;|&nbsp; "
                f"memory \u2248 1/(1\u2212momentum) = {memory} "
                f"batches &nbsp;|&nbsp; weight left on the initial values: momentum^t = {beta_m ** t:.2g}")

    return Panel(fig, draw, controls, "Batch norm at test time: running averages of mu and sigma2",
                 animated=[run_line, corr_line, seen_line, out_patch, ideal_patch])
