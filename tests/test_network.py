"""course/network.py: gradients against finite differences, shapes, no mutation, training."""
from __future__ import annotations

import numpy as np
import pytest

from course import data, gradcheck
from course import network as nw


def _perturbed(params, seed=3):
    """Parameters with non-trivial gamma, beta and b, so that every gradient term matters."""
    rng = np.random.default_rng(seed)
    return {k: v if k.startswith("W") else v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}


@pytest.fixture(scope="module")
def batch():
    X, y = data.spirals(40, 3, seed=5)
    return X[:, :9], y[:9]


@pytest.mark.parametrize("batchnorm", [True, False])
@pytest.mark.parametrize("loss,n_out", [("softmax", 3), ("sigmoid", 1)])
def test_backward_matches_finite_differences(batch, batchnorm, loss, n_out):
    X, y = batch
    Y = y if loss == "softmax" else (y > 0).astype(int)
    params = _perturbed(nw.init_params([2, 5, 4, 3, n_out], seed=1, batchnorm=batchnorm))
    errors = nw.gradient_check(X, Y, params, loss=loss, h=1e-6)
    assert set(errors) == {f"d{k}" for k in params}
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-6, f"{worst}: relative error {errors[worst]:.2e}"


def test_backward_in_inference_mode_treats_running_statistics_as_constants(batch):
    X, y = batch
    params = _perturbed(nw.init_params([2, 6, 3], seed=2))
    running = {"mu1": np.full((6, 1), 0.3), "sigma21": np.full((6, 1), 2.0)}

    def cost(p):
        ZL, _, _ = nw.forward(X, p, "inference", running)
        return nw.softmax_cross_entropy(ZL, y)[0]

    ZL, caches, _ = nw.forward(X, params, "inference", running)
    grads = nw.backward(nw.softmax_cross_entropy(ZL, y)[1], caches)
    h = 1e-6
    for k, v in params.items():
        approx = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            up, down = {**params, k: v.copy()}, {**params, k: v.copy()}
            up[k][idx] += h
            down[k][idx] -= h
            approx[idx] = (cost(up) - cost(down)) / (2 * h)
        assert gradcheck.relative_error(grads[f"d{k}"], approx) < 1e-6, k


def test_init_params_shapes_and_he_scale():
    p = nw.init_params([4, 7, 5, 3], seed=0, init_scale=2.0)
    assert sorted(p) == sorted(["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"])
    assert p["W1"].shape == (7, 4) and p["W2"].shape == (5, 7) and p["W3"].shape == (3, 5)
    assert p["gamma2"].shape == p["beta2"].shape == (5, 1) and p["b3"].shape == (3, 1)
    np.testing.assert_array_equal(p["gamma1"], 1.0)
    np.testing.assert_array_equal(p["beta1"], 0.0)
    big = nw.init_params([400, 300, 2], seed=0, init_scale=2.0)
    assert big["W1"].std() == pytest.approx(2.0 * np.sqrt(2 / 400), rel=0.02)
    plain = nw.init_params([4, 7, 5, 3], batchnorm=False)
    assert sorted(plain) == sorted(["W1", "b1", "W2", "b2", "W3", "b3"])
    assert nw.new_running(plain) == {}
    running = nw.new_running(p)
    assert sorted(running) == ["mu1", "mu2", "sigma21", "sigma22"]
    np.testing.assert_array_equal(running["sigma22"], np.ones((5, 1)))


def test_forward_normalizes_each_hidden_layer_and_leaves_the_output_alone(batch):
    X, _ = batch
    params = nw.init_params([2, 6, 5, 3], seed=4)
    params["gamma1"] = np.full((6, 1), 2.0)
    params["beta1"] = np.full((6, 1), -0.5)
    ZL, caches, stats = nw.forward(X, params)
    assert ZL.shape == (3, X.shape[1]) and len(caches) == 3 and sorted(stats) == [1, 2]
    Zt = caches[0]["Z_tilde"]
    np.testing.assert_allclose(Zt.mean(1), -0.5, atol=1e-12)
    np.testing.assert_allclose(Zt.std(1), 2.0, rtol=1e-3)
    mu, sigma2 = stats[1]
    np.testing.assert_allclose(mu, caches[0]["Z"].mean(1, keepdims=True))
    np.testing.assert_allclose(sigma2, caches[0]["Z"].var(1, keepdims=True))
    # the output layer: W A + b, no batch norm, no ReLU (logits can be negative)
    np.testing.assert_allclose(ZL, params["W3"] @ caches[2]["A_prev"] + params["b3"])
    assert (ZL < 0).any()


def test_inference_mode_uses_running_statistics(batch):
    X, _ = batch
    params = nw.init_params([2, 4, 2], seed=0)
    running = {"mu1": np.full((4, 1), 1.0), "sigma2": None, "sigma21": np.full((4, 1), 4.0)}
    _, caches, _ = nw.forward(X, params, "inference", running, epsilon=0.0)
    np.testing.assert_allclose(caches[0]["Z_tilde"], (params["W1"] @ X - 1.0) / 2.0)
    with pytest.raises(ValueError, match="running"):
        nw.forward(X, params, "inference")
    one = nw.forward(X[:, :1], params, "inference", running)[0]
    np.testing.assert_allclose(one, nw.forward(X, params, "inference", running)[0][:, :1])


def test_update_running_is_an_exponentially_weighted_average():
    running = {"mu1": np.zeros((2, 1)), "sigma21": np.ones((2, 1))}
    stats = {1: (np.array([[1.0], [2.0]]), np.array([[3.0], [5.0]]))}
    new = nw.update_running(running, stats, momentum=0.9)
    np.testing.assert_allclose(new["mu1"], [[0.1], [0.2]])
    np.testing.assert_allclose(new["sigma21"], [[1.2], [1.4]])
    np.testing.assert_array_equal(running["mu1"], 0.0)  # not mutated


def test_update_is_a_descent_step_without_mutation():
    params = nw.init_params([3, 4, 2], seed=0)
    before = {k: v.copy() for k, v in params.items()}
    grads = {f"d{k}": np.ones_like(v) for k, v in params.items()}
    new = nw.update(params, grads, 0.5)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_allclose(new[k], before[k] - 0.5)
        assert not np.shares_memory(new[k], params[k])
    with pytest.raises(KeyError):
        nw.update(params, {"dW1": grads["dW1"]}, 0.1)


def test_losses_are_stable_and_have_the_right_gradient():
    Z = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 0.0], [-1e4, 0.0, 0.0]])
    Y = nw.one_hot([0, 1, 2], 3)
    cost, dZ = nw.softmax_cross_entropy(Z, Y)
    assert np.isfinite(cost) and cost == pytest.approx(np.log(3) / 3)
    np.testing.assert_allclose(dZ, (nw.softmax(Z) - Y) / 3)
    assert nw.softmax_cross_entropy(Z, np.array([0, 1, 2]))[0] == cost  # labels work too
    z = np.array([[800.0, -800.0, 0.0]])
    cost, dz = nw.sigmoid_cross_entropy(z, np.array([1, 1, 0]))
    assert cost == pytest.approx((0 + 800 + np.log(2)) / 3)
    np.testing.assert_allclose(dz, [[0.0, -1 / 3, 1 / 6]])


def test_train_reaches_high_accuracy_and_records_history():
    X, y = data.spirals(600, 3, seed=0)
    Xv, yv = data.spirals(300, 3, seed=1)
    r = nw.train(X, y, [2, 32, 32, 3], lr=0.5, epochs=15, X_val=Xv, Y_val=yv, watch_unit=(2, 0))
    assert len(r.history["cost"]) == len(r.history["train_acc"]) == len(r.history["val_acc"]) == 15
    assert r.history["cost"][-1] < r.history["cost"][0]
    assert r.accuracy(Xv, yv) >= 0.9 and r.history["val_acc"][-1] == r.accuracy(Xv, yv)
    assert len(r.history["watch"]) == 16 and r.history["watch"][0].shape == (512,)
    assert not r.diverged
    layer = nw.train(X, y, [2, 8, 6, 3], lr=0.5, epochs=2, watch_unit=(2, None))
    assert len(layer.history["watch_z"]) == 3 and layer.history["watch_z"][0].shape == (6, 512)
    np.testing.assert_allclose(layer.history["watch"][0].mean(axis=1), 0, atol=1e-9)  # gamma = 1, beta = 0 at first
    with pytest.raises(ValueError, match="hidden unit"):
        nw.train(X, y, [2, 8, 6, 3], epochs=1, watch_unit=(3, 0))
    # same seed, same run; the running statistics have moved away from 0 and 1
    again = nw.train(X, y, [2, 32, 32, 3], lr=0.5, epochs=15)
    np.testing.assert_array_equal(again.params["W1"], r.params["W1"])
    assert np.abs(r.running["mu1"]).max() > 0.01


def test_train_binary_without_batchnorm_and_divergence_is_reported():
    X, y = data.spirals(400, 2, seed=0)
    r = nw.train(X, y, [2, 32, 32, 1], lr=0.3, epochs=30, batchnorm=False, loss="sigmoid")
    assert r.accuracy(X, y) > 0.85
    assert "gamma1" not in r.params and "b1" in r.params
    blown = nw.train(X, y, [2, 32, 32, 1], lr=10.0, epochs=30, batchnorm=False, loss="sigmoid", init_scale=5.0)
    assert blown.diverged and len(blown.history["cost"]) < 30


def test_train_grid_matches_separate_runs():
    X, y = data.spirals(200, 3, seed=0)
    lrs, scales = [0.05, 0.5], [0.5, 2.0]
    grid = nw.train_grid(X, y, [2, 8, 8, 3], lrs, scales, epochs=3)
    assert grid.final_acc.shape == (2, 2) and grid.history["cost"].shape == (3, 2, 2)
    for i, s in enumerate(scales):
        for j, lr in enumerate(lrs):
            one = nw.train(X, y, [2, 8, 8, 3], lr=lr, init_scale=s, epochs=3)
            np.testing.assert_allclose(grid.history["cost"][:, i, j], one.history["cost"], rtol=1e-10)
            assert grid.final_acc[i, j] == pytest.approx(one.history["train_acc"][-1])
