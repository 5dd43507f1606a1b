"""Plots for notebook 08 (training a softmax classifier on the digits): learning curves, a
confusion matrix, grids of digit images with their labels, the classes in each mini-batch.

Like :mod:`course.plots`: ``draw_*`` draw on the axes they are given and return their artists;
``update_*`` change those artists in place (for sliders).
"""
from __future__ import annotations

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from .plots import BLUE, GREY, ORANGE, RED

GREEN = "#2ca02c"
CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def mosaic(X: np.ndarray, rows: int, cols: int, pad: int = 1, label_room: int = 0) -> np.ndarray:
    """Tile the first ``rows * cols`` columns of ``X`` (64, m) as 8x8 images into one array
    (NaN, drawn blank, around and between them and where there are fewer images). Tiles are
    ``8 + pad`` pixels wide and ``8 + pad + label_room`` high (room for a label under each)."""
    width, height = 8 + pad, 8 + pad + label_room
    out = np.full((rows * height + pad, cols * width + pad), np.nan)
    for k in range(min(rows * cols, X.shape[1])):
        r, c = divmod(k, cols)
        out[pad + r * height: pad + r * height + 8, pad + c * width: pad + c * width + 8] = X[:, k].reshape(8, 8)
    return out


def draw_digit_grid(ax, X: np.ndarray, labels, rows: int, cols: int, colors=None, fontsize: int = 9) -> dict:
    """Digits (columns of X) in a grid, each with a text label below it; returns the artists."""
    width, height = 9, 13
    image = ax.imshow(mosaic(X, rows, cols, label_room=4), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    texts = []
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        text = labels[k] if k < len(labels) else ""
        color = colors[k] if colors is not None and k < len(colors) else "black"
        texts.append(ax.text(c * width + 4.5, r * height + 9.6, text, ha="center", va="top", fontsize=fontsize,
                             color=color))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return {"ax": ax, "image": image, "texts": texts}


def draw_confusion(ax, cm: np.ndarray, annotate: bool = True, title: str = "") -> dict:
    """Confusion matrix (rows: true class, columns: predicted class) with counts off the diagonal."""
    C = cm.shape[0]
    off = cm.astype(float) * (1 - np.eye(C))
    image = ax.imshow(off, cmap="Reds", vmin=0, vmax=max(3.0, off.max()))
    diag = ax.scatter(np.arange(C), np.arange(C), s=cm.diagonal() / max(1, cm.max()) * 120, color=BLUE, alpha=0.5,
                      label="correct (size)")
    texts = []
    if annotate:
        for i, j in zip(*np.nonzero(cm)):
            texts.append(ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                                 color="black" if i != j else "white"))
    ax.set_xticks(range(C))
    ax.set_yticks(range(C))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title, fontsize=10)
    return {"ax": ax, "image": image, "diag": diag, "texts": texts}


def update_confusion(artists: dict, cm: np.ndarray, title: str | None = None) -> None:
    """New counts for a confusion matrix drawn with ``annotate=False`` (and a new title, if given)."""
    C = cm.shape[0]
    off = cm.astype(float) * (1 - np.eye(C))
    artists["image"].set_data(off)
    artists["image"].set_clim(0, max(3.0, off.max()))
    artists["diag"].set_sizes(cm.diagonal() / max(1, cm.max()) * 120)
    if title is not None:
        artists["ax"].set_title(title, fontsize=10)


def draw_learning_curves(ax_cost, ax_acc, histories: dict, colors=None) -> None:
    """Cost per epoch (left) and accuracy per epoch (right; solid: training set, dashed:
    held-out set) of several runs: ``histories`` maps a label to a ``TrainResult.history``."""
    colors = colors or [BLUE, ORANGE, GREEN, RED, GREY]
    for (label, h), color in zip(histories.items(), colors):
        epochs = np.arange(1, len(h["cost"]) + 1)
        ax_cost.plot(epochs, h["cost"], color=color, label=label)
        ax_acc.plot(epochs, h["train_acc"], color=color, label=f"{label}, training")
        if h.get("val_acc"):
            ax_acc.plot(epochs, h["val_acc"], "--", color=color, label=f"{label}, held-out")
    ax_cost.set_yscale("log")
    ax_cost.set_xlabel("epoch")
    ax_cost.set_ylabel("cost J (mean over the epoch)")
    ax_cost.legend(fontsize=8)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0.8, 1.005)
    ax_acc.legend(fontsize=7, ncol=1, loc="lower right")


def draw_class_strip(ax, counts: np.ndarray, title: str = "") -> None:
    """Stacked columns: how many examples of each class (colour) each mini-batch holds."""
    C, n = counts.shape
    edges = np.arange(n + 1) - 0.5
    bottom = np.zeros(n)
    for c in range(C):
        ax.stairs(bottom + counts[c], edges, baseline=bottom, fill=True, color=CLASS_COLORS[c % len(CLASS_COLORS)],
                  label=str(c))
        bottom = bottom + counts[c]
    ax.vlines(edges[1:-1], 0, counts.sum(axis=0).max(), color="white", lw=1.0)  # gaps between mini-batches
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("mini-batch")
    ax.set_ylabel("examples")
    ax.set_title(title, fontsize=10)


def draw_prediction_grid(ax, X: np.ndarray, y_true, y_pred, rows: int, cols: int, fontsize: int = 9) -> dict:
    """Digits (columns of X) framed in green where ``y_pred`` is right and in red where it is
    wrong; the true digit is written under each, and a wrong prediction in red beside it.
    The frames and the red predictions are the artists that :func:`update_prediction_grid` changes."""
    width, height = 9, 13
    n = min(rows * cols, X.shape[1])
    ax.imshow(mosaic(X, rows, cols, label_room=4), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    y_true = np.asarray(y_true)
    boxes = [Rectangle((c * width + 0.5, r * height + 0.5), 8, 8) for r, c in (divmod(k, cols) for k in range(n))]
    # zorder above the labels (which never overlap the frames): the labels then stay in a
    # panel's cached background instead of being drawn again over the moving frames
    frames = ax.add_collection(PatchCollection(boxes, facecolor="none", linewidth=2.5, edgecolor=GREEN, zorder=3.5))
    wrong_texts = []
    for k in range(n):
        r, c = divmod(k, cols)
        ax.text(c * width + 3.2, r * height + 9.6, str(y_true[k]), ha="center", va="top", fontsize=fontsize)
        wrong_texts.append(ax.text(c * width + 6.2, r * height + 9.6, "", ha="center", va="top", fontsize=fontsize,
                                   color=RED, fontweight="bold"))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    artists = {"ax": ax, "frames": frames, "texts": wrong_texts, "y_true": y_true[:n]}
    update_prediction_grid(artists, y_pred)
    return artists


def update_prediction_grid(artists: dict, y_pred) -> None:
    y_true = artists["y_true"]
    y_pred = np.asarray(y_pred)[: y_true.size]
    ok = y_pred == y_true
    artists["frames"].set_edgecolor([GREEN if right else RED for right in ok])
    for text, right, p in zip(artists["texts"], ok, y_pred):
        text.set_text("" if right else f"\u2192{p}")
        text.set_visible(not right)
