"""Notebook 07: correct and wrong implementations, the references against oracles, the panel."""
from __future__ import annotations

import math
from decimal import Decimal, getcontext

import ipywidgets as widgets
import numpy as np
import pytest

from course.gradcheck import numerical_gradient, numerical_jacobian, relative_error
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected


def _softmax(Z):
    T = np.exp(Z - Z.max(axis=0, keepdims=True))
    return T / T.sum(axis=0, keepdims=True)


# --- cross_entropy_cost ------------------------------------------------------------------------


def ce_log_where(Y_hat, Y):
    logs = np.log(Y_hat, out=np.zeros(Y_hat.shape), where=Y > 0)
    return float(-np.sum(Y * logs) / Y.shape[1])


def ce_loops(Y_hat, Y):
    C, m = Y.shape
    total = 0.0
    for i in range(m):
        for j in range(C):
            if Y[j, i] != 0:
                total -= Y[j, i] * math.log(Y_hat[j, i])
    return total / m


def ce_safe_argument(Y_hat, Y):
    safe = np.where(Y > 0, Y_hat, 1.0)  # log(1) = 0 where the label is 0
    return float(-np.sum(Y * np.log(safe)) / Y.shape[1])


def ce_mean_of_losses_einsum(Y_hat, Y):
    logs = np.zeros_like(Y_hat, dtype=float)
    mask = Y != 0
    logs[mask] = np.log(Y_hat[mask])
    return float(np.mean(-np.einsum("ji,ji->i", Y, logs)))


def ce_numpy_scalar(Y_hat, Y):  # returns np.float64, not a Python float: fine
    return -np.sum(np.where(Y > 0, Y * np.log(np.where(Y > 0, Y_hat, 1.0)), 0.0)) / Y.shape[1]


def ce_zero_d_array(Y_hat, Y):  # a 0-d array is a number too
    return np.array(ce_log_where(Y_hat, Y))


@pytest.mark.parametrize("fn", [ce_log_where, ce_loops, ce_safe_argument, ce_mean_of_losses_einsum, ce_numpy_scalar,
                                ce_zero_d_array])
def test_correct_cross_entropy_pass(fn):
    assert_accepted("cross_entropy_cost", fn)


def _logs(Y_hat, Y):
    return np.log(Y_hat, out=np.zeros(Y_hat.shape), where=Y > 0)


def ce_naive(Y_hat, Y):
    return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[1])


def ce_mutates(Y_hat, Y):
    Y_hat[Y == 0] = 1.0  # overwrites the caller's predictions
    return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[1])


WRONG_CE = [
    (lambda Y_hat, Y: float(np.mean(-Y * _logs(Y_hat, Y))), "every entry"),
    (lambda Y_hat, Y: float(np.sum(Y * _logs(Y_hat, Y)) / Y.shape[1]), "minus sign"),
    (lambda Y_hat, Y: float(-np.sum(Y * _logs(Y_hat, Y))), "not divided by m"),
    (lambda Y_hat, Y: float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / Y.shape[1]),
     "binary cross-entropy"),
    (ce_naive, "0 * log(0)"),
    (lambda Y_hat, Y: -np.sum(Y * _logs(Y_hat, Y), axis=0), "per-example losses"),
    (lambda Y_hat, Y: -np.sum(Y * _logs(Y_hat, Y), axis=0, keepdims=True), "per-example losses"),
    (lambda Y_hat, Y: -np.sum(Y * _logs(Y_hat, Y), keepdims=True) / Y.shape[1], "(1, 1)"),
    (lambda Y_hat, Y: float(-np.mean(np.log(Y_hat[np.argmax(Y, axis=0), np.arange(Y.shape[1])]))), "arg-max of y"),
    (lambda Y_hat, Y: float(-np.sum(Y * np.log(Y_hat + 1e-8)) / Y.shape[1]), "epsilon"),
    (lambda Y_hat, Y: float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-7, 1 - 1e-7))) / Y.shape[1]), "epsilon"),
    (lambda Y_hat, Y: float(-np.sum(Y * np.log(np.maximum(Y_hat, 1e-12))) / Y.shape[1]), "epsilon"),
    (ce_mutates, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_CE, ids=[f"{i}-{w}" for i, (_, w) in enumerate(WRONG_CE)])
def test_wrong_cross_entropy_named(fn, words):
    assert_rejected("cross_entropy_cost", fn, words)


# --- softmax_jacobian --------------------------------------------------------------------------


def _probs(z):
    z = np.asarray(z, dtype=float).reshape(-1)
    t = np.exp(z - z.max())
    return t / t.sum()


def jac_diag_minus_outer(z):
    s = _probs(z)
    return np.diag(s) - np.outer(s, s)


def jac_loops(z):
    s = [float(v) for v in _probs(z)]
    C = len(s)
    J = np.zeros((C, C))
    for i in range(C):
        for j in range(C):
            J[i, j] = s[i] * ((1.0 if i == j else 0.0) - s[j])
    return J


def jac_broadcast(z):
    s = _probs(z)
    return s[:, None] * (np.eye(s.size) - s[None, :])


def jac_einsum(z):
    s = _probs(z)
    return np.einsum("i,ij->ij", s, np.eye(s.size)) - np.einsum("i,j->ij", s, s)


def jac_column(z):
    z = np.reshape(z, (-1, 1)).astype(float)
    e = np.exp(z - np.max(z))
    s = e / e.sum()
    return np.diagflat(s) - s @ s.T


def jac_logsumexp(z):
    z = np.ravel(z).astype(float)
    top = z.max()
    s = np.exp(z - top - np.log(np.sum(np.exp(z - top))))
    return np.diag(s) - np.outer(s, s)


@pytest.mark.parametrize("fn", [jac_diag_minus_outer, jac_loops, jac_broadcast, jac_einsum, jac_column, jac_logsumexp])
def test_correct_jacobian_pass(fn):
    assert_accepted("softmax_jacobian", fn)


def jac_unstable(z):
    z = np.ravel(z).astype(float)
    s = np.exp(z) / np.sum(np.exp(z))
    return np.diag(s) - np.outer(s, s)


def jac_not_flattened(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    s = e / e.sum()
    return np.diag(s) - s @ s.T if s.ndim == 2 else np.diag(s) - np.outer(s, s)


def jac_column_axis1(z):
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        return jac_diag_minus_outer(z)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s = (e / e.sum(axis=1, keepdims=True)).ravel()
    return np.diag(s) - np.outer(s, s)


def jac_mutates(z):
    z -= np.max(z)  # shifts the caller's array
    return jac_diag_minus_outer(z)


WRONG_JAC = [
    (lambda z: np.diag(_probs(z) * (1 - _probs(z))), "is only the diagonal"),
    (lambda z: (_probs(z) * (1 - _probs(z))).reshape(np.shape(z)), "vector y_hat * (1 - y_hat)"),
    (jac_unstable, "not stable"),
    (lambda z: -jac_diag_minus_outer(z), "sign is flipped"),
    (lambda z: -np.outer(_probs(z), _probs(z)), "diagonal term is missing"),
    (jac_not_flattened, "not flattened"),
    (jac_column_axis1, "axis 1"),
    (lambda z: np.diag(np.ravel(z)) - np.outer(np.ravel(z), np.ravel(z)), "from the logits"),
    (lambda z: _probs(z)[:, None] * (1 - _probs(z)[None, :]), "everywhere"),
    (jac_mutates, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_JAC, ids=[w for _, w in WRONG_JAC])
def test_wrong_jacobian_named(fn, words):
    assert_rejected("softmax_jacobian", fn, words)


# --- softmax_cross_entropy_backward ------------------------------------------------------------


def bw_plain(Y_hat, Y):
    return (Y_hat - Y) / Y.shape[1]


def bw_loops(Y_hat, Y):
    C, m = Y.shape
    dZ = np.zeros((C, m))
    for i in range(m):
        for j in range(C):
            dZ[j, i] = (Y_hat[j, i] - Y[j, i]) / m
    return dZ


def bw_multiply(Y_hat, Y):
    return np.subtract(Y_hat, Y, dtype=np.float64) * (1.0 / Y_hat.shape[1])


def bw_through_the_jacobian(Y_hat, Y):
    """The chain rule done the long way: dz = J^T dL/dy_hat for each example, then 1/m."""
    C, m = Y.shape
    dZ = np.zeros((C, m))
    for i in range(m):
        s, y = Y_hat[:, i], Y[:, i]
        J = np.diag(s) - np.outer(s, s)
        dL_ds = np.zeros(C)
        dL_ds[y > 0] = -y[y > 0] / s[y > 0]
        dZ[:, i] = J.T @ dL_ds / m
    return dZ


@pytest.mark.parametrize("fn", [bw_plain, bw_loops, bw_multiply, bw_through_the_jacobian])
def test_correct_backward_pass(fn):
    assert_accepted("softmax_cross_entropy_backward", fn)


def bw_inplace(Y_hat, Y):
    Y_hat -= Y
    Y_hat /= Y.shape[1]
    return Y_hat


WRONG_BW = [
    (lambda Y_hat, Y: Y_hat - Y, "1/m is missing"),
    (lambda Y_hat, Y: (Y - Y_hat) / Y.shape[1], "sign is flipped"),
    (lambda Y_hat, Y: (Y_hat - Y) / Y.shape[0], "number of classes"),
    (lambda Y_hat, Y: (Y_hat - Y) / Y.size, "c * m"),
    (lambda Y_hat, Y: Y_hat * (1 - Y_hat) / Y.shape[1], "derivative of softmax"),
    (lambda Y_hat, Y: Y_hat * (1 - Y_hat), "derivative of softmax"),
    (lambda Y_hat, Y: -Y * (1 - Y_hat) / Y.shape[1], "by the diagonal"),
    (lambda Y_hat, Y: -Y / Y_hat / Y.shape[1], "with respect to y_hat"),
    (lambda Y_hat, Y: np.mean(Y_hat - Y, axis=1, keepdims=True), "that is db"),
    (bw_inplace, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_BW, ids=[f"{i}-{w}" for i, (_, w) in enumerate(WRONG_BW)])
def test_wrong_backward_named(fn, words):
    assert_rejected("softmax_cross_entropy_backward", fn, words)


# --- the references against independent oracles -----------------------------------------------


def test_reference_jacobian_matches_finite_differences_and_closed_forms():
    jac = reference("softmax_jacobian")
    rng = np.random.default_rng(71)
    for C in (2, 3, 6):
        z = rng.normal(0, 2, C)
        numeric = numerical_jacobian(lambda v: _softmax(v.reshape(-1, 1)), z)
        assert relative_error(jac(z), numeric) < 1e-8
        assert relative_error(jac(z.reshape(-1, 1)), numeric) < 1e-8
    # equal logits: J = I/C - 1/C^2
    np.testing.assert_allclose(jac(np.zeros(5)), np.eye(5) / 5 - 1 / 25, rtol=1e-14, atol=1e-16)
    # two classes: J = sigma'(z1 - z2) [[1, -1], [-1, 1]]
    sig = 1 / (1 + math.exp(-(0.7 - -0.4)))
    np.testing.assert_allclose(jac(np.array([0.7, -0.4])), sig * (1 - sig) * np.array([[1, -1], [-1, 1]]),
                               rtol=1e-13)


def test_reference_jacobian_is_exact_for_logits_of_magnitude_1e4():
    getcontext().prec = 60
    z = [1e4, 1e4 + 0.5, -1e4, 1e4 - 3.0]
    exps = [Decimal(repr(v)).exp() for v in z]
    s = [float(e / sum(exps)) for e in exps]
    expected = np.diag(s) - np.outer(s, s)
    J = reference("softmax_jacobian")(np.array(z))
    assert np.all(np.isfinite(J))
    np.testing.assert_allclose(J, expected, rtol=1e-12, atol=1e-300)


def test_reference_cost_matches_loops_and_closed_forms():
    cost = reference("cross_entropy_cost")
    rng = np.random.default_rng(72)
    Y_hat = _softmax(rng.normal(0, 2, (4, 9)))
    y = rng.integers(0, 4, 9)
    Y = np.eye(4)[:, y]
    by_hand = sum(-math.log(Y_hat[y[i], i]) for i in range(9)) / 9
    assert isinstance(cost(Y_hat, Y), float)
    assert cost(Y_hat, Y) == pytest.approx(by_hand, rel=1e-13)
    assert cost(np.full((4, 9), 0.25), Y) == pytest.approx(math.log(4), rel=1e-14)  # uniform: log C
    assert cost(Y, Y) == 0.0  # perfect predictions
    confident_wrong = (np.array([[1e-30], [1.0]]), np.array([[1.0], [0.0]]))
    assert cost(*confident_wrong) == pytest.approx(30 * math.log(10), rel=1e-14)


def test_reference_backward_is_the_gradient_of_the_reference_cost():
    cost, backward = reference("cross_entropy_cost"), reference("softmax_cross_entropy_backward")
    rng = np.random.default_rng(73)
    Z = rng.normal(0, 1.5, (5, 7))
    for Y in (np.eye(5)[:, rng.integers(0, 5, 7)], 0.8 * np.eye(5)[:, rng.integers(0, 5, 7)] + 0.04):  # hard, soft
        numeric = numerical_gradient(lambda Z_: cost(_softmax(Z_), Y), Z)
        assert relative_error(backward(_softmax(Z), Y), numeric) < 1e-8


# --- the panel ---------------------------------------------------------------------------------


def _panel():
    from course import panels_softmax as sm

    names = ("softmax_jacobian", "cross_entropy_cost", "softmax_cross_entropy_backward")
    return sm.softmax_loss_panel(_softmax, *(reference(n) for n in names))


def test_panel_shows_the_loss_and_agrees_with_the_chain_rule():
    panel = _panel()
    assert "loss L" in panel.status.value
    before = panel.image.value
    panel.set(true_class=2)  # a wrong class for example 0: a larger loss, a different gradient
    assert panel.image.value != before
    for gamma in (0.3, 1.0, 3.0):
        panel.set(gamma=gamma)
        status = panel.status.value
        if "underflowed" not in status:
            chain = status.split("J\u1d40 (\u2212y / \u0177) = ")[1].split("]")[0]
            dz = status.split("your du = ")[1].split("]")[0]
            assert chain == dz


def test_panel_asks_for_the_functions_when_they_are_not_written():
    from course import panels_softmax as sm

    def missing(*args):
        raise NotImplementedError()

    shown = sm.softmax_loss_panel(_softmax, missing, missing, missing)
    assert isinstance(shown, widgets.HTML) and "Implement" in shown.value
