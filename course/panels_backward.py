"""Notebook 03 (batch-norm backward pass): the computational graph and the widget panel.

The panel takes the learner's ``batchnorm_backward`` (and the notebook's given forward pass),
so it shows *their* gradients; this module holds no backward pass of its own.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator, NullLocator

from .plots import BLUE, GREY, ORANGE, RED
from .widgets import Panel, figure, gamma_beta_epsilon, log_slider, needs, nice_ceil, problem_message

# --- the computational graph (a static drawing) -------------------------------------------

_NODES = {  # name: (x, y, label)
    "z": (0.0, 0.0, "$z_i$"),
    "mu": (1.3, 1.0, "$\\mu$"),
    "c": (2.7, 0.0, "$c_i = z_i - \\mu$"),
    "s2": (4.0, 1.0, "$\\sigma^2$"),
    "s": (6.0, 1.0, "$s = (\\sigma^2+\\varepsilon)^{-1/2}$"),
    "zn": (6.6, 0.0, "$\\hat z_i = c_i\\, s$"),
    "gb": (8.4, 1.0, "$\\gamma, \\beta$"),
    "zt": (9.1, 0.0, "$\\tilde z_i = \\gamma \\hat z_i + \\beta$"),
    "J": (11.1, 0.0, "$J$"),
}
_EDGES = [("z", "mu", RED), ("z", "c", BLUE), ("mu", "c", RED), ("c", "s2", ORANGE), ("s2", "s", ORANGE),
          ("s", "zn", ORANGE), ("c", "zn", BLUE), ("zn", "zt", GREY), ("gb", "zt", GREY), ("zt", "J", GREY)]


def draw_graph(ax) -> dict:
    """Batch norm's forward graph for one unit; the three paths from z_i to z_hat_i are coloured
    (blue: direct, red: through mu, orange: through sigma2). Returns the text artists by node."""
    texts = {}
    for name, (x, y, label) in _NODES.items():
        texts[name] = ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=3,
                              bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": GREY})
    for a, b, color in _EDGES:
        ax.annotate("", xy=_NODES[b][:2], xytext=_NODES[a][:2], zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6, "shrinkA": 1, "shrinkB": 1,
                                "patchA": texts[a].get_bbox_patch(), "patchB": texts[b].get_bbox_patch()})
    for y, color, text in [(-0.62, BLUE, "direct path"), (-0.82, RED, "path through $\\mu$ (every example)"),
                           (-1.02, ORANGE, "path through $\\sigma^2$ (every example)")]:
        ax.plot([0.0, 0.4], [y, y], color=color, lw=2)
        ax.text(0.5, y, text, va="center", fontsize=9)
    ax.set_xlim(-0.5, 11.6)
    ax.set_ylim(-1.2, 1.4)
    ax.axis("off")
    ax.set_title("forward pass of one unit; backprop walks it right to left", fontsize=10)
    return texts


# --- the panel -----------------------------------------------------------------------------

UPSTREAM = ("squared error to targets", "random", "the same for every example")
MAX_M = 64
FLOOR = 1e-4  # log-scale floor: an RMS below it is drawn on the axis (it is 0 up to rounding)


def _layer(seed: int = 3):
    rng = np.random.default_rng(seed)
    means = np.array([[1.0], [-2.0], [0.5], [3.0]])
    stds = np.array([[2.0], [1.0], [0.5], [1.0]])  # unit 3's std comes from a slider
    noise = rng.standard_normal((4, MAX_M))
    noise = (noise - noise.mean(1, keepdims=True)) / noise.std(1, keepdims=True)
    return means, stds, noise, rng.normal(0, 1, (4, MAX_M)), rng.normal(0, 1, (4, MAX_M))


def backward_panel(batchnorm_forward, batchnorm_backward, seed: int = 3):
    """Sliders: gamma, beta, epsilon, the std of unit 3, the batch size; a menu for the upstream
    gradient. Left: unit 3 example by example (upstream gradient and dZ, times m, against z_norm);
    middle: the size of dZ per unit (log scale) with the gain gamma / sqrt(sigma2 + epsilon);
    right: dgamma and dbeta per unit."""
    means, stds, noise, targets, random_up = _layer(seed)
    n = means.shape[0]
    same_up = np.array([[1.0], [-1.0], [0.5], [1.0]]) * np.ones((n, MAX_M))

    def compute(v):
        m = int(v["batch"])
        s = stds.copy()
        s[3] = v["std3"]
        Z = means + s * noise[:, :m]
        gamma, beta = np.full((n, 1), float(v["gamma"])), np.full((n, 1), float(v["beta"]))
        Z_tilde, cache = batchnorm_forward(Z, gamma, beta, float(v["epsilon"]))
        up = {UPSTREAM[0]: lambda: np.asarray(Z_tilde) - targets[:, :m],
              UPSTREAM[1]: lambda: random_up[:, :m], UPSTREAM[2]: lambda: same_up[:, :m]}[v["upstream"]]()
        dZ_tilde = up / m
        dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, cache)
        return (m, np.asarray(cache["Z_norm"], dtype=float), np.asarray(cache["sigma2"], dtype=float),
                dZ_tilde, np.asarray(dZ, dtype=float), np.asarray(dgamma, dtype=float).reshape(n),
                np.asarray(dbeta, dtype=float).reshape(n))

    controls = {**gamma_beta_epsilon(epsilon=(1e-5, -8, 0)),
                "std3": log_slider("std of unit 3", 0.1, -4, 1),
                "batch": widgets.IntSlider(value=32, min=1, max=MAX_M, description="batch size m",
                                           continuous_update=True, layout=widgets.Layout(width="340px"),
                                           style={"description_width": "90px"}),
                "upstream": widgets.Dropdown(options=UPSTREAM, value=UPSTREAM[0], description="upstream",
                                             layout=widgets.Layout(width="340px"),
                                             style={"description_width": "90px"})}
    try:
        compute({k: c.value for k, c in controls.items()})
    except Exception as exc:  # noqa: BLE001 - show the learner what went wrong, keep the notebook running
        return needs(problem_message("batchnorm_backward", exc))

    fig, (ax_u, ax_s, ax_p) = figure(width=11.0, height=3.4, ncols=3)
    fig.subplots_adjust(left=0.07, wspace=0.3)
    # Plain-text labels and titles instead of legends and mathtext: text is most of a redraw's cost.
    up_pts = ax_u.scatter([], [], s=14, color=GREY)
    dz_pts = ax_u.scatter([], [], s=14, color=BLUE)
    ax_u.axhline(0, color=GREY, lw=0.6)
    ax_u.set_xlim(-3.2, 3.2)
    ax_u.xaxis.set_major_locator(FixedLocator([-3, -2, -1, 0, 1, 2, 3]))
    ax_u.yaxis.set_major_locator(MaxNLocator(5))
    ax_u.set_xlabel("z_norm of unit 3")
    ax_u.set_title("unit 3, example by example: grey m\u00b7dZ_tilde, blue m\u00b7dZ", fontsize=9, y=1.0)

    units = np.arange(n)
    (rms_dots,) = ax_s.plot(units, np.ones(n), "o", color=BLUE, ms=8)
    (gain_marks,) = ax_s.plot(units, np.ones(n), "_", color=RED, ms=22, mew=2)
    ax_s.set_yscale("log")
    ax_s.set_ylim(FLOOR * 0.7, 3e4)
    decades = 10.0 ** np.arange(-4, 5, 2)
    ax_s.yaxis.set_major_locator(FixedLocator(decades))
    ax_s.yaxis.set_major_formatter(FixedFormatter(["1e-4", "1e-2", "1", "1e2", "1e4"]))
    ax_s.yaxis.set_minor_locator(NullLocator())
    ax_s.set_xlim(-0.5, n - 0.5)
    ax_s.set_xticks(units, [f"unit {j}" for j in units])
    ax_s.set_title("RMS of m\u00b7dZ (blue), gain \u03b3/\u221a(\u03c3\u00b2+\u03b5) (red)", fontsize=9, y=1.0)

    width = 0.38
    g_bars = ax_p.bar(units - width / 2, np.zeros(n), width, color=ORANGE)
    b_bars = ax_p.bar(units + width / 2, np.zeros(n), width, color=BLUE, alpha=0.7)
    ax_p.axhline(0, color=GREY, lw=0.6)
    ax_p.set_xticks(units, [f"unit {j}" for j in units])
    ax_p.yaxis.set_major_locator(MaxNLocator(5))
    ax_p.set_title("d\u03b3 (orange), d\u03b2 (blue): sums over the batch", fontsize=9, y=1.0)

    def draw(v):
        try:
            m, Zn, sigma2, dZt, dZ, dgamma, dbeta = compute(v)
        except Exception as exc:  # noqa: BLE001
            return problem_message("batchnorm_backward", exc)
        up_pts.set_offsets(np.column_stack([Zn[3], m * dZt[3]]))
        dz_pts.set_offsets(np.column_stack([Zn[3], m * dZ[3]]))
        top = nice_ceil(1.15 * float(max(np.abs(m * dZt[3]).max(), np.abs(m * dZ[3]).max(), 1e-3)))
        ax_u.set_ylim(-top, top)
        rms = np.sqrt(np.mean((m * dZ) ** 2, axis=1))
        gain = abs(v["gamma"]) / np.sqrt(sigma2.reshape(n) + v["epsilon"])
        rms_dots.set_ydata(np.maximum(rms, FLOOR))
        gain_marks.set_ydata(np.clip(gain, FLOOR, 3e4))
        for bar, h in zip(g_bars, dgamma):
            bar.set_height(h)
        for bar, h in zip(b_bars, dbeta):
            bar.set_height(h)
        lim = nice_ceil(1.15 * float(max(np.abs(dgamma).max(), np.abs(dbeta).max(), 1e-3)))
        ax_p.set_ylim(-lim, lim)
        total = float(np.abs(dZ.sum(axis=1)).max())
        note = ""
        if m == 1:
            note = " &nbsp;|&nbsp; m = 1: z_norm = 0 whatever z is, so dZ = 0"
        elif v["upstream"] == UPSTREAM[2]:
            note = " &nbsp;|&nbsp; an upstream gradient equal for every example is removed by the mean path: dZ = 0"
        return (f"m = {m} &nbsp;|&nbsp; unit 3: \u03c3\u00b2 = {sigma2[3, 0]:.2e}, \u03b5 = {v['epsilon']:.1e}, gain "
                f"\u03b3/\u221a(\u03c3\u00b2+\u03b5) = {gain[3]:.3g}, RMS of m\u00b7dZ = {rms[3]:.3g} &nbsp;|&nbsp; "
                f"max |\u03a3\u1d62 dZ| = {total:.1e} (db would be 0){note}")

    return Panel(fig, draw, controls, "Batch norm backward: the size of dZ, dgamma and dbeta",
                 animated=[up_pts, dz_pts, rms_dots, gain_marks, *g_bars, *b_bars])
