"""Numerical gradient checking: central differences and the relative error.

Generic helpers (no solution of any graded function): give them a scalar function of an
array and the gradient your backward pass computed, and they tell you whether the two agree.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

# Relative error thresholds for central differences with h = 1e-5 in float64
# (Andrew Ng's rule of thumb, see notebook 03): below GOOD the gradient is right; between GOOD
# and BAD look closer; above BAD there is almost certainly a bug.
GOOD, BAD = 1e-7, 1e-3


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of the scalar function ``f`` at ``x``.

    f: takes an array shaped like x and returns a number (e.g. a cost).
    x: array of any shape; it is never modified (each entry is nudged on a copy).
    Returns an array shaped like x whose entry k is (f(x + h e_k) - f(x - h e_k)) / (2 h).
    """
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = float(f(x.copy()))
        x[idx] = old - h
        minus = float(f(x.copy()))
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of a vector function ``f`` at ``x``.

    f: takes an array shaped like x and returns an array (any shape, flattened here).
    x: array of any shape; it is never modified.
    Returns J of shape (f(x).size, x.size) with J[i, k] = d f_i / d x_k (outputs and inputs flattened).
    """
    x = np.array(x, dtype=np.float64, copy=True)
    columns = []
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        diff = np.asarray(f(plus), dtype=np.float64) - np.asarray(f(minus), dtype=np.float64)
        columns.append(diff.ravel() / (2 * h))
    return np.stack(columns, axis=1)


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)``: 0 when equal, 1 when opposite or one of them is 0.

    Relative, so that it means the same for tiny and huge gradients; 0 when both are 0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the two gradients have different shapes: {a.shape} and {b.shape}")
    den = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if den == 0 else float(np.linalg.norm(a - b)) / den


def verdict(error: float) -> str:
    """A short reading of a relative error (see GOOD and BAD)."""
    if not np.isfinite(error):
        return "not finite: a nan or inf in the gradient"
    if error < GOOD:
        return "correct"
    if error < BAD:
        return "look closer (right only if the function has kinks or tiny variances)"
    return "WRONG: there is a bug"


def report(checks: dict) -> str:
    """A table of ``{name: (analytic gradient, numerical gradient)}`` with relative errors."""
    lines = [f"{'gradient':<10}{'relative error':>16}   verdict"]
    for name, (analytic, numeric) in checks.items():
        err = relative_error(analytic, numeric)
        lines.append(f"{name:<10}{err:>16.2e}   {verdict(err)}")
    return "\n".join(lines)
