"""Notebook 04: correct and wrong implementations of the network's forward pass, backward pass,
update and training loop; the references against course.network and finite differences; the
training judge; grading through the sandbox; the notebook's panels."""
from __future__ import annotations

import numpy as np
import pytest

from course import data, network
from grader.checks.catalog.nb04_batchnorm_in_a_network import REQUIRED_ACCURACY, held_out_accuracy, held_out_predictions
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

fwd_ref = reference("model_forward")
bwd_ref = reference("model_backward")
upd_ref = reference("update_parameters")


def _layers(params):
    return len([k for k in params if k.startswith("W")])


# --- model_forward ---------------------------------------------------------------------------


def forward_with_helpers(X, params, epsilon=1e-5):
    def batchnorm(Z, gamma, beta):
        mu = Z.mean(axis=1, keepdims=True)
        var = Z.var(axis=1, keepdims=True)
        Z_norm = (Z - mu) / np.sqrt(var + epsilon)
        return gamma * Z_norm + beta, {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": var, "gamma": gamma,
                                       "beta": beta, "epsilon": epsilon}

    def relu(Z):
        return np.where(Z > 0, Z, 0.0)

    L = (len(params) + 1) // 3
    A, caches = X, []
    for l in range(1, L):
        Z = np.dot(params["W" + str(l)], A)
        Z_tilde, cache = batchnorm(Z, params["gamma" + str(l)], params["beta" + str(l)])
        cache.update(A_prev=A, W=params["W" + str(l)], Z_tilde=Z_tilde)
        caches.append(cache)
        A = relu(Z_tilde)
    ZL = np.dot(params["W" + str(L)], A) + params["b" + str(L)]
    caches.append(dict(A_prev=A, W=params["W" + str(L)]))
    return ZL, caches


def forward_einsum_tuple(X, params, epsilon=1e-5):
    L = _layers(params)
    A, caches = X.astype(np.float64), ()
    for l in range(1, L):
        W = params[f"W{l}"]
        Z = np.einsum("ij,jk->ik", W, A)
        m = Z.shape[1]
        mu = Z.sum(axis=1, keepdims=True) / m
        sigma2 = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / m
        Z_norm = (Z - mu) * (1.0 / np.sqrt(sigma2 + epsilon))
        Z_tilde = params[f"gamma{l}"] * Z_norm + params[f"beta{l}"]
        caches += ({"A_prev": A, "W": W, "Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
                    "gamma": params[f"gamma{l}"], "beta": params[f"beta{l}"], "epsilon": epsilon,
                    "Z_tilde": Z_tilde, "extra": "ignored"},)
        A = Z_tilde * (Z_tilde > 0)
    ZL = np.einsum("ij,jk->ik", params[f"W{L}"], A) + params[f"b{L}"]
    return ZL, list(caches + ({"A_prev": A, "W": params[f"W{L}"]},))


def forward_course_network(X, params, epsilon=1e-5):
    ZL, caches, _ = network.forward(X, params, "train", epsilon=epsilon)
    return ZL, caches


@pytest.mark.parametrize("fn", [fwd_ref, forward_with_helpers, forward_einsum_tuple, forward_course_network])
def test_correct_forward_pass(fn):
    assert_accepted("model_forward", fn)


def _forward_variant(**how):
    from grader.suites.nb04_batchnorm_in_a_network import _forward

    return lambda X, params, epsilon=1e-5: _forward(X, params, epsilon, **how)


def forward_uses_hidden_bias(X, params, epsilon=1e-5):
    """Keeps b[l] in the hidden layers: the params have none, so it fails on a KeyError."""
    L = _layers(params)
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
    return params[f"W{L}"] @ A + params[f"b{L}"], []


def forward_mutates_params(X, params, epsilon=1e-5):
    ZL, caches = fwd_ref(X, params, epsilon)
    params["gamma1"] *= 1.0001
    return ZL, caches


WRONG_FORWARD = [
    (_forward_variant(bn_out=True), "batch norm was applied to the output layer"),
    (_forward_variant(relu_out=True), "relu was applied to the output layer"),
    (_forward_variant(no_relu=True), "relu of the hidden layers is missing"),
    (_forward_variant(relu_first=True), "relu was applied before batch norm"),
    (_forward_variant(no_b=True), "b[l] is missing from the output layer"),
    (_forward_variant(ddof=1), "unbiased variance"),
    (_forward_variant(eps_outside=True), "outside the square root"),
    (_forward_variant(axis=0), "axis 0"),
    (_forward_variant(no_affine=True), "scale and shift are missing"),
    (_forward_variant(swap=True), "swapped"),
    (_forward_variant(eps_fixed=True), "epsilon argument was ignored"),
    (_forward_variant(cache_norm_tilde=True), 'cache["z_norm"] holds z_tilde'),
    (_forward_variant(cache_a_prev_out=True), 'cache["a_prev"] holds'),
    (_forward_variant(cache_tilde_relu=True), 'cache["z_tilde"] holds relu'),
    (_forward_variant(cache_std=True), "standard deviation"),
    (forward_uses_hidden_bias, "KeyError"),
    (forward_mutates_params, "in place"),
    (lambda X, params, epsilon=1e-5: fwd_ref(X, params, epsilon)[0], "should return a tuple"),
    (lambda X, params, epsilon=1e-5: (fwd_ref(X, params, epsilon)[0], fwd_ref(X, params, epsilon)[1][:-1]),
     "caches should be a list of"),
]


@pytest.mark.parametrize("fn,words", WRONG_FORWARD, ids=[w for _, w in WRONG_FORWARD])
def test_wrong_forward_pass_named(fn, words):
    assert_rejected("model_forward", fn, words)


# --- model_backward ---------------------------------------------------------------------------


def backward_graph(dZL, caches):
    """Node by node through the computational graph of notebook 03."""
    L = len(caches)
    grads = {"dW%d" % L: dZL.dot(caches[-1]["A_prev"].T), "db%d" % L: dZL.sum(1).reshape(-1, 1)}
    dA = caches[-1]["W"].T.dot(dZL)
    for l in reversed(range(1, L)):
        c = caches[l - 1]
        m = dA.shape[1]
        dZ_tilde = np.where(c["Z_tilde"] > 0, dA, 0.0)
        grads["dbeta%d" % l] = dZ_tilde.sum(1).reshape(-1, 1)
        grads["dgamma%d" % l] = (dZ_tilde * c["Z_norm"]).sum(1).reshape(-1, 1)
        dZ_norm = dZ_tilde * c["gamma"]
        centred = c["Z"] - c["mu"]
        inv_std = 1 / np.sqrt(c["sigma2"] + c["epsilon"])
        dsigma2 = np.sum(dZ_norm * centred, axis=1, keepdims=True) * -0.5 * inv_std ** 3
        dmu = np.sum(-dZ_norm * inv_std, axis=1, keepdims=True) + dsigma2 * np.mean(-2 * centred, axis=1, keepdims=True)
        dZ = dZ_norm * inv_std + dsigma2 * 2 * centred / m + dmu / m
        grads["dW%d" % l] = dZ.dot(c["A_prev"].T)
        dA = c["W"].T.dot(dZ)
    return grads


def backward_with_bias_grads(dZL, caches):
    grads = bwd_ref(dZL, caches)
    for l in range(1, len(caches)):  # extra keys (a zero db[l]) are harmless
        grads[f"db{l}"] = np.zeros_like(grads[f"dbeta{l}"])
    return grads


def backward_course_network(dZL, caches):
    return network.backward(dZL, [{**c, "mode": "train"} for c in caches[:-1]] + [caches[-1]])


@pytest.mark.parametrize("fn", [bwd_ref, backward_graph, backward_with_bias_grads, backward_course_network])
def test_correct_backward_pass(fn):
    assert_accepted("model_backward", fn)


def _backward_variant(**how):
    from grader.suites.nb04_batchnorm_in_a_network import _backward

    return lambda dZL, caches: _backward(dZL, caches, **how)


def backward_scales_dZL_in_place(dZL, caches):
    dZL *= 1.0
    dZL /= 1.0
    dZL += 1e-3  # modifies the caller's array
    return bwd_ref(dZL, caches)


WRONG_BACKWARD = [
    (_backward_variant(extra_m=True), "divided by m again"),
    (_backward_variant(dw_extra_m=True), "dw was divided by m again"),
    (_backward_variant(hidden_extra_m=True), "dw of the hidden layers was divided by m again"),
    (_backward_variant(axis0=True), "axis 0"),
    (_backward_variant(no_keepdims=True), "keepdims"),
    (_backward_variant(relu_on_z=True), "derivative was taken at z"),
    (_backward_variant(no_relu=True), "derivative is missing"),
    (_backward_variant(constant_stats=True), "as constants"),
    (_backward_variant(dgamma_tilde=True), "dgamma used z_tilde"),
    (_backward_variant(no_gamma=True), "factor gamma is missing"),
    (_backward_variant(transposed_dw=True), "transposed"),
    (_backward_variant(output_db_missing=True), "missing the key"),
    (backward_scales_dZL_in_place, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG_BACKWARD, ids=[w for _, w in WRONG_BACKWARD])
def test_wrong_backward_pass_named(fn, words):
    assert_rejected("model_backward", fn, words)


# --- update_parameters --------------------------------------------------------------------------


def update_loop(params, grads, learning_rate):
    new = {}
    for key in grads:
        name = key[1:]
        new[name] = params[name] - learning_rate * grads[key]
    return new


def update_copy_then_inplace(params, grads, learning_rate):
    new = {k: v.copy() for k, v in params.items()}
    for k in new:
        new[k] -= learning_rate * grads["d" + k]
    return new


@pytest.mark.parametrize("fn", [upd_ref, update_loop, update_copy_then_inplace])
def test_correct_update(fn):
    assert_accepted("update_parameters", fn)


def update_in_place(params, grads, learning_rate):
    for k in params:
        params[k] -= learning_rate * grads["d" + k]
    return params


def update_shallow_copy(params, grads, learning_rate):
    new = params.copy()  # a new dict, but the same arrays
    for k in new:
        new[k] -= learning_rate * grads["d" + k]
    return new


def _update_variant(**how):
    from grader.suites.nb04_batchnorm_in_a_network import _update

    return lambda params, grads, learning_rate: _update(params, grads, learning_rate, **how)


WRONG_UPDATE = [
    (_update_variant(plus=True), "uphill"),
    (_update_variant(w_only=True), "only w was updated"),
    (_update_variant(no_bn=True), "gamma and beta were not updated"),
    (_update_variant(swap_bn=True), "gamma was updated with dbeta"),
    (_update_variant(fixed=0.01), "learning_rate argument was ignored"),
    (update_in_place, "in place"),
    (update_shallow_copy, "in place"),
    (lambda params, grads, learning_rate: {k: v - learning_rate * grads["d" + k] for k, v in params.items()
                                          if k.startswith("W")}, "missing the key"),
]


@pytest.mark.parametrize("fn,words", WRONG_UPDATE, ids=[w for _, w in WRONG_UPDATE])
def test_wrong_update_named(fn, words):
    assert_rejected("update_parameters", fn, words)


# --- train_model --------------------------------------------------------------------------------


def _loop(X, Y, params, learning_rate, num_epochs, mini_batch_size, seed, *, batches=None, update=upd_ref, lr=None,
          with_costs=False):
    """A training loop over ``batches(rng, m)`` (the learner's way of shuffling)."""
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    costs = []
    for _ in range(num_epochs):
        for idx in batches(rng, m, mini_batch_size):
            ZL, caches = fwd_ref(X[:, idx], params)
            A = 1 / (1 + np.exp(-ZL))
            costs.append(float(-np.mean(Y[:, idx] * np.log(A + 1e-12) + (1 - Y[:, idx]) * np.log(1 - A + 1e-12))))
            params = update(params, bwd_ref((A - Y[:, idx]) / len(idx), caches),
                            learning_rate if lr is None else lr)
    return (params, costs) if with_costs else params


def _permutation_batches(rng, m, size):
    p = rng.permutation(m)
    return [p[i:i + size] for i in range(0, m, size)]


def _shuffle_then_split(rng, m, size):
    idx = np.arange(m)
    rng.shuffle(idx)
    return np.array_split(idx, max(1, int(np.ceil(m / size))))


def _legacy_global_seed(rng, m, size):
    perm = np.random.permutation(m)
    return [perm[k * size:(k + 1) * size] for k in range(int(np.ceil(m / size)))]


def _in_order(rng, m, size):
    return [np.arange(i, min(i + size, m)) for i in range(0, m, size)]


def _whole(rng, m, size):
    return [rng.permutation(m)]


def _trainer(batches, **kw):
    def train_model(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
        if batches is _legacy_global_seed:
            np.random.seed(seed)
        return _loop(X, Y, params, learning_rate, num_epochs, mini_batch_size, seed, batches=batches, **kw)
    return train_model


def train_random_mini_batches(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """Deep Learning Specialization style: a list of (X_batch, Y_batch) pairs every epoch."""
    m = X.shape[1]
    for epoch in range(num_epochs):
        rng = np.random.default_rng(seed + epoch)
        perm = rng.permutation(m)
        Xs, Ys = X[:, perm], Y[:, perm]
        for k in range(0, m, mini_batch_size):
            Xb, Yb = Xs[:, k:k + mini_batch_size], Ys[:, k:k + mini_batch_size]
            ZL, caches = fwd_ref(Xb, params)
            params = upd_ref(params, bwd_ref((1 / (1 + np.exp(-ZL)) - Yb) / Xb.shape[1], caches), learning_rate)
    return params


CORRECT_TRAIN = [reference("train_model"), _trainer(_permutation_batches), _trainer(_shuffle_then_split),
                 _trainer(_legacy_global_seed), train_random_mini_batches]


@pytest.mark.parametrize("fn", CORRECT_TRAIN, ids=["reference", "permutation", "shuffle+array_split",
                                                   "np.random.seed", "random_mini_batches"])
def test_correct_training_loops_pass(fn):
    assert_accepted("train_model", fn)


def _trainer_with(**how):
    from grader.suites.nb04_batchnorm_in_a_network import _train

    return lambda X, Y, params, **kw: _train(X, Y, params, **kw, **how, only_stochastic=True)


def train_mutating(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    return _loop(X, Y, params, learning_rate, num_epochs, mini_batch_size, seed, batches=_permutation_batches,
                 update=update_in_place)


def train_keeps_hidden_bias(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    out = _trainer(_permutation_batches)(X, Y, params, learning_rate, num_epochs, mini_batch_size, seed)
    return {**out, "b1": np.zeros_like(out["beta1"])}


def train_pairs_broken(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """Shuffles X and Y with two different permutations."""
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    for _ in range(num_epochs):
        px, py = rng.permutation(m), rng.permutation(m)
        for i in range(0, m, mini_batch_size):
            Xb, Yb = X[:, px[i:i + mini_batch_size]], Y[:, py[i:i + mini_batch_size]]
            ZL, caches = fwd_ref(Xb, params)
            params = upd_ref(params, bwd_ref((1 / (1 + np.exp(-ZL)) - Yb) / Xb.shape[1], caches), learning_rate)
    return params


def train_divides_by_all_m(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """dZL divided by the size of the whole data set instead of the mini-batch's."""
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    for _ in range(num_epochs):
        for idx in _permutation_batches(rng, m, mini_batch_size):
            ZL, caches = fwd_ref(X[:, idx], params)
            params = upd_ref(params, bwd_ref((1 / (1 + np.exp(-ZL)) - Y[:, idx]) / m, caches), learning_rate)
    return params


# The training loops below call the learner's functions by name, as the notebook's cell does: the
# grader watches the mini-batches train_model passes to model_forward (the protocol of the notebook).
model_forward, model_backward, update_parameters = fwd_ref, bwd_ref, upd_ref


def _epochs_of(X, Y, params, learning_rate, num_epochs, mini_batch_size, orders):
    """The notebook's loop, with the permutation of each epoch taken from ``orders(epoch)``."""
    m = X.shape[1]
    for epoch in range(num_epochs):
        permutation = orders(epoch)
        for start in range(0, m, mini_batch_size):
            batch = permutation[start:start + mini_batch_size]
            ZL, caches = model_forward(X[:, batch], params)
            dZL = (1 / (1 + np.exp(-ZL)) - Y[:, batch]) / len(batch)
            params = update_parameters(params, model_backward(dZL, caches), learning_rate)
    return params


def train_one_permutation_before_the_loop(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """Shuffles once, before the epoch loop: every epoch sees the same mini-batches."""
    permutation = np.random.default_rng(seed).permutation(X.shape[1])
    return _epochs_of(X, Y, params, learning_rate, num_epochs, mini_batch_size, lambda epoch: permutation)


def train_reseeded_every_epoch(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """A new generator with the same seed every epoch: the same permutation every time."""
    return _epochs_of(X, Y, params, learning_rate, num_epochs, mini_batch_size,
                      lambda epoch: np.random.default_rng(seed).permutation(X.shape[1]))


def train_new_permutation_by_name(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """Correct: one generator, a new permutation every epoch, the learner's functions called by name."""
    rng = np.random.default_rng(seed)
    return _epochs_of(X, Y, params, learning_rate, num_epochs, mini_batch_size,
                      lambda epoch: rng.permutation(X.shape[1]))


def test_a_new_permutation_every_epoch_by_name_passes():
    assert_accepted("train_model", train_new_permutation_by_name)


WRONG_TRAIN = [
    (train_one_permutation_before_the_loop, "same permutation is used every epoch"),
    (train_reseeded_every_epoch, "same permutation is used every epoch"),
    (train_pairs_broken, "take the same columns"),
    (train_divides_by_all_m, "not of the whole data set"),
    (_trainer(_in_order), "shuffle"),
    (_trainer(_whole), "mini_batch_size"),
    (_trainer(_permutation_batches, lr=0.05), "learning_rate"),
    (_trainer_with(no_m=True), "divided by the mini-batch size"),
    (_trainer_with(no_sigmoid=True), "sigmoid is missing"),
    (_trainer_with(flipped=True), "wrong sign"),
    (_trainer_with(one_epoch=True), "num_epochs"),
    (_trainer(_permutation_batches, update=lambda p, g, lr: {k: v.copy() if k.startswith(("gamma", "beta"))
                                                              else v - lr * g["d" + k] for k, v in p.items()}),
     "gamma and beta"),
    (train_mutating, "shares memory with an input"),  # with learning_rate=0 nothing changes, but W comes back
    (train_keeps_hidden_bias, "no bias b[l]"),
    (lambda X, Y, params, **kw: _trainer(_permutation_batches, with_costs=True)(X, Y, params, **kw),
     "should return the trained parameters"),
]


@pytest.mark.parametrize("fn,words", WRONG_TRAIN, ids=[w for _, w in WRONG_TRAIN])
def test_wrong_training_loops_named(fn, words):
    assert_rejected("train_model", fn, words)


def test_training_judge_threshold_and_held_out_set():
    X, Y = data.two_spirals(800, seed=0, sort_by_class=True)
    params = network.init_params([2, 32, 32, 32, 1], seed=0)
    assert held_out_accuracy(held_out_predictions(params)) < 0.75  # an untrained network is far below the bar
    trained = reference("train_model")(X, Y, params)
    assert held_out_accuracy(held_out_predictions(trained)) >= REQUIRED_ACCURACY + 0.05
    unshuffled = _trainer(_in_order)(X, Y, params)
    assert held_out_accuracy(held_out_predictions(unshuffled)) < 0.7


# --- the references against course.network and finite differences -----------------------------


def test_reference_forward_and_backward_agree_with_course_network():
    rng = np.random.default_rng(9)
    X = rng.normal(0, 1, (3, 11))
    params = network.init_params([3, 6, 5, 4, 2], seed=4)
    params = {k: v if k.startswith("W") else v + rng.normal(0, 0.4, v.shape) for k, v in params.items()}
    ZL, caches = fwd_ref(X, params, 0.01)
    ZL_net, caches_net, _ = network.forward(X, params, "train", epsilon=0.01)
    np.testing.assert_allclose(ZL, ZL_net, rtol=1e-12)
    dZL = rng.normal(0, 1, ZL.shape) / 11
    grads, grads_net = bwd_ref(dZL, caches), network.backward(dZL, caches_net)
    assert sorted(grads) == sorted(grads_net) == sorted(f"d{k}" for k in params)
    for k in grads:
        np.testing.assert_allclose(grads[k], grads_net[k], rtol=1e-10, atol=1e-14)


def test_reference_backward_matches_finite_differences():
    X, Y = data.two_spirals(9, seed=3)
    rng = np.random.default_rng(1)
    params = network.init_params([2, 5, 4, 1], seed=2)
    params = {k: v if k.startswith("W") else v + rng.normal(0, 0.4, v.shape) for k, v in params.items()}
    errors = network.gradient_check(X, Y, params, loss="sigmoid", h=1e-6, backward_fn=bwd_ref,
                                    forward_fn=lambda X_, p, epsilon: fwd_ref(X_, p, epsilon))
    assert max(errors.values()) < 1e-6, errors


def test_reference_update_is_a_fresh_descent_step():
    params = network.init_params([2, 3, 1])
    grads = {f"d{k}": np.ones_like(v) for k, v in params.items()}
    new = upd_ref(params, grads, 0.25)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.25)
        assert not np.shares_memory(new[k], params[k])


# --- grading through the sandbox ----------------------------------------------------------------


def test_training_is_graded_in_the_sandbox_with_its_dependencies():
    from grader.checks.evaluate import visible_probes
    from grader.grade import grade_function
    from grader.notebook import Answers
    from grader.sourcefiles import answer_cells, source_path

    cells = answer_cells(source_path("04_batchnorm_in_a_network"))
    answers = Answers("04_batchnorm_in_a_network", {k: cells[k] for k in
                                                    ("model_forward", "model_backward", "update_parameters", "train_model")})
    verdict = grade_function(answers, "train_model", visible_probes("train_model"))
    assert verdict.status == "pass", verdict.message
    no_shuffle = cells["train_model"].replace("rng.permutation(m)", "np.arange(m)")
    assert no_shuffle != cells["train_model"]
    verdict = grade_function(Answers(answers.notebook, {**answers.code, "train_model": no_shuffle}), "train_model",
                             visible_probes("train_model"))
    assert verdict.status == "fail" and "shuffle" in verdict.message
    missing = Answers(answers.notebook, {k: v for k, v in answers.code.items() if k != "model_backward"})
    verdict = grade_function(missing, "train_model", visible_probes("train_model"))
    assert verdict.status == "missing" and "model_backward" in verdict.message


# --- panels -------------------------------------------------------------------------------------


def test_activations_panel_redraws_in_place_and_shows_the_spread():
    from course.panels_network import activations_panel
    from course.widgets import Panel

    X, _ = data.two_spirals(300, seed=1)
    panel = activations_panel(X, depth=6, width=16)
    assert isinstance(panel, Panel) and {"gamma", "beta", "epsilon", "scale", "layer"} <= set(panel.controls)
    fig, image = panel.fig, panel.image
    for name, value in {"gamma": 2.0, "beta": -1.0, "epsilon": 0.1, "scale": 3.0, "layer": 2}.items():
        before = image.value
        panel.set(**{name: value})
        assert image.value != before, f"moving {name} did not change the figure"
        assert panel.fig is fig and panel.image is image
    assert "layer 2" in panel.status.value
    assert panel.last_redraw_seconds < 1.0


def test_sensitivity_panel_browses_precomputed_runs():
    from course.panels_network import sensitivity_panel

    X, Y = data.two_spirals(200, seed=0)
    grids = {label: network.train_grid(X, Y, [2, 8, 8, 1], [0.05, 0.5, 50.0], [0.3, 3.0], epochs=3, batchnorm=bn,
                                       loss="sigmoid", X_val=X, Y_val=Y)
             for label, bn in [("batch norm", True), ("no batch norm", False)]}
    panel = sensitivity_panel(grids)
    assert set(panel.controls) == {"lr", "scale"}
    before = panel.image.value
    panel.set(lr=2, scale=1)
    assert panel.image.value != before
    assert "learning rate 50" in panel.fig.axes[-1].get_title()
    assert "diverged" in panel.status.value  # lr 50 without batch norm blows up
