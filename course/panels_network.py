"""Notebook 04's figures and panels: batch norm in a deep network.

Static figures (``draw_*``) draw on the axes they are given. The two panels redraw in place:
``activations_panel`` (gamma, beta, epsilon, init scale, layer) sends data through a fresh deep
network with and without batch norm; ``sensitivity_panel`` (learning rate, init scale) browses
a grid of runs computed beforehand by :func:`course.network.train_grid`, so its redraws do no
training at all.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from . import network
from .plots import BLUE, GREY, ORANGE, RED
from .widgets import SLIDER_LAYOUT, SLIDER_STYLE, Panel, figure, gamma_beta_epsilon, log_slider

COLORS = {"batch norm": BLUE, "no batch norm": ORANGE}


# --- static figures ----------------------------------------------------------------------

def draw_learning_curves(axes, runs: dict) -> None:
    """Mean mini-batch cost (left) and held-out accuracy (right) per epoch of each
    :class:`network.TrainResult` in ``runs`` (label -> result)."""
    ax_cost, ax_acc = axes
    for label, run in runs.items():
        color = COLORS.get(label, GREY)
        epochs = np.arange(1, len(run.history["cost"]) + 1)
        ax_cost.plot(epochs, run.history["cost"], ".-", color=color, label=label)
        if run.history["val_acc"]:
            ax_acc.plot(epochs, run.history["val_acc"], ".-", color=color, label=label)
    ax_cost.set(xlabel="epoch", ylabel="mean mini-batch cost", title="training cost")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="test accuracy", ylim=(0.4, 1.02))
    for ax in axes:
        ax.title.set_fontsize(10)
        ax.legend(fontsize=8)


def draw_drift(axes, values: list, title: str = "") -> None:
    """How the units of one layer move during training: ``values[k]`` (n_units, m) are their
    values on a fixed batch after epoch k (k = 0: before training). Top axes: each unit's mean
    over the batch; bottom axes: its standard deviation; one line per unit."""
    v = np.asarray(values)
    epochs = np.arange(len(values))
    ax_mean, ax_std = axes
    ax_mean.plot(epochs, v.mean(axis=-1), lw=0.8, alpha=0.8)
    ax_std.plot(epochs, v.std(axis=-1), lw=0.8, alpha=0.8)
    ax_mean.set_title(title, fontsize=9)
    ax_std.set_xlabel("epoch")


def draw_decision_regions(ax, params: dict, X, Y, title: str = "", resolution: int = 150) -> None:
    """The regions where the network predicts each class, with the examples ``(X, Y)`` on top.

    The grid of points is evaluated in inference mode with the batch statistics of ``X``: the
    grid itself is not a sample of the data, so its own statistics would mean nothing.
    """
    Y = np.asarray(Y).ravel()
    _, _, stats = network.forward(X, params, "train")
    running = {**{f"mu{l}": s[0] for l, s in stats.items()}, **{f"sigma2{l}": s[1] for l, s in stats.items()}}
    lo, hi = X.min(axis=1) - 0.3, X.max(axis=1) + 0.3
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    ZL, _, _ = network.forward(np.stack([g1.ravel(), g2.ravel()]), params, "inference", running)
    ax.contourf(g1, g2, (ZL[0] > 0).reshape(g1.shape), levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
    ax.scatter(X[0], X[1], c=np.where(Y > 0.5, RED, BLUE), s=4)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)


# --- panel 1: gamma, beta, epsilon and the init scale through the layers ----------------------

EDGES = np.linspace(-5, 5, 81)


def _fractions(values) -> np.ndarray:
    """The fraction of ``values`` in each bin of EDGES (values off the plot count in none)."""
    return np.histogram(np.nan_to_num(values), EDGES)[0] / values.size


def _spreads(caches) -> tuple[list, np.ndarray]:
    """What enters each hidden ReLU and its standard deviation (pooled over units and examples)."""
    z = [c["Z_tilde"] for c in caches[:-1]]
    return z, np.array([float(np.std(v)) for v in z])


def activations_panel(X, depth: int = 10, width: int = 64, seed: int = 0, examples: int = 500):
    """Sliders: gamma, beta (the same for every unit of every layer), epsilon, init scale, layer.
    Left: histogram of what enters the ReLU of one layer, with batch norm (blue) and without
    (grey). Right: the spread of every layer, log scale. The first ``examples`` columns of ``X``
    go through the network (fewer examples, faster redraws)."""
    X = np.asarray(X, dtype=float)[:, :examples]
    dims = [X.shape[0]] + [width] * depth + [1]
    weights = {k: v for k, v in network.init_params(dims, seed=seed).items() if k.startswith("W")}
    plain_biases = {k: v for k, v in network.init_params(dims, seed=seed, batchnorm=False).items() if k.startswith("b")}
    fig, (ax_h, ax_s) = figure()
    controls = {**gamma_beta_epsilon(gamma=(1.0, 0.1, 3.0), beta=(0.0, -2.0, 2.0), epsilon=(1e-5, -8, 0)),
                "scale": log_slider("init scale", 1.0, -1.0, 0.5),
                "layer": widgets.IntSlider(value=depth, min=1, max=depth, description="layer",
                                           layout=SLIDER_LAYOUT, style=SLIDER_STYLE)}

    @lru_cache(maxsize=4)
    def plain(scale):
        """Without batch norm only the init scale matters: computed once per scale."""
        with np.errstate(all="ignore"):
            _, caches, _ = network.forward(X, {**{k: w * scale for k, w in weights.items()}, **plain_biases}, "train")
        return _spreads(caches)

    @lru_cache(maxsize=4)
    def with_bn(gamma, beta, epsilon, scale):
        """With batch norm: every control but the layer shown (moving that one recomputes nothing)."""
        params = {**{k: w * scale for k, w in weights.items()}, f"b{depth + 1}": np.zeros((1, 1)),
                  **{f"gamma{l}": np.full((width, 1), gamma) for l in range(1, depth + 1)},
                  **{f"beta{l}": np.full((width, 1), beta) for l in range(1, depth + 1)}}
        with np.errstate(all="ignore"):
            _, caches, _ = network.forward(X, params, "train", epsilon=epsilon)
        return _spreads(caches)

    def compute(v):
        return with_bn(v["gamma"], v["beta"], v["epsilon"], v["scale"]), plain(v["scale"])

    layers = np.arange(1, depth + 1)
    (z_bn, s_bn), (z_plain, s_plain) = compute({k: c.value for k, c in controls.items()})
    hist_bn = ax_h.stairs(_fractions(z_bn[-1]), EDGES, fill=True,
                          color=BLUE, alpha=0.55, label="batch norm: $\\tilde z$")
    hist_plain = ax_h.stairs(_fractions(z_plain[-1]), EDGES, fill=False,
                             color=GREY, lw=1.5, label="no batch norm: $z$")
    # in the legend rather than a text of its own: a legend over the moving histograms is pasted
    # from the panel's cache, a text would be drawn again on every move
    ax_h.axvline(0, color=RED, lw=0.8, ls=":", label="the ReLU passes what is > 0")
    ax_h.set(xlim=(EDGES[0], EDGES[-1]), ylim=(0, 0.25), xlabel="value entering the ReLU", ylabel="fraction")
    ax_h.legend(fontsize=8, loc="upper left")
    (line_bn,) = ax_s.semilogy(layers, s_bn, "o-", color=BLUE, ms=4, label="batch norm")
    (line_plain,) = ax_s.semilogy(layers, s_plain, "o-", color=GREY, ms=4, label="no batch norm")
    (gamma_line,) = ax_s.plot([0.5, depth + 0.5], [1.0, 1.0], "--", color=BLUE, lw=0.8, label="$\\gamma$")
    marker = ax_s.axvline(depth, color=RED, lw=0.8)
    ax_s.set(xlim=(0.5, depth + 0.5), ylim=(1e-11, 1e6), xlabel="hidden layer", ylabel="std of what enters the ReLU",
             xticks=layers)
    ax_s.set_title("spread through the layers", fontsize=10)
    ax_s.legend(fontsize=8, loc="upper left")

    def draw(v):
        (z_bn, s_bn), (z_plain, s_plain) = compute(v)
        l = v["layer"]
        hist_bn.set_data(_fractions(z_bn[l - 1]), EDGES)
        hist_plain.set_data(_fractions(z_plain[l - 1]), EDGES)
        ax_h.set_title(f"hidden layer {l}: all {width} units, {X.shape[1]} examples", fontsize=10)
        line_bn.set_ydata(np.clip(s_bn, 1e-300, None))
        line_plain.set_ydata(np.clip(np.nan_to_num(s_plain, nan=1e300, posinf=1e300), 1e-300, None))
        gamma_line.set_ydata([v["gamma"], v["gamma"]])
        marker.set_xdata([l, l])
        outside = float(np.mean(np.abs(z_plain[l - 1]) > EDGES[-1]))
        return (f"layer {l} &nbsp;|&nbsp; batch norm: std {s_bn[l - 1]:.3g}, ReLU passes "
                f"{np.mean(z_bn[l - 1] > 0):.0%} &nbsp;|&nbsp; no batch norm: std {s_plain[l - 1]:.3g}, ReLU passes "
                f"{np.mean(z_plain[l - 1] > 0):.0%}" + (f", {outside:.0%} of values off the plot" if outside >= 0.005 else ""))

    return Panel(fig, draw, controls, "A fresh deep network: what enters each ReLU, with and without batch norm",
                 animated=[hist_bn, hist_plain, ax_h.title, line_bn, line_plain, gamma_line, marker])


# --- panel 2: learning rate and init scale, from a grid of runs ------------------------------

def _draw_grid(ax, grid: network.GridResult, title: str):
    ax.imshow(grid.final_acc, cmap="viridis", vmin=0.5, vmax=1.0, origin="lower", aspect="auto")
    for (i, j), acc in np.ndenumerate(grid.final_acc):
        text = "\u2715" if grid.diverged[i, j] else f"{acc:.2f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if acc < 0.8 else "black")
    ax.set_xticks(range(len(grid.lrs)), [f"{v:.2g}" for v in grid.lrs], fontsize=7)
    ax.set_yticks(range(len(grid.init_scales)), [f"{v:.2g}" for v in grid.init_scales], fontsize=7)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("init scale")
    ax.set_title(title, fontsize=9)
    box = Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=RED, lw=2, zorder=4)  # over the numbers: they stay in the cached background
    ax.add_patch(box)
    return box


def sensitivity_panel(grids: dict):
    """Controls: learning rate and init scale (cells of the grids, label -> GridResult, all on
    the same learning rates and scales). Left: test accuracy after the last epoch for each grid;
    right: the learning curves of the chosen cell."""
    labels = list(grids)
    first = grids[labels[0]]
    fig, axes = figure(width=11.0, height=3.4, ncols=len(labels) + 1)
    boxes = [_draw_grid(ax, grids[label], f"{label}: final test accuracy") for ax, label in zip(axes, labels)]
    ax_c = axes[-1]
    metric = "val_acc" if "val_acc" in first.history else "train_acc"
    epochs = np.arange(1, first.history[metric].shape[0] + 1)
    curves = [ax_c.plot(epochs, grids[label].history[metric][:, 0, 0], ".-", color=COLORS.get(label, GREY),
                        label=label)[0] for label in labels]
    ax_c.set(xlim=(0.5, epochs[-1] + 0.5), ylim=(0.2, 1.02), xlabel="epoch",
             ylabel="test accuracy" if metric == "val_acc" else "training accuracy")
    ax_c.legend(fontsize=8, loc="lower right")
    lr_options = [(f"{v:.2g}", j) for j, v in enumerate(first.lrs)]
    scale_options = [(f"{v:.2g}", i) for i, v in enumerate(first.init_scales)]
    controls = {
        "lr": widgets.SelectionSlider(options=lr_options, value=int(np.argmin(np.abs(np.log(first.lrs / 0.1)))),
                                      description="learning rate", layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "scale": widgets.SelectionSlider(options=scale_options,
                                         value=int(np.argmin(np.abs(np.log(first.init_scales)))),
                                         description="init scale", layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }

    def draw(v):
        i, j = v["scale"], v["lr"]
        for box in boxes:
            box.set_xy((j - 0.5, i - 0.5))
        parts = []
        for curve, label in zip(curves, labels):
            grid = grids[label]
            curve.set_ydata(np.nan_to_num(grid.history[metric][:, i, j], nan=0.0))
            state = "diverged" if grid.diverged[i, j] else f"{grid.final_acc[i, j]:.1%}"
            parts.append(f"{label}: {state}")
        ax_c.set_title(f"learning rate {first.lrs[j]:.2g}, init scale {first.init_scales[i]:.2g}", fontsize=10)
        return " &nbsp;|&nbsp; ".join(parts)

    return Panel(fig, draw, controls, "Which learning rates and initial scales train? (runs computed above)",
                 animated=[*boxes, *curves, ax_c.title])
