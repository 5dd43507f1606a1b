"""Probes for notebook 08: random_mini_batches, train_softmax_classifier.

Both functions are judged by properties (grader/checks/catalog/nb08_*.py), not by comparison
with one expected output: any correct shuffle passes, and a training run passes when the
model it returns reaches the target accuracy on held-out digits. So the mistakes are named
by the judges themselves and the suites list none; tests/test_nb08_*.py holds the catalogue
of wrong implementations and checks that each is rejected with a message that names it.

Every X here has distinct columns and every Y distinct values per example where it can, so
that a broken (x, y) pair or a repeated example cannot go unnoticed.
"""
from __future__ import annotations

import numpy as np

from course.digits import load_digits, train_test_split
from course.network import one_hot

from . import Probe, Suite


def _examples(rng, n_x: int, m: int, one_hot_classes: int | None = None):
    """X (n_x, m) with distinct columns; Y (1, m) holding each example's number (0..m-1, shuffled),
    or one-hot labels (C, m)."""
    X = rng.normal(0.0, 1.0, (n_x, m)).round(6)
    if one_hot_classes:
        Y = one_hot(rng.integers(0, one_hot_classes, m), one_hot_classes)
    else:
        Y = rng.permutation(m).astype(np.float64).reshape(1, m) + 100.0
    return X, Y


_r = np.random.default_rng(808)
_X12, _Y12 = _examples(_r, 20, 12)
_X16, _Y16 = _examples(_r, 3, 16)
_X1, _Y1 = _examples(_r, 3, 1)
_X7, _Y7 = _examples(_r, 4, 7)
_X37, _Y37 = _examples(_r, 6, 37, one_hot_classes=10)
_X10, _Y10 = _examples(_r, 2, 10)
_X150, _Y150 = _examples(_r, 2, 150)

MINI_BATCHES = Suite(
    "random_mini_batches",
    visible=[
        Probe("20 features x 12 examples, batches of 5 (the last holds 2), seed=1", (_X12, _Y12),
              {"mini_batch_size": 5, "seed": 1}),
        Probe("the same call again (the same seed must give the same mini-batches)", (_X12, _Y12),
              {"mini_batch_size": 5, "seed": 1}),
        Probe("the same examples with seed=2 (another seed, another order)", (_X12, _Y12),
              {"mini_batch_size": 5, "seed": 2}),
        Probe("3 features x 16 examples, batches of 4 (no smaller last batch)", (_X16, _Y16),
              {"mini_batch_size": 4, "seed": 3}),
        Probe("one example (m = 1), default mini_batch_size and seed", (_X1, _Y1)),
        Probe("7 examples, fewer than the default mini_batch_size of 64", (_X7, _Y7), {"seed": 3}),
        Probe("one-hot labels, 10 classes x 37 examples, batches of 8 (the last holds 5)", (_X37, _Y37),
              {"mini_batch_size": 8, "seed": 5}),
        Probe("batches of one example (m = 10)", (_X10, _Y10), {"mini_batch_size": 1, "seed": 6}),
        Probe("150 examples with the defaults (mini-batches of 64, 64 and 22)", (_X150, _Y150)),
    ],
    hidden=lambda rng: [
        Probe(f"hidden probe {i + 1} ({n_x} features x {m} examples, batches of {size}, seed={seed})",
              _examples(np.random.default_rng([808, n_x, m]), n_x, m, classes), {"mini_batch_size": size, "seed": seed})
        for i, (n_x, m, classes, size, seed) in enumerate([
            (25, 13, None, 4, 7), (25, 13, None, 4, 7), (25, 13, None, 4, 8), (4, 30, 3, 10, 9),
            (1, 2, None, 64, 1), (12, 45, 10, 7, 12), (3, 64, None, 64, 13), (5, 19, None, 20, 14),
        ])
    ],
    mistakes=[],
)


# --- train_softmax_classifier ----------------------------------------------------------------

def _digits_split(split_seed: int):
    X, y = load_digits()
    X_train, y_train, _, _ = train_test_split(X, y, test_fraction=0.2, seed=split_seed)
    return X_train, one_hot(y_train, 10)


def _training(name, split_seed, layer_dims, learning_rate, epochs, mini_batch_size, seed):
    X, Y = _digits_split(split_seed)
    return Probe(name, (X, Y, list(layer_dims)), {"learning_rate": learning_rate, "epochs": epochs,
                                                  "mini_batch_size": mini_batch_size, "seed": seed})


TRAINING = Suite(
    "train_softmax_classifier",
    visible=[
        _training("the notebook's training set (1438 digits), layer_dims=[64, 64, 32, 10], 20 epochs, seed=1; judged on "
                  "the 359 held-out digits", 0, [64, 64, 32, 10], 0.3, 20, 64, 1),
    ],
    hidden=lambda rng: [
        _training("hidden probe 1 (another split, layer_dims=[64, 64, 10], mini-batches of 32, seed=5)",
                  1, [64, 64, 10], 0.3, 20, 32, 5),
        _training("hidden probe 2 (another split, layer_dims=[64, 64, 32, 10], seed=11)",
                  2, [64, 64, 32, 10], 0.3, 20, 64, 11),
    ],
    mistakes=[],
)

SUITES = [MINI_BATCHES, TRAINING]
