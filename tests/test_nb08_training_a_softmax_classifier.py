"""Notebook 08: correct and wrong random_mini_batches and training functions, the property
judges on odd outputs, the course helpers (confusion matrix, batch norm changed at inference)
and the panel."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from course import network as net
from course.classifier import (adjusted_model, class_composition, confusion_matrix, least_sure, misclassified,
                               probabilities, split_at)
from course.digits import load_digits, train_test_split
from grader.checks.catalog import nb08_training_a_softmax_classifier as catalog
from grader.checks.judge import Mismatch
from grader.checks.specs import SPECS
from grader.checks.wire import Opaque, Scalar, to_plain
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected, verdicts

RMB = "random_mini_batches"
TRAIN = "train_softmax_classifier"

# --- random_mini_batches: correct ---------------------------------------------------------------


def rmb_default_rng(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[1]
    perm = np.random.default_rng(seed).permutation(m)
    Xs, Ys = X[:, perm], Y[:, perm]
    return [(Xs[:, k:k + mini_batch_size], Ys[:, k:k + mini_batch_size]) for k in range(0, m, mini_batch_size)]


def rmb_ng_style(X, Y, mini_batch_size=64, seed=0):
    """The Deep Learning Specialization's version: global seed, full batches, then the rest."""
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    mini_batches = []
    num_complete = math.floor(m / mini_batch_size)
    for k in range(num_complete):
        mini_batches.append((shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size],
                             shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]))
    if m % mini_batch_size != 0:
        mini_batches.append((shuffled_X[:, num_complete * mini_batch_size:], shuffled_Y[:, num_complete * mini_batch_size:]))
    return mini_batches


def rmb_shuffle_indices(X, Y, mini_batch_size=64, seed=0):
    idx = np.arange(X.shape[1])
    np.random.default_rng(seed).shuffle(idx)
    out = []
    for start in range(0, len(idx), mini_batch_size):
        cols = idx[start:start + mini_batch_size]
        out.append((X[:, cols], Y[:, cols]))
    return out


def rmb_argsort_lists(X, Y, mini_batch_size=64, seed=0):
    order = np.random.RandomState(seed).rand(X.shape[1]).argsort()
    batches = np.array_split(order, range(mini_batch_size, len(order), mini_batch_size))
    return [[np.take(X, b, axis=1), np.take(Y, b, axis=1)] for b in batches]  # pairs as lists are fine


def rmb_loop_columns(X, Y, mini_batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(X.shape[1])
    batches, cur = [], []
    for j in perm:
        cur.append(j)
        if len(cur) == mini_batch_size:
            batches.append((X[:, cur].copy(), Y[:, cur].copy()))
            cur = []
    if cur:
        batches.append((X[:, cur].copy(), Y[:, cur].copy()))
    return tuple(batches)  # a tuple of pairs is fine too


@pytest.mark.parametrize("fn", [rmb_default_rng, rmb_ng_style, rmb_shuffle_indices, rmb_argsort_lists, rmb_loop_columns])
def test_correct_mini_batches_pass(fn):
    assert_accepted(RMB, fn)


# --- random_mini_batches: wrong -----------------------------------------------------------------


def _cut(Xs, Ys, b):
    return [(Xs[:, k:k + b], Ys[:, k:k + b]) for k in range(0, Xs.shape[1], b)]


def rmb_two_permutations(X, Y, mini_batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    return _cut(X[:, rng.permutation(X.shape[1])], Y[:, rng.permutation(X.shape[1])], mini_batch_size)


def rmb_y_not_shuffled(X, Y, mini_batch_size=64, seed=0):
    return _cut(X[:, np.random.default_rng(seed).permutation(X.shape[1])], Y, mini_batch_size)


def rmb_drops_last(X, Y, mini_batch_size=64, seed=0):
    batches = rmb_default_rng(X, Y, mini_batch_size, seed)
    m = X.shape[1]
    return batches[:m // mini_batch_size] if m % mini_batch_size else batches


def rmb_no_shuffle(X, Y, mini_batch_size=64, seed=0):
    return _cut(X.copy(), Y.copy(), mini_batch_size)


def rmb_rows_shuffled(X, Y, mini_batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    return _cut(X[perm], Y[:, perm], mini_batch_size)  # X[perm] indexes rows: the wrong axis


def rmb_features_permuted(X, Y, mini_batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    return _cut(X[rng.permutation(X.shape[0]), :], Y.copy(), mini_batch_size)


def rmb_size_ignored(X, Y, mini_batch_size=64, seed=0):
    return rmb_default_rng(X, Y, 64, seed)


def rmb_seed_ignored(X, Y, mini_batch_size=64, seed=0):
    perm = np.random.permutation(X.shape[1])  # global state, never seeded
    return _cut(X[:, perm], Y[:, perm], mini_batch_size)


def rmb_fixed_seed(X, Y, mini_batch_size=64, seed=0):
    return rmb_default_rng(X, Y, mini_batch_size, 0)


def rmb_mutates(X, Y, mini_batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    X[:] = X[:, perm]
    Y[:] = Y[:, perm]
    return [(a.copy(), b.copy()) for a, b in _cut(X, Y, mini_batch_size)]


def rmb_with_replacement(X, Y, mini_batch_size=64, seed=0):
    idx = np.random.default_rng(seed).integers(0, X.shape[1], X.shape[1])
    return _cut(X[:, idx], Y[:, idx], mini_batch_size)


def rmb_two_lists(X, Y, mini_batch_size=64, seed=0):
    batches = rmb_default_rng(X, Y, mini_batch_size, seed)
    return [b[0] for b in batches], [b[1] for b in batches]


def rmb_examples_as_rows(X, Y, mini_batch_size=64, seed=0):
    return [(a.T, b.T) for a, b in rmb_default_rng(X, Y, mini_batch_size, seed)]


def rmb_empty_last(X, Y, mini_batch_size=64, seed=0):
    batches = rmb_ng_style(X, Y, mini_batch_size, seed)
    m = X.shape[1]
    if m % mini_batch_size == 0:
        batches.append((X[:, m:], Y[:, m:]))
    return batches


def rmb_wraps_around(X, Y, mini_batch_size=64, seed=0):
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    m = X.shape[1]
    out = []
    for start in range(0, m, mini_batch_size):
        cols = [perm[(start + i) % m] for i in range(mini_batch_size)]  # the last batch is filled up
        out.append((X[:, cols], Y[:, cols]))
    return out


def rmb_m_from_rows(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[0]  # the wrong axis for m
    perm = np.random.default_rng(seed).permutation(m)
    return _cut(X[:, perm], Y[:, perm], mini_batch_size)


def rmb_batches_as_arrays(X, Y, mini_batch_size=64, seed=0):
    return [a for a, _ in rmb_default_rng(X, Y, mini_batch_size, seed)]


def rmb_float32(X, Y, mini_batch_size=64, seed=0):
    return [(a.astype(np.float32), b) for a, b in rmb_default_rng(X, Y, mini_batch_size, seed)]


WRONG_RMB = [
    (rmb_two_permutations, "different permutations"),
    (rmb_y_not_shuffled, "pairs are broken"),
    (rmb_drops_last, "last mini-batch is missing"),
    (rmb_no_shuffle, "not shuffled"),
    (rmb_rows_shuffled, "rows (features)"),
    (rmb_features_permuted, "rows (features) of X were shuffled"),
    (rmb_size_ignored, "wrong size"),
    (rmb_seed_ignored, "the seed is ignored"),
    (rmb_fixed_seed, "seed argument is ignored"),
    (rmb_mutates, "modified its input X in place"),
    (rmb_with_replacement, "with replacement"),
    (rmb_two_lists, "two lists"),
    (rmb_examples_as_rows, "examples are the columns"),
    (rmb_empty_last, "is empty"),
    (rmb_wraps_around, "remaining"),
    (rmb_batches_as_arrays, "not a pair"),
    (rmb_float32, "dtype float32"),
]


@pytest.mark.parametrize("fn,words", WRONG_RMB, ids=[w for _, w in WRONG_RMB])
def test_wrong_mini_batches_named(fn, words):
    assert_rejected(RMB, fn, words)


def test_m_taken_from_the_wrong_axis_is_named_where_it_can_run():
    visible, hidden = verdicts(RMB, rmb_m_from_rows)
    assert not visible.passed and not hidden.passed
    messages = " ".join(p.message for v in (visible, hidden) for p in v.probes)
    assert "m was taken from the wrong axis" in messages


# --- the judges on odd outputs: a message, never a crash -------------------------------------------

X5, Y5 = np.arange(10.0).reshape(2, 5), np.arange(5.0).reshape(1, 5)


@pytest.mark.parametrize("output,words", [
    (Scalar(None, "NoneType"), "it returned None"),
    (Opaque("generator"), "returned a generator"),
    (Opaque("a list of 200 items"), "there should be"),
    ([], "empty list"),
    ([(X5,)], "should be a pair"),
    ([(X5, Scalar(1, "int"))], "should be NumPy arrays"),
    ([(X5[0], Y5[0])], "should be 2-D"),
    ([(X5, Y5[:, :3])], "pairs are broken"),
    ([(X5, Y5), (X5, Y5)], "repeated"),
])
def test_mini_batch_judge_describes_odd_outputs(output, words):
    with pytest.raises(Mismatch, match=None) as err:
        catalog.judge_mini_batches(SPECS[RMB], (X5, Y5), {"mini_batch_size": Scalar(5, "int")}, output, None)
    assert words in str(err.value)


def test_training_judge_describes_odd_outputs():
    X, y = load_digits()
    args = (X[:, :1000], net.one_hot(y[:1000], 10), [Scalar(64, "int"), Scalar(10, "int")])
    params = net.init_params([64, 10])
    for output, words in [(Scalar(None, "NoneType"), "should return (params, running)"),
                          (params, "returned one dict"),
                          ((params, Scalar(None, "NoneType")), "running should be the dict"),
                          (({"W1": np.zeros((3, 3))}, {}), "missing"),
                          (({**params, "W1": np.full((10, 64), np.nan)}, {}), "diverged")]:
        with pytest.raises(Mismatch) as err:
            catalog.judge_training(SPECS[TRAIN], args, {}, output, None)
        assert words in str(err.value), (words, str(err.value))


def test_held_out_digits_are_those_not_trained_on():
    X, y = load_digits()
    X_tr, _, X_te, y_te = train_test_split(X, y)
    X_held, y_held = catalog.held_out(X_tr)
    assert X_held.shape[1] <= X_te.shape[1]
    train_cols = {bytes(c) for c in X_tr.T.copy()}
    assert not any(bytes(c) in train_cols for c in X_held.T.copy())
    assert X_held.shape[1] >= 0.95 * X_te.shape[1]  # only duplicate images of training digits are left out


# --- train_softmax_classifier --------------------------------------------------------------------
# The training function calls random_mini_batches from its own module, as the notebook's does.

random_mini_batches = rmb_default_rng


def train_reference_style(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
            _, dZL = net.softmax_cross_entropy(ZL, Y_batch)
            params = net.update(params, net.backward(dZL, caches), learning_rate)
            running = net.update_running(running, batch_stats)
    return params, running


def train_by_hand_update(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    """The seed of each epoch passed positionally, costs recorded, the update written out."""
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    costs = []
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed + epoch):
            ZL, caches, stats = net.forward(X_batch, params)
            cost, dZL = net.softmax_cross_entropy(ZL, Y_batch)
            costs.append(cost)
            grads = net.backward(dZL, caches)
            params = {k: v - learning_rate * grads["d" + k] for k, v in params.items()}
            for l, (mu, sigma2) in stats.items():
                running[f"mu{l}"] = 0.9 * running[f"mu{l}"] + 0.1 * mu
                running[f"sigma2{l}"] = 0.9 * running[f"sigma2{l}"] + 0.1 * sigma2
    return params, running


@pytest.mark.parametrize("fn", [train_reference_style, train_by_hand_update])
def test_correct_training_passes(fn):
    assert_accepted(TRAIN, fn)


def _train_frozen(X, Y, layer_dims, learning_rate, epochs, mini_batch_size, seed, frozen):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, stats = net.forward(X_batch, params)
            grads = net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches)
            params = {k: (v if k.startswith(frozen) else v - learning_rate * grads["d" + k]) for k, v in params.items()}
            running = net.update_running(running, stats)
    return params, running


def train_gamma_beta_frozen(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    """Only W and b updated, as in a network without batch norm."""
    return _train_frozen(X, Y, layer_dims, learning_rate, epochs, mini_batch_size, seed, ("gamma", "beta"))


def train_gamma_frozen(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    return _train_frozen(X, Y, layer_dims, learning_rate, epochs, mini_batch_size, seed, ("gamma",))


def train_no_running(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, _ = net.forward(X_batch, params)
            params = net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches), learning_rate)
    return params, running


def train_running_barely_moves(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, stats = net.forward(X_batch, params)
            params = net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches), learning_rate)
            running = net.update_running(running, stats, momentum=0.999)  # weight 0.999 on the old value
    return params, running


def train_update_discarded(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, stats = net.forward(X_batch, params)
            net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches), learning_rate)
            running = net.update_running(running, stats)
    return params, running


def train_params_only(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    return train_reference_style(X, Y, layer_dims, learning_rate, epochs, mini_batch_size, seed)[0]


def train_lr_ignored(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    return train_reference_style(X, Y, layer_dims, 0.001, min(epochs, 3), mini_batch_size, seed)


def _train_seeded(seed_of):
    """The notebook's loop with ``random_mini_batches(..., seed=seed_of(seed, epoch))``."""
    def train_softmax_classifier(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
        params = net.init_params(layer_dims, seed=seed)
        running = net.new_running(params)
        for epoch in range(epochs):
            for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed_of(seed, epoch)):
                ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
                params = net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches),
                                    learning_rate)
                running = net.update_running(running, batch_stats)
        return params, running
    return train_softmax_classifier


def train_default_seed_every_epoch(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    """random_mini_batches called without a seed: its default, 0, every epoch."""
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for _ in range(epochs):
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size):
            ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
            params = net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches), learning_rate)
            running = net.update_running(running, batch_stats)
    return params, running


def train_shuffles_without_random_mini_batches(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64,
                                               seed=0):
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        for X_batch, Y_batch in rmb_ng_style(X, Y, mini_batch_size, seed + epoch):
            ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
            params = net.update(params, net.backward(net.softmax_cross_entropy(ZL, Y_batch)[1], caches), learning_rate)
            running = net.update_running(running, batch_stats)
    return params, running


WRONG_TRAIN = [
    (_train_seeded(lambda seed, epoch: epoch), "the seed argument is ignored"),
    (_train_seeded(lambda seed, epoch: 42 + epoch), "the seed argument is ignored"),
    (_train_seeded(lambda seed, epoch: seed), "with the same seed"),
    (train_default_seed_every_epoch, "with the same seed (0)"),
    (train_shuffles_without_random_mini_batches, "never called random_mini_batches"),
    (train_gamma_beta_frozen, "gamma and beta were never updated"),
    (train_gamma_frozen, "gamma was never updated"),
    (train_no_running, "running averages were never updated"),
    (train_running_barely_moves, "running averages are wrong"),
    (train_update_discarded, "gamma and beta were never updated"),
    (train_params_only, "return (params, running)"),
    (train_lr_ignored, "should reach at least 95%"),
]


@pytest.mark.parametrize("fn,words", WRONG_TRAIN, ids=[w for _, w in WRONG_TRAIN])
def test_wrong_training_named(fn, words):
    assert_rejected(TRAIN, fn, words)


def test_reference_training_reaches_the_target_on_several_seeds():
    """Margin above the 95 % target for any correct shuffle: several seeds and splits."""
    train = reference(TRAIN)
    X, y = load_digits()
    for split, seed in [(0, 1), (1, 2), (2, 3)]:
        X_tr, y_tr, X_te, y_te = train_test_split(X, y, seed=split)
        params, running = train(X_tr, net.one_hot(y_tr, 10), [64, 64, 32, 10], 0.3, 20, 64, seed)
        assert net.accuracy(X_te, y_te, params, running) >= catalog.TARGET_ACCURACY + 0.01


def test_reference_mini_batches_partition_the_columns():
    rmb = reference(RMB)
    X = np.random.default_rng(0).normal(size=(3, 23))
    Y = np.arange(23.0)[None]
    batches = rmb(X, Y, 5, seed=4)
    assert [b[0].shape[1] for b in batches] == [5, 5, 5, 5, 3]
    cols = np.concatenate([b[1] for b in batches], axis=1).ravel().astype(int)
    assert sorted(cols) == list(range(23)) and list(cols) != list(range(23))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches], axis=1), X[:, cols])


# --- course helpers ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    X, y = load_digits()
    X_tr, y_tr, X_te, y_te = train_test_split(X, y)
    params, running = train_reference_style(X_tr, net.one_hot(y_tr, 10), [64, 64, 32, 10], 0.3, 8, 64, 0)
    return params, running, X_te, y_te


def test_confusion_matrix_and_misclassified():
    y_true = np.array([0, 1, 2, 2, 1, 0])
    y_pred = np.array([0, 2, 2, 2, 1, 1])
    cm = confusion_matrix(y_true, y_pred, C=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 1], [0, 0, 2]])
    P = np.array([[.9, .1, .1, .2, .1, .3], [.05, .2, .1, .1, .8, .6], [.05, .7, .8, .7, .1, .1]])
    np.testing.assert_array_equal(misclassified(y_true, P), [1, 5])  # 0.7 > 0.6: most confidently wrong first
    assert list(least_sure(P, 2)) == [5, 1] or list(least_sure(P, 2))[0] == 5


def test_adjusted_model_is_batch_norm_with_the_new_gamma_beta_epsilon(model):
    params, running, X, _ = model
    p, r = adjusted_model(params, running, 1, gamma_scale=1.7, beta_shift=-0.4, epsilon=0.3)
    ZL, _, _ = net.forward(X, p, "inference", r)
    # the same layer computed by hand, then the rest of the network with the original parameters
    Z1 = params["W1"] @ X
    A1 = np.maximum(1.7 * params["gamma1"] * (Z1 - running["mu1"]) / np.sqrt(running["sigma21"] + 0.3)
                    + params["beta1"] - 0.4, 0)
    Z2 = params["W2"] @ A1
    A2 = np.maximum(params["gamma2"] * (Z2 - running["mu2"]) / np.sqrt(running["sigma22"] + 1e-5) + params["beta2"], 0)
    np.testing.assert_allclose(ZL, params["W3"] @ A2 + params["b3"], rtol=1e-10, atol=1e-12)
    same = adjusted_model(params, running, 2)
    np.testing.assert_allclose(net.forward(X, *same[:1], "inference", same[1])[0],
                               net.forward(X, params, "inference", running)[0], rtol=1e-12)
    with pytest.raises(ValueError, match="no batch norm"):
        adjusted_model(params, running, 3)


@pytest.mark.parametrize("layer", [1, 2])
def test_split_at_gives_the_same_logits(model, layer):
    params, running, X, _ = model
    A_prev, head, head_running = split_at(X, params, running, layer)
    np.testing.assert_allclose(net.forward(A_prev, head, "inference", head_running)[0],
                               net.forward(X, params, "inference", running)[0], rtol=1e-12, atol=1e-12)
    if layer == 2:
        assert sorted(head) == ["W1", "W2", "b2", "beta1", "gamma1"] and sorted(head_running) == ["mu1", "sigma21"]
        assert head["W1"] is params["W2"] and head_running["sigma21"] is running["sigma22"]


def test_class_composition_counts_each_batch():
    counts = class_composition([0, 0, 1, 2, 2, 2, 1], batch_size=3, C=3)
    np.testing.assert_array_equal(counts, [[2, 0, 0], [1, 0, 1], [0, 3, 0]])


# --- the panel -------------------------------------------------------------------------------------

def test_inference_panel_redraws_in_place_and_tracks_accuracy(model):
    from course.panels_classifier import inference_panel
    from course.widgets import Panel

    params, running, X, y = model
    panel = inference_panel(params, running, X, y)
    assert isinstance(panel, Panel)
    base = net.accuracy(X, y, params, running)
    assert f"{base:.1%}" in panel.status.value and "0 of" in panel.status.value
    first = panel.image.value
    fig_id = id(panel.fig)
    panel.set(gamma=0.25)
    assert panel.image.value != first and id(panel.fig) == fig_id
    p, r = adjusted_model(params, running, 1, gamma_scale=0.25)
    assert f"{net.accuracy(X, y, p, r):.1%}</b>" in panel.status.value
    panel.set(gamma=1.0, layer=2, beta=0.5, epsilon=1.0)
    p, r = adjusted_model(params, running, 2, 1.0, 0.5, 1.0)
    assert f"{net.accuracy(X, y, p, r):.1%}</b>" in panel.status.value
    times = []
    for g in np.linspace(0.5, 2.0, 10):
        panel.set(gamma=float(g))
        times.append(panel.last_redraw_seconds)
    assert np.median(times) < 0.5  # generous: the machine is shared; tools/bench measures it properly


def test_inference_panel_without_a_model_says_what_to_do():
    from course.panels_classifier import inference_panel

    out = inference_panel(None, None, np.zeros((64, 3)), np.zeros(3, int))
    assert "run the training cell above" in out.value


# --- grading in the sandbox --------------------------------------------------------------------------

def test_training_cell_is_graded_in_the_sandbox():
    from pathlib import Path

    from grader.grade import grade_function
    from grader.hidden import visible_cases
    from grader.notebook import Answers
    from grader.sourcefiles import answer_cells

    source = Path(__file__).resolve().parent.parent / "grader" / "source" / f"{catalog.NOTEBOOK}.py"
    answers = Answers(catalog.NOTEBOOK, dict(answer_cells(source)))
    verdict = grade_function(answers, TRAIN, visible_cases(TRAIN))
    assert verdict.passed, verdict.message


def test_only_functions_that_declare_it_may_import_course_in_the_sandbox():
    """course/network.py holds answers to notebooks 02-05: notebook 04's cells cannot import it."""
    from grader.grade import grade_function
    from grader.hidden import visible_cases
    from grader.notebook import Answers

    cheat = ("def update_parameters(params, grads, learning_rate):\n"
             "    from course import network\n"
             "    return network.update(params, grads, learning_rate)\n")
    verdict = grade_function(Answers("04_batchnorm_in_a_network", {"update_parameters": cheat}), "update_parameters",
                             visible_cases("update_parameters"))
    assert not verdict.passed
    assert "No module named 'course'" in verdict.message
