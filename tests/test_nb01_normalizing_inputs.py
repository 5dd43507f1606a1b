"""Notebook 01: correct and wrong implementations, and the reference against an oracle."""
from __future__ import annotations

import statistics

import numpy as np
import pytest

from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

# --- compute_mean_variance -----------------------------------------------------------------


def mv_np_var(X):
    return np.mean(X, axis=1, keepdims=True), np.var(X, axis=1, keepdims=True)


def mv_loops(X):
    n, m = X.shape
    mu, sigma2 = np.zeros((n, 1)), np.zeros((n, 1))
    for j in range(n):
        total = 0.0
        for i in range(m):
            total += X[j, i]
        mu[j, 0] = total / m
        sq = 0.0
        for i in range(m):
            sq += (X[j, i] - mu[j, 0]) ** 2
        sigma2[j, 0] = sq / m
    return mu, sigma2


def mv_einsum(X):
    m = X.shape[1]
    mu = np.einsum("ij->i", X)[:, None] / m
    D = X - mu
    return mu, np.einsum("ij,ij->i", D, D)[:, None] / m


def mv_sum_of_squares(X):
    m = X.shape[1]
    mu = X.sum(axis=1, keepdims=True) / m
    return mu, (X * X).sum(axis=1, keepdims=True) / m - mu ** 2


def mv_matmul(X):
    m = X.shape[1]
    ones = np.ones((m, 1))
    mu = X @ ones / m
    return mu, ((X - mu) ** 2) @ ones / m


@pytest.mark.parametrize("fn", [mv_np_var, mv_loops, mv_einsum, mv_sum_of_squares, mv_matmul])
def test_correct_mean_variance_pass(fn):
    assert_accepted("compute_mean_variance", fn)


def mv_float32(X):
    X = X.astype(np.float32)
    return X.mean(1, keepdims=True), X.var(1, keepdims=True)


def mv_mutates(X):
    X -= 0  # harmless
    mu = X.mean(1, keepdims=True)
    X -= mu  # centres X in place
    return mu, (X ** 2).mean(1, keepdims=True)


def mv_list(X):
    return [list(X.mean(1)), list(X.var(1))]


WRONG_MV = [
    (lambda X: (X.mean(1, keepdims=True), X.var(1, ddof=1, keepdims=True)), "unbiased variance"),
    (lambda X: (X.mean(0, keepdims=True), X.var(0, keepdims=True)), "axis 0"),
    (lambda X: (X.mean(1), X.var(1)), "keepdims"),
    (lambda X: (X.mean(1, keepdims=True), X.std(1, keepdims=True)), "standard deviation"),
    (lambda X: (X.mean(1, keepdims=True), (X ** 2).mean(1, keepdims=True)), "subtract the mean"),
    (lambda X: (X.var(1, keepdims=True), X.mean(1, keepdims=True)), "swapped"),
    (lambda X: X.mean(1, keepdims=True), "tuple"),
    (mv_float32, "float64"),
    (mv_mutates, "in place"),
    (mv_list, "numpy array"),
    (lambda X: (X.mean(1, keepdims=True), X.var(1, keepdims=True) * (1 / (X.shape[1] - X.shape[1]))),
     "raised ZeroDivisionError"),
]


@pytest.mark.parametrize("fn,words", WRONG_MV, ids=[w for _, w in WRONG_MV])
def test_wrong_mean_variance_named(fn, words):
    assert_rejected("compute_mean_variance", fn, words)


# --- normalize_inputs ----------------------------------------------------------------------


def norm_plain(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) / np.sqrt(sigma2 + epsilon)


def norm_loops(X, mu, sigma2, epsilon=1e-5):
    out = np.empty_like(X, dtype=float)
    for j in range(X.shape[0]):
        for i in range(X.shape[1]):
            out[j, i] = (X[j, i] - mu[j, 0]) / (sigma2[j, 0] + epsilon) ** 0.5
    return out


def norm_copy_inplace(X, mu, sigma2, epsilon=1e-5):
    Y = X.copy()
    Y -= mu
    Y /= np.sqrt(sigma2 + epsilon)
    return Y


def norm_multiply(X, mu, sigma2, epsilon=1e-5):
    return (X - mu) * (1.0 / np.sqrt(sigma2 + epsilon))


@pytest.mark.parametrize("fn", [norm_plain, norm_loops, norm_copy_inplace, norm_multiply])
def test_correct_normalize_pass(fn):
    assert_accepted("normalize_inputs", fn)


def norm_inplace(X, mu, sigma2, epsilon=1e-5):
    X -= mu
    X /= np.sqrt(sigma2 + epsilon)
    return X


def norm_returns_input_view(X, mu, sigma2, epsilon=1e-5):
    out = (X - mu) / np.sqrt(sigma2 + epsilon)
    X[...] = out
    return X


WRONG_NORM = [
    (lambda X, mu, s2, epsilon=1e-5: (X - X.mean(1, keepdims=True)) / np.sqrt(X.var(1, keepdims=True) + epsilon),
     "recomputed"),
    (lambda X, mu, s2, epsilon=1e-5: (X - mu) / (np.sqrt(s2) + epsilon), "outside the square root"),
    (lambda X, mu, s2, epsilon=1e-5: (X - mu) / np.sqrt(s2), "epsilon was left out"),
    (lambda X, mu, s2, epsilon=1e-5: (X - mu) / (s2 + epsilon), "divided by the variance"),
    (lambda X, mu, s2, epsilon=1e-5: X / np.sqrt(s2 + epsilon), "mu was not subtracted"),
    (lambda X, mu, s2, epsilon=1e-5: (X - mu) / np.sqrt(s2 + 1e-5), "ignored"),
    (norm_inplace, "in place"),
    (norm_returns_input_view, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_NORM, ids=[w for _, w in WRONG_NORM])
def test_wrong_normalize_named(fn, words):
    assert_rejected("normalize_inputs", fn, words)


# --- the reference against independent oracles ----------------------------------------------


def test_reference_mean_variance_matches_statistics_module():
    rng = np.random.default_rng(7)
    X = rng.normal(3, 2, (4, 9))
    mu, sigma2 = reference("compute_mean_variance")(X)
    assert mu.shape == sigma2.shape == (4, 1) and mu.dtype == sigma2.dtype == np.float64
    for j in range(4):
        row = [float(v) for v in X[j]]
        assert mu[j, 0] == pytest.approx(statistics.fmean(row), rel=1e-14)
        assert sigma2[j, 0] == pytest.approx(statistics.pvariance(row), rel=1e-12)


def test_reference_normalize_gives_zero_mean_unit_variance_and_keeps_inputs():
    rng = np.random.default_rng(8)
    X = rng.normal(50, 10, (3, 500))
    before = X.copy()
    mu, sigma2 = X.mean(1, keepdims=True), X.var(1, keepdims=True)
    Xn = reference("normalize_inputs")(X, mu, sigma2, epsilon=0.0)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_allclose(Xn.mean(1), 0, atol=1e-12)
    np.testing.assert_allclose(Xn.var(1), 1, rtol=1e-12)
    # closed form with epsilon: the variance becomes sigma2 / (sigma2 + epsilon)
    Xe = reference("normalize_inputs")(X, mu, sigma2, epsilon=25.0)
    np.testing.assert_allclose(Xe.var(1, keepdims=True), sigma2 / (sigma2 + 25.0), rtol=1e-12)
