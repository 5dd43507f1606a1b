"""Gradient descent on a least-squares cost, the running example of notebook 01.

The model is ``y_hat = w @ X`` with ``X`` of shape ``(2, m)`` (examples are columns) and
cost ``J(w) = 1/(2m) * sum((w @ X - y)**2)``, a quadratic bowl whose shape is set by the
features: ``J(w) = 1/2 w^T H w - b^T w + c`` with ``H = X X^T / m``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Bowl:
    """The quadratic cost of least squares on features X (2, m) and targets y (m,)."""

    H: np.ndarray  # (2, 2)
    b: np.ndarray  # (2,)
    c: float

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> "Bowl":
        m = X.shape[1]
        return cls(X @ X.T / m, X @ y / m, float(y @ y) / (2 * m))

    @property
    def w_star(self) -> np.ndarray:
        return np.linalg.solve(self.H, self.b)

    @property
    def condition_number(self) -> float:
        ev = np.linalg.eigvalsh(self.H)
        return float(ev[-1] / ev[0])

    @property
    def max_stable_lr(self) -> float:
        """Gradient descent converges for learning rates below 2 / (largest eigenvalue of H)."""
        return 2.0 / float(np.linalg.eigvalsh(self.H)[-1])

    def cost(self, W: np.ndarray) -> np.ndarray:
        """J at every row of W (k, 2) -> (k,)."""
        return 0.5 * np.einsum("ki,ij,kj->k", W, self.H, W) - W @ self.b + self.c

    def grid(self, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
        """J on the grid w1 x w2 -> (len(w2), len(w1)), for contour plots."""
        W1, W2 = np.meshgrid(w1, w2)
        return self.cost(np.stack([W1.ravel(), W2.ravel()], axis=1)).reshape(W1.shape)


@dataclass
class Descent:
    """The outcome of a gradient descent and its iterates."""

    iterations: int  # iterations until converged or diverged (or max_iter)
    converged: bool
    diverged: bool
    _points: Callable[[np.ndarray], np.ndarray]  # iteration numbers (k,) -> iterates (k, 2)

    @property
    def path(self) -> np.ndarray:
        """(iterations + 1, 2): w after each iteration, the starting point first."""
        return self._points(np.arange(self.iterations + 1))

    def sampled(self, most: int = 300) -> np.ndarray:
        """At most ``most`` iterates, evenly spaced, first and last kept (for drawing): the same
        points as ``thin(path, most)`` without computing the whole path."""
        n = self.iterations + 1
        if n <= most:
            return self.path
        return self._points(np.unique(np.r_[np.linspace(0, n - 1, most).astype(int), n - 1]))


def gradient_descent(bowl: Bowl, lr: float, w0=(0.0, 0.0), tol: float = 1e-6, max_iter: int = 5000) -> Descent:
    """Gradient descent ``w <- w - lr * grad J(w)`` until ``J - J* < tol * (J(w0) - J*)``.

    On a quadratic bowl the k-th iterate has a closed form, ``w_k - w* = (I - lr H)^k (w0 - w*)``:
    in the eigenbasis of H each coordinate is multiplied by ``q = 1 - lr * lambda`` per step, and
    the gap ``J(w_k) - J* = sum_i lambda_i c_i^2 q_i^(2k) / 2`` is a sum of exponentials in k, a
    convex function of k: it falls to its lowest point, then rises. So the first iteration that
    converges (the gap below ``tol`` times the first gap, on the falling side) and the first that
    diverges (above 10^6 times it, on the rising side) are found by bisection, in a few dozen
    evaluations whatever ``max_iter`` (fast enough for a slider at 200,000 iterations), and the
    iterates are computed only when asked for. ``gradient_descent_loop`` is the plain loop, and
    the tests check that they agree.
    """
    lam, V = np.linalg.eigh(bowl.H)
    w_star = bowl.w_star
    c0 = V.T @ (np.asarray(w0, dtype=float) - w_star)
    q = 1.0 - lr * lam
    weights = 0.5 * lam * c0 ** 2

    def gap(k: int) -> float:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            terms = np.where(weights > 0, weights * np.abs(q) ** (2.0 * k), 0.0)
        total = float(terms.sum())
        return total if np.isfinite(total) else float("inf")

    gap0 = max(gap(0), 1e-300)

    def first(lo: int, hi: int, pred) -> int:
        """The smallest k in [lo, hi] with pred(k), for a pred monotone on [lo, hi]; hi + 1 if none."""
        if lo > hi or not pred(hi):
            return hi + 1
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if pred(mid) else (mid + 1, hi)
        return lo

    # the lowest point of the gap over 1..max_iter: the first k where the next one is no lower
    bottom = min(first(1, max_iter - 1, lambda k: gap(k + 1) >= gap(k)), max_iter)
    first_done = first(1, bottom, lambda k: gap(k) < tol * gap0)
    first_done = first_done if first_done <= bottom else max_iter + 1
    first_bad = first(bottom, max_iter, lambda k: gap(k) > 1e6 * gap0)
    stop = min(first_bad, first_done, max_iter)

    def points(ks: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return (c0 * q ** ks[:, None].astype(float)) @ V.T + w_star

    return Descent(stop, first_done <= max_iter and first_done < first_bad,
                   first_bad <= max_iter and first_bad <= first_done, points)


def gradient_descent_loop(bowl: Bowl, lr: float, w0=(0.0, 0.0), tol: float = 1e-6, max_iter: int = 5000) -> Descent:
    """The same descent as a plain loop over iterations (the reference for the closed form)."""
    w = np.asarray(w0, dtype=float)
    j_star = float(bowl.cost(bowl.w_star[None])[0])
    gap0 = max(float(bowl.cost(w[None])[0]) - j_star, 1e-300)
    path = [w]
    for k in range(1, max_iter + 1):
        w = w - lr * (bowl.H @ w - bowl.b)
        path.append(w)
        gap = float(bowl.cost(w[None])[0]) - j_star
        if not np.isfinite(gap) or gap > 1e6 * gap0:
            return Descent(k, False, True, _fixed(path))
        if gap < tol * gap0:
            return Descent(k, True, False, _fixed(path))
    return Descent(max_iter, False, False, _fixed(path))


def _fixed(path: list) -> Callable[[np.ndarray], np.ndarray]:
    """The iterates of a path already computed, looked up by iteration number."""
    points = np.array(path)
    return lambda ks: points[np.asarray(ks, dtype=int)]


def best_descent(bowl: Bowl, **kwargs) -> tuple[float, Descent]:
    """Descent with the learning rate 1/L (L the largest curvature), a fair choice for any bowl."""
    lr = 0.5 * bowl.max_stable_lr
    return lr, gradient_descent(bowl, lr, **kwargs)
