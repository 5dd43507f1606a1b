"""Probes and known mistakes for notebook 02: batchnorm_forward."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite, bn_messages


def _cache(Z, Z_norm, mu, sigma2, gamma, beta, epsilon):
    return {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta, "epsilon": epsilon}


def _forward(Z, gamma, beta, epsilon, *, ddof=0, axis=1, eps_outside=False, swap=False, no_affine=False,
             affine_first=False, cache_std=False, cache_tilde=False):
    """A configurable batch-norm forward pass that makes one mistake at a time."""
    if affine_first:
        Z = gamma * Z + beta
    mu = Z.mean(axis=axis, keepdims=True)
    sigma2 = Z.var(axis=axis, ddof=ddof, keepdims=True)
    denom = np.sqrt(sigma2) + epsilon if eps_outside else np.sqrt(sigma2 + epsilon)
    Z_norm = (Z - mu) / denom
    if no_affine or affine_first:
        Z_tilde = Z_norm
    elif swap:
        Z_tilde = beta * Z_norm + gamma
    else:
        Z_tilde = gamma * Z_norm + beta
    cache = _cache(Z, Z_tilde if cache_tilde else Z_norm, mu, np.sqrt(sigma2) if cache_std else sigma2,
                   gamma, beta, epsilon)
    return Z_tilde, cache


def _mistake(**how):
    return lambda Z, gamma, beta, epsilon=1e-5: _forward(Z, gamma, beta, epsilon, **how)


def _layer(rng, n, m):
    Z = rng.uniform(-3, 3, (n, 1)) + rng.uniform(0.2, 4, (n, 1)) * rng.standard_normal((n, m))
    return Z, rng.uniform(0.5, 2.5, (n, 1)), rng.normal(0, 1, (n, 1))


_r = np.random.default_rng(202)
_Z, _g, _b = _layer(_r, 4, 6)
_Z2, _g2, _b2 = _layer(_r, 3, 8)
_Zc, _gc, _bc = _layer(_r, 3, 5)
_Zc[1] = -2.0
_Zt = np.array([[1.0, 1.002, 0.998, 1.001], [-4.0, 2.0, 0.5, 3.0]])
_mu2 = _Z2.mean(1, keepdims=True)
_var2 = _Z2.var(1, keepdims=True)

BATCHNORM_FORWARD = Suite(
    "batchnorm_forward",
    visible=[
        Probe("4 units x 6 examples", (_Z, _g, _b)),
        Probe("gamma = sqrt(sigma2 + eps), beta = mu (recovers Z)", (_Z2, np.sqrt(_var2 + 1e-5), _mu2)),
        Probe("one example (m = 1)", (_Z[:, :1], _g, _b)),
        Probe("unit 1 constant", (_Zc, _gc, _bc)),
        Probe("a low-variance unit with epsilon = 0.1", (_Zt, np.ones((2, 1)), np.zeros((2, 1))), {"epsilon": 0.1}),
        Probe("2 units x 9 examples, epsilon = 1e-3", _layer(_r, 2, 9), {"epsilon": 1e-3}),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({n} units x {m} examples, epsilon={eps})", _layer(rng, n, m), {"epsilon": eps})
        for i, (n, m, eps) in enumerate([(5, 3, 1e-5), (1, 10, 1e-2), (6, 1, 1e-5), (3, 16, 0.5), (7, 7, 1e-8)])
    ],
    mistakes=[
        Mistake(bn_messages.UNBIASED, _mistake(ddof=1), id="unbiased_variance"),
        Mistake(bn_messages.EPS_OUTSIDE, _mistake(eps_outside=True), id="eps_outside_sqrt"),
        Mistake(bn_messages.AXIS0, _mistake(axis=0), id="axis0"),
        Mistake(bn_messages.SWAPPED, _mistake(swap=True), id="gamma_beta_swapped"),
        Mistake(bn_messages.NO_AFFINE, _mistake(no_affine=True), id="no_scale_shift"),
        Mistake("gamma and beta were applied before normalizing, so normalization undid them. Normalize first, "
                "then scale and shift.", _mistake(affine_first=True), id="scale_shift_first"),
        Mistake('cache["sigma2"] holds the standard deviation; store the variance, the backward pass needs it.',
                _mistake(cache_std=True), id="cache_std"),
        Mistake('cache["Z_norm"] holds Z_tilde; store the normalized Z before the scale and shift.',
                _mistake(cache_tilde=True), id="cache_z_tilde"),
    ],
)

SUITES = [BATCHNORM_FORWARD]
