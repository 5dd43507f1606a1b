"""Notebook 06: correct and wrong implementations, the references against oracles, the panel."""
from __future__ import annotations

import math
from decimal import Decimal, getcontext

import ipywidgets as widgets
import numpy as np
import pytest

from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

# --- one_hot -----------------------------------------------------------------------------------


def oh_fancy(y, C):
    y = np.asarray(y).reshape(-1)
    Y = np.zeros((C, y.size))
    Y[y, np.arange(y.size)] = 1
    return Y


def oh_eye_columns(y, C):
    return np.eye(C)[:, np.ravel(y)]


def oh_eye_rows_transposed(y, C):
    return np.eye(C)[np.ravel(y)].T


def oh_loops(y, C):
    labels = [int(v) for v in np.ravel(y)]
    Y = np.zeros((C, len(labels)))
    for i, label in enumerate(labels):
        Y[label, i] = 1.0
    return Y


def oh_broadcast(y, C):
    return (np.arange(C).reshape(-1, 1) == np.reshape(y, (1, -1))).astype(np.float64)


@pytest.mark.parametrize("fn", [oh_fancy, oh_eye_columns, oh_eye_rows_transposed, oh_loops, oh_broadcast])
def test_correct_one_hot_pass(fn):
    assert_accepted("one_hot", fn)


def oh_reshapes_input(y, C):
    y.shape = (-1,)  # changes the caller's array
    return oh_fancy(y, C)


WRONG_ONE_HOT = [
    (lambda y, C: np.eye(C)[np.ravel(y)], "transposed"),
    (lambda y, C: oh_fancy(y, int(np.max(y)) + 1), "max(y) + 1"),
    (lambda y, C: oh_fancy(y, C).astype(int), "float64"),
    (lambda y, C: np.arange(C).reshape(-1, 1) == np.reshape(y, (1, -1)), "float64"),
    (lambda y, C: np.eye(C)[:, y], "flattened"),
    (lambda y, C: oh_fancy(np.ravel(y) - 1, C), "1..c"),
    (lambda y, C: np.where(np.isin(np.arange(C), np.ravel(y))[:, None], 1.0, np.zeros((C, np.size(y)))), "whole rows"),
    (oh_reshapes_input, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_ONE_HOT, ids=[w for _, w in WRONG_ONE_HOT])
def test_wrong_one_hot_named(fn, words):
    assert_rejected("one_hot", fn, words)


# --- softmax -----------------------------------------------------------------------------------


def sm_reference_style(Z):
    T = np.exp(Z - Z.max(axis=0, keepdims=True))
    return T / T.sum(axis=0, keepdims=True)


def sm_loops(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        col = [float(v) for v in Z[:, i]]
        top = max(col)
        exps = [math.exp(v - top) for v in col]
        total = sum(exps)
        for k in range(C):
            A[k, i] = exps[k] / total
    return A


def sm_logsumexp(Z):
    top = np.max(Z, axis=0, keepdims=True)
    lse = top + np.log(np.sum(np.exp(Z - top), axis=0, keepdims=True))
    return np.exp(Z - lse)


def sm_matmul_sum(Z):
    E = np.exp(Z - np.amax(Z, axis=0))  # (m,) broadcasts along the columns
    return E / (np.ones((1, Z.shape[0])) @ E)


def sm_via_transpose(Z):
    S = Z.T - Z.T.max(axis=1, keepdims=True)
    E = np.exp(S)
    return (E / E.sum(axis=1, keepdims=True)).T.copy()


def sm_copy_inplace(Z):
    A = np.array(Z, dtype=float)
    A -= A.max(axis=0)
    np.exp(A, out=A)
    A /= A.sum(axis=0)
    return A


@pytest.mark.parametrize("fn", [sm_reference_style, sm_loops, sm_logsumexp, sm_matmul_sum, sm_via_transpose,
                                sm_copy_inplace])
def test_correct_softmax_pass(fn):
    assert_accepted("softmax", fn)


def sm_inplace(Z):
    Z -= Z.max(axis=0, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)


WRONG_SOFTMAX = [
    (lambda Z: sm_reference_style(Z.T).T.copy(), "axis 1"),
    (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True), "no maximum was subtracted"),
    (lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=0), "global maximum"),
    (lambda Z: np.exp(Z - Z.max(1, keepdims=True)) / np.exp(Z - Z.max(1, keepdims=True)).sum(0), "each row's maximum"),
    (lambda Z: np.exp(Z - Z.mean(0)) / np.exp(Z - Z.mean(0)).sum(0), "column mean"),
    (lambda Z: np.exp(Z) / np.sum(Z, axis=0), "sum of z"),
    (lambda Z: np.exp(Z - Z.max(0)) / np.sum(Z - Z.max(0), axis=0), "sum of the shifted logits"),
    (lambda Z: Z / Z.sum(axis=0, keepdims=True), "exponential is missing"),
    (lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(), "whole matrix"),
    (lambda Z: sm_reference_style(Z).astype(np.float32), "float64"),
    (sm_inplace, "in place"),
    (lambda Z: sm_reference_style(Z).tolist(), "numpy array"),
]


@pytest.mark.parametrize("fn,words", WRONG_SOFTMAX, ids=[w for _, w in WRONG_SOFTMAX])
def test_wrong_softmax_named(fn, words):
    assert_rejected("softmax", fn, words)


# --- hardmax -----------------------------------------------------------------------------------


def hm_fancy(Z):
    A = np.zeros(Z.shape)
    A[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = 1.0
    return A


def hm_eye(Z):
    return np.eye(Z.shape[0])[:, np.argmax(Z, axis=0)]


def hm_loops(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        best = 0
        for k in range(1, C):
            if Z[k, i] > Z[best, i]:  # strictly larger: ties keep the first
                best = k
        A[best, i] = 1.0
    return A


def hm_first_of_maxima(Z):
    at_max = Z == Z.max(axis=0, keepdims=True)
    return (at_max & (np.cumsum(at_max, axis=0) == 1)).astype(float)


def hm_put_along_axis(Z):
    A = np.zeros(Z.shape, dtype=np.float64)
    np.put_along_axis(A, np.argmax(Z, axis=0)[None, :], 1.0, axis=0)
    return A


@pytest.mark.parametrize("fn", [hm_fancy, hm_eye, hm_loops, hm_first_of_maxima, hm_put_along_axis])
def test_correct_hardmax_pass(fn):
    assert_accepted("hardmax", fn)


def hm_last(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        best = 0
        for k in range(1, C):
            if Z[k, i] >= Z[best, i]:
                best = k
        A[best, i] = 1.0
    return A


def hm_zeros_like(Z):
    A = np.zeros_like(Z)
    A[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = 1
    return A


def _sm(Z):
    T = np.exp(Z - Z.max(axis=0, keepdims=True))
    return T / T.sum(axis=0, keepdims=True)


WRONG_HARDMAX = [
    (lambda Z: (Z == Z.max(axis=0)).astype(float), "several 1s"),
    (hm_last, "last maximum"),
    (lambda Z: np.where(hm_fancy(Z) > 0, Z, 0.0), "where the 1 belongs"),
    (lambda Z: np.max(Z, axis=0, keepdims=True).astype(float), "returned the maximum value of each column"),
    (lambda Z: np.max(Z, axis=0).astype(float), "returned the maximum value of each column"),
    (lambda Z: np.argmax(Z, axis=0), "arg-max indices"),
    (lambda Z: hm_fancy(Z.T).T.copy(), "along each row"),
    (lambda Z: hm_fancy(Z).astype(int), "float64"),
    (lambda Z: Z == Z.max(axis=0), "float64"),
    (hm_zeros_like, "float64"),
    (lambda Z: np.round(_sm(Z)), "rounds the softmax"),
]


@pytest.mark.parametrize("fn,words", WRONG_HARDMAX, ids=[w for _, w in WRONG_HARDMAX])
def test_wrong_hardmax_named(fn, words):
    assert_rejected("hardmax", fn, words)


# --- the references against independent oracles -----------------------------------------------


def _decimal_softmax(column) -> list[float]:
    """Softmax of one column in 60-digit decimal arithmetic, without any shift."""
    getcontext().prec = 60
    exps = [Decimal(repr(float(v))).exp() for v in column]
    total = sum(exps)
    return [float(e / total) for e in exps]


def test_reference_softmax_matches_exact_decimal_arithmetic_even_at_1e4():
    rng = np.random.default_rng(61)
    for Z in (rng.normal(0, 3, (5, 7)), rng.normal(0, 1e4, (4, 6)),
              np.array([[1e4, -1e4], [1e4 - 1, -1e4 + 0.5], [0.0, -1e4 - 3]])):
        A = reference("softmax")(Z)
        assert A.dtype == np.float64 and A.shape == Z.shape and np.all(np.isfinite(A))
        for i in range(Z.shape[1]):
            np.testing.assert_allclose(A[:, i], _decimal_softmax(Z[:, i]), rtol=1e-13, atol=1e-300)


def test_reference_softmax_with_two_classes_is_the_sigmoid_and_ignores_shifts():
    z = np.linspace(-30, 30, 121)
    A = reference("softmax")(np.stack([z, np.zeros_like(z)]))
    np.testing.assert_allclose(A[0], [1 / (1 + math.exp(-v)) for v in z], rtol=1e-14)
    Z = np.random.default_rng(62).normal(0, 4, (6, 5))
    np.testing.assert_allclose(reference("softmax")(Z + 777.0), reference("softmax")(Z), rtol=1e-12)


def test_reference_hardmax_matches_list_index_of_max():
    rng = np.random.default_rng(63)
    Z = rng.integers(-2, 3, size=(5, 40)).astype(float)  # many ties
    A = reference("hardmax")(Z)
    for i in range(Z.shape[1]):
        col = [float(v) for v in Z[:, i]]
        expected = [0.0] * len(col)
        expected[col.index(max(col))] = 1.0  # list.index: the first maximum
        assert A[:, i].tolist() == expected
    assert A.dtype == np.float64


def test_reference_one_hot_matches_a_loop_for_both_label_shapes():
    y = np.array([3, 0, 0, 2])
    for labels in (y, y.reshape(1, -1)):
        Y = reference("one_hot")(labels, 5)
        assert Y.shape == (5, 4) and Y.dtype == np.float64
        for i, label in enumerate(y):
            assert Y[:, i].tolist() == [1.0 if k == label else 0.0 for k in range(5)]


# --- the panel ---------------------------------------------------------------------------------


def test_panel_redraws_with_the_learners_functions_and_moves_its_artists():
    from course import panels_softmax as sm

    panel = sm.softmax_panel(reference("softmax"), reference("hardmax"))
    before_image, before_status = panel.image.value, panel.status.value
    panel.set(gamma=2.5)
    assert panel.image.value != before_image and panel.status.value != before_status
    panel.set(beta_on=-1)
    unshifted = panel.image.value
    panel.set(beta=2.0)  # the same beta on every class: softmax(z + c) = softmax(z), nothing moves
    assert panel.image.value == unshifted
    panel.set(beta_on=3)  # on class 3 only: its probabilities and region grow
    assert panel.image.value != unshifted
    assert "nan" not in panel.status.value


def test_panel_asks_for_the_functions_when_they_are_not_written():
    from course import panels_softmax as sm

    def missing(Z):
        raise NotImplementedError()

    shown = sm.softmax_panel(missing, reference("hardmax"))
    assert isinstance(shown, widgets.HTML) and "Implement softmax and hardmax" in shown.value
