"""Evaluating a trained softmax classifier (notebook 08): confusion matrix, the examples the
model gets wrong or is least sure about, and inference with one batch-norm layer changed.

Models are those of :mod:`course.network`: ``params`` (``W{l}``, ``gamma{l}``, ``beta{l}``, ``b{L}``)
and ``running`` (``mu{l}``, ``sigma2{l}``). Examples are columns.
"""
from __future__ import annotations

import re

import numpy as np

from . import network as net

__all__ = ["probabilities", "confusion_matrix", "misclassified", "least_sure", "adjusted_model",
           "bn_layers", "split_at", "class_composition"]


def probabilities(X, params: dict, running: dict, epsilon: float = 1e-5) -> np.ndarray:
    """Softmax outputs ``(C, m)`` of the model in inference mode (running statistics)."""
    ZL, _, _ = net.forward(X, params, "inference", running, epsilon)
    return net.softmax(ZL)


def confusion_matrix(y_true, y_pred, C: int = 10) -> np.ndarray:
    """Counts ``(C, C)``: entry ``[i, j]`` is the number of examples of class ``i`` predicted as ``j``."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    cm = np.zeros((C, C), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def misclassified(y_true, P: np.ndarray) -> np.ndarray:
    """Indices of the wrongly classified examples, the most confidently wrong first.

    ``P``: probabilities ``(C, m)``; ``y_true``: labels ``(m,)``.
    """
    y_true = np.asarray(y_true).reshape(-1)
    pred = P.argmax(axis=0)
    wrong = np.flatnonzero(pred != y_true)
    return wrong[np.argsort(-P[pred[wrong], wrong], kind="stable")]


def least_sure(P: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` examples with the smallest gap between the two largest probabilities."""
    top2 = np.sort(P, axis=0)[-2:]
    return np.argsort(top2[1] - top2[0], kind="stable")[:k]


def bn_layers(params: dict) -> list[int]:
    """The hidden layers that have batch norm (``gamma{l}`` in ``params``)."""
    return [l for l in range(1, net.num_layers(params)) if f"gamma{l}" in params]


def adjusted_model(params: dict, running: dict, layer: int, gamma_scale: float = 1.0, beta_shift: float = 0.0,
                   epsilon: float = 1e-5, base_epsilon: float = 1e-5) -> tuple[dict, dict]:
    """The model with batch-norm layer ``layer`` changed at inference: ``gamma * gamma_scale``,
    ``beta + beta_shift`` and ``epsilon`` in that layer only.

    ``net.forward(X, p, "inference", r, epsilon=base_epsilon)`` with the returned ``(p, r)``
    computes exactly that: the other layers keep ``base_epsilon``, and layer ``layer`` gets
    ``sqrt(sigma2 + epsilon)`` because its running variance is raised by ``epsilon - base_epsilon``.
    New dicts; the arrays of the other layers are shared, not copied.
    """
    if f"gamma{layer}" not in params:
        raise ValueError(f"layer {layer} has no batch norm; batch-norm layers: {bn_layers(params)}")
    p, r = dict(params), dict(running)
    p[f"gamma{layer}"] = params[f"gamma{layer}"] * gamma_scale
    p[f"beta{layer}"] = params[f"beta{layer}"] + beta_shift
    r[f"sigma2{layer}"] = running[f"sigma2{layer}"] + (epsilon - base_epsilon)
    return p, r


def split_at(X, params: dict, running: dict, layer: int, epsilon: float = 1e-5) -> tuple[np.ndarray, dict, dict]:
    """Cut a model before hidden layer ``layer``: returns ``(A_prev, head_params, head_running)``
    where ``A_prev`` is what layer ``layer`` receives from ``X`` in inference mode, and the head is
    layers ``layer..L`` renumbered from 1, so that ``net.forward(A_prev, head_params, "inference",
    head_running)`` gives the model's logits. Moving a slider of layer ``layer`` then recomputes the
    head only."""
    L = net.num_layers(params)
    if not 1 <= layer < L:
        raise ValueError(f"layer must be a hidden layer, 1..{L - 1}; got {layer}")
    _, caches, _ = net.forward(X, params, "inference", running, epsilon)

    def renumbered(d: dict) -> dict:
        out = {}
        for name, value in d.items():
            stem, l = re.fullmatch(r"(W|b|gamma|beta|mu|sigma2)(\d+)", name).groups()
            if int(l) >= layer:
                out[f"{stem}{int(l) - layer + 1}"] = value
        return out

    return caches[layer - 1]["A_prev"], renumbered(params), renumbered(running)


def class_composition(labels_in_order, batch_size: int, C: int = 10) -> np.ndarray:
    """How many examples of each class every mini-batch holds: ``(C, n_batches)`` counts for
    mini-batches taken in the given order."""
    labels = np.asarray(labels_in_order).reshape(-1)
    n_batches = -(-labels.size // batch_size)
    counts = np.zeros((C, n_batches), dtype=np.int64)
    np.add.at(counts, (labels, np.arange(labels.size) // batch_size), 1)
    return counts
