"""Probes and known mistakes for notebook 03: batchnorm_backward.

Every cache is built with the REFERENCE forward pass of notebook 02, so that a learner's
backward pass is judged on its own: a wrong forward pass never costs backward points.
The reference is looked up when the probes are first needed (not at import), so this
module imports even where notebook 02's source is being edited.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..checks.specs import BN_CACHE_KEYS
from . import Mistake, Probe, Suite


def _cache(Z, gamma, beta, epsilon=1e-5) -> dict:
    from ..reference import reference

    _, cache = reference("batchnorm_forward")(Z, gamma, beta, epsilon)
    return {k: cache[k] for k in BN_CACHE_KEYS}


class _Lazy(Sequence):
    """A list of probes built on first use."""

    def __init__(self, build):
        self._build, self._items = build, None

    def _all(self) -> list:
        if self._items is None:
            self._items = list(self._build())
        return self._items

    def __getitem__(self, i):
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())


# --- known mistakes ----------------------------------------------------------------------

def _backward(dZt, cache, *, constants=False, no_var=False, no_mean=False, dgamma_sum=False, dgamma_z=False,
              mean_params=False, extra_m=False, no_m=False, axis=1, no_gamma=False, no_eps=False, swap=False,
              var_sign=False):
    """A configurable batch-norm backward pass that makes one mistake at a time."""
    Z, Zn, g, eps = cache["Z"], cache["Z_norm"], cache["gamma"], cache["epsilon"]
    m = Z.shape[1]
    inv = 1.0 / np.sqrt(cache["sigma2"] + (0.0 if no_eps else eps))

    def total(A):
        return A.sum(axis=axis, keepdims=True)

    dbeta = total(dZt)
    dgamma = total(dZt) if dgamma_sum else total(dZt * (Z if dgamma_z else Zn))
    if mean_params:
        dbeta, dgamma = dbeta / m, dgamma / m
    dZn = dZt if no_gamma else dZt * g
    if constants:
        dZ = dZn * inv
    else:
        mean_term = 0.0 if no_mean else total(dZn)
        var_term = 0.0 if no_var else Zn * total(dZn * Zn)
        dZ = inv * (m * dZn - mean_term + (var_term if var_sign else -var_term))
        if not no_m:
            dZ = dZ / m
        if extra_m:
            dZ = dZ / m
    return (dZ, dbeta, dgamma) if swap else (dZ, dgamma, dbeta)


def _mistake(**how):
    return lambda dZ_tilde, cache: _backward(dZ_tilde, cache, **how)


MISTAKES = [
    Mistake("mu and sigma2 were treated as constants (dZ = gamma * dZ_tilde / sqrt(sigma2 + epsilon)). They are "
            "computed from the whole mini-batch, so every z(i) also moves them: add the paths through mu and "
            "sigma2 (the compact formula subtracts the mean of dZ_norm and Z_norm * mean(dZ_norm * Z_norm)).",
            _mistake(constants=True), id="stats_constant"),
    Mistake("the variance term is missing: dZ lacks - Z_norm * mean(dZ_norm * Z_norm), the path through sigma2. "
            "sigma2 depends on every z(i) too.", _mistake(no_var=True), id="no_variance_term"),
    Mistake("the mean term is missing: dZ lacks - mean(dZ_norm), the path through mu. mu depends on every z(i).",
            _mistake(no_mean=True), id="no_mean_term"),
    Mistake("dgamma was summed without Z_norm: dgamma = sum(dZ_tilde * Z_norm) over the examples, because "
            "Z_tilde = gamma * Z_norm + beta (sum(dZ_tilde) alone is dbeta).", _mistake(dgamma_sum=True),
            id="dgamma_without_z_norm"),
    Mistake("dgamma used Z instead of Z_norm: gamma multiplies Z_norm, so dgamma = sum(dZ_tilde * Z_norm).",
            _mistake(dgamma_z=True), id="dgamma_uses_z"),
    Mistake("dgamma and dbeta have an extra 1/m (a mean instead of a sum). dZ_tilde is already the gradient of "
            "the cost, which holds the 1/m: dgamma and dbeta are SUMS over the examples.",
            _mistake(mean_params=True), id="dparams_mean"),
    Mistake("dZ has an extra 1/m: dZ = (1/m) * gamma / sqrt(sigma2 + epsilon) * (m * dZ_tilde - sum(dZ_tilde) "
            "- Z_norm * sum(dZ_tilde * Z_norm)), with one 1/m only (dZ_tilde already holds the cost's 1/m).",
            _mistake(extra_m=True), id="dz_extra_1_over_m"),
    Mistake("dZ is m times too large: the 1/m of the compact formula is missing, dZ = (1/m) * gamma / "
            "sqrt(sigma2 + epsilon) * (m * dZ_tilde - sum(dZ_tilde) - Z_norm * sum(dZ_tilde * Z_norm)).",
            _mistake(no_m=True), id="dz_missing_1_over_m"),
    Mistake("the sums were taken over the wrong axis (axis 0, across units). Each unit's statistics come from "
            "its own row: sum over the m examples with axis=1, keepdims=True.", _mistake(axis=0), id="axis0"),
    Mistake("gamma was forgotten: dZ_norm = gamma * dZ_tilde, because Z_tilde = gamma * Z_norm + beta.",
            _mistake(no_gamma=True), id="no_gamma"),
    Mistake("epsilon was left out: divide by np.sqrt(sigma2 + epsilon), as the forward pass did.",
            _mistake(no_eps=True), id="no_epsilon"),
    Mistake("dgamma and dbeta are swapped: return (dZ, dgamma, dbeta) in that order.", _mistake(swap=True),
            id="dgamma_dbeta_swapped"),
    Mistake("the variance term has the wrong sign: both the mean and the variance terms are subtracted, "
            "dZ = gamma / sqrt(sigma2 + epsilon) * (dZ_tilde - mean(dZ_tilde) - Z_norm * mean(dZ_tilde * Z_norm)).",
            _mistake(var_sign=True), id="variance_term_sign"),
]


# --- probes ------------------------------------------------------------------------------

def _layer(rng, n, m, eps=1e-5):
    Z = rng.uniform(-3, 3, (n, 1)) + rng.uniform(0.3, 3, (n, 1)) * rng.standard_normal((n, m))
    gamma, beta = rng.uniform(0.5, 2.5, (n, 1)) * rng.choice([-1, 1], (n, 1)), rng.normal(0, 1, (n, 1))
    dZ_tilde = rng.standard_normal((n, m)) / m
    return dZ_tilde, _cache(Z, gamma, beta, eps)


def _visible():
    r = np.random.default_rng(303)
    probes = [Probe("4 units x 6 examples", _layer(r, 4, 6))]
    dZt, cache = _layer(r, 3, 3)
    probes.append(Probe("3 units x 3 examples (square: units and examples are easy to mix up)", (dZt, cache)))
    dZt, cache = _layer(r, 2, 9, 1e-3)
    probes.append(Probe("2 units x 9 examples, epsilon = 1e-3", (dZt, cache)))
    dZt, cache = _layer(r, 3, 1)
    probes.append(Probe("one example (m = 1): Z_norm = 0, so dZ = 0", (dZt, cache)))
    Z = r.normal(0, 2, (3, 5))
    Z[1] = -2.0
    probes.append(Probe("unit 1 constant (variance 0)",
                        (r.standard_normal((3, 5)) / 5, _cache(Z, np.array([[1.5], [2.0], [0.7]]), np.zeros((3, 1))))))
    Zt = np.array([[1.0, 1.002, 0.998, 1.001], [-4.0, 2.0, 0.5, 3.0]])
    probes.append(Probe("a low-variance unit with epsilon = 0.1",
                        (r.standard_normal((2, 4)) / 4, _cache(Zt, np.array([[2.0], [0.5]]), np.ones((2, 1)), 0.1))))
    Z = r.normal(1, 3, (3, 7))
    same = np.array([[0.3], [-1.0], [2.0]]) * np.ones((3, 7)) / 7
    probes.append(Probe("the same upstream gradient for every example (dZ = 0)",
                        (same, _cache(Z, np.array([[1.2], [0.8], [-1.5]]), np.zeros((3, 1))))))
    return probes


def _hidden(rng):
    shapes = [(5, 8, 1e-5), (1, 12, 1e-2), (6, 1, 1e-5), (4, 4, 0.5), (7, 20, 1e-8), (3, 2, 1e-3)]
    return [Probe(f"hidden probe {i + 1} ({n} unit{'s' * (n > 1)} x {m} example{'s' * (m > 1)}, epsilon={eps})",
                  _layer(rng, n, m, eps))
            for i, (n, m, eps) in enumerate(shapes)]


BATCHNORM_BACKWARD = Suite("batchnorm_backward", visible=_Lazy(_visible), hidden=_hidden, mistakes=MISTAKES)

SUITES = [BATCHNORM_BACKWARD]
