"""Notebook 02: correct and wrong batch-norm forward passes, and the reference vs oracles."""
from __future__ import annotations

import statistics

import numpy as np
import pytest

from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected


def _cache(Z, Z_norm, mu, sigma2, gamma, beta, epsilon):
    return {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta, "epsilon": epsilon}


def bn_np_var(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    sigma2 = Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, sigma2, gamma, beta, epsilon)


def bn_loops(Z, gamma, beta, epsilon=1e-5):
    n, m = Z.shape
    mu, sigma2 = np.zeros((n, 1)), np.zeros((n, 1))
    Z_norm, Z_tilde = np.zeros((n, m)), np.zeros((n, m))
    for j in range(n):
        mu[j, 0] = sum(Z[j, i] for i in range(m)) / m
        sigma2[j, 0] = sum((Z[j, i] - mu[j, 0]) ** 2 for i in range(m)) / m
        for i in range(m):
            Z_norm[j, i] = (Z[j, i] - mu[j, 0]) / np.sqrt(sigma2[j, 0] + epsilon)
            Z_tilde[j, i] = gamma[j, 0] * Z_norm[j, i] + beta[j, 0]
    return Z_tilde, _cache(Z.copy(), Z_norm, mu, sigma2, gamma.copy(), beta.copy(), float(epsilon))


def bn_einsum(Z, gamma, beta, epsilon=1e-5):
    m = Z.shape[1]
    mu = np.einsum("ij->i", Z)[:, None] / m
    D = Z - mu
    sigma2 = np.einsum("ij,ij->i", D, D)[:, None] / m
    inv = 1.0 / np.sqrt(sigma2 + epsilon)
    Z_norm = D * inv
    return np.einsum("i,ij->ij", gamma[:, 0], Z_norm) + beta, _cache(Z, Z_norm, mu, sigma2, gamma, beta, epsilon)


def bn_extra_keys(Z, gamma, beta, epsilon=1e-5):
    Z_tilde, cache = bn_np_var(Z, gamma, beta, epsilon)
    cache["std"] = np.sqrt(cache["sigma2"] + epsilon)
    cache["Z_centered"] = Z - cache["mu"]
    return Z_tilde, cache


def bn_list_return(Z, gamma, beta, epsilon=1e-5):
    return list(bn_np_var(Z, gamma, beta, epsilon))


@pytest.mark.parametrize("fn", [bn_np_var, bn_loops, bn_einsum, bn_extra_keys, bn_list_return])
def test_correct_batchnorm_forward_pass(fn):
    assert_accepted("batchnorm_forward", fn)


def _forward(Z, gamma, beta, epsilon=1e-5, ddof=0, axis=1):
    mu = Z.mean(axis=axis, keepdims=True)
    sigma2 = Z.var(axis=axis, ddof=ddof, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    return Z_norm, mu, sigma2


def bn_unbiased(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon, ddof=1)
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_eps_outside(Z, gamma, beta, epsilon=1e-5):
    mu, s2 = Z.mean(1, keepdims=True), Z.var(1, keepdims=True)
    Z_norm = (Z - mu) / (np.sqrt(s2) + epsilon)
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_axis0(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon, axis=0)
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_swapped(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    return beta * Z_norm + gamma, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_no_affine(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    return Z_norm, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_affine_first(Z, gamma, beta, epsilon=1e-5):
    Zs = gamma * Z + beta
    Z_norm, mu, s2 = _forward(Zs, gamma, beta, epsilon)
    return Z_norm, _cache(Zs, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_cache_std(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, np.sqrt(s2), gamma, beta, epsilon)


def bn_cache_tilde(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, _cache(Z, Z_tilde, mu, s2, gamma, beta, epsilon)


def bn_missing_keys(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    return gamma * Z_norm + beta, {"Z_norm": Z_norm, "mu": mu}


def bn_inplace(Z, gamma, beta, epsilon=1e-5):
    mu, s2 = Z.mean(1, keepdims=True), Z.var(1, keepdims=True)
    Z -= mu
    Z /= np.sqrt(s2 + epsilon)
    Z_norm = Z.copy()
    return gamma * Z_norm + beta, _cache(Z, Z_norm, mu, s2, gamma, beta, epsilon)


def bn_no_cache(Z, gamma, beta, epsilon=1e-5):
    Z_norm, mu, s2 = _forward(Z, gamma, beta, epsilon)
    return gamma * Z_norm + beta


def bn_fixed_epsilon(Z, gamma, beta, epsilon=1e-5):
    return bn_np_var(Z, gamma, beta)


def bn_returns_view_of_input(Z, gamma, beta, epsilon=1e-5):
    Z_tilde, cache = bn_np_var(Z, gamma, beta, epsilon)
    Z[...] = Z_tilde
    return Z, cache


WRONG = [
    (bn_unbiased, "unbiased variance"),
    (bn_eps_outside, "outside the square root"),
    (bn_axis0, "axis 0"),
    (bn_swapped, "swapped"),
    (bn_no_affine, "scale and shift are missing"),
    (bn_affine_first, "before normalizing"),
    (bn_cache_std, "standard deviation"),
    (bn_cache_tilde, 'cache["Z_norm"] holds Z_tilde'),
    (bn_missing_keys, "missing the key"),
    (bn_inplace, "in place"),
    (bn_no_cache, "tuple"),
    (bn_fixed_epsilon, "epsilon"),
    (bn_returns_view_of_input, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG, ids=[f.__name__ for f, _ in WRONG])
def test_wrong_batchnorm_forward_named(fn, words):
    assert_rejected("batchnorm_forward", fn, words)


def test_reference_matches_statistics_module_and_closed_forms():
    rng = np.random.default_rng(3)
    Z = rng.normal(2, 3, (3, 11))
    gamma, beta = rng.uniform(0.5, 2, (3, 1)), rng.normal(0, 1, (3, 1))
    before = Z.copy()
    Z_tilde, cache = reference("batchnorm_forward")(Z, gamma, beta, epsilon=1e-5)
    np.testing.assert_array_equal(Z, before)
    assert Z_tilde.shape == Z.shape and Z_tilde.dtype == np.float64
    for j in range(3):
        row = [float(v) for v in Z[j]]
        mu, var = statistics.fmean(row), statistics.pvariance(row)
        assert cache["mu"][j, 0] == pytest.approx(mu, rel=1e-13)
        assert cache["sigma2"][j, 0] == pytest.approx(var, rel=1e-12)
        expected = [gamma[j, 0] * (z - mu) / (var + 1e-5) ** 0.5 + beta[j, 0] for z in row]
        np.testing.assert_allclose(Z_tilde[j], expected, rtol=1e-12)
    # mean beta and std gamma * sqrt(var / (var + eps)) per unit, for any gamma and beta
    np.testing.assert_allclose(Z_tilde.mean(1, keepdims=True), beta, atol=1e-12)
    np.testing.assert_allclose(Z_tilde.std(1, keepdims=True),
                               gamma * np.sqrt(cache["sigma2"] / (cache["sigma2"] + 1e-5)), rtol=1e-10)


def test_reference_recovers_identity():
    Z = np.random.default_rng(4).normal(5, 2, (4, 7))
    mu, var = Z.mean(1, keepdims=True), Z.var(1, keepdims=True)
    Z_tilde, _ = reference("batchnorm_forward")(Z, np.sqrt(var + 1e-5), mu)
    np.testing.assert_allclose(Z_tilde, Z, rtol=1e-12)
