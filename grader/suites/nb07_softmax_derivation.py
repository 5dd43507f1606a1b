"""Probes and known mistakes for notebook 07: cross_entropy_cost, softmax_jacobian,
softmax_cross_entropy_backward."""
from __future__ import annotations

import numpy as np

from . import Mistake, Probe, Suite


def _softmax(Z, axis=0):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _predictions(rng, C, m, scale=2.0):
    """Y_hat (C, m) = softmax of random logits, and one-hot labels Y (C, m) with every class used."""
    Y_hat = _softmax(scale * rng.standard_normal((C, m)))
    y = rng.integers(0, C, size=m)
    if m >= C:
        y[rng.permutation(m)[:C]] = np.arange(C)
    Y = np.zeros((C, m))
    Y[y, np.arange(m)] = 1.0
    return Y_hat, Y


def _soft_labels(rng, C, m, smoothing=0.1):
    """Label smoothing: (1 - smoothing) on the true class, smoothing / C spread over all classes."""
    Y_hat, Y = _predictions(rng, C, m)
    return Y_hat, (1 - smoothing) * Y + smoothing / C


_r = np.random.default_rng(707)
_P34 = _predictions(_r, 3, 4)
_P52 = _predictions(_r, 5, 2)
_P41 = _predictions(_r, 4, 1)
_P_soft = _soft_labels(_r, 4, 3)
_P26 = _predictions(_r, 2, 6)
_P_zeros = (np.array([[0.7, 0.0, 0.2, 0.0], [0.3, 1.0, 0.0, 0.0], [0.0, 0.0, 0.8, 1.0]]),
            np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]))
_P_perfect = (np.eye(3)[:, [0, 2, 1, 2, 0]], np.eye(3)[:, [0, 2, 1, 2, 0]])
_P_confident = (np.array([[1e-30, 0.5], [1.0 - 1e-30, 0.5]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
_P_int_labels = (_P34[0], _P34[1].astype(np.int64))


# --- cross_entropy_cost ------------------------------------------------------------------------


def _masked_log(Y_hat, Y):
    """log(Y_hat) where Y > 0, and 0 where Y == 0 (so that 0 * log 0 counts as 0)."""
    out = np.zeros(np.shape(Y_hat))
    np.log(Y_hat, out=out, where=np.asarray(Y) > 0)
    return out


def _losses(Y_hat, Y):
    return -np.sum(Y * _masked_log(Y_hat, Y), axis=0)


def _ce_naive_log(Y_hat, Y):
    return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[1])


def _ce_mean_all(Y_hat, Y):
    return float(np.mean(-Y * _masked_log(Y_hat, Y)))


def _ce_no_minus(Y_hat, Y):
    return float(np.sum(Y * _masked_log(Y_hat, Y)) / Y.shape[1])


def _ce_sum(Y_hat, Y):
    return float(np.sum(_losses(Y_hat, Y)))


def _ce_binary(Y_hat, Y):
    return float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / Y.shape[1])


def _ce_per_example(Y_hat, Y):
    return _losses(Y_hat, Y)


def _ce_per_example_row(Y_hat, Y):
    return _losses(Y_hat, Y).reshape(1, -1)


def _ce_keepdims(Y_hat, Y):
    return np.array([[np.mean(_losses(Y_hat, Y))]])


def _ce_true_class_only(Y_hat, Y):
    idx = np.argmax(Y, axis=0)
    return float(-np.mean(np.log(Y_hat[idx, np.arange(Y.shape[1])])))


def _ce_epsilon(eps):
    return lambda Y_hat, Y: float(-np.sum(Y * np.log(Y_hat + eps)) / Y.shape[1])


def _ce_clipped(eps):
    return lambda Y_hat, Y: float(-np.sum(Y * np.log(np.clip(Y_hat, eps, 1 - eps))) / Y.shape[1])


_EPSILON_MESSAGE = ("A small epsilon was added inside the log (or Y_hat was clipped). It avoids log(0), but it "
                    "changes the cost: a confident wrong prediction (y_hat = 1e-30 for the true class) costs "
                    "-log(1e-30) = 69, not -log(epsilon), and a perfect prediction costs exactly 0. Keep Y_hat as "
                    "it is and leave out the terms where y_j = 0 instead (0 * log 0 counts as 0), e.g. "
                    "np.log(Y_hat, out=np.zeros(Y_hat.shape), where=Y > 0).")

CROSS_ENTROPY = Suite(
    "cross_entropy_cost",
    visible=[
        Probe("3 classes x 4 examples, one-hot labels", _P34),
        Probe("5 classes x 2 examples", _P52),
        Probe("one example (m = 1)", _P41),
        Probe("Y_hat has exact zeros in classes whose label is 0", _P_zeros),
        Probe("perfect predictions (Y_hat == Y): the cost is exactly 0", _P_perfect),
        Probe("soft labels (label smoothing): each column of Y is a probability vector", _P_soft),
        Probe("a confident wrong prediction: y_hat of the true class is 1e-30 (that example's loss is "
              "-log(1e-30) = 69.08)", _P_confident),
        Probe("one-hot labels with an integer dtype", _P_int_labels),
    ],
    hidden=lambda rng: [
        *[Probe(f"hidden probe {i + 1} ({C} classes x {m} examples)", _predictions(rng, C, m, scale))
          for i, (C, m, scale) in enumerate([(4, 7, 1.0), (10, 3, 3.0), (2, 1, 2.0), (6, 12, 8.0)])],
        Probe("hidden probe 5 (5 classes x 6 examples, soft labels)", _soft_labels(rng, 5, 6, 0.2)),
        Probe("hidden probe 6 (3 classes x 5 examples, Y_hat with zeros, one confident "
              "wrong prediction)", (np.array([[1.0, 0.0, 0.0, 0.5, 1e-20], [0.0, 1.0, 0.0, 0.5, 0.0],
                                       [0.0, 0.0, 1.0, 0.0, 1.0 - 1e-20]]),
                             np.eye(3)[:, [0, 1, 2, 1, 0]])),
    ],
    mistakes=[
        Mistake("The cost is computed over every entry of Y * log(Y_hat) (np.mean over C*m numbers): first sum "
                "over the C classes (the loss of each example), then average over the m examples.", _ce_mean_all),
        Mistake("The minus sign is missing: the loss is -sum_j y_j log(y_hat_j), a number >= 0 since "
                "log(y_hat_j) <= 0.", _ce_no_minus),
        Mistake("The losses were summed over the examples but not divided by m: the cost is their mean, "
                "(1/m) * sum_i L(y_hat(i), y(i)).", _ce_sum),
        Mistake("Y * np.log(Y_hat) gives 0 * log(0) = 0 * (-inf) = nan where Y_hat is 0 in a class whose label "
                "is 0. Those terms are 0 (they do not depend on y_hat): take the log only where Y > 0, e.g. "
                "np.log(Y_hat, out=np.zeros(Y_hat.shape), where=Y > 0), without changing Y_hat.", _ce_naive_log),
        Mistake("This is the binary cross-entropy -(y log y_hat + (1 - y) log(1 - y_hat)). With softmax and C "
                "classes the loss is -sum_j y_j log(y_hat_j): only the term y log y_hat, summed over the "
                "classes.", _ce_binary),
        Mistake("The per-example losses were returned (an array of m numbers): the cost is their mean, a single "
                "float.", _ce_per_example),
        Mistake("The per-example losses were returned (an array of shape (1, m)): the cost is their mean, a "
                "single float.", _ce_per_example_row),
        Mistake("The cost is an array of shape (1, 1) (keepdims=True?): return a float, e.g. float(cost) or "
                "np.squeeze(cost).", _ce_keepdims),
        Mistake("Only Y_hat at the arg-max of Y was used: that is right for one-hot labels, but the loss is "
                "-sum_j y_j log(y_hat_j) over every class j, and soft labels (label smoothing) put weight on "
                "every class.", _ce_true_class_only),
        # One mistake, several epsilons (variants share the id and the message):
        *[Mistake(_EPSILON_MESSAGE, _ce_epsilon(eps), id="epsilon_in_log")
          for eps in (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)],
        *[Mistake(_EPSILON_MESSAGE, _ce_clipped(eps), id="epsilon_in_log")
          for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)],
    ],
)


# --- softmax_jacobian --------------------------------------------------------------------------


def _probs(z):
    return _softmax(np.asarray(z, dtype=float).reshape(-1))


def _jac_diagonal_only(z):
    s = _probs(z)
    return np.diag(s * (1 - s))


def _jac_notes_vector(z):
    z = np.asarray(z, dtype=float)
    s = _softmax(z.reshape(-1)).reshape(z.shape)
    return s * (1 - s)


def _jac_unstable(z):
    z = np.asarray(z, dtype=float).reshape(-1)
    s = np.exp(z) / np.sum(np.exp(z))
    return np.diag(s) - np.outer(s, s)


def _jac_flipped(z):
    s = _probs(z)
    return np.outer(s, s) - np.diag(s)


def _jac_no_diagonal(z):
    s = _probs(z)
    return -np.outer(s, s)


def _jac_not_flattened(z):
    z = np.asarray(z, dtype=float)
    s = _softmax(z)  # a column stays a column (C, 1)
    if s.ndim == 1:
        return np.diag(s) - np.outer(s, s)
    return np.diag(s) - s @ s.T  # np.diag of a (C, 1) column is its first entry, shape (1,)


def _jac_column_axis1(z):
    z = np.asarray(z, dtype=float)
    s = (_softmax(z, axis=1) if z.ndim == 2 else _softmax(z)).reshape(-1)
    return np.diag(s) - np.outer(s, s)


def _jac_of_logits(z):
    z = np.asarray(z, dtype=float).reshape(-1)
    return np.diag(z) - np.outer(z, z)


def _jac_one_minus_everywhere(z):
    s = _probs(z)
    return s[:, None] * (1 - s[None, :])


SOFTMAX_JACOBIAN = Suite(
    "softmax_jacobian",
    visible=[
        Probe("z of shape (3,)", (np.array([1.0, 2.0, 0.5]),)),
        Probe("z a column of shape (4, 1)", (np.array([[0.3], [-1.2], [2.0], [0.0]]),)),
        Probe("logits of magnitude 1e4, shape (3,)", (np.array([1e4, 1e4 + 0.5, -1e4]),)),
        Probe("equal logits, C = 4: J = I/4 - 1/16", (np.zeros(4),)),
        Probe("two classes (C = 2), a column", (np.array([[0.8], [-0.4]]),)),
        Probe("one class (C = 1): J = [[0]]", (np.array([[2.0]]),)),
        Probe("5 classes, spread-out logits", (3.0 * _r.standard_normal(5),)),
        Probe("a column of 3 logits of magnitude 1e4", (np.array([[-1e4], [1e4], [1e4 - 1.0]]),)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} (C = {C}, shape {(C, 1) if column else (C,)}, logits of scale {scale:g})",
              ((scale * rng.standard_normal((C, 1) if column else C)),))
        for i, (C, column, scale) in enumerate([(3, False, 1.0), (6, True, 2.0), (2, False, 1e4), (10, False, 3.0),
                                                (4, True, 1e4), (1, False, 1.0), (7, True, 0.1)])
    ],
    mistakes=[
        Mistake("J is diagonal: np.diag(y_hat * (1 - y_hat)) is only the diagonal of the softmax Jacobian (the "
                "lecture notes' formula). Every logit z_j moves every output y_hat_i, because they share the "
                "denominator: J[i, j] = y_hat_i * (delta_ij - y_hat_j), i.e. J = np.diag(s) - np.outer(s, s).",
                _jac_diagonal_only),
        Mistake("J is the vector y_hat * (1 - y_hat) of the lecture notes: that is only the DIAGONAL of the "
                "softmax Jacobian, which is a (C, C) matrix: J = np.diag(s) - np.outer(s, s).", _jac_notes_vector),
        Mistake("The softmax inside the Jacobian is not stable: exp(1e4) overflows (inf / inf = nan). Subtract "
                "max(z) before np.exp, as in notebook 06.", _jac_unstable),
        Mistake("The sign is flipped: J = np.diag(s) - np.outer(s, s) (positive diagonal s_i (1 - s_i), "
                "negative off-diagonal -s_i s_j).", _jac_flipped),
        Mistake("The diagonal term is missing: J = np.diag(s) - np.outer(s, s), not -np.outer(s, s).",
                _jac_no_diagonal),
        Mistake("z of shape (C, 1) was not flattened: np.diag of a (C, 1) column returns its first entry, not a "
                "diagonal matrix. Flatten first: s = softmax(z).reshape(-1).", _jac_not_flattened),
        Mistake("For a column z of shape (C, 1) the softmax was taken over axis 1 (each row alone, so every "
                "probability became 1). Flatten z or take the softmax over axis 0.", _jac_column_axis1),
        Mistake("J was built from the logits z instead of the probabilities s = softmax(z): "
                "J = np.diag(s) - np.outer(s, s).", _jac_of_logits),
        Mistake("J[i, j] = s_i (1 - s_j) everywhere: that is right on the diagonal only. Off the diagonal "
                "J[i, j] = -s_i s_j, i.e. J = np.diag(s) - np.outer(s, s).", _jac_one_minus_everywhere),
    ],
)


# --- softmax_cross_entropy_backward ------------------------------------------------------------


def _bw_no_m(Y_hat, Y):
    return Y_hat - Y


def _bw_flipped(Y_hat, Y):
    return (Y - Y_hat) / Y.shape[1]


def _bw_by_c(Y_hat, Y):
    return (Y_hat - Y) / Y.shape[0]


def _bw_by_cm(Y_hat, Y):
    return (Y_hat - Y) / Y.size


def _bw_notes(Y_hat, Y):
    return Y_hat * (1 - Y_hat) / Y.shape[1]


def _bw_notes_no_m(Y_hat, Y):
    return Y_hat * (1 - Y_hat)


def _bw_diagonal_chain(Y_hat, Y):
    return -Y * (1 - Y_hat) / Y.shape[1]


def _bw_stops_at_y_hat(Y_hat, Y):
    return -Y / Y_hat / Y.shape[1]


def _bw_db(Y_hat, Y):
    return np.mean(Y_hat - Y, axis=1, keepdims=True)


BACKWARD = Suite(
    "softmax_cross_entropy_backward",
    visible=[
        Probe("3 classes x 4 examples", _P34),
        Probe("5 classes x 2 examples", _P52),
        Probe("one example (m = 1)", _P41),
        Probe("2 classes x 6 examples", _P26),
        Probe("Y_hat has exact zeros in classes whose label is 0", _P_zeros),
        Probe("perfect predictions (Y_hat == Y): dZ is 0", _P_perfect),
        Probe("soft labels (label smoothing)", _P_soft),
    ],
    hidden=lambda rng: [
        *[Probe(f"hidden probe {i + 1} ({C} classes x {m} examples)", _predictions(rng, C, m, scale))
          for i, (C, m, scale) in enumerate([(4, 7, 1.0), (10, 3, 3.0), (3, 1, 2.0), (6, 12, 8.0), (2, 2, 1.0)])],
        Probe("hidden probe 6 (5 classes x 6 examples, soft labels)", _soft_labels(rng, 5, 6, 0.2)),
    ],
    mistakes=[
        Mistake("The 1/m is missing: dZ is the gradient of the COST J = (1/m) sum of losses, so "
                "dZ = (Y_hat - Y) / m. (The lecture notes' dz = y_hat - y is the gradient of ONE example's loss; "
                "there the 1/m appears later, in dW = (1/m) dZ A_prev^T.)", _bw_no_m),
        Mistake("The sign is flipped: dZ = (Y_hat - Y) / m. Check: if y_hat of the true class is too small, "
                "dz is negative there, so gradient descent (z -= lr * dz) raises that logit.", _bw_flipped),
        Mistake("dZ was divided by the number of classes C (Y.shape[0]); divide by the number of examples "
                "m = Y.shape[1].", _bw_by_c),
        Mistake("dZ was divided by C * m (every entry); divide by the number of examples m = Y.shape[1] only.",
                _bw_by_cm),
        Mistake("dZ is Y_hat * (1 - Y_hat), the lecture notes' 'derivative of softmax': that is only the "
                "diagonal of the softmax Jacobian, and it is not the gradient of the loss. Through the whole "
                "Jacobian, the chain rule gives dZ = (Y_hat - Y) / m.", _bw_notes),
        Mistake("dZ is Y_hat * (1 - Y_hat), the lecture notes' 'derivative of softmax': that is only the "
                "diagonal of the softmax Jacobian, and it is not the gradient of the loss. Through the whole "
                "Jacobian, the chain rule gives dZ = (Y_hat - Y) / m.", _bw_notes_no_m),
        Mistake("dZ = -Y * (1 - Y_hat) / m comes from multiplying dL/dy_hat = -y / y_hat by the DIAGONAL "
                "y_hat * (1 - y_hat) only. With the whole Jacobian, the off-diagonal terms add y_hat * sum(y), "
                "and dZ = (Y_hat - Y) / m.", _bw_diagonal_chain),
        Mistake("This is the gradient with respect to Y_hat (-Y / Y_hat / m), not Z: go on through the softmax "
                "Jacobian, which gives dZ = (Y_hat - Y) / m.", _bw_stops_at_y_hat),
        Mistake("The gradient was averaged over the examples (that is db, of shape (C, 1)); dZ keeps one column "
                "per example: dZ = (Y_hat - Y) / m, of shape (C, m).", _bw_db),
    ],
)

SUITES = [CROSS_ENTROPY, SOFTMAX_JACOBIAN, BACKWARD]
