"""Pure plotting functions: each draws on the axes it is given and returns its artists;
``update_*`` functions change those artists in place (for sliders)."""
from __future__ import annotations

import numpy as np

from .descent import Bowl, Descent
from .widgets import nice_ceil

BLUE, ORANGE, GREY, RED = "#1f77b4", "#ff7f0e", "#9a9a9a", "#d62728"


def _levels(bowl: Bowl, W1, W2) -> tuple[np.ndarray, np.ndarray]:
    J = bowl.grid(W1, W2)
    j_star = float(bowl.cost(bowl.w_star[None])[0])
    gap = np.maximum(J - j_star, 1e-12)
    top = float(np.quantile(gap, 0.9))
    return gap, np.geomspace(top * 1e-4, top, 12)


def view_box(bowl: Bowl, w0=(0.0, 0.0), margin: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """A 90 x 90 grid over a window holding the start w0 and the minimum w*.

    Along each axis the window reaches from w0 towards w* a length taken from the coarse
    ladder 1, 2, 5 x 10^k (at least ``1 + margin`` times the distance), and a quarter of
    that length the other way. So it stays put while w* moves within a factor of about two:
    a slider that moves w* then redraws the path and the contours over a cached background
    instead of the whole figure (new axis limits mean new ticks, drawn again).
    """
    w0 = np.asarray(w0, dtype=float)
    d = bowl.w_star - w0
    reach = np.maximum(np.abs(d), 0.25 * np.abs(d).max() + 1e-3)
    ext = np.array([nice_ceil((1 + margin) * r, steps=(1.0, 2.0, 5.0)) for r in reach])
    lo = np.where(d >= 0, w0 - 0.25 * ext, w0 - ext)
    hi = np.where(d >= 0, w0 + ext, w0 + 0.25 * ext)
    return np.linspace(lo[0], hi[0], 90), np.linspace(lo[1], hi[1], 90)


def thin(path: np.ndarray, most: int = 300) -> np.ndarray:
    """At most ``most`` points of a path, first and last kept (drawing is the cost, not data)."""
    if len(path) <= most:
        return path
    idx = np.unique(np.r_[np.linspace(0, len(path) - 1, most).astype(int), len(path) - 1])
    return path[idx]


def draw_descent(ax, bowl: Bowl, descent: Descent, title: str = "", color: str = BLUE) -> dict:
    """Cost contours of ``bowl`` and the gradient-descent path; returns the artists."""
    w1, w2 = view_box(bowl)
    gap, levels = _levels(bowl, w1, w2)
    contours = ax.contour(w1, w2, gap, levels=levels, colors=GREY, linewidths=0.8)
    shown = descent.sampled()
    (path,) = ax.plot(shown[:, 0], shown[:, 1], ".-", color=color, ms=3, lw=1)
    (star,) = ax.plot(*bowl.w_star, "*", color=RED, ms=12)
    ax.set_xlim(w1[0], w1[-1])
    ax.set_ylim(w2[0], w2[-1])
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "contours": contours, "path": path, "star": star, "bowl": (bowl.H.tobytes(), bowl.b.tobytes())}


def update_descent(artists: dict, bowl: Bowl, descent: Descent, title: str = "") -> None:
    """Move the path; redo the contours only if the bowl changed (a learning-rate change
    moves the path alone)."""
    ax = artists["ax"]
    w1, w2 = view_box(bowl)
    key = (bowl.H.tobytes(), bowl.b.tobytes())
    if artists.get("bowl") != key:
        animated = artists["contours"].get_animated()
        artists["contours"].remove()
        gap, levels = _levels(bowl, w1, w2)
        artists["contours"] = ax.contour(w1, w2, gap, levels=levels, colors=GREY, linewidths=0.8)
        artists["contours"].set_animated(animated)
        artists["bowl"] = key
    shown = descent.sampled()
    artists["path"].set_data(shown[:, 0], shown[:, 1])
    artists["star"].set_data([bowl.w_star[0]], [bowl.w_star[1]])
    ax.set_xlim(w1[0], w1[-1])
    ax.set_ylim(w2[0], w2[-1])
    ax.set_title(title, fontsize=10)


def draw_scatter(ax, X: np.ndarray, title: str = "", labels=("$x_1$", "$x_2$"), color: str = BLUE) -> dict:
    """Scatter of the two rows of X (2, m); both axes get the same limits, so that features on
    different scales look it."""
    points = ax.scatter(X[0], X[1], s=6, color=color, alpha=0.6)
    ax.axhline(0, color=GREY, lw=0.5)
    ax.axvline(0, color=GREY, lw=0.5)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    artists = {"ax": ax, "points": points}
    update_scatter(artists, X, title=title)
    return artists


def update_scatter(artists: dict, X: np.ndarray, lim: float | None = None, title: str = "") -> None:
    artists["points"].set_offsets(X.T)
    lim = lim or nice_ceil(float(np.abs(X).max() * 1.1 + 1e-9))
    artists["ax"].set_xlim(-lim, lim)
    artists["ax"].set_ylim(-lim, lim)
    artists["ax"].set_title(title, fontsize=10)


def draw_histogram(ax, values: np.ndarray, edges: np.ndarray, color: str = BLUE, label: str = "", fill: bool = True):
    """A step histogram of ``values`` on fixed ``edges``; returns the StepPatch."""
    counts, _ = np.histogram(values, bins=edges)
    return ax.stairs(counts, edges, fill=fill, color=color, alpha=0.55 if fill else 1.0, label=label)


def update_histogram(patch, values: np.ndarray, edges: np.ndarray) -> None:
    counts, _ = np.histogram(values, bins=edges)
    patch.set_data(counts, edges)


def dynamic(artists: dict) -> list:
    """The artists of a ``draw_*`` result that its ``update_*`` changes, and the axes' title."""
    out = [a for k, a in artists.items() if k not in ("ax", "bowl")]
    flat = []
    for a in out:
        flat.extend(a if isinstance(a, (list, tuple)) else [a])  # a BarContainer is a tuple of bars
    return flat + [artists["ax"].title]


def draw_unit_stats(ax, means: np.ndarray, stds: np.ndarray, names=None) -> dict:
    """Per-unit mean (dots) and standard deviation (bars) after batch norm."""
    n = len(means)
    x = np.arange(n)
    bars = ax.bar(x, stds, width=0.6, color=ORANGE, alpha=0.7, label="std of $\\tilde z$")
    (dots,) = ax.plot(x, means, "o", color=BLUE, label="mean of $\\tilde z$")
    (gamma_line,) = ax.plot([-0.5, n - 0.5], [1, 1], "--", color=ORANGE, lw=1, label="$\\gamma$")
    (beta_line,) = ax.plot([-0.5, n - 0.5], [0, 0], ":", color=BLUE, lw=1, label="$\\beta$")
    ax.set_xticks(x, names or [f"unit {i}" for i in x])
    ax.legend(fontsize=8, loc="upper left")
    return {"ax": ax, "bars": bars, "dots": dots, "gamma": gamma_line, "beta": beta_line}


def update_unit_stats(artists: dict, means, stds, gamma: float, beta: float) -> None:
    for bar, s in zip(artists["bars"], stds):
        bar.set_height(s)
    artists["dots"].set_ydata(means)
    artists["gamma"].set_ydata([gamma, gamma])
    artists["beta"].set_ydata([beta, beta])
    lo = min(0.0, float(np.min(means)), beta) - 0.5
    hi = max(float(np.max(stds)), float(np.max(means)), gamma, beta) + 0.5
    artists["ax"].set_ylim(-nice_ceil(-lo) if lo < 0 else 0.0, nice_ceil(hi))
