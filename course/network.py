"""A small, vectorized NumPy deep network with batch norm in every hidden layer.

Shared by notebooks 04 (batch norm in a network), 05 (test time), 08 (training a softmax
classifier) and 09 (frameworks). Notation of the course (COURSE_SPEC.md): examples are
**columns**; a layer's pre-activations ``Z`` have shape ``(n_l, m)``; batch statistics are
taken over the examples (the last axis); ``gamma``, ``beta``, ``mu``, ``sigma2`` are
``(n_l, 1)``; every gradient is the gradient of the **cost** (the mean over the ``m``
examples), so ``dZL`` already holds the ``1/m``.

Each hidden layer ``l < L`` computes::

    Z = W A_prev              (no bias: batch norm subtracts the mean, b would cancel)
    Z_tilde = gamma * (Z - mu) / sqrt(sigma2 + epsilon) + beta
    A = relu(Z_tilde)

and the output layer ``ZL = W A_prev + b`` (no batch norm, no ReLU: the logits go to a
softmax or a sigmoid in the loss). Without batch norm a hidden layer is ``relu(W A_prev + b)``.

Parameters are a flat dict: ``"W1".."WL"``, ``"gamma{l}"``/``"beta{l}"`` for batch-norm layers,
``"b{l}"`` otherwise and ``"b{L}"``. Nothing here modifies its arguments.

Stacked networks: every function also works on ``K`` networks at once whose parameters carry a
leading axis (``W`` of shape ``(K, n_l, n_prev)``...), which is how :func:`train_grid` trains a
grid of learning rates and initialization scales in one vectorized loop.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import gradcheck

__all__ = [
    "init_params", "new_running", "forward", "update_running", "backward", "update",
    "softmax", "softmax_cross_entropy", "sigmoid_cross_entropy", "train", "TrainResult",
    "predict", "accuracy", "one_hot", "num_layers", "is_batchnorm", "cost_of",
    "numerical_gradients", "gradient_check", "train_grid", "GridResult",
]

LOSSES = ("softmax", "sigmoid")
DIVERGED = 1e3  # a run has diverged once a mini-batch cost exceeds this many times the first one


def _t(A: np.ndarray) -> np.ndarray:
    """Transpose the last two axes (a plain ``.T`` for one network)."""
    return np.swapaxes(A, -1, -2)


# --- parameters ----------------------------------------------------------------------------

def init_params(layer_dims, seed: int = 0, init_scale: float = 1.0, batchnorm: bool = True) -> dict:
    """Parameters of a network with ``layer_dims = [n_x, n_1, ..., n_L]``.

    ``W{l}`` (n_l, n_{l-1}): He initialization ``randn * sqrt(2 / n_{l-1})`` times ``init_scale``.
    Hidden layers get ``gamma{l}`` = ones and ``beta{l}`` = zeros (n_l, 1) with batch norm, and
    no ``b{l}``; without batch norm they get ``b{l}`` = zeros. The output layer has ``W{L}``, ``b{L}``.
    """
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must list at least the input and output sizes, all >= 1; got {layer_dims}")
    rng = np.random.default_rng(seed)
    L = len(dims) - 1
    params = {}
    for l in range(1, L + 1):
        n, n_prev = dims[l], dims[l - 1]
        params[f"W{l}"] = rng.standard_normal((n, n_prev)) * np.sqrt(2.0 / n_prev) * init_scale
        if l < L and batchnorm:
            params[f"gamma{l}"] = np.ones((n, 1))
            params[f"beta{l}"] = np.zeros((n, 1))
        else:
            params[f"b{l}"] = np.zeros((n, 1))
    return params


def num_layers(params: dict) -> int:
    """L, the number of layers with weights (hidden layers + the output layer)."""
    return sum(1 for k in params if k.startswith("W"))


def is_batchnorm(params: dict) -> bool:
    return any(k.startswith("gamma") for k in params)


def new_running(params: dict) -> dict:
    """Running statistics to start from: ``mu{l}`` = zeros, ``sigma2{l}`` = ones per batch-norm layer."""
    running = {}
    for l in range(1, num_layers(params)):
        if f"gamma{l}" in params:
            shape = params[f"gamma{l}"].shape
            running[f"mu{l}"] = np.zeros(shape)
            running[f"sigma2{l}"] = np.ones(shape)
    return running


# --- forward and backward ------------------------------------------------------------------

def forward(X, params: dict, mode: str = "train", running: dict | None = None, epsilon: float = 1e-5):
    """Forward pass. Returns ``(ZL, caches, batch_stats)``.

    ``mode="train"`` normalizes each hidden layer with the statistics of this mini-batch;
    ``mode="inference"`` with ``running["mu{l}"]``, ``running["sigma2{l}"]``. ``ZL`` (n_L, m) are
    the output logits; ``caches`` one dict per layer for :func:`backward`; ``batch_stats``
    ``{l: (mu, sigma2)}`` the statistics of ``Z[l]`` over this batch (computed in both modes;
    in training they are what :func:`update_running` averages).
    """
    if mode not in ("train", "inference"):
        raise ValueError(f"mode must be 'train' or 'inference', not {mode!r}")
    L = num_layers(params)
    if mode == "inference" and is_batchnorm(params) and running is None:
        raise ValueError("inference mode needs the running statistics (running=...)")
    A = np.asarray(X, dtype=np.float64)
    caches, batch_stats = [], {}
    for l in range(1, L):
        W = params[f"W{l}"]
        Z = W @ A
        cache = {"A_prev": A, "W": W}
        if f"gamma{l}" in params:
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            inv_m = 1.0 / Z.shape[-1]
            mu_b = Z.sum(axis=-1, keepdims=True) * inv_m
            centred = Z - mu_b
            sigma2_b = (centred * centred).sum(axis=-1, keepdims=True) * inv_m
            batch_stats[l] = (mu_b, sigma2_b)
            mu, sigma2 = (mu_b, sigma2_b) if mode == "train" else (running[f"mu{l}"], running[f"sigma2{l}"])
            Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
            Z_tilde = gamma * Z_norm + beta
            cache.update(Z=Z, Z_norm=Z_norm, mu=mu, sigma2=sigma2, gamma=gamma, beta=beta,
                         epsilon=epsilon, mode=mode)
        else:
            Z_tilde = Z + params[f"b{l}"]
            cache["Z"] = Z_tilde
        cache["Z_tilde"] = Z_tilde  # what enters the ReLU
        A = np.maximum(Z_tilde, 0.0)
        caches.append(cache)
    W = params[f"W{L}"]
    ZL = W @ A + params[f"b{L}"]
    caches.append({"A_prev": A, "W": W, "Z": ZL})
    return ZL, caches, batch_stats


def backward(dZL, caches: list) -> dict:
    """Gradients of the cost: ``dW{l}``, ``dgamma{l}``, ``dbeta{l}`` (batch-norm layers),
    ``db{l}`` (other hidden layers) and ``db{L}``. ``dZL`` already includes the ``1/m``."""
    L = len(caches)
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = dZL @ _t(out["A_prev"])
    grads[f"db{L}"] = dZL.sum(axis=-1, keepdims=True)
    dA = _t(out["W"]) @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        dZ_tilde = dA * (c["Z_tilde"] > 0)
        if "gamma" in c:
            Z_norm = c["Z_norm"]
            grads[f"dgamma{l}"] = (dZ_tilde * Z_norm).sum(axis=-1, keepdims=True)
            grads[f"dbeta{l}"] = dZ_tilde.sum(axis=-1, keepdims=True)
            dZ_norm = dZ_tilde * c["gamma"]
            inv_std = 1.0 / np.sqrt(c["sigma2"] + c["epsilon"])
            if c["mode"] == "train":  # mu and sigma2 depend on Z: the compact formula
                inv_m = 1.0 / dZ_norm.shape[-1]
                dZ = inv_std * (dZ_norm - dZ_norm.sum(axis=-1, keepdims=True) * inv_m
                                - Z_norm * ((dZ_norm * Z_norm).sum(axis=-1, keepdims=True) * inv_m))
            else:  # running statistics are constants
                dZ = inv_std * dZ_norm
        else:
            dZ = dZ_tilde
            grads[f"db{l}"] = dZ.sum(axis=-1, keepdims=True)
        grads[f"dW{l}"] = dZ @ _t(c["A_prev"])
        if l > 1:
            dA = _t(c["W"]) @ dZ
    return grads


def update(params: dict, grads: dict, lr) -> dict:
    """One gradient-descent step on every parameter: ``p - lr * dp`` (new dict, new arrays)."""
    missing = [k for k in params if f"d{k}" not in grads]
    if missing:
        raise KeyError(f"no gradient for {missing}")
    return {k: v - lr * grads[f"d{k}"] for k, v in params.items()}


def update_running(running: dict, batch_stats: dict, momentum: float = 0.9) -> dict:
    """Exponentially weighted averages: ``momentum * running + (1 - momentum) * batch``."""
    new = {k: np.array(v, dtype=np.float64, copy=True) for k, v in running.items()}
    for l, (mu, sigma2) in batch_stats.items():
        new[f"mu{l}"] = momentum * running[f"mu{l}"] + (1.0 - momentum) * mu
        new[f"sigma2{l}"] = momentum * running[f"sigma2{l}"] + (1.0 - momentum) * sigma2
    return new


# --- losses --------------------------------------------------------------------------------

def one_hot(y, C: int) -> np.ndarray:
    """``(C, m)`` one-hot columns from integer labels of shape ``(m,)`` or ``(1, m)``."""
    y = np.asarray(y).reshape(-1).astype(int)
    Y = np.zeros((C, y.size))
    Y[y, np.arange(y.size)] = 1.0
    return Y


def _as_targets(Y, n_out: int, loss: str) -> np.ndarray:
    """Targets as the loss wants them: one-hot ``(C, m)`` (softmax) or ``(1, m)`` (sigmoid)."""
    Y = np.asarray(Y)
    if loss == "sigmoid":
        return Y.reshape(1, -1).astype(np.float64)
    if Y.ndim == 2 and Y.shape[0] == n_out and n_out > 1:
        return Y.astype(np.float64)
    return one_hot(Y, n_out)


def _labels(Y) -> np.ndarray:
    """Integer labels ``(m,)`` from labels or one-hot columns."""
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[0] > 1:
        return Y.argmax(axis=0)
    return Y.reshape(-1).astype(int)


def softmax(Z) -> np.ndarray:
    """Column-wise softmax (over the units axis), stable for logits of any size."""
    e = np.exp(Z - Z.max(axis=-2, keepdims=True))
    return e / e.sum(axis=-2, keepdims=True)


def _scalar(cost):
    return float(cost) if np.ndim(cost) == 0 else cost


def softmax_cross_entropy(ZL, Y):
    """Cost ``-1/m sum_i sum_j y_j log softmax(z)_j`` and its gradient ``dZL = (Y_hat - Y) / m``.

    ``Y``: one-hot ``(C, m)`` (or integer labels ``(m,)``). The log-softmax is computed as
    ``z - max(z) - log(sum(exp(z - max(z))))``: finite for logits of any size.
    """
    Y = _as_targets(Y, ZL.shape[-2], "softmax")
    m = ZL.shape[-1]
    shifted = ZL - ZL.max(axis=-2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-2, keepdims=True))
    cost = -(Y * log_p).sum(axis=(-2, -1)) / m
    return _scalar(cost), (np.exp(log_p) - Y) / m


def sigmoid_cross_entropy(ZL, Y):
    """Binary cross-entropy of one output unit: cost ``1/m sum log(1 + e^z) - y z`` (stable),
    ``dZL = (sigmoid(ZL) - Y) / m``. ``Y``: 0/1 labels of shape ``(1, m)`` or ``(m,)``."""
    Y = _as_targets(Y, 1, "sigmoid")
    m = ZL.shape[-1]
    cost = (np.logaddexp(0.0, ZL) - Y * ZL).sum(axis=(-2, -1)) / m
    Y_hat = 0.5 * (1.0 + np.tanh(0.5 * ZL))  # sigmoid without overflow
    return _scalar(cost), (Y_hat - Y) / m


def _loss_fn(loss: str):
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, not {loss!r}")
    return softmax_cross_entropy if loss == "softmax" else sigmoid_cross_entropy


def cost_of(X, Y, params: dict, loss: str = "softmax", epsilon: float = 1e-5):
    """The training-mode cost of ``params`` on ``(X, Y)`` (one batch)."""
    ZL, _, _ = forward(X, params, "train", epsilon=epsilon)
    return _loss_fn(loss)(ZL, Y)[0]


# --- prediction ----------------------------------------------------------------------------

def predict(X, params: dict, running: dict | None = None, batchnorm: bool = True, loss: str = "softmax",
            epsilon: float = 1e-5) -> np.ndarray:
    """Labels ``(m,)`` in inference mode (running statistics).

    Batch-norm layers are recognized by their ``gamma{l}``; ``batchnorm`` is kept for the
    course's signature. With batch norm and ``running=None`` the batch's own statistics are
    used (training mode), which only makes sense for a large batch.
    """
    _loss_fn(loss)
    mode = "inference" if (running is not None and is_batchnorm(params)) else "train"
    ZL, _, _ = forward(X, params, mode, running, epsilon)
    if loss == "sigmoid":
        return (ZL[..., 0, :] > 0).astype(int)
    return ZL.argmax(axis=-2)


def accuracy(X, Y, params: dict, running: dict | None = None, batchnorm: bool = True, loss: str = "softmax",
             epsilon: float = 1e-5):
    """Fraction of examples whose predicted label is right (``Y``: labels or one-hot)."""
    correct = predict(X, params, running, batchnorm, loss, epsilon) == _labels(Y)
    return _scalar(correct.mean(axis=-1))


# --- gradient checking ---------------------------------------------------------------------

def numerical_gradients(X, Y, params: dict, loss: str = "softmax", epsilon: float = 1e-5, h: float = 1e-5) -> dict:
    """Central differences of the training-mode cost for every entry of every parameter."""
    return {f"d{k}": gradcheck.numerical_gradient(lambda x, k=k: cost_of(X, Y, {**params, k: x}, loss, epsilon), v, h)
            for k, v in params.items()}


def gradient_check(X, Y, params: dict, loss: str = "softmax", epsilon: float = 1e-5, h: float = 1e-5,
                   backward_fn=None, forward_fn=None) -> dict:
    """``{"dW1": relative error, ...}`` between backprop and central differences.

    ``forward_fn(X, params, epsilon=...) -> (ZL, caches, ...)`` and ``backward_fn(dZL, caches)``
    default to this module's; pass a learner's functions to check theirs.
    """
    fwd = forward_fn or (lambda X_, p, epsilon: forward(X_, p, "train", epsilon=epsilon))
    bwd = backward_fn or backward
    ZL, caches = fwd(X, params, epsilon=epsilon)[:2]
    grads = bwd(_loss_fn(loss)(ZL, Y)[1], caches)
    approx = numerical_gradients(X, Y, params, loss, epsilon, h)
    return {k: gradcheck.relative_error(grads[k], approx[k]) for k in approx}


# --- training ------------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What :func:`train` returns.

    ``history``: per epoch, ``"cost"`` (mean mini-batch cost), ``"train_acc"``, ``"val_acc"``
    (inference mode, running statistics); with ``watch_unit=(l, j)`` also ``"watch"``: the values
    entering the ReLU of unit ``j`` of hidden layer ``l`` on a fixed batch of training examples,
    before training and after every epoch (a list of ``(m_watch,)`` arrays), and ``"watch_z"``,
    the same unit's ``W A_prev`` before batch norm. ``watch_unit=(l, None)`` records every unit
    of layer ``l`` (arrays of shape ``(n_l, m_watch)``).
    """

    params: dict
    running: dict
    history: dict
    layer_dims: list
    batchnorm: bool
    loss: str = "softmax"
    diverged: bool = False
    seconds: float = 0.0
    epsilon: float = 1e-5

    def predict(self, X) -> np.ndarray:
        return predict(X, self.params, self.running, self.batchnorm, self.loss, self.epsilon)

    def accuracy(self, X, Y) -> float:
        return accuracy(X, Y, self.params, self.running, self.batchnorm, self.loss, self.epsilon)


def _mini_batches(m: int, batch_size: int, rng: np.random.Generator):
    perm = rng.permutation(m)
    return [perm[i:i + batch_size] for i in range(0, m, batch_size)]


def _watch(X_watch, params, unit, epsilon):
    l, j = unit
    _, caches, _ = forward(X_watch, params, "train", epsilon=epsilon)
    c = caches[l - 1]
    rows = slice(None) if j is None else j
    return c["Z_tilde"][..., rows, :].copy(), c["Z"][..., rows, :].copy()


def unit_drift(values) -> tuple[float, float]:
    """How much the units of a layer move during training, from their values on a fixed batch
    after each epoch (``values[k]``: (n_units, m), k = 0 before training; e.g. a run's
    ``history["watch"]``). Returns two medians over the units: how far a unit's mean wanders
    (largest minus smallest over the epochs) in units of its average standard deviation, and
    the factor between its largest and smallest standard deviation. 0 and 1 mean: no drift."""
    v = np.asarray(values, dtype=float)
    means, stds = v.mean(axis=-1), v.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        wander = (means.max(axis=0) - means.min(axis=0)) / stds.mean(axis=0)
        spread = stds.max(axis=0) / stds.min(axis=0)
    return float(np.nanmedian(wander)), float(np.nanmedian(spread))


def _fit(X, Yt, y_labels, params, lr, epochs, batch_size, loss, X_val, y_val, momentum, epsilon,
         progress, watch_unit, seed, desc, record_train_acc=True):
    """The mini-batch loop of the lecture notes, for one network or a stack of them."""
    fn = _loss_fn(loss)
    running = new_running(params)
    rng = np.random.default_rng([seed, 1])  # shuffling: a stream apart from the initialization's
    m = X.shape[1]
    history: dict = {"cost": [], "train_acc": [], "val_acc": []}
    X_watch = X[:, : min(m, 512)]
    if watch_unit is not None:
        l, j = watch_unit
        if not 1 <= l < num_layers(params) or not (j is None or 0 <= j < params[f"W{l}"].shape[-2]):
            raise ValueError(f"watch_unit={watch_unit} is not a hidden unit (layer, unit) of this network")
        z_tilde, z = _watch(X_watch, params, watch_unit, epsilon)
        history["watch"], history["watch_z"] = [z_tilde], [z]
    epoch_iter = range(epochs)
    if progress:
        from .progress import EpochBar

        bar = EpochBar(epoch_iter, desc)
        epoch_iter = bar
    first_cost = blown = None
    with np.errstate(all="ignore"):
        for _ in epoch_iter:
            total = 0.0
            for idx in _mini_batches(m, batch_size, rng):
                ZL, caches, stats = forward(X[:, idx], params, "train", epsilon=epsilon)
                cost, dZL = fn(ZL, Yt[:, idx])
                if first_cost is None:
                    first_cost = np.maximum(np.nan_to_num(cost, nan=1.0), 1.0)
                    blown = np.zeros(np.shape(cost), dtype=bool)
                blown = blown | ~np.isfinite(cost) | (cost > DIVERGED * first_cost)
                params = update(params, backward(dZL, caches), lr)
                running = update_running(running, stats, momentum)
                total = total + cost * len(idx)
            history["cost"].append(_scalar(total / m))
            if record_train_acc:
                history["train_acc"].append(accuracy(X, y_labels, params, running, loss=loss, epsilon=epsilon))
            if X_val is not None:
                history["val_acc"].append(accuracy(X_val, y_val, params, running, loss=loss, epsilon=epsilon))
            if watch_unit is not None:
                z_tilde, z = _watch(X_watch, params, watch_unit, epsilon)
                history["watch"].append(z_tilde)
                history["watch_z"].append(z)
            if progress:
                bar.note(cost=f"{np.nanmedian(total / m):.3f}",
                                       acc=f"{np.nanmedian((history['val_acc'] or history['train_acc'])[-1]):.3f}")
            if blown is not None and blown.all():
                break
    if progress:
        bar.close()
    diverged = False if blown is None else bool(blown) if blown.ndim == 0 else blown
    return params, running, history, diverged


def _prepare(X, Y, layer_dims, loss, X_val, Y_val):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != layer_dims[0]:
        raise ValueError(f"X must have shape ({layer_dims[0]}, m) (examples are columns); got {X.shape}")
    Yt = _as_targets(Y, layer_dims[-1], loss)
    if Yt.shape[1] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} examples but Y has {Yt.shape[1]}")
    y_val = None if Y_val is None else _labels(Y_val)
    return X, Yt, _labels(Y), (None if X_val is None else np.asarray(X_val, dtype=np.float64)), y_val


def train(X, Y, layer_dims, lr: float = 0.1, epochs: int = 20, batch_size: int = 64, batchnorm: bool = True,
          init_scale: float = 1.0, seed: int = 0, loss: str = "softmax", X_val=None, Y_val=None,
          momentum: float = 0.9, epsilon: float = 1e-5, progress: bool = False, watch_unit=None) -> TrainResult:
    """Train a network with shuffled mini-batches (seeded) and plain gradient descent.

    Each step: forward on the mini-batch (batch statistics), backward to ``dW``, ``dgamma``,
    ``dbeta``, update every parameter, update the running statistics. ``Y``: integer labels
    ``(m,)`` or one-hot ``(C, m)`` for ``loss="softmax"``; 0/1 labels for ``loss="sigmoid"``
    (``layer_dims[-1] == 1``). ``watch_unit=(l, j)`` records a hidden unit (see TrainResult).
    A run whose mini-batch cost becomes nan, infinite or more than ``DIVERGED`` times its first
    value stops early with ``diverged=True``.
    """
    _loss_fn(loss)
    X, Yt, y, X_val, y_val = _prepare(X, Y, layer_dims, loss, X_val, Y_val)
    start = time.perf_counter()
    params = init_params(layer_dims, seed, init_scale, batchnorm)
    params, running, history, diverged = _fit(
        X, Yt, y, params, lr, epochs, batch_size, loss, X_val, y_val, momentum, epsilon, progress, watch_unit,
        seed, "batch norm" if batchnorm else "no batch norm")
    return TrainResult(params, running, history, list(layer_dims), batchnorm, loss, diverged,
                       time.perf_counter() - start, epsilon)


@dataclass
class GridResult:
    """What :func:`train_grid` returns: ``final_acc`` (validation accuracy if validation data
    were given, else training accuracy), ``final_cost`` and ``diverged``, each of shape
    ``(len(init_scales), len(lrs))``, and the per-epoch ``history`` (arrays of shape
    ``(epochs, len(init_scales), len(lrs))``: ``"cost"`` and ``"val_acc"``, or ``"train_acc"``
    when no validation set is given)."""

    lrs: np.ndarray
    init_scales: np.ndarray
    final_acc: np.ndarray
    final_cost: np.ndarray
    diverged: np.ndarray
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


def train_grid(X, Y, layer_dims, lrs, init_scales, epochs: int = 10, batch_size: int = 64, batchnorm: bool = True,
               seed: int = 0, loss: str = "softmax", X_val=None, Y_val=None, momentum: float = 0.9,
               epsilon: float = 1e-5, progress: bool = False) -> GridResult:
    """Train one network per (init scale, learning rate) pair, all at once.

    The parameters of the ``K = len(init_scales) * len(lrs)`` networks are stacked along a
    leading axis, so each step is a handful of batched matrix products instead of K loops.
    Every network starts from the same random draw (scaled) and sees the same mini-batches:
    only the learning rate and the initialization scale differ.
    """
    _loss_fn(loss)
    X, Yt, y, X_val, y_val = _prepare(X, Y, layer_dims, loss, X_val, Y_val)
    lrs, scales = np.asarray(lrs, dtype=float), np.asarray(init_scales, dtype=float)
    S, R = np.meshgrid(scales, lrs, indexing="ij")  # (n_scales, n_lrs)
    base = init_params(layer_dims, seed, 1.0, batchnorm)
    params = {k: np.stack([v * s if k.startswith("W") else v for s in S.ravel()]) for k, v in base.items()}
    start = time.perf_counter()
    _, _, history, diverged = _fit(
        X, Yt, y, params, R.ravel()[:, None, None], epochs, batch_size, loss, X_val, y_val, momentum, epsilon,
        progress, None, seed, "grid, batch norm" if batchnorm else "grid, no batch norm", X_val is None)
    hist = {k: np.asarray(v, dtype=float).reshape(len(v), *S.shape) for k, v in history.items() if v}
    acc = hist["val_acc" if "val_acc" in hist else "train_acc"][-1]
    return GridResult(lrs, scales, acc, hist["cost"][-1], np.asarray(diverged).reshape(S.shape), hist,
                      time.perf_counter() - start)
