"""Gradient descent on a least-squares cost, the running example of notebook 01.

The model is ``y_hat = w @ X`` with ``X`` of shape ``(2, m)`` (examples are columns) and
cost ``J(w) = 1/(2m) * sum((w @ X - y)**2)``, a quadratic bowl whose shape is set by the
features: ``J(w) = 1/2 w^T H w - b^T w + c`` with ``H = X X^T / m``.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    path: np.ndarray  # (k + 1, 2): w after each iteration, starting point first
    iterations: int  # iterations until converged (or max_iter)
    converged: bool
    diverged: bool


def gradient_descent(bowl: Bowl, lr: float, w0=(0.0, 0.0), tol: float = 1e-6, max_iter: int = 5000) -> Descent:
    """Gradient descent ``w <- w - lr * grad J(w)`` until ``J - J* < tol * (J(w0) - J*)``.

    On a quadratic bowl the k-th iterate has a closed form, ``w_k - w* = (I - lr H)^k (w0 - w*)``,
    so all iterates are computed at once in the eigenbasis of H (fast enough for a slider);
    ``gradient_descent_loop`` is the plain loop, and the tests check that they agree.
    """
    lam, V = np.linalg.eigh(bowl.H)
    w_star = bowl.w_star
    c0 = V.T @ (np.asarray(w0, dtype=float) - w_star)
    k = np.arange(max_iter + 1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        coords = c0 * (1.0 - lr * lam) ** k  # (max_iter + 1, 2) in the eigenbasis
        gaps = 0.5 * (coords ** 2) @ lam
    gap0 = max(float(gaps[0]), 1e-300)
    bad = ~np.isfinite(gaps) | (gaps > 1e6 * gap0)
    done = gaps < tol * gap0
    first_bad = int(np.argmax(bad)) if bad.any() else max_iter + 1
    first_done = int(np.argmax(done[1:])) + 1 if done[1:].any() else max_iter + 1
    stop = min(first_bad, first_done, max_iter)
    path = coords[: stop + 1] @ V.T + w_star
    return Descent(path, stop, first_done <= max_iter and first_done < first_bad, first_bad <= max_iter and first_bad <= first_done)


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
            return Descent(np.array(path), k, False, True)
        if gap < tol * gap0:
            return Descent(np.array(path), k, True, False)
    return Descent(np.array(path), max_iter, False, False)


def best_descent(bowl: Bowl, **kwargs) -> tuple[float, Descent]:
    """Descent with the learning rate 1/L (L the largest curvature), a fair choice for any bowl."""
    lr = 0.5 * bowl.max_stable_lr
    return lr, gradient_descent(bowl, lr, **kwargs)
