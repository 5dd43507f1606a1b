"""Probes and known mistakes for notebook 06: one_hot, softmax, hardmax."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite

# --- one_hot ---------------------------------------------------------------------------------


def _labels(rng, C, m, shape_1m=False, dtype=np.int64):
    y = rng.integers(0, C, size=m).astype(dtype)
    if m >= C:  # make sure every class appears at least once, the last one included
        y[rng.permutation(m)[:C]] = np.arange(C)
    return y.reshape(1, m) if shape_1m else y


def _one_hot(y, C, *, dtype=float):
    y = np.asarray(y).reshape(-1)
    Y = np.zeros((C, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


def _oh_transposed(y, C):
    return np.eye(C)[np.asarray(y).reshape(-1)]


def _oh_c_from_labels(y, C):
    y = np.asarray(y).reshape(-1)
    return _one_hot(y, int(y.max()) + 1)


def _oh_int(y, C):
    return _one_hot(y, C, dtype=np.int64)


def _oh_not_flattened(y, C):
    return np.eye(C)[:, y]


def _oh_one_based(y, C):
    y = np.asarray(y).reshape(-1)
    Y = np.zeros((C, y.size))
    Y[y - 1, np.arange(y.size)] = 1.0
    return Y


def _oh_whole_rows(y, C):
    y = np.asarray(y).reshape(-1)
    Y = np.zeros((C, y.size))
    Y[y] = 1.0
    return Y


ONE_HOT = Suite(
    "one_hot",
    visible=[
        Probe("5 labels of shape (5,), C = 3", (np.array([0, 2, 1, 2, 0]), 3)),
        Probe("4 labels of shape (1, 4), C = 4", (np.array([[1, 0, 3, 3]]), 4)),
        Probe("labels that never use the last classes (y = 0 or 1, but C = 4)", (np.array([0, 1, 1, 0, 1]), 4)),
        Probe("one example (m = 1), C = 3", (np.array([2]), 3)),
        Probe("3 labels with C = 3 (as many classes as examples)", (np.array([2, 0, 1]), 3)),
        Probe("one class (C = 1)", (np.array([0, 0, 0]), 1)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({m} label{'s' if m > 1 else ''} of shape {(1, m) if flat else (m,)}, C = {C}"
              f"{', labels ' + np.dtype(dt).name if dt is not np.int64 else ''})",
              (_labels(rng, C, m, flat, dt) if not short else rng.integers(0, max(1, C - 2), size=m), C))
        for i, (C, m, flat, dt, short) in enumerate([
            (10, 12, False, np.int64, False), (2, 7, True, np.int64, False), (5, 1, True, np.int32, False),
            (6, 6, False, np.int32, False), (7, 9, False, np.int64, True), (3, 20, True, np.int64, False),
        ])
    ],
    mistakes=[
        Mistake("Y is transposed: it has one ROW per example (m, C). Examples are the columns: Y must be "
                "(C, m) with Y[y[i], i] = 1 (np.eye(C)[y] gives the transpose).", _oh_transposed),
        Mistake("The number of classes was taken from the labels (max(y) + 1) instead of the argument C. "
                "A batch may not contain every class; Y must always have C rows.", _oh_c_from_labels),
        Mistake("Y has an integer (or boolean) dtype: build it as float64 (np.zeros((C, m)) is float64; "
                "np.zeros_like(y) copies the labels' integer dtype).", _oh_int),
        Mistake("Labels of shape (1, m) were not flattened, so Y got an extra axis. Flatten y first "
                "(y = np.asarray(y).reshape(-1)), then Y[y, np.arange(m)] = 1.", _oh_not_flattened),
        Mistake("The labels were treated as 1..C (Y[y - 1, ...]); here the classes are 0..C-1, so label k "
                "goes to row k.", _oh_one_based),
        Mistake("Whole rows were set to 1 (Y[y] = 1 or Y[y, :] = 1): set one entry per example, the pairs "
                "(y[i], i), with Y[y, np.arange(m)] = 1.", _oh_whole_rows),
    ],
)


# --- softmax ---------------------------------------------------------------------------------


def _stable(Z, axis=0):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _sm_rows(Z):
    return _stable(Z, axis=1)


def _sm_naive(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)


def _sm_global_max(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=0, keepdims=True)


def _sm_row_max(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _sm_mean_shift(Z):
    E = np.exp(Z - Z.mean(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _sm_sum_of_z(Z):
    return np.exp(Z) / Z.sum(axis=0, keepdims=True)


def _sm_sum_of_shifted_z(Z):
    S = Z - Z.max(axis=0, keepdims=True)
    return np.exp(S) / S.sum(axis=0, keepdims=True)


def _sm_no_exp(Z):
    return Z / Z.sum(axis=0, keepdims=True)


def _sm_all_entries(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum()


def _logits(rng, C, m, scale=2.0):
    return scale * rng.standard_normal((C, m))


_r = np.random.default_rng(606)
_Z34 = _logits(_r, 3, 4)
_Z34[:, 3] = 0.75  # a column of equal logits: every class gets 1/3
_Z52 = _logits(_r, 5, 2, scale=4.0)
_Z_huge = np.array([[1e4, -1e4, 1e4, 0.5],
                    [1e4 - 1, -1e4 + 1, -1e4, 0.0],
                    [1e4 - 2, -1e4 + 3, 0.0, -0.5]])
_Z_scales = np.array([[800.0, 1.0], [799.0, 0.0], [790.0, -2.0]])

SOFTMAX = Suite(
    "softmax",
    visible=[
        Probe("3 classes x 4 examples (the last column has equal logits)", (_Z34,)),
        Probe("5 classes x 2 examples", (_Z52,)),
        Probe("one example (m = 1), 4 classes", (np.array([[2.0], [1.0], [0.1], [-3.0]]),)),
        Probe("logits of magnitude 1e4 (exp(1e4) overflows to inf, exp(-1e4) underflows to 0)", (_Z_huge,)),
        Probe("two columns on very different scales (logits near 800 and near 0)", (_Z_scales,)),
        Probe("one class (C = 1): every probability is 1", (np.array([[3.0, -2.0, 0.5]]),)),
        Probe("3 classes x 3 examples", (_logits(_r, 3, 3),)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({C} classes x {m} examples, logits of scale {scale:g})",
              (_logits(rng, C, m, scale),))
        for i, (C, m, scale) in enumerate([(4, 7, 1.0), (10, 1, 3.0), (2, 9, 1e4), (6, 6, 2.0), (1, 5, 5.0),
                                           (3, 12, 900.0), (8, 3, 0.01)])
    ],
    mistakes=[
        Mistake("The softmax was taken over axis 1 (along each ROW, across the examples) instead of down each "
                "column: every column (one example) must sum to 1. Use axis=0 with keepdims=True for the max and "
                "the sum.", _sm_rows),
        Mistake("No maximum was subtracted before np.exp: exp(1e4) overflows to inf (inf / inf = nan) and when "
                "every logit is very negative exp underflows to 0 (0 / 0 = nan). Compute "
                "np.exp(Z - Z.max(axis=0, keepdims=True)): softmax does not change when the same number is "
                "subtracted from every logit of a column.", _sm_naive),
        Mistake("The global maximum of Z was subtracted instead of each column's maximum: a column whose logits "
                "are far below the global maximum underflows to 0 / 0 = nan. Subtract "
                "Z.max(axis=0, keepdims=True), one maximum per column (example).", _sm_global_max),
        Mistake("Each row's maximum (axis=1) was subtracted instead of each column's: the shift must be the same "
                "for every class of an example, so use Z.max(axis=0, keepdims=True).", _sm_row_max),
        Mistake("The column mean was subtracted instead of the column maximum: the result is the same when it "
                "works, but exp(z - mean) still overflows when the logits are spread out (1e4 above the mean). "
                "Only the maximum guarantees that every exponent is <= 0.", _sm_mean_shift),
        Mistake("The exponentials were divided by the sum of Z (the logits) instead of the sum of the "
                "exponentials: A = E / E.sum(axis=0, keepdims=True) with E = np.exp(Z - max).", _sm_sum_of_z),
        Mistake("The exponentials were divided by the sum of the shifted logits instead of the sum of the "
                "exponentials: A = E / E.sum(axis=0, keepdims=True) with E = np.exp(Z - max).",
                _sm_sum_of_shifted_z),
        Mistake("The exponential is missing: softmax is exp(z_j) / sum_k exp(z_k), not z_j / sum_k z_k.", _sm_no_exp),
        Mistake("The exponentials were divided by their sum over the whole matrix: normalize each column on its "
                "own (sum over axis=0 with keepdims=True), so that each example's probabilities sum to 1.",
                _sm_all_entries),
    ],
)


# --- hardmax ---------------------------------------------------------------------------------


def _hm(Z, dtype=float):
    A = np.zeros(Z.shape, dtype=dtype)
    A[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = 1
    return A


def _hm_all_maxima(Z):
    return (Z == Z.max(axis=0, keepdims=True)).astype(float)


def _hm_last_max(Z):
    A = np.zeros(Z.shape)
    A[Z.shape[0] - 1 - np.argmax(Z[::-1], axis=0), np.arange(Z.shape[1])] = 1.0
    return A


def _hm_keeps_value(Z):
    A = np.zeros(Z.shape)
    A[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = Z.max(axis=0)
    return A


def _hm_max_values(Z):
    return Z.max(axis=0, keepdims=True).astype(float)


def _hm_max_values_flat(Z):
    return Z.max(axis=0).astype(float)


def _hm_indices(Z):
    return np.argmax(Z, axis=0)


def _hm_rows(Z):
    A = np.zeros(Z.shape)
    A[np.arange(Z.shape[0]), np.argmax(Z, axis=1)] = 1.0
    return A


def _hm_int(Z):
    return _hm(Z, dtype=np.int64)


def _hm_rounded_softmax(Z):
    return np.round(_stable(Z))


_Z_ties = np.array([[2.0, 0.0, 1.0, 5.0, 3.0],
                    [2.0, 0.0, 3.0, -1.0, 3.0],
                    [1.0, 0.0, 3.0, 5.0, 3.0]])

HARDMAX = Suite(
    "hardmax",
    visible=[
        Probe("3 classes x 5 examples", (_logits(_r, 3, 5),)),
        Probe("ties: two or three equal maxima in a column (the first one wins)", (_Z_ties,)),
        Probe("one example (m = 1)", (np.array([[0.3], [1.2], [-4.0], [1.1]]),)),
        Probe("4 classes x 4 examples", (_logits(_r, 4, 4),)),
        Probe("one class (C = 1)", (np.array([[0.2, -7.0]]),)),
        Probe("integer logits (dtype int64)", (np.array([[3, -1, 0, 2], [1, 4, 0, 2], [2, 0, 5, -3]]),)),
        Probe("logits of magnitude 1e4", (_Z_huge,)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({C} classes x {m} examples{', integer logits with ties' if ties else ''})",
              (rng.integers(-2, 3, size=(C, m)) if ties else _logits(rng, C, m),))
        for i, (C, m, ties) in enumerate([(4, 9, False), (10, 1, False), (2, 6, True), (5, 5, False),
                                          (1, 3, False), (6, 11, True), (3, 8, True)])
    ],
    mistakes=[
        Mistake("hardmax returned several 1s in a column where the maximum is tied (z == max marks every "
                "maximum). Hardmax is a one-hot vector: put a single 1 at np.argmax(z), which picks the FIRST "
                "maximum.", _hm_all_maxima),
        Mistake("On ties the 1 went to the LAST maximum; it must go to the first one, as np.argmax does "
                "(with a loop, update the best class only when a logit is strictly larger).", _hm_last_max),
        Mistake("hardmax put the maximum VALUE of the column where the 1 belongs. The lecture notes say hardmax "
                "turns the highest value into 1: it needs the ARG-max (where the maximum is), then a 1 there and "
                "0 elsewhere, whatever the value.", _hm_keeps_value),
        Mistake("hardmax returned the maximum VALUE of each column (np.max). It needs the ARG-max: a one-hot "
                "column of shape (C, 1) per example with a 1 at np.argmax(z, axis=0), so A has shape (C, m).",
                _hm_max_values),
        Mistake("hardmax returned the maximum VALUE of each column (np.max). It needs the ARG-max: a one-hot "
                "column per example with a 1 at np.argmax(z, axis=0), so A has shape (C, m).", _hm_max_values_flat),
        Mistake("hardmax returned the arg-max indices themselves: turn them into one-hot columns, "
                "A[idx, np.arange(m)] = 1 in an array of zeros of shape (C, m).", _hm_indices),
        Mistake("The maximum was taken along each ROW (axis=1, across the examples) instead of down each column: "
                "each example (column) gets exactly one 1, at np.argmax(Z, axis=0).", _hm_rows),
        Mistake("A has an integer (or boolean) dtype: return float64 (np.zeros(Z.shape) is float64; "
                "np.zeros_like(Z) copies the dtype of integer logits).", _hm_int),
        Mistake("hardmax rounds the softmax: a class can win with a probability below 0.5 (then nothing rounds "
                "to 1). Put a 1 at the arg-max of each column instead.", _hm_rounded_softmax),
    ],
)

SUITES = [ONE_HOT, SOFTMAX, HARDMAX]
