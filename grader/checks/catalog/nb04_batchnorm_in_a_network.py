"""Graded functions of notebook 04, and the property judge of its training run.

Parameters are a dict ``"W1", "gamma1", "beta1", ..., "W{L}", "b{L}"`` whose keys depend on
the depth, and so are the gradients ``"dW1", "dgamma1", ...``: ``judge.compare`` checks every
key of the expected dict (extra keys are ignored), so these need no special judge. ``caches``
is a list of dicts (one per layer) compared key by key on ``NETWORK_CACHE_KEYS``.

``train_model`` has many right answers (each learner shuffles with their own generator), so
it is judged by outcome: the trained parameters must reach ``REQUIRED_ACCURACY`` on a held-out
set, evaluated with a trusted forward pass. Two kinds of probe have a single right answer and
are compared exactly: ``learning_rate=0`` (nothing may change) and a mini-batch as large as the
data set (one full-batch step per epoch, whatever the shuffle). The protocol the notebook
states - a new permutation every epoch - is checked from the mini-batches ``train_model``
passes to ``model_forward`` (the spec ``watches`` it): :func:`judge_protocol`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..judge import Mismatch, compare
from ..specs import BN_CACHE_KEYS, FunctionSpec
from ..wire import Scalar

NOTEBOOK = "04_batchnorm_in_a_network"
NETWORK_CACHE_KEYS = ("A_prev", "W", *BN_CACHE_KEYS, "Z_tilde")
REQUIRED_ACCURACY = 0.90
HELD_OUT_SEED = 4004
TRAIN_DEFAULTS = {"learning_rate": 0.05, "num_epochs": 30, "mini_batch_size": 32, "seed": 0}


@lru_cache(maxsize=1)
def held_out():
    """The held-out set of the training check: 2000 fresh examples of the notebook's spirals."""
    from course.data import two_spirals

    return two_spirals(2000, seed=HELD_OUT_SEED)


def held_out_predictions(params: dict) -> np.ndarray:
    """The labels (m,) ``params`` predict for the held-out set, batch norm with the set's own statistics."""
    from course.network import predict

    with np.errstate(all="ignore"):  # a diverged network overflows: its predictions are still judged
        return predict(held_out()[0], params, loss="sigmoid")


def held_out_accuracy(predicted: np.ndarray) -> float:
    """The fraction of the held-out set that ``predicted`` (from :func:`held_out_predictions`) gets right."""
    return float(np.mean(predicted == held_out()[1].ravel()))


def _value(kwargs: dict, name: str):
    v = kwargs.get(name)
    return TRAIN_DEFAULTS[name] if v is None else v.value if isinstance(v, Scalar) else v


def _check_structure(got, given: dict) -> None:
    if not isinstance(got, dict):
        raise Mismatch(f"train_model should return the trained parameters, a dict with the keys of the params it "
                       f"was given ({sorted(given)}); it returned {type(got).__name__}.", mistake="train_model.return_structure")
    missing, extra = sorted(set(given) - set(got)), sorted(set(got) - set(given))
    if missing:
        raise Mismatch(f"the returned params lack {missing}: return every parameter of the network, trained.",
                       mistake="train_model.missing_params")
    if extra:
        L = sum(k.startswith("W") for k in given)
        hint = (" With batch norm a hidden layer has no bias b[l]: beta[l] plays its role."
                if any(k.startswith("b") and not k.startswith("beta") and k != f"b{L}" for k in extra) else "")
        raise Mismatch(f"the returned params have keys the network does not have: {extra}.{hint}",
                       mistake="train_model.hidden_bias" if hint else None)
    for k, v in given.items():
        if not isinstance(got[k], np.ndarray) or got[k].shape != v.shape:
            shape = got[k].shape if isinstance(got[k], np.ndarray) else type(got[k]).__name__
            raise Mismatch(f'params["{k}"] should keep its shape {v.shape}; it is {shape}.', mistake="train_model.param_shape")


def _diagnose_training(got: dict, given: dict, Y: np.ndarray, predicted: np.ndarray, acc: float) -> Mismatch:
    """The Mismatch for a network that learned too little, naming the mistake when it can tell."""
    base = (f"the trained network reaches {acc:.1%} accuracy on held-out data; it must reach at least "
            f"{REQUIRED_ACCURACY:.0%} (a correct loop reaches about 99% with these settings).")
    if not all(np.isfinite(v).all() for v in got.values()):
        return Mismatch(base + " Its parameters contain nan or inf: training diverged (an update with + instead "
                        "of -?).",
                        mistake="train_model.diverged")
    if all(np.array_equal(got[k], given[k]) for k in given):
        return Mismatch(base + " The parameters came back unchanged: are the updated params kept from one step to "
                        "the next?", mistake="train_model.params_not_kept")
    bn = [k for k in given if k.startswith(("gamma", "beta"))]
    if bn and all(np.array_equal(got[k], given[k]) for k in bn):
        return Mismatch(base + " gamma and beta never changed: update them too, with dgamma and dbeta.",
                        mistake="train_model.gamma_beta_frozen")
    last = bool(Y.ravel()[-1] > 0.5)
    sorted_data = np.all(np.diff(Y.ravel()) >= 0)
    if sorted_data and np.mean(predicted == last) > 0.75:
        return Mismatch(base + (f" It predicts class {int(last)} (the class of the last examples of X) for "
                       f"{np.mean(predicted == last):.0%} "
                       "of the held-out set: are the mini-batches shuffled? These training examples come sorted by "
                       "class, so mini-batches taken in order hold one class each, and the last ones pull the network "
                       "towards their class. Draw a new permutation of the m columns every epoch."),
                        mistake="train_model.not_shuffled")
    return Mismatch(base + (" Check the loop: every epoch, a new permutation of the columns, the same for X and Y; "
                   "mini-batches of mini_batch_size columns (the last one may be smaller); "
                   "dZL = (sigmoid(ZL) - Y_batch) / m_batch with m_batch the size of this mini-batch (not of the "
                   "whole data set); learning_rate passed to update_parameters."), mistake="train_model.does_not_learn")


def judge_training(spec, args, kwargs, got, expected) -> float:
    """Property judge of ``train_model`` (see the module's docstring)."""
    X, Y, given = args[0], args[1], args[2]
    _check_structure(got, given)
    lr, batch = _value(kwargs, "learning_rate"), _value(kwargs, "mini_batch_size")
    if lr == 0:
        changed = [k for k in given if not np.array_equal(got[k], given[k])]
        if changed:
            raise Mismatch(f"with learning_rate=0 no parameter may change, but {changed} did: is learning_rate "
                           "passed on to update_parameters (and not replaced by a number of your own)?",
                           mistake="train_model.learning_rate_ignored")
        return 0.0
    if batch >= X.shape[1]:  # one full-batch step per epoch: a single right answer
        try:
            return compare(got, expected, "params", spec)
        except Mismatch as exc:
            raise Mismatch(f"{exc} With one mini-batch holding every example, each epoch is one exact gradient "
                           "step whatever the shuffle. Check that X_batch and Y_batch take the same columns, that "
                           "dZL = (sigmoid(ZL) - Y_batch) / m_batch, and that your model_forward, model_backward and "
                           "update_parameters pass their own checks (train_model runs them).") from None
    predicted = held_out_predictions(got)
    acc = held_out_accuracy(predicted)
    if acc < REQUIRED_ACCURACY:
        raise _diagnose_training(got, given, Y, predicted, acc)
    return 0.0


def _epoch_orders(X: np.ndarray, size: int, epochs: int, calls: list[dict]) -> list[np.ndarray] | None:
    """The order in which each epoch visited the examples, as the first feature of each example
    (from the mini-batches ``model_forward`` was called on); None when the calls do not add up to
    ``epochs`` passes over the ``m`` examples in mini-batches of ``size`` (then the outcome judges)."""
    m = X.shape[1]
    batches = [c.get("0") for c in calls]
    if not all(isinstance(b, np.ndarray) for b in batches):
        return None
    batches = [b for b in batches if b.size < m]  # a forward pass on the whole set (a cost printout) is no step
    per_epoch = -(-m // size)
    if len(batches) != per_epoch * epochs:
        return None
    orders = [np.concatenate(batches[e * per_epoch:(e + 1) * per_epoch]) for e in range(epochs)]
    first = np.sort(X[0])
    if any(o.size != m or not np.array_equal(np.sort(o), first) for o in orders):
        return None
    return orders


def judge_protocol(spec, cases, records) -> Mismatch | None:
    """The training protocol the notebook states, from the mini-batches ``train_model`` passed to
    ``model_forward``: every epoch a new permutation of the m columns."""
    from ..runner import watched_calls

    for case, record in zip(cases, records):
        calls = watched_calls(record, "model_forward")
        X = case.args[0]
        size, epochs = int(_value(case.kwargs, "mini_batch_size")), int(_value(case.kwargs, "num_epochs"))
        if not calls or epochs < 2 or size >= X.shape[1]:
            continue
        orders = _epoch_orders(X, size, epochs, calls)
        if orders is None:
            continue
        if all(np.array_equal(o, X[0]) for o in orders):
            return Mismatch(f"On {case.name}: the mini-batches take the examples in their original order in every "
                            "epoch: they are never shuffled. Every epoch, draw a new permutation of the m columns "
                            "(permutation = rng.permutation(m)) and cut it into mini-batches.",
                            mistake="train_model.not_shuffled")
        if all(np.array_equal(o, orders[0]) for o in orders[1:]):
            return Mismatch(f"On {case.name}: all {epochs} epochs visit the examples in the same order: the same permutation "
                    "is used every epoch (one permutation drawn before the epoch loop, or a generator re-seeded with "
                    "the same seed every epoch). The notebook asks for a new permutation every epoch: make "
                    "rng = np.random.default_rng(seed) once, before the loop, and draw permutation = "
                    "rng.permutation(m) inside the epoch loop.", mistake="train_model.same_permutation_every_epoch")
        repeated = [e + 1 for e in range(1, epochs) if np.array_equal(orders[e], orders[e - 1])]
        if repeated:
            return Mismatch(f"On {case.name}: epoch {repeated[0] + 1} visits the examples in the same order as epoch "
                    f"{repeated[0]}: the permutation is not drawn anew every epoch (a generator re-seeded with the "
                    "same seed each epoch?). Make one generator before the loop and draw a new permutation from it "
                    "every epoch.", mistake="train_model.permutation_repeated")
    return None


FUNCTIONS = [
    FunctionSpec("model_forward", NOTEBOOK, ("X", "params", "epsilon"), ("ZL", "caches"),
                 "model_forward(X, params, epsilon=1e-5) -> (ZL, caches)", cache_keys=NETWORK_CACHE_KEYS),
    FunctionSpec("model_backward", NOTEBOOK, ("dZL", "caches"), ("grads",),
                 "model_backward(dZL, caches) -> grads"),
    FunctionSpec("update_parameters", NOTEBOOK, ("params", "grads", "learning_rate"), ("params",),
                 "update_parameters(params, grads, learning_rate) -> params"),
    FunctionSpec("train_model", NOTEBOOK, ("X", "Y", "params", "learning_rate", "num_epochs", "mini_batch_size", "seed"),
                 ("params",),
                 "train_model(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0) -> params",
                 depends_on=("model_forward", "model_backward", "update_parameters"), judge=judge_training,
                 judge_together=judge_protocol, watches=("model_forward",)),
]
