"""Small synthetic data sets for the notebooks (deterministic, made on the spot)."""
from __future__ import annotations

import numpy as np


def two_scale_regression(m: int = 200, seed: int = 0):
    """Two features on very different scales and a linear target.

    Returns ``X`` (2, m) - a size in square metres (hundreds) and a number of rooms
    (a few units) - and ``y`` (m,), a price that depends on both.
    """
    rng = np.random.default_rng(seed)
    area = rng.normal(120.0, 35.0, m)
    rooms = np.clip(np.round(area / 30 + rng.normal(0, 0.8, m)), 1, None)
    X = np.stack([area, rooms])
    y = 2.0 * (area - 120.0) / 35.0 + 1.0 * (rooms - 4.0) + rng.normal(0, 0.3, m)
    return X, y - y.mean()


def preactivations(n: int = 4, m: int = 256, seed: int = 0, low_variance_unit: bool = True):
    """Pre-activations ``Z`` (n, m) of one layer: units with different means and spreads.

    With ``low_variance_unit`` the last unit barely varies (std 0.003), to show epsilon at work.
    """
    rng = np.random.default_rng(seed)
    means = np.linspace(-3.0, 4.0, n)[:, None]
    stds = np.geomspace(0.5, 3.0, n)[:, None]
    Z = means + stds * rng.standard_normal((n, m))
    if low_variance_unit:
        Z[-1] = 0.7 + 0.003 * rng.standard_normal(m)
    return Z


def spirals(m: int = 600, classes: int = 3, noise: float = 0.2, turns: float = 1.0, seed: int = 0):
    """``classes`` interleaved spiral arms in 2-D: ``X`` (2, m) and integer labels ``y`` (m,).

    Not linearly separable: a classifier needs hidden layers. Examples are columns, the arms
    take turns (example i belongs to class i % classes) and ``X`` is roughly centred and scaled.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(m) % classes
    r = rng.uniform(0.05, 1.0, m)
    theta = 2 * np.pi * (turns * r + y / classes) + rng.normal(0, noise, m)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)]) * 2.0
    return X, y


SPIRAL_NOISE, SPIRAL_TURNS = 0.2, 1.5  # notebook 04's two spirals (its checks use the same)


def two_spirals(m: int = 800, seed: int = 0, sort_by_class: bool = False):
    """Notebook 04's binary data set: two spiral arms winding 1.5 turns, ``X`` (2, m) and
    ``Y`` (1, m) of 0.0/1.0 labels. With ``sort_by_class`` the examples come sorted by label,
    as many data files are: mini-batches taken in that order hold a single class."""
    X, y = spirals(m, 2, noise=SPIRAL_NOISE, turns=SPIRAL_TURNS, seed=seed)
    if sort_by_class:
        order = np.argsort(y, kind="stable")
        X, y = X[:, order], y[order]
    return X, y.reshape(1, -1).astype(np.float64)
