"""Notebook 03: correct and wrong batch-norm backward passes, the reference against finite
differences, the gradient-check helper and the widget panel."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from course import gradcheck
from course.panels_backward import UPSTREAM, backward_panel
from course.widgets import Panel
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

# --- correct implementations, as students write them ----------------------------------------


def bwd_graph(dZ_tilde, cache):
    """Node by node on the computational graph (notebook section 3)."""
    Z, mu, sigma2, gamma, eps = cache["Z"], cache["mu"], cache["sigma2"], cache["gamma"], cache["epsilon"]
    m = Z.shape[1]
    c = Z - mu
    s = 1.0 / np.sqrt(sigma2 + eps)
    Z_norm = c * s
    dbeta = dZ_tilde.sum(axis=1, keepdims=True)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    ds = (dZ_norm * c).sum(axis=1, keepdims=True)
    dsigma2 = -0.5 * (sigma2 + eps) ** -1.5 * ds
    dc = dZ_norm * s + dsigma2 * 2 * c / m
    dmu = -dc.sum(axis=1, keepdims=True)
    dZ = dc + dmu / m
    return dZ, dgamma, dbeta


def bwd_compact_means(dZ_tilde, cache):
    Zn = cache["Z_norm"]
    dZn = dZ_tilde * cache["gamma"]
    inv = 1 / np.sqrt(cache["sigma2"] + cache["epsilon"])
    dZ = inv * (dZn - dZn.mean(1, keepdims=True) - Zn * (dZn * Zn).mean(1, keepdims=True))
    return dZ, np.sum(dZ_tilde * Zn, 1, keepdims=True), np.sum(dZ_tilde, 1, keepdims=True)


def bwd_loops(dZ_tilde, cache):
    n, m = dZ_tilde.shape
    Zn = cache["Z_norm"]
    dZ, dgamma, dbeta = np.zeros((n, m)), np.zeros((n, 1)), np.zeros((n, 1))
    for j in range(n):
        g = cache["gamma"][j, 0]
        inv = 1.0 / (cache["sigma2"][j, 0] + cache["epsilon"]) ** 0.5
        s1 = s2 = 0.0
        for i in range(m):
            dbeta[j, 0] += dZ_tilde[j, i]
            dgamma[j, 0] += dZ_tilde[j, i] * Zn[j, i]
            s1 += g * dZ_tilde[j, i]
            s2 += g * dZ_tilde[j, i] * Zn[j, i]
        for i in range(m):
            dZ[j, i] = inv / m * (m * g * dZ_tilde[j, i] - s1 - Zn[j, i] * s2)
    return dZ, dgamma, dbeta


def bwd_einsum(dZ_tilde, cache):
    Zn, m = cache["Z_norm"], dZ_tilde.shape[1]
    dgamma = np.einsum("ij,ij->i", dZ_tilde, Zn)[:, None]
    dbeta = np.einsum("ij->i", dZ_tilde)[:, None]
    inv = 1 / np.sqrt(cache["sigma2"] + cache["epsilon"])
    dZ = (cache["gamma"] * inv / m) * (m * dZ_tilde - dbeta - Zn * dgamma)
    return dZ, dgamma, dbeta


def bwd_recompute_from_Z(dZ_tilde, cache):
    """Ignores cache["Z_norm"]: recomputes it from Z, mu and sigma2."""
    Z_norm = (cache["Z"] - cache["mu"]) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return bwd_compact_means(dZ_tilde, {**cache, "Z_norm": Z_norm})


def bwd_list(dZ_tilde, cache):
    return list(bwd_graph(dZ_tilde, cache))


def bwd_inplace_on_copy(dZ_tilde, cache):
    dZn = dZ_tilde.copy()
    dZn *= cache["gamma"]
    dZ = dZn.copy()
    dZ -= dZn.mean(axis=1, keepdims=True)
    dZ -= cache["Z_norm"] * (dZn * cache["Z_norm"]).mean(axis=1, keepdims=True)
    dZ /= np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, (dZ_tilde * cache["Z_norm"]).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)


@pytest.mark.parametrize("fn", [bwd_graph, bwd_compact_means, bwd_loops, bwd_einsum, bwd_recompute_from_Z, bwd_list,
                                bwd_inplace_on_copy])
def test_correct_batchnorm_backward_pass(fn):
    assert_accepted("batchnorm_backward", fn)


# --- wrong implementations: each must be rejected with a diagnosis that names it ------------


def _parts(cache):
    return (cache["Z_norm"], cache["gamma"], 1 / np.sqrt(cache["sigma2"] + cache["epsilon"]), cache["Z"].shape[1])


def bwd_constants(dZ_tilde, cache):
    Zn, g, inv, m = _parts(cache)
    return g * dZ_tilde * inv, (dZ_tilde * Zn).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)


def bwd_graph_without_variance_path(dZ_tilde, cache):
    Zn, g, inv, m = _parts(cache)
    dc = g * dZ_tilde * inv  # forgot the dsigma2 contribution to dc
    dmu = -dc.sum(1, keepdims=True)
    return dc + dmu / m, (dZ_tilde * Zn).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)


def bwd_without_mean_term(dZ_tilde, cache):
    Zn, g, inv, m = _parts(cache)
    dZn = g * dZ_tilde
    return inv * (dZn - Zn * (dZn * Zn).mean(1, keepdims=True)), (dZ_tilde * Zn).sum(1, keepdims=True), \
        dZ_tilde.sum(1, keepdims=True)


def _with(dgamma=None, dbeta=None):
    """The right dZ with a wrong dgamma and/or dbeta."""
    def fn(dZ_tilde, cache):
        dZ, dg, db = bwd_compact_means(dZ_tilde, cache)
        return (dZ, dg if dgamma is None else dgamma(dZ_tilde, cache),
                db if dbeta is None else dbeta(dZ_tilde, cache))
    return fn


def bwd_extra_m_on_dZ(dZ_tilde, cache):
    dZ, dg, db = bwd_compact_means(dZ_tilde, cache)
    return dZ / dZ_tilde.shape[1], dg, db


def bwd_no_m(dZ_tilde, cache):
    dZ, dg, db = bwd_compact_means(dZ_tilde, cache)
    return dZ * dZ_tilde.shape[1], dg, db


def bwd_axis0(dZ_tilde, cache):
    Zn, g, inv, m = _parts(cache)
    dZn = g * dZ_tilde
    dZ = inv / m * (m * dZn - dZn.sum(0, keepdims=True) - Zn * (dZn * Zn).sum(0, keepdims=True))
    return dZ, (dZ_tilde * Zn).sum(0, keepdims=True), dZ_tilde.sum(0, keepdims=True)


def bwd_no_gamma(dZ_tilde, cache):
    return bwd_compact_means(dZ_tilde, {**cache, "gamma": np.ones_like(cache["gamma"])})


def bwd_no_eps(dZ_tilde, cache):
    return bwd_compact_means(dZ_tilde, {**cache, "epsilon": 0.0})


def bwd_swapped(dZ_tilde, cache):
    dZ, dg, db = bwd_compact_means(dZ_tilde, cache)
    return dZ, db, dg


def bwd_var_sign(dZ_tilde, cache):
    Zn, g, inv, m = _parts(cache)
    dZn = g * dZ_tilde
    return inv * (dZn - dZn.mean(1, keepdims=True) + Zn * (dZn * Zn).mean(1, keepdims=True)), \
        (dZ_tilde * Zn).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)


def bwd_mutates_upstream(dZ_tilde, cache):
    dZ_tilde *= cache["gamma"]  # overwrites the caller's array
    Zn, _, inv, m = _parts(cache)
    dZ = inv * (dZ_tilde - dZ_tilde.mean(1, keepdims=True) - Zn * (dZ_tilde * Zn).mean(1, keepdims=True))
    return dZ, (dZ_tilde * Zn).sum(1, keepdims=True) / cache["gamma"], dZ_tilde.sum(1, keepdims=True) / cache["gamma"]


def bwd_mutates_cache(dZ_tilde, cache):
    out = bwd_compact_means(dZ_tilde, cache)
    cache["Z_norm"] *= 0  # "frees" the cache in place
    return out


def bwd_float32(dZ_tilde, cache):
    return tuple(a.astype(np.float32) for a in bwd_compact_means(dZ_tilde, cache))


def bwd_own_cache_key(dZ_tilde, cache):
    inv_std = cache["inv_std"]  # a key of the learner's own forward pass, not of the spec
    return dZ_tilde * inv_std, dZ_tilde, dZ_tilde


WRONG = [
    (bwd_constants, "treated as constants"),
    (bwd_graph_without_variance_path, "variance term is missing"),
    (bwd_without_mean_term, "mean term is missing"),
    (_with(dgamma=lambda d, c: d.sum(1, keepdims=True)), "dgamma was summed without z_norm"),
    (_with(dgamma=lambda d, c: (d * c["Z"]).sum(1, keepdims=True)), "used z instead of z_norm"),
    (_with(dgamma=lambda d, c: (d * c["Z_norm"]).mean(1, keepdims=True), dbeta=lambda d, c: d.mean(1, keepdims=True)),
     "dgamma and dbeta have an extra 1/m"),
    (bwd_extra_m_on_dZ, "dz has an extra 1/m"),
    (bwd_no_m, "m times too large"),
    (bwd_axis0, "wrong axis"),
    (bwd_no_gamma, "gamma was forgotten"),
    (bwd_no_eps, "epsilon was left out"),
    (bwd_swapped, "swapped"),
    (bwd_var_sign, "wrong sign"),
    (bwd_mutates_upstream, "modified its input dz_tilde in place"),
    (bwd_mutates_cache, "modified its input cache in place"),
    (bwd_float32, "float64"),
    (lambda dZ_tilde, cache: bwd_compact_means(dZ_tilde, cache)[0], "should return a tuple"),
    (bwd_own_cache_key, "raised KeyError"),
]


@pytest.mark.parametrize("fn,words", WRONG, ids=[w for _, w in WRONG])
def test_wrong_batchnorm_backward_named(fn, words):
    assert_rejected("batchnorm_backward", fn, words)


def test_backward_suite_builds_caches_with_the_reference_forward():
    """A wrong forward pass never costs backward points: the probes' caches are the reference's."""
    from grader.hidden import visible_cases

    forward = reference("batchnorm_forward")
    for case in visible_cases("batchnorm_backward"):
        cache = case.args[1]
        _, expected = forward(cache["Z"], cache["gamma"], cache["beta"], cache["epsilon"].value)
        for key in ("Z_norm", "mu", "sigma2"):
            np.testing.assert_array_equal(cache[key], expected[key])


# --- the reference against an independent oracle ---------------------------------------------


def _forward(Z, gamma, beta, eps):
    """An independent forward pass (np.var), not the course's."""
    Z_norm = (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return gamma * Z_norm + beta, Z_norm


def _central(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad


def _rel(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@pytest.mark.parametrize("n,m,eps", [(3, 7, 1e-5), (1, 2, 1e-3), (4, 16, 0.5)])
def test_reference_backward_matches_central_differences(n, m, eps):
    rng = np.random.default_rng(n * 100 + m)
    Z = rng.normal(1.0, 2.0, (n, m))
    gamma, beta = rng.uniform(0.5, 2.0, (n, 1)), rng.normal(0, 1, (n, 1))
    G = rng.normal(0, 1, (n, m)) / m  # the cost is J = sum(G * Z_tilde), so dZ_tilde = G

    def J(Z_, g_=gamma, b_=beta):
        return float(np.sum(G * _forward(Z_, g_, b_, eps)[0]))

    _, cache = reference("batchnorm_forward")(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = reference("batchnorm_backward")(G, cache)
    assert _rel(dZ, _central(J, Z)) < 1e-7
    assert _rel(dgamma, _central(lambda g: J(Z, g_=g), gamma)) < 1e-7
    assert _rel(dbeta, _central(lambda b: J(Z, b_=b), beta)) < 1e-7
    # dZ sums to 0 over the batch (db = 0); its component along Z_norm is what epsilon leaves
    # (exactly 0 for epsilon = 0: scaling z does not change z_norm): s * sum(dZ_norm * Z_norm) * eps / (sigma2 + eps)
    _, Z_norm = _forward(Z, gamma, beta, eps)
    np.testing.assert_allclose(dZ.sum(axis=1), 0, atol=1e-12)
    var = Z.var(axis=1, keepdims=True)
    along = (gamma * G * Z_norm).sum(axis=1, keepdims=True) / np.sqrt(var + eps) * eps / (var + eps)
    np.testing.assert_allclose((dZ * Z_norm).sum(axis=1, keepdims=True), along, rtol=1e-6, atol=1e-13)


def test_reference_backward_degenerate_batches():
    backward, forward = reference("batchnorm_backward"), reference("batchnorm_forward")
    rng = np.random.default_rng(0)
    _, cache = forward(rng.normal(size=(3, 1)), np.ones((3, 1)), np.zeros((3, 1)))
    dZ, _, _ = backward(rng.normal(size=(3, 1)), cache)
    np.testing.assert_array_equal(dZ, 0)  # m = 1: the output is beta whatever Z is
    Z = rng.normal(size=(2, 6))
    _, cache = forward(Z, np.full((2, 1), 2.0), np.zeros((2, 1)))
    dZ, _, _ = backward(np.full((2, 6), 0.3), cache)  # the same upstream gradient for every example
    np.testing.assert_allclose(dZ, 0, atol=1e-12)


# --- the gradient-check helper --------------------------------------------------------------


def test_numerical_gradient_and_relative_error():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    g = gradcheck.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_array_equal(x, before)
    assert gradcheck.relative_error(g, 3 * x ** 2) < 1e-9
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)
    assert gradcheck.relative_error(np.ones(3), np.zeros(3)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        gradcheck.relative_error(np.ones(3), np.ones(4))
    assert gradcheck.verdict(1e-9) == "correct"
    assert gradcheck.verdict(1e-5).startswith("look closer")
    assert gradcheck.verdict(0.3).startswith("WRONG")
    assert "nan" in gradcheck.verdict(float("nan"))


def test_gradient_check_tells_the_constant_statistics_bug_apart():
    rng = np.random.default_rng(2)
    Z, gamma, beta = rng.normal(2, 3, (3, 8)), rng.uniform(0.5, 2, (3, 1)), rng.normal(0, 1, (3, 1))
    T = rng.normal(size=(3, 8))
    forward = reference("batchnorm_forward")

    def cost(Z_):
        return float(np.sum((forward(Z_, gamma, beta)[0] - T) ** 2) / 16)

    Z_tilde, cache = forward(Z, gamma, beta)
    numeric = gradcheck.numerical_gradient(cost, Z)
    good = reference("batchnorm_backward")((Z_tilde - T) / 8, cache)[0]
    bad = bwd_constants((Z_tilde - T) / 8, cache)[0]
    assert gradcheck.relative_error(good, numeric) < gradcheck.GOOD
    assert gradcheck.relative_error(bad, numeric) > gradcheck.BAD
    assert "WRONG" in gradcheck.report({"dZ": (bad, numeric)})
    assert "correct" in gradcheck.report({"dZ": (good, numeric)})


# --- the panel ------------------------------------------------------------------------------


def _not_yet(*args, **kwargs):
    raise NotImplementedError()


def test_panel_says_what_to_do_before_the_function_exists():
    panel = backward_panel(reference("batchnorm_forward"), _not_yet)
    assert isinstance(panel, widgets.HTML) and "Implement batchnorm_backward" in panel.value
    broken = backward_panel(reference("batchnorm_forward"), lambda d, c: 1 / 0)
    assert "ZeroDivisionError" in broken.value


def test_panel_redraws_in_place_with_the_learners_function():
    calls = []

    def spy(dZ_tilde, cache):
        calls.append(dZ_tilde.shape)
        return reference("batchnorm_backward")(dZ_tilde, cache)

    panel = backward_panel(reference("batchnorm_forward"), spy)
    assert isinstance(panel, Panel) and {"gamma", "beta", "epsilon"} <= set(panel.controls)
    fig, image = panel.fig, panel.image
    moves = {"gamma": 2.0, "beta": 1.0, "epsilon": 0.05, "std3": 1e-3, "batch": 8, "upstream": UPSTREAM[1]}
    assert set(moves) == set(panel.controls)
    for control, value in moves.items():
        before, n_calls = image.value, len(calls)
        panel.set(**{control: value})
        assert image.value != before, f"moving {control} did not change the figure"
        assert len(calls) > n_calls and panel.fig is fig and panel.image is image
    assert calls[-1] == (4, 8)
    panel.set(upstream=UPSTREAM[2])
    assert "dZ = 0" in panel.status.value
    panel.set(batch=1)
    assert "m = 1" in panel.status.value


def test_panel_reports_a_function_that_breaks_on_a_later_move():
    def fragile(dZ_tilde, cache):
        if dZ_tilde.shape[1] < 4:
            raise ValueError("tiny batch")
        return reference("batchnorm_backward")(dZ_tilde, cache)

    panel = backward_panel(reference("batchnorm_forward"), fragile)
    panel.set(batch=2)
    assert "ValueError" in panel.status.value


def test_a_shift_of_the_upstream_gradient_changes_only_dbeta():
    """The panel's claim about beta: adding a constant per unit to dZ_tilde (what moving beta does
    to a squared-error cost) leaves dZ and dgamma unchanged - the mean path removes it."""
    rng = np.random.default_rng(9)
    _, cache = reference("batchnorm_forward")(rng.normal(size=(3, 6)), rng.uniform(0.5, 2, (3, 1)), np.zeros((3, 1)))
    G = rng.normal(size=(3, 6)) / 6
    shift = np.array([[0.5], [-1.0], [2.0]]) / 6
    dZ, dgamma, dbeta = reference("batchnorm_backward")(G, cache)
    dZ2, dgamma2, dbeta2 = reference("batchnorm_backward")(G + shift, cache)
    np.testing.assert_allclose(dZ2, dZ, atol=1e-12)
    np.testing.assert_allclose(dgamma2, dgamma, atol=1e-12)
    np.testing.assert_allclose(dbeta2 - dbeta, 6 * shift, rtol=1e-12)


def test_numerical_jacobian_of_a_vector_function():
    rng = np.random.default_rng(3)
    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    before = x.copy()
    J = gradcheck.numerical_jacobian(lambda v: np.tanh(A @ v).reshape(-1, 1), x)
    np.testing.assert_array_equal(x, before)
    exact = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    assert J.shape == (3, 4) and gradcheck.relative_error(J, exact) < 1e-9
