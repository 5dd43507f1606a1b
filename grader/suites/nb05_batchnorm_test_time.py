"""Probes and known mistakes for notebook 05: update_running_averages, batchnorm_inference."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite


def _stats(rng, n):
    """Running statistics and a mini-batch's statistics of n units, all (n, 1)."""
    return (rng.normal(0, 2, (n, 1)), rng.uniform(0.2, 5.0, (n, 1)),
            rng.normal(0, 2, (n, 1)), rng.uniform(0.2, 5.0, (n, 1)))


def _plural(k, word):
    return f"{k} {word}{'s' * (k != 1)}"


# --- update_running_averages -------------------------------------------------------------

def _update(rmu, rs2, mu, s2, momentum=0.9, *, how=""):
    """A running-average update that makes one mistake at a time (``how``)."""
    new_mu = momentum * rmu + (1 - momentum) * mu
    new_s2 = momentum * rs2 + (1 - momentum) * s2
    if how == "reversed":
        new_mu = (1 - momentum) * rmu + momentum * mu
        new_s2 = (1 - momentum) * rs2 + momentum * s2
    elif how == "var_kept":
        new_s2 = rs2.copy()
    elif how == "mu_kept":
        new_mu = rmu.copy()
    elif how == "std_in":
        new_s2 = momentum * rs2 + (1 - momentum) * np.sqrt(s2)
    elif how == "std_out":
        new_s2 = np.sqrt(new_s2)
    elif how == "replaced":
        new_mu, new_s2 = mu.copy(), s2.copy()
    elif how == "swapped":
        new_mu, new_s2 = new_s2, new_mu
    elif how == "crossed":
        new_s2 = momentum * rs2 + (1 - momentum) * mu
    elif how == "fixed":
        new_mu = 0.9 * rmu + 0.1 * mu
        new_s2 = 0.9 * rs2 + 0.1 * s2
    elif how == "no_decay":
        new_mu = rmu + (1 - momentum) * mu
        new_s2 = rs2 + (1 - momentum) * s2
    return new_mu, new_s2


def _u(how):
    return lambda running_mu, running_sigma2, mu, sigma2, momentum=0.9: _update(
        running_mu, running_sigma2, mu, sigma2, momentum, how=how)


_r = np.random.default_rng(505)
_s3 = _stats(_r, 3)
_s4 = _stats(_r, 4)
_s1 = _stats(_r, 1)
_first = (np.zeros((3, 1)), np.ones((3, 1)), np.array([[4.0], [-1.0], [0.5]]), np.array([[9.0], [0.25], [2.0]]))

UPDATE = Suite(
    "update_running_averages",
    visible=[
        Probe("3 units, momentum 0.9 (the default)", _s3),
        Probe("the first update from the initial values (running_mu = 0, running_sigma2 = 1)", _first),
        Probe("4 units, momentum = 0.99 given by keyword (Keras's default)", _s4, {"momentum": 0.99}),
        Probe("1 unit, momentum = 0.5", _s1, {"momentum": 0.5}),
        Probe("momentum = 0: the running values become the batch's", _s3, {"momentum": 0.0}),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({_plural(n, 'unit')}, "
              + ("default momentum)" if mom is None else f"momentum={mom})"), _stats(rng, n),
              {} if mom is None else {"momentum": mom})
        for i, (n, mom) in enumerate([(5, None), (2, 0.8), (1, 0.95), (6, 0.3), (3, 0.999)])
    ],
    mistakes=[
        Mistake("the momentum is reversed: the old running value gets the weight momentum and the batch "
                "statistic 1 - momentum, running = momentum * running + (1 - momentum) * batch. With momentum "
                "0.9 the average moves only 10% of the way toward each new batch.", _u("reversed"),
                id="momentum_reversed"),
        Mistake("running_sigma2 was left un-updated: it must be averaged like running_mu, "
                "momentum * running_sigma2 + (1 - momentum) * sigma2.", _u("var_kept"), id="sigma2_not_updated"),
        Mistake("running_mu was left un-updated: running_mu = momentum * running_mu + (1 - momentum) * mu.",
                _u("mu_kept"), id="mu_not_updated"),
        Mistake("the running variance was replaced by a standard deviation (np.sqrt(sigma2) was averaged in). "
                "Average the variance itself: momentum * running_sigma2 + (1 - momentum) * sigma2.", _u("std_in"),
                id="std_averaged"),
        Mistake("the running variance was replaced by a standard deviation (a square root of the average). "
                "Keep the variance: running_sigma2 = momentum * running_sigma2 + (1 - momentum) * sigma2.",
                _u("std_out"), id="sqrt_of_average"),
        Mistake("the running averages were replaced by the batch statistics: average them, "
                "running = momentum * running + (1 - momentum) * batch.", _u("replaced"), id="batch_stats_returned"),
        Mistake("the two outputs are swapped: return (running_mu, running_sigma2) in that order.", _u("swapped"),
                id="outputs_swapped"),
        Mistake("running_sigma2 was updated with mu instead of sigma2.", _u("crossed"), id="sigma2_from_mu"),
        Mistake("the momentum argument was ignored (0.9 hard-coded): use the momentum passed in.", _u("fixed"),
                id="momentum_ignored"),
        Mistake("the old running value was not multiplied by momentum (running + (1 - momentum) * batch): "
                "running = momentum * running + (1 - momentum) * batch.", _u("no_decay"), id="no_decay"),
    ],
)


# --- batchnorm_inference -----------------------------------------------------------------

def _infer(Z, gamma, beta, rmu, rs2, epsilon=1e-5, *, how=""):
    """Batch norm at test time that makes one mistake at a time (``how``)."""
    mu, s2 = rmu, rs2
    if how == "batch":
        mu, s2 = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    elif how == "batch_mean":
        mu = Z.mean(axis=1, keepdims=True)
    if how == "eps_outside":
        Z_norm = (Z - mu) / (np.sqrt(s2) + epsilon)
    elif how == "no_eps":
        Z_norm = (Z - mu) / np.sqrt(s2)
    elif how == "by_variance":
        Z_norm = (Z - mu) / (s2 + epsilon)
    elif how == "fixed_eps":
        Z_norm = (Z - mu) / np.sqrt(s2 + 1e-5)
    elif how == "not_centred":
        Z_norm = Z / np.sqrt(s2 + epsilon)
    else:
        Z_norm = (Z - mu) / np.sqrt(s2 + epsilon)
    if how == "no_affine":
        return Z_norm
    if how == "swap":
        return beta * Z_norm + gamma
    return gamma * Z_norm + beta


def _i(how):
    return lambda Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5: _infer(
        Z, gamma, beta, running_mu, running_sigma2, epsilon, how=how)


def _test_layer(rng, n, m):
    rmu, rs2 = rng.normal(0, 2, (n, 1)), rng.uniform(0.3, 6.0, (n, 1))
    # test examples from a slightly different distribution than the running statistics describe
    Z = rmu + rng.normal(0.5, 1.0, (n, 1)) + np.sqrt(rs2) * rng.uniform(0.6, 1.6, (n, 1)) * rng.standard_normal((n, m))
    gamma, beta = rng.uniform(0.5, 2.5, (n, 1)), rng.normal(0, 1, (n, 1))
    return Z, gamma, beta, rmu, rs2


_Z5 = _test_layer(_r, 3, 5)
_Zc = list(_test_layer(_r, 3, 4))
_Zc[0] = _Zc[0].copy()
_Zc[0][1] = 2.5
_Zt = (np.array([[0.001, -0.002, 0.0005], [1.0, 3.0, -2.0]]), np.array([[2.0], [1.0]]), np.array([[0.5], [-1.0]]),
       np.array([[0.0], [0.5]]), np.array([[1e-6], [4.0]]))

INFERENCE = Suite(
    "batchnorm_inference",
    visible=[
        Probe("a test batch of 5 examples", _Z5),
        Probe("one test example (m = 1)", tuple(a[:, :1] if i == 0 else a for i, a in enumerate(_Z5))),
        Probe("unit 1 constant over the test batch", tuple(_Zc)),
        Probe("a tiny running variance (1e-6) with epsilon = 0.1", _Zt, {"epsilon": 0.1}),
        Probe("2 units x 7 examples, epsilon = 1e-3 given by keyword", _test_layer(_r, 2, 7), {"epsilon": 1e-3}),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({_plural(n, 'unit')} x {_plural(m, 'example')}, epsilon={eps})",
              _test_layer(rng, n, m), {"epsilon": eps})
        for i, (n, m, eps) in enumerate([(4, 6, 1e-5), (2, 1, 1e-5), (1, 9, 0.01), (5, 3, 0.5), (3, 12, 1e-8)])
    ],
    mistakes=[
        Mistake("the batch statistics were used at test time (the mean and variance of Z). At test time "
                "normalize with running_mu and running_sigma2: the output of an example must not depend on "
                "the other examples of the batch, and a single example has variance 0.", _i("batch"),
                id="batch_statistics"),
        Mistake("the batch mean was used at test time instead of running_mu.", _i("batch_mean"), id="batch_mean"),
        Mistake("gamma and beta were dropped at test time: the learned scale and shift still apply, "
                "Z_tilde = gamma * Z_norm + beta.", _i("no_affine"), id="no_scale_shift"),
        Mistake("epsilon is outside the square root: divide by np.sqrt(running_sigma2 + epsilon), as in "
                "training.", _i("eps_outside"), id="eps_outside_sqrt"),
        Mistake("epsilon was left out: divide by np.sqrt(running_sigma2 + epsilon), as in training.", _i("no_eps"),
                id="no_epsilon"),
        Mistake("Z - running_mu was divided by the variance: divide by the standard deviation, "
                "np.sqrt(running_sigma2 + epsilon).", _i("by_variance"), id="divided_by_variance"),
        Mistake("the epsilon argument was ignored (1e-5 hard-coded): use the epsilon passed in.", _i("fixed_eps"),
                id="epsilon_ignored"),
        Mistake("running_mu was not subtracted: Z_norm = (Z - running_mu) / np.sqrt(running_sigma2 + epsilon).",
                _i("not_centred"), id="not_centred"),
        Mistake("gamma and beta are swapped: Z_tilde = gamma * Z_norm + beta.", _i("swap"), id="gamma_beta_swapped"),
    ],
)

SUITES = [UPDATE, INFERENCE]
