"""Probes and known mistakes for notebook 04: model_forward, model_backward,
update_parameters, train_model (a batch-normalized network with a sigmoid output)."""
from __future__ import annotations

import numpy as np

from course import data, network

from ..checks.catalog.nb04_batchnorm_in_a_network import NETWORK_CACHE_KEYS, TRAIN_DEFAULTS
from . import Mistake, Probe, Suite, bn_messages

# --- inputs ---------------------------------------------------------------------------------


def _params(rng, dims, fresh=False):
    """Network parameters; unless ``fresh``, gamma, beta and b[L] are moved off 1 and 0."""
    params = network.init_params(dims, seed=int(rng.integers(2**31)))
    if fresh:
        return params
    for k, v in params.items():
        if k.startswith("gamma"):
            params[k] = rng.uniform(0.5, 2.0, v.shape)
        elif k.startswith(("beta", "b")):
            params[k] = rng.normal(0.0, 0.5, v.shape)
    return params


def _inputs(rng, dims, m):
    return rng.normal(0.0, 1.5, (dims[0], m))


def _cache_list(caches):
    """``course.network``'s caches reduced to the notebook's keys."""
    return [{k: c[k] for k in NETWORK_CACHE_KEYS if k in c} for c in caches[:-1]] + \
           [{k: caches[-1][k] for k in ("A_prev", "W")}]


def _backward_probe(rng, dims, m, epsilon=1e-5, name=""):
    params = _params(rng, dims)
    X = _inputs(rng, dims, m)
    ZL, caches, _ = network.forward(X, params, "train", epsilon=epsilon)
    Y = (rng.uniform(size=(dims[-1], m)) < 0.5).astype(float)
    dZL = (1.0 / (1.0 + np.exp(-ZL)) - Y) / m
    return Probe(name, (dZL, _cache_list(caches)))


def _grads_for(rng, params, size=0.5):
    return {f"d{k}": rng.normal(0.0, size, v.shape) for k, v in params.items()}


# --- model_forward ----------------------------------------------------------------------------

def _forward(X, params, epsilon=1e-5, *, ddof=0, axis=1, eps_outside=False, relu_out=False, bn_out=False,
             no_relu=False, relu_first=False, no_affine=False, swap=False, no_b=False, eps_fixed=False,
             cache_norm_tilde=False, cache_a_prev_out=False, cache_tilde_relu=False, cache_std=False):
    """The forward pass, making one mistake at a time."""
    if eps_fixed:
        epsilon = 1e-5
    L = len([k for k in params if k.startswith("W")])
    caches, A = [], X
    for l in range(1, L):
        W, gamma, beta = params[f"W{l}"], params[f"gamma{l}"], params[f"beta{l}"]
        Z = W @ A
        Zin = np.maximum(Z, 0) if relu_first else Z
        mu = Zin.mean(axis=axis, keepdims=True)
        sigma2 = Zin.var(axis=axis, ddof=ddof, keepdims=True)
        Z_norm = (Zin - mu) / ((np.sqrt(sigma2) + epsilon) if eps_outside else np.sqrt(sigma2 + epsilon))
        Z_tilde = Z_norm if no_affine else (beta * Z_norm + gamma) if swap else gamma * Z_norm + beta
        A_new = Z_tilde if (no_relu or relu_first) else np.maximum(Z_tilde, 0)
        caches.append({"A_prev": A_new if cache_a_prev_out else A, "W": W, "Z": Z,
                       "Z_norm": Z_tilde if cache_norm_tilde else Z_norm, "mu": mu,
                       "sigma2": np.sqrt(sigma2) if cache_std else sigma2, "gamma": gamma, "beta": beta,
                       "epsilon": epsilon, "Z_tilde": A_new if cache_tilde_relu else Z_tilde})
        A = A_new
    W = params[f"W{L}"]
    ZL = W @ A
    if bn_out:
        ZL = (ZL - ZL.mean(axis=1, keepdims=True)) / np.sqrt(ZL.var(axis=1, keepdims=True) + epsilon)
    if not no_b:
        ZL = ZL + params[f"b{L}"]
    if relu_out:
        ZL = np.maximum(ZL, 0)
    caches.append({"A_prev": A, "W": W})
    return ZL, caches


def _fwd(**how):
    return lambda X, params, epsilon=1e-5: _forward(X, params, epsilon, **how)


def _forward_case(rng, dims, m, name, epsilon=None, fresh=False):
    kwargs = {} if epsilon is None else {"epsilon": epsilon}
    return Probe(name, (_inputs(rng, dims, m), _params(rng, dims, fresh)), kwargs)


_r = np.random.default_rng(404)

MODEL_FORWARD = Suite(
    "model_forward",
    visible=[
        _forward_case(_r, [2, 3, 2, 1], 5, "a network 2 -> 3 -> 2 -> 1 on 5 examples"),
        _forward_case(_r, [3, 4, 2], 6, "one hidden layer, 3 -> 4 -> 2, on 6 examples"),
        _forward_case(_r, [2, 3, 3, 3, 2], 4, "three hidden layers, 2 -> 3 -> 3 -> 3 -> 2, epsilon = 0.1", 0.1),
        _forward_case(_r, [2, 3, 1], 2, "a fresh network (gamma = 1, beta = 0, b = 0) on 2 examples", fresh=True),
    ],
    hidden=lambda rng: [
        _forward_case(rng, dims, m, f"hidden probe {i + 1} ({' -> '.join(map(str, dims))}, {m} examples)", eps)
        for i, (dims, m, eps) in enumerate([([2, 5, 1], 7, None), ([3, 4, 4, 2], 9, 0.05), ([2, 6, 6, 6, 6, 1], 4, None),
                                            ([5, 3, 3], 16, 1e-8), ([1, 2, 1], 3, 0.5)])
    ],
    mistakes=[
        Mistake("Batch norm was applied to the output layer. The output layer is an ordinary linear layer: "
                "ZL = W[L] @ A[L-1] + b[L], no batch norm (there is no gamma[L] or beta[L]).", _fwd(bn_out=True),
                id="bn_on_output"),
        Mistake("A ReLU was applied to the output layer. ZL are the logits, which the sigmoid of the cost turns "
                "into probabilities; they must be free to be negative: ZL = W[L] @ A[L-1] + b[L].", _fwd(relu_out=True),
                id="relu_on_output"),
        Mistake("The ReLU of the hidden layers is missing: A[l] = relu(Z_tilde[l]) = np.maximum(Z_tilde, 0).",
                _fwd(no_relu=True), id="no_relu"),
        Mistake("The ReLU was applied before batch norm. In this course's network batch norm comes first and the "
                "ReLU acts on Z_tilde: Z = W @ A_prev, then batch norm, then A = relu(Z_tilde).", _fwd(relu_first=True),
                id="relu_before_bn"),
        Mistake("b[L] is missing from the output layer: ZL = W[L] @ A[L-1] + b[L] (only the hidden layers, "
                "followed by batch norm, have no bias).", _fwd(no_b=True), id="no_output_bias"),
        Mistake(bn_messages.UNBIASED, _fwd(ddof=1), id="unbiased_variance"),
        Mistake(bn_messages.EPS_OUTSIDE, _fwd(eps_outside=True), id="eps_outside_sqrt"),
        Mistake(bn_messages.AXIS0, _fwd(axis=0), id="axis0"),
        Mistake(bn_messages.NO_AFFINE, _fwd(no_affine=True), id="no_scale_shift"),
        Mistake(bn_messages.SWAPPED, _fwd(swap=True), id="gamma_beta_swapped"),
        Mistake("The epsilon argument was ignored (1e-5 hard-coded): pass epsilon on to every batch-norm layer.",
                _fwd(eps_fixed=True), id="epsilon_ignored"),
        Mistake('Wrong cache content: cache["Z_norm"] holds Z_tilde. Store the normalized Z before the scale and '
                "shift.", _fwd(cache_norm_tilde=True), id="cache_z_norm_is_tilde"),
        Mistake('Wrong cache content: cache["A_prev"] holds the layer\'s output A[l]. Store its input A[l-1] '
                "(X for layer 1): dW[l] = dZ[l] @ A[l-1].T needs it.", _fwd(cache_a_prev_out=True),
                id="cache_a_prev_is_output"),
        Mistake('Wrong cache content: cache["Z_tilde"] holds relu(Z_tilde). Store what enters the ReLU, '
                "Z_tilde = gamma * Z_norm + beta.", _fwd(cache_tilde_relu=True), id="cache_z_tilde_relu"),
        Mistake('Wrong cache content: cache["sigma2"] holds the standard deviation; store the variance.',
                _fwd(cache_std=True), id="cache_std"),
    ],
)


# --- model_backward ---------------------------------------------------------------------------

def _backward(dZL, caches, *, extra_m=False, dw_extra_m=False, hidden_extra_m=False, axis0=False, no_keepdims=False, relu_on_z=False,
              no_relu=False, constant_stats=False, dgamma_tilde=False, no_gamma=False, output_db_missing=False,
              transposed_dw=False):
    """The backward pass, making one mistake at a time."""
    L = len(caches)
    m = dZL.shape[1]
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = dZL @ out["A_prev"].T
    if not output_db_missing:
        grads[f"db{L}"] = dZL.sum(axis=1, keepdims=True)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        mask = c["Z"] > 0 if relu_on_z else c["Z_tilde"] > 0
        dZt = dA if no_relu else dA * mask
        sum_axis = 0 if axis0 else 1
        keep = not no_keepdims
        grads[f"dgamma{l}"] = (dZt * (c["Z_tilde"] if dgamma_tilde else c["Z_norm"])).sum(axis=sum_axis, keepdims=keep)
        grads[f"dbeta{l}"] = dZt.sum(axis=sum_axis, keepdims=keep)
        dZn = dZt if no_gamma else dZt * c["gamma"]
        inv = 1.0 / np.sqrt(c["sigma2"] + c["epsilon"])
        if constant_stats:
            dZ = inv * dZn
        else:
            dZ = inv * (dZn - dZn.mean(axis=1, keepdims=True) - c["Z_norm"] * (dZn * c["Z_norm"]).mean(axis=1, keepdims=True))
        grads[f"dW{l}"] = c["A_prev"] @ dZ.T if transposed_dw else dZ @ c["A_prev"].T
        dA = c["W"].T @ dZ
    if extra_m or dw_extra_m:
        grads = {k: v / m if (extra_m or k.startswith("dW")) else v for k, v in grads.items()}
    if hidden_extra_m:
        grads = {k: v / m if k.startswith("dW") and k != f"dW{L}" else v for k, v in grads.items()}
    return grads


def _bwd(**how):
    return lambda dZL, caches: _backward(dZL, caches, **how)


_r = np.random.default_rng(405)

MODEL_BACKWARD = Suite(
    "model_backward",
    visible=[
        _backward_probe(_r, [2, 4, 3, 1], 6, name="a network 2 -> 4 -> 3 -> 1 on 6 examples"),
        _backward_probe(_r, [3, 5, 2], 8, name="one hidden layer, 3 -> 5 -> 2, on 8 examples"),
        _backward_probe(_r, [2, 4, 4, 4, 1], 10, 0.1, name="three hidden layers on 10 examples, epsilon = 0.1"),
        _backward_probe(_r, [4, 6, 5, 2], 3, name="4 -> 6 -> 5 -> 2 on 3 examples"),
    ],
    hidden=lambda rng: [
        _backward_probe(rng, dims, m, eps, name=f"hidden probe {i + 1} ({' -> '.join(map(str, dims))}, {m} examples)")
        for i, (dims, m, eps) in enumerate([([2, 5, 1], 7, 1e-5), ([3, 4, 4, 2], 9, 0.05), ([2, 6, 6, 6, 6, 1], 5, 1e-5),
                                            ([5, 3, 3], 16, 1e-8), ([1, 3, 1], 4, 0.5)])
    ],
    mistakes=[
        Mistake("Every gradient was divided by m again. dZL is already the gradient of the cost (it holds the 1/m), "
                "so dW = dZ @ A_prev.T, db = sum(dZ), dgamma and dbeta with no further 1/m.", _bwd(extra_m=True),
                id="every_grad_extra_m"),
        Mistake("dW was divided by m again. dZL is already the gradient of the cost (it holds the 1/m): "
                "dW[l] = dZ[l] @ A[l-1].T.", _bwd(dw_extra_m=True), id="dw_extra_m"),
        Mistake("dW of the hidden layers was divided by m again. dZL holds the 1/m already, and so does every dZ "
                "computed from it: dW[l] = dZ[l] @ A[l-1].T, no further 1/m.", _bwd(hidden_extra_m=True),
                id="hidden_dw_extra_m"),
        Mistake("dgamma and dbeta were summed over axis 0 (across units) instead of axis 1 (over the examples): "
                "np.sum(..., axis=1, keepdims=True).", _bwd(axis0=True), id="axis0"),
        Mistake("dgamma and dbeta lost their column shape: sum with keepdims=True so that they are (n[l], 1) like "
                "gamma and beta.", _bwd(no_keepdims=True), id="no_keepdims"),
        Mistake("The ReLU's derivative was taken at Z (before batch norm). The ReLU acts on Z_tilde: "
                "dZ_tilde = dA * (Z_tilde > 0).", _bwd(relu_on_z=True), id="relu_derivative_at_z"),
        Mistake("The ReLU's derivative is missing: dZ_tilde = dA * (Z_tilde > 0).", _bwd(no_relu=True),
                id="no_relu_derivative"),
        Mistake("The batch-norm backward treats mu and sigma2 as constants. They depend on every example of the "
                "batch: dZ = (dZ_norm - mean(dZ_norm) - Z_norm * mean(dZ_norm * Z_norm)) / sqrt(sigma2 + epsilon).",
                _bwd(constant_stats=True), id="stats_constant"),
        Mistake("dgamma used Z_tilde; it is the sum over the examples of dZ_tilde * Z_norm.", _bwd(dgamma_tilde=True),
                id="dgamma_uses_z_tilde"),
        Mistake("The factor gamma is missing: the gradient reaching Z_norm is dZ_norm = gamma * dZ_tilde.",
                _bwd(no_gamma=True), id="no_gamma"),
        Mistake("dW is transposed: dW[l] = dZ[l] @ A[l-1].T has the shape of W[l].", _bwd(transposed_dw=True),
                id="dw_transposed"),
    ],
)


# --- update_parameters -------------------------------------------------------------------------

def _update(params, grads, learning_rate, *, plus=False, w_only=False, no_bn=False, swap_bn=False, fixed=None):
    lr = fixed if fixed is not None else learning_rate
    new = {}
    for k, v in params.items():
        g = grads["d" + k]
        if swap_bn and k.startswith(("gamma", "beta")):
            g = grads["d" + (k.replace("gamma", "beta") if k.startswith("gamma") else k.replace("beta", "gamma"))]
        frozen = (w_only and not k.startswith("W")) or (no_bn and k.startswith(("gamma", "beta")))
        new[k] = v.copy() if frozen else (v + lr * g if plus else v - lr * g)
    return new


def _upd(**how):
    return lambda params, grads, learning_rate: _update(params, grads, learning_rate, **how)


def _update_case(rng, dims, lr, name):
    params = _params(rng, dims)
    return Probe(name, (params, _grads_for(rng, params), lr))


_r = np.random.default_rng(406)

UPDATE_PARAMETERS = Suite(
    "update_parameters",
    visible=[
        _update_case(_r, [2, 3, 1], 0.1, "a network 2 -> 3 -> 1, learning_rate = 0.1"),
        _update_case(_r, [3, 4, 4, 2], 0.5, "two hidden layers, learning_rate = 0.5"),
        _update_case(_r, [2, 5, 5, 5, 1], 0.03, "three hidden layers, learning_rate = 0.03"),
    ],
    hidden=lambda rng: [
        _update_case(rng, dims, lr, f"hidden probe {i + 1} ({' -> '.join(map(str, dims))}, learning_rate = {lr})")
        for i, (dims, lr) in enumerate([([2, 4, 1], 0.2), ([4, 3, 3, 3, 2], 1.5), ([1, 6, 1], 0.007), ([3, 2, 2], 0.05)])
    ],
    mistakes=[
        Mistake("The update goes uphill: it is p := p - learning_rate * dp (minus: against the gradient).", _upd(plus=True),
                id="gradient_ascent"),
        Mistake("Only W was updated. Every parameter learns: gamma, beta and b[L] too, each with its own gradient "
                '(params["gamma2"] with grads["dgamma2"]).', _upd(w_only=True), id="only_w"),
        Mistake("gamma and beta were not updated. They are learned like W: gamma := gamma - learning_rate * dgamma, "
                "beta := beta - learning_rate * dbeta.", _upd(no_bn=True), id="gamma_beta_frozen"),
        Mistake("gamma was updated with dbeta and beta with dgamma: each parameter p goes with grads['d' + p].",
                _upd(swap_bn=True), id="dgamma_dbeta_swapped"),
        Mistake("The learning_rate argument was ignored (0.01 hard-coded).", _upd(fixed=0.01),
                id="learning_rate_ignored"),
    ],
)


# --- train_model --------------------------------------------------------------------------------

def _train(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0, *, full_batch=False, no_m=False, no_sigmoid=False, flipped=False, one_epoch=False, no_bn_update=False,
           fixed_lr=None, only_stochastic=False):
    """The training loop (with course.network's passes), making one mistake at a time.

    Mistakes that only show on an exact (full-batch) probe raise on the others, so that no time is
    spent training them on the long runs. (Unshuffled mini-batches are named by the judge itself,
    from what the trained network predicts: see ``judge_training``.)"""
    m = X.shape[1]
    if mini_batch_size < m and not only_stochastic:
        raise ValueError("this mistake is only computed on exact probes")
    rng = np.random.default_rng(seed)
    size = m if full_batch else mini_batch_size
    learning_rate = learning_rate if fixed_lr is None else fixed_lr
    for _ in range(1 if one_epoch else num_epochs):
        order = rng.permutation(m)
        for start in range(0, m, size):
            idx = order[start:start + size]
            ZL, caches, _ = network.forward(X[:, idx], params, "train")
            A = ZL if no_sigmoid else 1.0 / (1.0 + np.exp(-ZL))
            dZL = (Y[:, idx] - A) if flipped else (A - Y[:, idx])
            dZL = dZL if no_m else dZL / len(idx)
            grads = network.backward(dZL, caches)
            params = {k: v if (no_bn_update and k.startswith(("gamma", "beta"))) else v - learning_rate * grads["d" + k]
                      for k, v in params.items()}
    return params


def _trn(**how):
    return lambda X, Y, params, **kw: _train(X, Y, params, **kw, **how)


def _train_case(rng, dims, m, name, sort=True, **kwargs):
    X, Y = data.two_spirals(m, seed=int(rng.integers(2**31)), sort_by_class=sort)
    return Probe(name, (X, Y, network.init_params(dims, seed=int(rng.integers(2**31)))), {**TRAIN_DEFAULTS, **kwargs})


_r = np.random.default_rng(407)

TRAIN_MODEL = Suite(
    "train_model",
    visible=[
        _train_case(_r, [2, 4, 1], 30, "learning_rate = 0: nothing may change", num_epochs=2, mini_batch_size=8,
                    learning_rate=0.0),
        _train_case(_r, [2, 4, 3, 1], 24, "one epoch with one mini-batch of all 24 examples (an exact gradient step)",
                    num_epochs=1, mini_batch_size=24, learning_rate=0.5),
        _train_case(_r, [2, 5, 5, 1], 40, "3 epochs, mini_batch_size = 64 > m = 40 (3 exact steps)",
                    num_epochs=3, mini_batch_size=64, learning_rate=0.3),
        _train_case(_r, [2, 16, 16, 16, 1], 640, "training 2 -> 16 -> 16 -> 16 -> 1 on 640 examples sorted by class "
                    "(default settings)"),
    ],
    hidden=lambda rng: [
        _train_case(rng, [2, 3, 3, 1], 20, "hidden probe 1 (learning_rate = 0)", num_epochs=3, mini_batch_size=6,
                    learning_rate=0.0, seed=5),
        _train_case(rng, [2, 6, 4, 1], 50, "hidden probe 2 (2 exact full-batch steps)", num_epochs=2,
                    mini_batch_size=50, learning_rate=0.2),
        _train_case(rng, [2, 16, 16, 16, 16, 1], 640, "hidden probe 3 (training 4 hidden layers on 640 examples)",
                    num_epochs=25, seed=3),
    ],
    mistakes=[
        Mistake("dZL was not divided by the mini-batch size. The cost is a mean over the mini-batch: "
                "dZL = (sigmoid(ZL) - Y_batch) / m_batch.", _trn(no_m=True), id="dzl_not_divided_by_m"),
        Mistake("The sigmoid is missing from dZL: dZL = (sigmoid(ZL) - Y_batch) / m_batch, not (ZL - Y_batch) / m_batch.",
                _trn(no_sigmoid=True), id="dzl_no_sigmoid"),
        Mistake("dZL has the wrong sign: it is (sigmoid(ZL) - Y) / m, prediction minus label.", _trn(flipped=True),
                id="dzl_sign"),
        Mistake("num_epochs was ignored: loop over the data num_epochs times.", _trn(one_epoch=True),
                id="num_epochs_ignored"),
        Mistake("learning_rate was ignored (0.05 hard-coded): pass the argument on to update_parameters.",
                _trn(fixed_lr=0.05), id="learning_rate_ignored"),
        Mistake("gamma and beta were never updated: update_parameters must update them too.", _trn(no_bn_update=True),
                id="gamma_beta_frozen"),
        Mistake("mini_batch_size was ignored: each epoch made a single step on the whole data set instead of one "
                "step per mini-batch.", _trn(full_batch=True, only_stochastic=True), id="mini_batch_size_ignored"),
    ],
)

SUITES = [MODEL_FORWARD, MODEL_BACKWARD, UPDATE_PARAMETERS, TRAIN_MODEL]
