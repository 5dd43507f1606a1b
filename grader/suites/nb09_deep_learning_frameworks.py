"""Probes and known mistakes for notebook 09: pytorch_running_update, PyTorch's update of a
BatchNorm1d layer's running statistics written in NumPy (weight ``momentum`` on the *new*
value; the running variance fed the *unbiased* variance of the batch)."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite


def _update(rmean, rvar, Z, momentum=0.1, *, ddof=1, on_old=False, axis=1, std=False, var_from_mean=False,
            fixed=None, keepdims=True):
    """PyTorch's running-statistics update, making one mistake at a time."""
    p = momentum if fixed is None else fixed
    mean = Z.mean(axis=axis, keepdims=keepdims)
    var = Z.var(axis=axis, ddof=ddof, keepdims=keepdims)
    if std:
        var = np.sqrt(var)
    if var_from_mean:
        var = mean
    if on_old:
        return p * rmean + (1 - p) * mean, p * rvar + (1 - p) * var
    return (1 - p) * rmean + p * mean, (1 - p) * rvar + p * var


def _m(**how):
    return lambda running_mean, running_var, Z, momentum=0.1: _update(running_mean, running_var, Z, momentum, **how)


def _layer(rng, n, m):
    Z = rng.uniform(-3, 3, (n, 1)) + rng.uniform(0.3, 3, (n, 1)) * rng.standard_normal((n, m))
    return rng.normal(0, 1, (n, 1)), rng.uniform(0.5, 2.0, (n, 1)), Z


_r = np.random.default_rng(909)
_a = _layer(_r, 3, 6)
_b = _layer(_r, 5, 3)
_c = _layer(_r, 3, 8)
_c[2][1] = 2.5  # a constant unit: variance 0
_fresh = (np.zeros((4, 1)), np.ones((4, 1)), _layer(_r, 4, 10)[2])

PYTORCH_RUNNING = Suite(
    "pytorch_running_update",
    visible=[
        Probe("3 units x 6 examples, momentum=0.1 (PyTorch's default)", _a),
        Probe("fresh buffers (zeros and ones), 4 units x 10 examples", _fresh),
        Probe("m = 2 examples: the unbiased variance is twice the biased one", _layer(_r, 2, 2)),
        Probe("5 units x 3 examples (more units than examples)", _b),
        Probe("unit 1 constant (variance 0)", _c),
        Probe("momentum=0.5 given by keyword", _layer(_r, 2, 7), {"momentum": 0.5}),
        Probe("momentum=1.0: the buffers become the batch statistics", _layer(_r, 3, 4), {"momentum": 1.0}),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({n} units x {m} examples, momentum={p})", _layer(rng, n, m), {"momentum": p})
        for i, (n, m, p) in enumerate([(4, 5, 0.1), (1, 2, 0.1), (6, 16, 0.01), (3, 3, 0.3), (2, 40, 0.9)])
    ],
    mistakes=[
        Mistake("running_var was fed the biased variance (dividing by m). PyTorch feeds its running variance the "
                "unbiased variance of the batch, dividing by m - 1 (np.var(..., ddof=1)); only the normalization "
                "of the batch itself uses the biased one.", _m(ddof=0), id="biased_variance"),
        Mistake("the momentum weights the old value, as in the course. PyTorch's momentum weights the NEW value: "
                "running = (1 - momentum) * running + momentum * batch.", _m(on_old=True), id="momentum_on_old"),
        Mistake("the statistics were taken over axis 0 (across units) instead of axis 1 (across the m examples). "
                "Use axis=1, keepdims=True.", _m(axis=0), id="axis0"),
        Mistake("running_var was fed the standard deviation; use the (unbiased) variance.", _m(std=True), id="std_fed"),
        Mistake("running_var was updated with the batch mean instead of the batch variance.", _m(var_from_mean=True),
                id="var_from_mean"),
        Mistake("the momentum argument was ignored (0.1 hard-coded): use the momentum passed in.", _m(fixed=0.1),
                id="momentum_ignored"),
        Mistake("the statistics lost their column shape: use keepdims=True so that they are (n, 1).",
                _m(keepdims=False), id="no_keepdims"),
    ],
)

SUITES = [PYTORCH_RUNNING]
