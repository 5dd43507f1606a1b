"""Probes and known mistakes for notebook 01: compute_mean_variance, normalize_inputs."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite


def _features(rng, n, m, spread=None, offset=None):
    spread = rng.uniform(0.5, 20.0, size=(n, 1)) if spread is None else spread
    offset = rng.uniform(-50.0, 50.0, size=(n, 1)) if offset is None else offset
    return offset + spread * rng.standard_normal((n, m))


_r = np.random.default_rng(101)
_X35 = _features(_r, 3, 5)
_X53 = _features(_r, 5, 3)
_X_const = _features(_r, 4, 6)
_X_const[2] = 7.25
_X_train = _features(_r, 3, 40)
_X_test = _features(_r, 3, 4, spread=np.array([[2.0], [30.0], [0.1]]), offset=np.array([[5.0], [-20.0], [1.0]]))
_train_mu = _X_train.mean(axis=1, keepdims=True)
_train_var = _X_train.var(axis=1, keepdims=True)


# --- compute_mean_variance -------------------------------------------------------------

def _unbiased(X):
    return X.mean(axis=1, keepdims=True), X.var(axis=1, ddof=1, keepdims=True)


def _axis0(X):
    return X.mean(axis=0, keepdims=True), X.var(axis=0, keepdims=True)


def _std(X):
    return X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)


def _uncentered(X):
    return X.mean(axis=1, keepdims=True), (X ** 2).mean(axis=1, keepdims=True)


def _swapped(X):
    return X.var(axis=1, keepdims=True), X.mean(axis=1, keepdims=True)


def _no_keepdims(X):
    return X.mean(axis=1), X.var(axis=1)


def _all_entries(X):
    return np.full((X.shape[0], 1), X.mean()), np.full((X.shape[0], 1), X.var())


MEAN_VARIANCE = Suite(
    "compute_mean_variance",
    visible=[
        Probe("3 features x 5 examples", (_X35,)),
        Probe("5 features x 3 examples (more features than examples)", (_X53,)),
        Probe("2 features x 1 example (m = 1)", (np.array([[3.0], [-1.5]]),)),
        Probe("4 features x 6 examples, feature 2 constant", (_X_const,)),
        Probe("1 feature x 7 integer-valued examples", (np.arange(7.0).reshape(1, 7) * 3,)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({n} features x {m} examples)", (_features(rng, n, m),))
        for i, (n, m) in enumerate([(2, 9), (6, 4), (1, 1), (7, 13), (3, 2), (4, 4)])
    ],
    mistakes=[
        Mistake("sigma2 is the unbiased variance (dividing by m - 1). Normalization uses the population "
                "variance, the mean of (X - mu)**2 over the m examples (np.var's default ddof=0).", _unbiased),
        Mistake("The statistics were taken over axis 0 (across features) instead of axis 1 (across the m "
                "examples). Examples are the columns of X: use axis=1, keepdims=True.", _axis0),
        Mistake("sigma2 is the standard deviation, not the variance (no square root here).", _std),
        Mistake("sigma2 is the mean of X**2: subtract the mean first, sigma2 = mean((X - mu)**2).", _uncentered),
        Mistake("mu and sigma2 are swapped: return (mu, sigma2) in that order.", _swapped),
        Mistake("mu and sigma2 lost their column shape: use keepdims=True so that they are (n, 1).", _no_keepdims),
        Mistake("The statistics were taken over every entry of X at once; take them per feature (axis=1).", _all_entries),
    ],
)


# --- normalize_inputs --------------------------------------------------------------------

def _recomputes(X, mu, sigma2, epsilon=1e-5):
    mu, sigma2 = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
    return (X - mu) / np.sqrt(sigma2 + epsilon)


def _eps_outside(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) / (np.sqrt(sigma2) + epsilon)


def _no_eps(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) / np.sqrt(sigma2)


def _by_variance(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) / (sigma2 + epsilon)


def _not_centered(X, mu, sigma2, epsilon=1e-5):
    return X / np.sqrt(sigma2 + epsilon)


def _fixed_eps(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) / np.sqrt(sigma2 + 1e-5)


def _eps_added_to_x(X, mu, sigma2, epsilon=1e-5):
    return (X - mu + epsilon) / np.sqrt(sigma2)


_tiny_X = np.array([[0.001, -0.001, 0.002, 0.0], [1.0, 2.0, 3.0, 4.0]])
_tiny_mu = np.array([[0.0005], [2.5]])
_tiny_var = np.array([[1e-6], [1.25]])

NORMALIZE = Suite(
    "normalize_inputs",
    visible=[
        Probe("a test batch of 4 examples normalized with the training set's statistics",
              (_X_test, _train_mu, _train_var)),
        Probe("one test example (m = 1) with the training statistics", (_X_test[:, :1], _train_mu, _train_var)),
        Probe("a tiny variance (1e-6) with a large epsilon (0.01)", (_tiny_X, _tiny_mu, _tiny_var), {"epsilon": 1e-2}),
        Probe("a constant feature (variance 0)", (np.full((2, 3), 4.0), np.full((2, 1), 4.0), np.zeros((2, 1)))),
        Probe("epsilon = 0.5 given by keyword", (_X35, _X35.mean(1, keepdims=True), _X35.var(1, keepdims=True)),
              {"epsilon": 0.5}),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({n} features x {m} examples, epsilon={eps})",
              (_features(rng, n, m), rng.normal(0, 5, (n, 1)), rng.uniform(0.0, 9.0, (n, 1))), {"epsilon": eps})
        for i, (n, m, eps) in enumerate([(3, 7, 1e-5), (1, 1, 0.1), (5, 2, 1e-3), (2, 12, 2.0), (4, 4, 1e-8)])
    ],
    mistakes=[
        Mistake("mu and sigma2 were recomputed from X instead of using the ones given. A test set is normalized "
                "with the training set's statistics, so that both go through the same transformation.", _recomputes),
        Mistake("epsilon is outside the square root: divide by np.sqrt(sigma2 + epsilon), not "
                "np.sqrt(sigma2) + epsilon.", _eps_outside),
        Mistake("epsilon was left out: divide by np.sqrt(sigma2 + epsilon) so that a zero variance "
                "cannot divide by zero.", _no_eps),
        Mistake("X was divided by the variance: divide by the standard deviation, np.sqrt(sigma2 + epsilon).", _by_variance),
        Mistake("mu was not subtracted: X_norm = (X - mu) / np.sqrt(sigma2 + epsilon).", _not_centered),
        Mistake("the epsilon argument was ignored (1e-5 hard-coded): use the epsilon passed in.", _fixed_eps),
        Mistake("epsilon was added to X - mu instead of to sigma2 under the square root.", _eps_added_to_x),
    ],
)

SUITES = [MEAN_VARIANCE, NORMALIZE]
