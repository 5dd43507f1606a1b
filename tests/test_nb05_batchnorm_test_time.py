"""Notebook 05: correct and wrong running averages and inference passes, the references
against closed forms, and the widget panel."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from course import network
from course.panels_test_time import running_average_panel, running_history, training_run
from course.widgets import Panel
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

# --- update_running_averages: correct ---------------------------------------------------------


def upd_plain(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    return momentum * running_mu + (1 - momentum) * mu, momentum * running_sigma2 + (1 - momentum) * sigma2


def upd_incremental(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    """Moves a fraction (1 - momentum) of the way toward the batch statistic."""
    return running_mu + (1 - momentum) * (mu - running_mu), running_sigma2 + (1 - momentum) * (sigma2 - running_sigma2)


def upd_loops(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu, new_s2 = np.zeros_like(running_mu, dtype=float), np.zeros_like(running_sigma2, dtype=float)
    for j in range(running_mu.shape[0]):
        new_mu[j, 0] = momentum * running_mu[j, 0] + (1 - momentum) * mu[j, 0]
        new_s2[j, 0] = momentum * running_sigma2[j, 0] + (1 - momentum) * sigma2[j, 0]
    return new_mu, new_s2


def upd_copy_then_inplace(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu, new_s2 = running_mu.copy(), running_sigma2.copy()
    new_mu *= momentum
    new_mu += (1 - momentum) * mu
    new_s2 *= momentum
    new_s2 += (1 - momentum) * sigma2
    return new_mu, new_s2


def upd_stacked(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    both = momentum * np.hstack([running_mu, running_sigma2]) + (1 - momentum) * np.hstack([mu, sigma2])
    return both[:, :1], both[:, 1:]


def upd_list(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    return list(upd_plain(running_mu, running_sigma2, mu, sigma2, momentum))


@pytest.mark.parametrize("fn", [upd_plain, upd_incremental, upd_loops, upd_copy_then_inplace, upd_stacked, upd_list])
def test_correct_update_running_averages_pass(fn):
    assert_accepted("update_running_averages", fn)


# --- update_running_averages: wrong -----------------------------------------------------------


def upd_inplace(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    running_mu *= momentum
    running_mu += (1 - momentum) * mu
    running_sigma2 *= momentum
    running_sigma2 += (1 - momentum) * sigma2
    return running_mu, running_sigma2


def upd_inplace_slice(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu, new_s2 = upd_plain(running_mu, running_sigma2, mu, sigma2, momentum)
    running_mu[:] = new_mu  # "saves" the new value into the caller's array
    return new_mu, new_s2


WRONG_UPDATE = [
    (lambda rm, rs, mu, s2, momentum=0.9: ((1 - momentum) * rm + momentum * mu, (1 - momentum) * rs + momentum * s2),
     "momentum is reversed"),
    (lambda rm, rs, mu, s2, momentum=0.9: (momentum * rm + (1 - momentum) * mu, rs.copy()),
     "running_sigma2 was left un-updated"),
    (lambda rm, rs, mu, s2, momentum=0.9: (momentum * rm + (1 - momentum) * mu,
                                           momentum * rs + (1 - momentum) * np.sqrt(s2)),
     "replaced by a standard deviation"),
    (lambda rm, rs, mu, s2, momentum=0.9: (momentum * rm + (1 - momentum) * mu,
                                           np.sqrt(momentum * rs + (1 - momentum) * s2)),
     "replaced by a standard deviation"),
    (lambda rm, rs, mu, s2, momentum=0.9: (rm.copy(), momentum * rs + (1 - momentum) * s2),
     "running_mu was left un-updated"),
    (lambda rm, rs, mu, s2, momentum=0.9: (mu.copy(), s2.copy()), "replaced by the batch statistics"),
    (lambda rm, rs, mu, s2, momentum=0.9: upd_plain(rm, rs, mu, s2, momentum)[::-1], "swapped"),
    (lambda rm, rs, mu, s2, momentum=0.9: (momentum * rm + (1 - momentum) * mu, momentum * rs + (1 - momentum) * mu),
     "updated with mu instead of sigma2"),
    (lambda rm, rs, mu, s2, momentum=0.9: upd_plain(rm, rs, mu, s2, 0.9), "momentum argument was ignored"),
    (lambda rm, rs, mu, s2, momentum=0.9: (rm + (1 - momentum) * mu, rs + (1 - momentum) * s2),
     "not multiplied by momentum"),
    (upd_inplace, "modified its input running_mu in place"),
    (upd_inplace_slice, "modified its input running_mu in place"),
    (lambda rm, rs, mu, s2, momentum=0.9: (momentum * rm + (1 - momentum) * mu)[:, 0], "should return a tuple"),
]


@pytest.mark.parametrize("fn,words", WRONG_UPDATE, ids=[f"{i}-{w}" for i, (_, w) in enumerate(WRONG_UPDATE)])
def test_wrong_update_running_averages_named(fn, words):
    assert_rejected("update_running_averages", fn, words)


# --- batchnorm_inference: correct -------------------------------------------------------------


def inf_plain(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    return gamma * (Z - running_mu) / np.sqrt(running_sigma2 + epsilon) + beta


def inf_folded(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    """The affine map a * Z + c that deployed networks fold into the weights."""
    a = gamma / np.sqrt(running_sigma2 + epsilon)
    return a * Z + (beta - a * running_mu)


def inf_loops(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    out = np.empty(Z.shape)
    for j in range(Z.shape[0]):
        std = (running_sigma2[j, 0] + epsilon) ** 0.5
        for i in range(Z.shape[1]):
            out[j, i] = gamma[j, 0] * (Z[j, i] - running_mu[j, 0]) / std + beta[j, 0]
    return out


def inf_copy_then_inplace(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    out = Z.astype(np.float64, copy=True)
    out -= running_mu
    out /= np.sqrt(running_sigma2 + epsilon)
    out *= gamma
    out += beta
    return out


def inf_per_column(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    cols = [inf_plain(Z[:, i:i + 1], gamma, beta, running_mu, running_sigma2, epsilon) for i in range(Z.shape[1])]
    return np.hstack(cols)


@pytest.mark.parametrize("fn", [inf_plain, inf_folded, inf_loops, inf_copy_then_inplace, inf_per_column])
def test_correct_batchnorm_inference_pass(fn):
    assert_accepted("batchnorm_inference", fn)


# --- batchnorm_inference: wrong -------------------------------------------------------------


def inf_batch(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    return gamma * (Z - Z.mean(1, keepdims=True)) / np.sqrt(Z.var(1, keepdims=True) + epsilon) + beta


def inf_inplace(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z -= running_mu
    Z /= np.sqrt(running_sigma2 + epsilon)
    return gamma * Z + beta


WRONG_INFERENCE = [
    (inf_batch, "batch statistics were used at test time"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * (Z - Z.mean(1, keepdims=True)) / np.sqrt(rs + epsilon) + b,
     "batch mean was used at test time"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: (Z - rm) / np.sqrt(rs + epsilon), "gamma and beta were dropped"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * (Z - rm) / (np.sqrt(rs) + epsilon) + b, "outside the square root"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * (Z - rm) / np.sqrt(rs) + b, "epsilon was left out"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * (Z - rm) / (rs + epsilon) + b, "divided by the variance"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * (Z - rm) / np.sqrt(rs + 1e-5) + b, "epsilon argument was ignored"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: g * Z / np.sqrt(rs + epsilon) + b, "running_mu was not subtracted"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: b * (Z - rm) / np.sqrt(rs + epsilon) + g, "swapped"),
    (inf_inplace, "modified its input z in place"),
    (lambda Z, g, b, rm, rs, epsilon=1e-5: (g * (Z - rm) / np.sqrt(rs + epsilon) + b).astype(np.float32), "float64"),
]


@pytest.mark.parametrize("fn,words", WRONG_INFERENCE, ids=[w for _, w in WRONG_INFERENCE])
def test_wrong_batchnorm_inference_named(fn, words):
    assert_rejected("batchnorm_inference", fn, words)


# --- the references against closed forms -----------------------------------------------------


def test_reference_update_converges_geometrically_to_a_constant_statistic():
    """From v0, t updates toward a constant theta give theta + momentum**t * (v0 - theta)."""
    update = reference("update_running_averages")
    v0_mu, v0_s2 = np.array([[0.0], [5.0]]), np.array([[1.0], [0.1]])
    theta_mu, theta_s2 = np.array([[3.0], [-2.0]]), np.array([[4.0], [0.5]])
    for momentum in (0.0, 0.5, 0.9, 0.99):
        r_mu, r_s2 = v0_mu, v0_s2
        for t in range(1, 41):
            r_mu, r_s2 = update(r_mu, r_s2, theta_mu, theta_s2, momentum)
            np.testing.assert_allclose(r_mu, theta_mu + momentum ** t * (v0_mu - theta_mu), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(r_s2, theta_s2 + momentum ** t * (v0_s2 - theta_s2), rtol=1e-12, atol=1e-12)


def test_reference_update_is_the_weighted_sum_of_the_unrolled_average():
    update = reference("update_running_averages")
    rng = np.random.default_rng(4)
    thetas = rng.normal(size=(25, 3, 1))
    momentum = 0.8
    r, r_s2 = np.zeros((3, 1)), np.ones((3, 1))
    for theta in thetas:
        r, r_s2 = update(r, r_s2, theta, theta ** 2, momentum)
    weights = (1 - momentum) * momentum ** np.arange(len(thetas))[::-1]
    np.testing.assert_allclose(r, np.tensordot(weights, thetas, axes=1), rtol=1e-12)
    np.testing.assert_allclose(r_s2, np.tensordot(weights, thetas ** 2, axes=1) + momentum ** len(thetas), rtol=1e-12)
    # bias correction: dividing by the total weight 1 - momentum**t gives a weighted mean
    corrected = r / (1 - momentum ** len(thetas))
    np.testing.assert_allclose(corrected, np.tensordot(weights / weights.sum(), thetas, axes=1), rtol=1e-12)


def test_reference_inference_equals_training_mode_with_the_batchs_own_statistics():
    rng = np.random.default_rng(5)
    Z = rng.normal(2, 3, (4, 10))
    gamma, beta = rng.uniform(0.5, 2, (4, 1)), rng.normal(size=(4, 1))
    mu, var = Z.mean(1, keepdims=True), Z.var(1, keepdims=True)
    train_mode = gamma * (Z - mu) / np.sqrt(var + 1e-3) + beta
    out = reference("batchnorm_inference")(Z, gamma, beta, mu, var, epsilon=1e-3)
    np.testing.assert_allclose(out, train_mode, rtol=1e-12)
    # each column on its own: an example's output does not depend on its batch
    for i in range(Z.shape[1]):
        alone = reference("batchnorm_inference")(Z[:, i:i + 1], gamma, beta, mu, var, epsilon=1e-3)
        np.testing.assert_allclose(alone[:, 0], out[:, i], rtol=1e-12)


def test_reference_inference_matches_the_networks_inference_mode():
    X = np.random.default_rng(6).normal(size=(2, 50))
    params = network.init_params([2, 5, 3], seed=1)
    params["gamma1"] = np.linspace(0.5, 2.0, 5)[:, None]
    params["beta1"] = np.linspace(-1.0, 1.0, 5)[:, None]
    running = {"mu1": np.linspace(-0.3, 0.3, 5)[:, None], "sigma21": np.linspace(0.5, 3.0, 5)[:, None]}
    _, caches, _ = network.forward(X, params, mode="inference", running=running)
    mine = reference("batchnorm_inference")(params["W1"] @ X, params["gamma1"], params["beta1"],
                                            running["mu1"], running["sigma21"])
    np.testing.assert_allclose(mine, caches[0]["Z_tilde"], rtol=1e-12)


def test_pytorch_momentum_maps_to_the_course_convention():
    """PyTorch: new = (1 - 0.1) * old + 0.1 * statistic, with the unbiased variance stored."""
    rng = np.random.default_rng(7)
    batch = rng.normal(1, 2, (3, 16))
    r_mu, r_s2 = rng.normal(size=(3, 1)), rng.uniform(0.5, 2, (3, 1))
    torch_mu = 0.9 * r_mu + 0.1 * batch.mean(1, keepdims=True)
    torch_var = 0.9 * r_s2 + 0.1 * batch.var(1, ddof=1, keepdims=True)
    ours = reference("update_running_averages")(r_mu, r_s2, batch.mean(1, keepdims=True),
                                                batch.var(1, keepdims=True) * 16 / 15, momentum=0.9)
    np.testing.assert_allclose(ours[0], torch_mu, rtol=1e-12)
    np.testing.assert_allclose(ours[1], torch_var, rtol=1e-12)


# --- the panel ------------------------------------------------------------------------------


def _not_yet(*args, **kwargs):
    raise NotImplementedError()


def test_panel_says_what_to_do_before_the_functions_exist():
    pairs = [(_not_yet, reference("batchnorm_inference")), (reference("update_running_averages"), _not_yet)]
    for update, infer in pairs:
        panel = running_average_panel(update, infer)
        assert isinstance(panel, widgets.HTML) and "Implement" in panel.value
    broken = running_average_panel(lambda *a, **k: 1 / 0, reference("batchnorm_inference"))
    assert "ZeroDivisionError" in broken.value


def test_running_history_uses_the_given_update():
    batch_mu, batch_s2, pop_mu, pop_s2, _ = training_run()
    r_mu, r_s2 = running_history(reference("update_running_averages"), batch_mu, batch_s2, 0.9)
    expected_mu, expected_s2 = 0.0, 1.0
    for k in range(len(batch_mu)):
        expected_mu, expected_s2 = 0.9 * expected_mu + 0.1 * batch_mu[k], 0.9 * expected_s2 + 0.1 * batch_s2[k]
        assert r_mu[k] == pytest.approx(expected_mu) and r_s2[k] == pytest.approx(expected_s2)
    assert abs(r_mu[-1] - pop_mu) < 0.2 and abs(r_s2[-1] - pop_s2) < 0.3


def test_panel_redraws_in_place_with_the_learners_functions():
    calls = {"update": 0, "inference": 0}

    def update(*args, **kwargs):
        calls["update"] += 1
        return reference("update_running_averages")(*args, **kwargs)

    def infer(*args, **kwargs):
        calls["inference"] += 1
        return reference("batchnorm_inference")(*args, **kwargs)

    panel = running_average_panel(update, infer)
    assert isinstance(panel, Panel) and {"gamma", "beta", "epsilon"} <= set(panel.controls)
    fig, image = panel.fig, panel.image
    moves = {"gamma": 2.0, "beta": 1.0, "epsilon": 0.5, "momentum": 0.99, "seen": 10, "correct": True}
    assert set(moves) == set(panel.controls)
    for control, value in moves.items():
        before, n_inference = image.value, calls["inference"]
        panel.set(**{control: value})
        assert image.value != before, f"moving {control} did not change the figure"
        assert calls["inference"] > n_inference and panel.fig is fig and panel.image is image
    assert calls["update"] >= 2 * 200  # the default momentum, then 0.99
    assert "after 10 mini-batches" in panel.status.value and "= 100 batches" in panel.status.value
