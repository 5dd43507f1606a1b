"""Plots and widget panels of notebooks 06 (softmax) and 07 (its derivation).

The running example is a linear softmax classifier on 2-D inputs with ``C = 4`` classes,
whose class scores go through a batch-norm layer before the softmax:

    z = W x + b                                   (C, 1) raw class scores
    z_tilde = gamma * (z - mu) / sqrt(sigma2 + epsilon) + beta
    y_hat = softmax(z_tilde / T)                  T: the temperature

``mu`` and ``sigma2`` are the scores' mean and variance over a training batch. Class 4's
weights are short, so its score barely varies over the batch (variance about 0.04): batch norm
scales it up to the others, unless epsilon is comparable to that variance.

Every panel takes the learner's own functions (``softmax``, ``hardmax``, ``softmax_jacobian``...)
and shows a friendly message instead if they are not written yet. Nothing here computes a
softmax: the panels call the learner's.
"""
from __future__ import annotations

from dataclasses import dataclass

from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb

from .widgets import SLIDER_LAYOUT, SLIDER_STYLE, Panel, figure, gamma_beta_epsilon, slider, try_call

C = 4
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
CLASS_RGB = np.array([to_rgb(c) for c in CLASS_COLORS])
CLASS_NAMES = tuple(f"class {k}" for k in range(C))  # labels are 0..C-1, as in the code
GRID_LIM = 4.5
GRID_N = 120


# --- data and the classifier -------------------------------------------------------------------

def class_blobs(m: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four 2-D clusters, one per quadrant. Returns X (2, m) and integer labels y (m,) in 0..3."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % C
    angles = np.deg2rad(45.0 + 90.0 * y)
    X = 2.2 * np.stack([np.cos(angles), np.sin(angles)]) + 0.8 * rng.standard_normal((2, m))
    return X, y


@dataclass(frozen=True)
class Classifier2D:
    """A linear layer with C units on 2-D inputs: raw class scores ``Z = W @ X + b``."""

    W: np.ndarray  # (C, 2)
    b: np.ndarray  # (C, 1)

    def scores(self, X: np.ndarray) -> np.ndarray:
        """X (2, m) -> Z (C, m)."""
        return self.W @ X + self.b


def demo_classifier() -> Classifier2D:
    """Weights that point at the class centres; class 3's are short (a low-variance score)."""
    angles = np.deg2rad(45.0 + 90.0 * np.arange(C))
    strength = np.array([2.0, 2.0, 2.0, 0.12])
    W = strength[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return Classifier2D(W, np.zeros((C, 1)))


def grid(lim: float = GRID_LIM, n: int = GRID_N) -> tuple[np.ndarray, tuple]:
    """The points of an n x n grid as columns G (2, n*n), row by row from the bottom, and its extent."""
    t = np.linspace(-lim, lim, n)
    g1, g2 = np.meshgrid(t, t)
    return np.stack([g1.ravel(), g2.ravel()]), (-lim, lim, -lim, lim)


def batchnorm_scores(Z: np.ndarray, mu: np.ndarray, sigma2: np.ndarray, gamma: float, beta, epsilon: float) -> np.ndarray:
    """Batch norm of class scores Z (C, m) with given batch statistics mu, sigma2 (C, 1).

    gamma is one number for every class; beta is a number or a column (C, 1).
    """
    return gamma * (Z - mu) / np.sqrt(sigma2 + epsilon) + beta


def beta_column(beta: float, target: int) -> np.ndarray:
    """beta on one class (target = 0..C-1) or on every class (target = -1), as a column (C, 1)."""
    col = np.full((C, 1), float(beta)) if target < 0 else np.zeros((C, 1))
    if target >= 0:
        col[target, 0] = beta
    return col


# --- pure plotting helpers ---------------------------------------------------------------------

def region_image(P: np.ndarray, labels: np.ndarray, n: int = GRID_N, lighten: float = 0.55) -> np.ndarray:
    """An RGB image (n, n, 3) of a probability map: each pixel mixes the class colours with
    weights P (C, n*n); pixels where the arg-max ``labels`` (n*n,) changes are drawn dark."""
    rgb = (np.clip(P, 0.0, 1.0).T @ CLASS_RGB[: P.shape[0]]).reshape(n, n, 3)
    rgb = 1.0 - lighten * (1.0 - rgb)
    lab = labels.reshape(n, n)
    edge = np.zeros((n, n), dtype=bool)
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[1:, :] |= lab[1:, :] != lab[:-1, :]
    rgb[edge] = 0.25
    return rgb


def draw_regions(ax, image: np.ndarray, extent, X=None, y=None, title: str = "") -> dict:
    """The decision-region image, with the data points on top (if given)."""
    im = ax.imshow(image, origin="lower", extent=extent, interpolation="nearest", aspect="equal")
    points = None
    if X is not None:
        points = ax.scatter(X[0], X[1], s=8, c=[CLASS_COLORS[k] for k in y], linewidths=0)  # no edges: 2x faster
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "image": im, "points": points}


def update_regions(artists: dict, image: np.ndarray) -> None:
    artists["image"].set_data(image)


class Bars:
    """A set of bars drawn as ONE PolyCollection (one draw call, fast to redraw), with a legend
    handle. ``set_heights(h)`` moves the tops (bars may be negative)."""

    def __init__(self, ax, x, width: float, label: str = "", **style):
        self.left = np.asarray(x, dtype=float) - width / 2
        self.width = width
        self.collection = PolyCollection(self._verts(np.zeros(len(self.left))), label=label, **style)
        ax.add_collection(self.collection)

    def _verts(self, heights):
        l, r = self.left, self.left + self.width
        zero = np.zeros_like(l)
        return np.stack([np.stack([l, zero], 1), np.stack([l, heights], 1), np.stack([r, heights], 1),
                         np.stack([r, zero], 1)], axis=1)

    def set_heights(self, heights) -> None:
        self.collection.set_verts(self._verts(np.asarray(heights, dtype=float)))


def draw_probability_bars(ax, n_classes: int = C, title: str = "") -> dict:
    """Bars for softmax probabilities (filled) and hardmax (outlined) of one example."""
    x = np.arange(n_classes)
    soft = Bars(ax, x - 0.2, 0.4, "softmax", facecolors=CLASS_COLORS[:n_classes], alpha=0.8)
    hard = Bars(ax, x + 0.2, 0.4, "hardmax", facecolors="none", edgecolors="k", hatch="//")
    ax.set_xlim(-0.6, n_classes - 0.4)
    ax.set_xticks(x, CLASS_NAMES[:n_classes])
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("probability")
    ax.grid(axis="y", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)  # the grid under the moving bars, as blitting draws it
    ax.legend(fontsize=8, loc="upper center", ncols=2)  # above the bars, which stay below 1
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "soft": soft, "hard": hard}


def update_probability_bars(artists: dict, probs: np.ndarray, hard: np.ndarray) -> None:
    artists["soft"].set_heights(probs)
    artists["hard"].set_heights(hard)


def draw_loss_bars(ax, n_classes: int = C, title: str = "", wrt: str = "dz") -> dict:
    """Bars of y_hat (filled), the label y (outline) and the gradient ``wrt`` = y_hat - y (hatched):
    ``dz``, or ``du`` where the softmax's input is u = z / T."""
    x = np.arange(n_classes)
    y_hat = Bars(ax, x - 0.2, 0.4, "$\\hat y$", facecolors=CLASS_COLORS[:n_classes], alpha=0.8)
    label = Bars(ax, x - 0.2, 0.4, "$y$ (label)", facecolors="none", edgecolors="k", linewidths=1.5)
    grad = Bars(ax, x + 0.2, 0.4, f"${wrt} = \\hat y - y$", facecolors="#777777", alpha=0.7, hatch="..")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlim(-0.6, n_classes - 0.4)
    ax.set_xticks(x, CLASS_NAMES[:n_classes])
    ax.set_ylim(-1.05, 1.4)
    ax.set_yticks(np.linspace(-1, 1, 5))
    ax.grid(axis="y", lw=0.4, alpha=0.5)
    ax.set_axisbelow(True)  # the grid under the moving bars, as blitting draws it
    ax.legend(fontsize=8, loc="upper center", ncols=3)  # above the bars, which stay in [-1, 1]
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "y_hat": y_hat, "label": label, "grad": grad}


def update_loss_bars(artists: dict, y_hat: np.ndarray, y: np.ndarray, dz: np.ndarray) -> None:
    artists["y_hat"].set_heights(y_hat)
    artists["label"].set_heights(y)
    artists["grad"].set_heights(dz)


def draw_jacobian(ax, n_classes: int = C, limit: float = 0.25, title: str = "", wrt: str = "z") -> dict:
    """A (C, C) matrix as an image with fixed colour limits (softmax Jacobian entries lie in
    [-1/4, 1/4]): red entries are positive, blue ones negative. Columns are labelled by the
    softmax's input ``wrt`` (``z``, or ``u`` where the panel divides by a temperature)."""
    im = ax.imshow(np.zeros((n_classes, n_classes)), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ticks = [f"{k}" for k in range(n_classes)]
    ax.set_xticks(range(n_classes), [f"${wrt}_{t}$" for t in ticks])
    ax.set_yticks(range(n_classes), [f"$\\hat y_{t}$" for t in ticks])
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "image": im}


def update_jacobian(artists: dict, J: np.ndarray) -> None:
    artists["image"].set_data(J)


def matrix_html(M: np.ndarray, rows: str = "\u0177", cols: str = "z") -> str:
    """A small HTML table of a matrix (for a panel's status line)."""
    head = "".join(f"<th>{cols}<sub>{j}</sub></th>" for j in range(M.shape[1]))
    body = "".join(f"<tr><th>{rows}<sub>{i}</sub></th>"
                   + "".join(f'<td style="text-align:right;padding:0 6px">{v:+.3f}</td>' for v in row) + "</tr>"
                   for i, row in enumerate(M))
    return f'<table style="font-size:90%;border-collapse:collapse"><tr><th></th>{head}</tr>{body}</table>'


# --- panels ------------------------------------------------------------------------------------

def _temperature_slider(value: float = 1.0) -> widgets.FloatLogSlider:
    return widgets.FloatLogSlider(value=value, base=10, min=-1, max=1, step=0.02, description="temperature T",
                                  readout_format=".2f", continuous_update=True, layout=SLIDER_LAYOUT,
                                  style=SLIDER_STYLE)


def _beta_target() -> widgets.Dropdown:
    options = [(f"class {k} only", k) for k in range(C)] + [("every class", -1)]
    return widgets.Dropdown(options=options, value=0, description="\u03b2 shifts", layout=SLIDER_LAYOUT,
                            style=SLIDER_STYLE)


def _fmt(v) -> str:
    return "[" + ", ".join(f"{x:+.2f}" for x in np.ravel(v)) + "]"


class _BatchNormedClassifier:
    """The demo classifier, its training batch statistics and the grid, computed once."""

    def __init__(self, m: int = 240, seed: int = 0):
        self.X, self.y = class_blobs(m, seed)
        self.clf = demo_classifier()
        Z = self.clf.scores(self.X)
        self.mu = Z.mean(axis=1, keepdims=True)
        self.sigma2 = Z.var(axis=1, keepdims=True)
        self.X_scores = Z
        self.G, self.extent = grid()
        self.G_scores = self.clf.scores(self.G)

    def logits(self, Z: np.ndarray, v: dict) -> np.ndarray:
        """Raw scores Z (C, k) -> the softmax's input: batch norm, then divided by the temperature."""
        Zt = batchnorm_scores(Z, self.mu, self.sigma2, v["gamma"], beta_column(v["beta"], v["beta_on"]), v["epsilon"])
        return Zt / v["temperature"]


def softmax_panel(softmax, hardmax):
    """Notebook 06. Sliders: the raw logits z0..z3 of one example, gamma, beta (on one class or
    every class), epsilon and the temperature T. Left: softmax vs hardmax of that example; right:
    the decision regions of the 2-D classifier (shade: softmax probabilities, dark lines: hardmax)."""
    model = _BatchNormedClassifier()
    probe = np.array([[2.0, -1.0], [0.5, 0.3], [-1.0, 0.2], [0.0, 0.1]])
    _, problem = try_call("softmax and hardmax", lambda: (np.asarray(softmax(probe)), np.asarray(hardmax(probe))))
    if problem:
        return problem

    sd = np.sqrt(model.sigma2[:, 0])
    start = model.clf.scores(np.array([[0.4], [1.6]]))[:, 0]  # a point between classes 0 and 1
    logit_sliders = {}
    for k in range(C):
        lo, hi = model.mu[k, 0] - 3 * sd[k], model.mu[k, 0] + 3 * sd[k]
        step = 10 ** np.floor(np.log10((hi - lo) / 200))
        logit_sliders[f"z{k}"] = slider(f"logit z{k}", float(np.clip(np.round(start[k], 2), lo, hi)),
                                            float(lo), float(hi), float(step))
    controls = {**logit_sliders, **gamma_beta_epsilon(epsilon=(1e-5, -8, 1)), "beta_on": _beta_target(),
                "temperature": _temperature_slider()}

    fig, (ax_bars, ax_map) = figure(width=9.5, height=3.6)
    bars = draw_probability_bars(ax_bars, title="one example: softmax vs hardmax")
    regions = draw_regions(ax_map, np.ones((GRID_N, GRID_N, 3)), model.extent, model.X, model.y,
                           title="decision regions: shade = softmax, dark lines = hardmax")

    @lru_cache(maxsize=8)
    def regions_view(gamma, beta, beta_on, epsilon, temperature):
        """The map (120 x 120 points through the learner's softmax and hardmax) and the training
        accuracy: they depend on these controls only, so dragging a logit recomputes neither."""
        v = {"gamma": gamma, "beta": beta, "beta_on": beta_on, "epsilon": epsilon, "temperature": temperature}
        U = model.logits(model.G_scores, v)
        image = region_image(np.asarray(softmax(U), dtype=float), np.argmax(np.asarray(hardmax(U), dtype=float), axis=0))
        predicted = np.argmax(np.asarray(hardmax(model.logits(model.X_scores, v)), dtype=float), axis=0)
        return image, float(np.mean(predicted == model.y))

    def draw(v):
        z = np.array([[v[f"z{k}"]] for k in range(C)])
        try:
            u = model.logits(z, v)
            a = np.asarray(softmax(u), dtype=float).reshape(-1)
            h = np.asarray(hardmax(u), dtype=float).reshape(-1)
            image, accuracy = regions_view(v["gamma"], v["beta"], v["beta_on"], v["epsilon"], v["temperature"])
        except Exception as exc:  # noqa: BLE001 - a learner's function failing on these inputs
            return f"<b>your softmax or hardmax raised {type(exc).__name__}: {exc}</b>"
        update_probability_bars(bars, a, h)
        update_regions(regions, image)
        shift = "every class" if v["beta_on"] < 0 else f"class {v['beta_on']}"
        return (f"one example: logits z = {_fmt(z)} &rarr; batch norm z\u0303 = {_fmt(u * v['temperature'])} "
                f"&rarr; softmax(z\u0303 / T) = {_fmt(a)}, hardmax = {_fmt(h)}<br>"
                f"inverse temperature \u03b3/T = {v['gamma'] / v['temperature']:.2f}, \u03b2 = {v['beta']:+.2f} on "
                f"{shift} &nbsp;|&nbsp; the 2-D classifier classifies {accuracy:.1%} of its training points right")

    moving = [bars["soft"].collection, bars["hard"].collection, regions["image"], regions["points"]]
    return Panel(fig, draw, controls, "Softmax after a batch-norm layer: drag the logits, gamma, beta, "
                     "epsilon and the temperature", animated=moving)


def softmax_loss_panel(softmax, softmax_jacobian, cross_entropy_cost, softmax_cross_entropy_backward):
    """Notebook 07. Sliders: gamma, beta (on one class or every class), epsilon, temperature, the
    example and its true class. Left: y_hat, the label y and the gradient du = y_hat - y with
    respect to the softmax's input u = z_tilde / T; right: the softmax Jacobian dy_hat/du. The status line checks the chain rule J^T (-y / y_hat) = y_hat - y."""
    model = _BatchNormedClassifier()
    u0 = np.array([1.0, 0.5, -0.5, 0.0])
    y0 = np.array([0.0, 1.0, 0.0, 0.0])
    _, problem = try_call("softmax, softmax_jacobian, cross_entropy_cost and softmax_cross_entropy_backward",
                      lambda: (softmax(u0[:, None]), softmax_jacobian(u0),
                               cross_entropy_cost(softmax(u0[:, None]), y0[:, None]),
                               softmax_cross_entropy_backward(softmax(u0[:, None]), y0[:, None])))
    if problem:
        return problem

    examples = [int(i) for i in np.arange(0, 48, 4) + np.arange(12) % C]  # 12 examples, 3 of each class
    controls = {**gamma_beta_epsilon(epsilon=(1e-5, -8, 1)), "beta_on": _beta_target(),
                "temperature": _temperature_slider(),
                "example": widgets.IntSlider(value=0, min=0, max=len(examples) - 1, description="example",
                                             layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
                "true_class": widgets.Dropdown(options=[(n, k) for k, n in enumerate(CLASS_NAMES)], value=0,
                                               description="true class", layout=SLIDER_LAYOUT, style=SLIDER_STYLE)}

    fig, (ax_bars, ax_jac) = figure(width=9.5, height=3.6)
    bars = draw_loss_bars(ax_bars, title="prediction \u0177, label y and gradient du = \u0177 \u2212 y", wrt="du")
    jac = draw_jacobian(ax_jac, title="softmax Jacobian J[i, j] = \u2202\u0177\u1d62/\u2202u\u2c7c", wrt="u")

    def draw(v):
        i = examples[v["example"]]
        u = model.logits(model.clf.scores(model.X[:, i:i + 1]), v)  # (C, 1): the softmax's input
        y = np.zeros((C, 1))
        y[v["true_class"], 0] = 1.0
        try:
            y_hat = np.asarray(softmax(u), dtype=float).reshape(C, 1)
            J = np.asarray(softmax_jacobian(u[:, 0]), dtype=float).reshape(C, C)
            loss = float(cross_entropy_cost(y_hat, y))
            dz = np.asarray(softmax_cross_entropy_backward(y_hat, y), dtype=float).reshape(-1)
        except Exception as exc:  # noqa: BLE001
            return f"<b>one of your functions raised {type(exc).__name__}: {exc}</b>"
        update_loss_bars(bars, y_hat[:, 0], y[:, 0], dz)
        update_jacobian(jac, J)
        with np.errstate(divide="ignore", invalid="ignore"):
            dL_dyhat = np.where(y[:, 0] > 0, -y[:, 0] / y_hat[:, 0], 0.0)
        chain = J.T @ dL_dyhat
        diag_only = np.diag(J) * dL_dyhat
        if np.all(np.isfinite(chain)):
            check = (f"chain rule: J\u1d40 (\u2212y / \u0177) = {_fmt(chain)}, your du = {_fmt(dz)}; "
                     f"with the diagonal \u0177(1 \u2212 \u0177) of J alone it would be {_fmt(diag_only)}")
        else:
            check = ("\u0177 of the true class underflowed to 0, so \u2212y / \u0177 is infinite; "
                     f"du = \u0177 \u2212 y = {_fmt(dz)} is still fine")
        return (f"<b>loss L = \u2212log \u0177<sub>{v['true_class']}</sub> = {loss:.4f}</b> &nbsp;|&nbsp; "
                f"example {v['example']} is a point of class {model.y[i]}; softmax input u = z\u0303 / T = "
                f"{_fmt(u)}<br>{check}<br>the Jacobian J = \u2202\u0177/\u2202u = diag(\u0177) \u2212 \u0177\u0177\u1d40 "
                f"(your softmax_jacobian):{matrix_html(J, cols='u')}")

    moving = [bars["y_hat"].collection, bars["label"].collection, bars["grad"].collection, jac["image"]]
    return Panel(fig, draw, controls, "Cross-entropy after softmax: the loss, the gradient du and the "
                     "Jacobian", animated=moving)
