"""The widget panel of notebook 09: one batch-norm layer computed by the course's NumPy network
and by PyTorch, side by side for any gamma, beta and epsilon, next to precomputed timings."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from . import frameworks as fw
from .plots import BLUE, GREY, ORANGE
from .plots_classifier import GREEN
from .widgets import Panel, figure, gamma_beta_epsilon

KINDS = (("numpy", "NumPy (float64)", BLUE), ("torch32", "PyTorch float32", ORANGE), ("torch64", "PyTorch float64", GREEN))


def frameworks_panel(Z: np.ndarray, timings: list):
    """Sliders: gamma, beta, epsilon (the same for every unit) and the hidden size of the timed
    network. Left: z (input) against z tilde from NumPy (dots) and from PyTorch (crosses), on every
    unit of ``Z`` (n, m); right: seconds per training step for each batch size (``timings``
    from :func:`course.frameworks.time_steps`). The status gives the largest difference."""
    have_torch = fw.torch_or_none() is not None
    n, m = Z.shape
    fig, (ax_z, ax_t) = figure(width=9.6, height=3.5)
    hiddens = sorted({t.hidden for t in timings})
    batches = sorted({t.batch for t in timings})
    controls = {**gamma_beta_epsilon(gamma=(1.0, 0.1, 3.0), beta=(0.0, -3.0, 3.0), epsilon=(1e-5, -8, 1)),
                "hidden": widgets.Dropdown(options=[(f"{h} hidden units", h) for h in hiddens], value=hiddens[0],
                                           description="timed network", layout=widgets.Layout(width="340px"),
                                           style={"description_width": "110px"})}

    zs = Z.ravel()
    lim = 13.0
    ones = np.ones((n, 1))
    numpy_pts = ax_z.scatter(zs, zs, s=10, color=BLUE, alpha=0.6, label="NumPy (course.network)")
    torch_pts = ax_z.scatter(zs, zs, s=14, color=ORANGE, marker="x", linewidths=0.8,
                             label="PyTorch (F.batch_norm)" if have_torch else "PyTorch: not installed")
    ax_z.set_xlim(float(zs.min()) - 0.5, float(zs.max()) + 0.5)
    ax_z.set_ylim(-lim, lim)
    ax_z.axhline(0, color=GREY, lw=0.5)
    ax_z.set_xlabel("$z$ (before batch norm)")
    ax_z.set_ylabel("$\\tilde z$ (after)")
    ax_z.legend(fontsize=8, loc="upper left")
    if not have_torch:
        ax_z.text(0.98, 0.04, "PyTorch is not installed:\nNumPy only", transform=ax_z.transAxes, ha="right",
                  va="bottom", fontsize=8, color=GREY)

    x = np.arange(len(batches))
    width = 0.27
    bars = {}
    for i, (key, label, color) in enumerate(KINDS):
        bars[key] = ax_t.bar(x + (i - 1) * width, np.ones(len(batches)), width, color=color, label=label)
    seconds = np.array([[getattr(t, key) for key, _, _ in KINDS] for t in timings], dtype=float)
    finite = seconds[np.isfinite(seconds)]
    lo, hi = (finite.min() * 1e3 / 2, finite.max() * 1e3 * 2) if finite.size else (0.01, 10.0)
    ax_t.set_yscale("log")
    ax_t.set_ylim(lo, hi)
    ax_t.set_xticks(x, [str(b) for b in batches])
    ax_t.set_xlabel("mini-batch size")
    ax_t.set_ylabel("ms per training step")
    ax_t.legend(fontsize=8, loc="upper left")
    by_key = {(t.hidden, t.batch): t for t in timings}

    def draw(v):
        gamma, beta = v["gamma"] * ones, v["beta"] * ones
        zt_np = fw.numpy_batchnorm(Z, gamma, beta, v["epsilon"])
        numpy_pts.set_offsets(np.column_stack([zs, zt_np.ravel()]))
        if have_torch:
            zt_t = fw.torch_batchnorm(Z, gamma, beta, v["epsilon"])
            torch_pts.set_offsets(np.column_stack([zs, zt_t.ravel()]))
            diff = f"largest |NumPy \u2212 PyTorch| = {float(np.max(np.abs(zt_np - zt_t))):.1e}"
        else:
            torch_pts.set_offsets(np.empty((0, 2)))
            diff = "PyTorch is not installed (see the top of the notebook)"
        for key, _, _ in KINDS:
            for bar, b in zip(bars[key], batches):
                s = getattr(by_key[(v["hidden"], b)], key)
                bar.set_height(s * 1e3 if np.isfinite(s) else 0.0)
        big = by_key[(v["hidden"], batches[-1])]
        speed = (f"; with {big.batch} examples, NumPy {big.spread['numpy'].text()} ms, PyTorch float32 "
                 f"{big.spread['torch32'].text()} ms (median [interquartile range]): {big.verdict()}"
                 if np.isfinite(big.torch32) else f"; with {big.batch} examples, NumPy {big.spread['numpy'].text()} ms")
        return (f"\u03b3 = {v['gamma']:.2f}, \u03b2 = {v['beta']:.2f}, \u03b5 = {v['epsilon']:.1e}: {diff}<br>"
                f"timed network [64, {v['hidden']}, {v['hidden']}, 10]{speed}")

    ax_z.set_title(f"batch norm of {n} units over m = {m} examples, training mode", fontsize=9)
    ax_t.set_title("one training step: forward + backward + update", fontsize=9)
    animated = [numpy_pts, torch_pts, *[b for key in bars for b in bars[key]]]
    return Panel(fig, draw, controls, "The same batch-norm layer in NumPy and PyTorch, and the speed of a training step",
                 animated=animated)
