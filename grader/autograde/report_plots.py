"""Pure figure functions of the class report: each draws on the axes it is given (matplotlib,
no pyplot) and returns its artists; :func:`png_data_uri` renders a figure (Agg) into a
``data:`` URI, so the report's HTML needs no other file and no network."""
from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

GREEN, BLUE, RED, GREY = "#1a7f37", "#0969da", "#cf222e", "#8c959f"


def new_figure(width: float, height: float) -> Figure:
    """A figure (inches) that renders with Agg, whatever the process's matplotlib backend."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def score_bins(max_score: float) -> np.ndarray:
    """Bin edges over [0, max_score]: one bin per point up to 20 points, else 20 equal bins;
    the last bin holds the full score."""
    if max_score <= 0:
        return np.array([0.0, 1.0])
    n = int(np.ceil(max_score)) if max_score <= 20 else 20
    return np.linspace(0.0, max_score, n + 1)


def draw_score_histogram(ax, scores, max_score: float, color: str = BLUE):
    """Students per score bin (scores: points, shape (n,)); the mean as a dashed line."""
    scores = np.asarray(scores, dtype=float)
    edges = score_bins(max_score)
    counts, _ = np.histogram(np.clip(scores, edges[0], edges[-1]), bins=edges)
    bars = ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=color, edgecolor="white")
    artists = [bars]
    if scores.size:
        artists.append(ax.axvline(scores.mean(), color="#1f2328", linestyle="--", linewidth=1))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("score (points)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return artists


def draw_pass_rates(ax, labels: list[str], visible: list, hidden: list):
    """Horizontal bars: the share of students passing the visible and the hidden checks of each
    function (fractions in [0, 1], None when nobody was graded), first label at the top."""
    y = np.arange(len(labels))[::-1]
    v = np.array([np.nan if r is None else 100 * r for r in visible], dtype=float)
    h = np.array([np.nan if r is None else 100 * r for r in hidden], dtype=float)
    bv = ax.barh(y + 0.2, np.nan_to_num(v), height=0.38, color=GREEN, label="visible checks")
    bh = ax.barh(y - 0.2, np.nan_to_num(h), height=0.38, color=BLUE, label="hidden checks")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students passing (%)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)
    return [bv, bh]


def draw_mistakes(ax, labels: list[str], shares: list[float], counts: list[int]):
    """Horizontal bars: the share of the class (fractions) making each mistake, most common at
    the top, each bar annotated with its number of students."""
    y = np.arange(len(labels))[::-1]
    pct = 100 * np.asarray(shares, dtype=float)
    bars = ax.barh(y, pct, height=0.6, color=RED)
    texts = [ax.text(p + 1, yi, f"{c} student{'s' if c != 1 else ''}", va="center", fontsize="small")
             for p, yi, c in zip(pct, y, counts)]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(100.0, float(pct.max(initial=0)) + 15))
    ax.set_xlabel("share of the students who handed the notebook in (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return [bars, *texts]


def png_data_uri(fig: Figure) -> str:
    """The figure as a PNG ``data:`` URI (no timestamp or software metadata: same figure, same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
