"""The network of :mod:`course.network`, rebuilt in PyTorch (notebook 09).

PyTorch is optional: this module imports without it, :func:`torch_or_none` says whether it
is there, and everything that needs it raises :class:`FrameworkMissing` with the way to
install it. Nothing is downloaded at run time.

Layouts. PyTorch puts examples in **rows** (a batch is ``(m, n)``) while the course puts them
in columns (``(n, m)``), so inputs go in transposed. ``nn.Linear(n_prev, n).weight`` has
shape ``(n, n_prev)``, the same as the course's ``W``: ``x @ W.T`` on rows is ``W @ x`` on
columns. ``BatchNorm1d.weight`` and ``.bias`` are ``gamma`` and ``beta`` as vectors ``(n,)``.

Running statistics. ``BatchNorm1d(momentum=p)`` updates
``running = (1 - p) * running + p * batch`` (the weight ``p`` is on the *new* value), and its
running variance is fed the *unbiased* batch variance (divided by ``m - 1``); the variance used
to normalize the batch itself is the biased one, as in the course. The course's
``momentum=0.9`` (on the old value) is PyTorch's ``momentum=0.1``.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from . import network as net
from .gradcheck import relative_error  # noqa: F401 - notebook 09 compares with the course's one measure

TORCH_PIN = "torch==2.13.0"
INSTALL_HINT = (f"PyTorch is optional for this course. To install the CPU build: `make framework` in the course "
                f"folder, or `pip install {TORCH_PIN}` in the course's environment "
                "(`.venv/bin/pip install -r requirements-framework.txt`), then restart the kernel. "
                "A plain `pip install torch` may download several GB of GPU libraries; see requirements-framework.txt.")


class FrameworkMissing(ImportError):
    """PyTorch is needed for this and is not installed (the message says how to install it)."""


def torch_or_none():
    """The ``torch`` module, or None when it is not installed (or cannot be imported)."""
    try:
        import torch
    except (ImportError, OSError):  # not installed, or installed but broken (a missing shared library)
        return None
    return torch


def require_torch():
    torch = torch_or_none()
    if torch is None:
        raise FrameworkMissing(INSTALL_HINT)
    return torch


def status() -> str:
    """One line for the notebook: which PyTorch is there, or how to get it."""
    torch = torch_or_none()
    if torch is None:
        return "PyTorch is not installed: the notebook runs its NumPy half only. " + INSTALL_HINT
    return f"PyTorch {torch.__version__} is installed ({torch.get_num_threads()} CPU threads)."


# --- the same model in PyTorch ----------------------------------------------------------------------

def torch_model(params: dict, epsilon: float = 1e-5, momentum: float = 0.9, running: dict | None = None):
    """An ``nn.Sequential`` equal to the course's network with these parameters (float64).

    Each hidden layer: ``Linear(bias=False)``, ``BatchNorm1d(eps=epsilon, momentum=1 - momentum)``,
    ``ReLU``; the output layer: ``Linear`` with a bias (the logits; the softmax is in the loss).
    Weights are copied from ``params``; ``running`` (``mu{l}``, ``sigma2{l}``), if given, is copied
    into the running buffers (default: PyTorch's zeros and ones, as ``net.new_running``).
    """
    torch = require_torch()
    nn = torch.nn
    L = net.num_layers(params)
    if not net.is_batchnorm(params):
        raise ValueError("torch_model mirrors the batch-norm network: params need gamma{l} and beta{l}")
    layers = []
    with torch.no_grad():
        for l in range(1, L + 1):
            W = params[f"W{l}"]
            linear = nn.Linear(W.shape[1], W.shape[0], bias=(l == L), dtype=torch.float64)
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            if l == L:
                linear.bias.copy_(torch.from_numpy(params[f"b{L}"].reshape(-1)))
                layers.append(linear)
                break
            bn = nn.BatchNorm1d(W.shape[0], eps=epsilon, momentum=round(1.0 - momentum, 12), dtype=torch.float64)
            bn.weight.copy_(torch.from_numpy(params[f"gamma{l}"].reshape(-1)))
            bn.bias.copy_(torch.from_numpy(params[f"beta{l}"].reshape(-1)))
            if running is not None:
                bn.running_mean.copy_(torch.from_numpy(running[f"mu{l}"].reshape(-1)))
                bn.running_var.copy_(torch.from_numpy(running[f"sigma2{l}"].reshape(-1)))
            layers += [linear, bn, nn.ReLU()]
    return nn.Sequential(*layers)


def _layers(model):
    """``[(linear, bn or None)]`` per course layer."""
    torch = require_torch()
    mods = list(model)
    out, i = [], 0
    while i < len(mods):
        linear = mods[i]
        if i + 1 < len(mods) and isinstance(mods[i + 1], torch.nn.BatchNorm1d):
            out.append((linear, mods[i + 1]))
            i += 3
        else:
            out.append((linear, None))
            i += 1
    return out


def params_of(model) -> dict:
    """The model's parameters with the course's names and shapes (NumPy copies)."""
    params = {}
    for l, (linear, bn) in enumerate(_layers(model), start=1):
        params[f"W{l}"] = linear.weight.detach().numpy().copy()
        if bn is not None:
            params[f"gamma{l}"] = bn.weight.detach().numpy().reshape(-1, 1).copy()
            params[f"beta{l}"] = bn.bias.detach().numpy().reshape(-1, 1).copy()
        else:
            params[f"b{l}"] = linear.bias.detach().numpy().reshape(-1, 1).copy()
    return params


def grads_of(model) -> dict:
    """The gradients after ``loss.backward()``, with the course's names: ``dW1``, ``dgamma1``..."""
    grads = {}
    for l, (linear, bn) in enumerate(_layers(model), start=1):
        grads[f"dW{l}"] = linear.weight.grad.numpy().copy()
        if bn is not None:
            grads[f"dgamma{l}"] = bn.weight.grad.numpy().reshape(-1, 1).copy()
            grads[f"dbeta{l}"] = bn.bias.grad.numpy().reshape(-1, 1).copy()
        else:
            grads[f"db{l}"] = linear.bias.grad.numpy().reshape(-1, 1).copy()
    return grads


def running_of(model) -> dict:
    """PyTorch's running buffers as ``mu{l}``, ``sigma2{l}`` columns (NumPy copies)."""
    running = {}
    for l, (_, bn) in enumerate(_layers(model), start=1):
        if bn is not None:
            running[f"mu{l}"] = bn.running_mean.numpy().reshape(-1, 1).copy()
            running[f"sigma2{l}"] = bn.running_var.numpy().reshape(-1, 1).copy()
    return running


def torch_forward_backward(model, X, Y) -> tuple[np.ndarray, float, dict]:
    """One training-mode pass in PyTorch: ``(ZL, cost, grads)`` in the course's layout.

    ``X``: (n_x, m); ``Y``: one-hot (C, m) or labels (m,). The cost is
    ``F.cross_entropy`` (softmax + cross-entropy, mean over the batch), like
    ``net.softmax_cross_entropy``. The running buffers move by one step, as in training.
    """
    torch = require_torch()
    labels = net._labels(Y)
    model.train()
    model.zero_grad()
    logits = model(torch.from_numpy(np.ascontiguousarray(X.T, dtype=np.float64)))
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels.astype(np.int64)))
    loss.backward()
    return logits.detach().numpy().T.copy(), float(loss.item()), grads_of(model)


def torch_train(params: dict, X, Y, lr: float, steps: int, epsilon: float = 1e-5, momentum: float = 0.9):
    """``steps`` full-batch gradient-descent steps in PyTorch (``torch.optim.SGD``) from ``params``.

    Returns ``(model, costs)``: the trained model and the cost before each step.
    """
    torch = require_torch()
    model = torch_model(params, epsilon, momentum)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    labels = torch.from_numpy(net._labels(Y).astype(np.int64))
    x = torch.from_numpy(np.ascontiguousarray(X.T, dtype=np.float64))
    costs = []
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        costs.append(float(loss.item()))
    return model, costs


# --- one batch-norm layer in both -----------------------------------------------------------------------

def numpy_batchnorm(Z, gamma, beta, epsilon: float = 1e-5) -> np.ndarray:
    """Batch norm of ``Z`` (n, m) in training mode by ``course.network``: the hidden layer of a
    network whose weights are the identity computes exactly ``gamma * Z_norm + beta`` before its ReLU."""
    n = Z.shape[0]
    params = {"W1": np.eye(n), "gamma1": np.asarray(gamma, dtype=float).reshape(n, 1),
              "beta1": np.asarray(beta, dtype=float).reshape(n, 1), "W2": np.zeros((1, n)), "b2": np.zeros((1, 1))}
    _, caches, _ = net.forward(Z, params, "train", epsilon=epsilon)
    return caches[0]["Z_tilde"]


def torch_batchnorm(Z, gamma, beta, epsilon: float = 1e-5) -> np.ndarray:
    """The same in PyTorch, ``F.batch_norm`` in training mode (batch statistics), back in columns."""
    torch = require_torch()
    n = Z.shape[0]
    with one_thread(torch):
        out = torch.nn.functional.batch_norm(
            torch.from_numpy(np.ascontiguousarray(Z.T, dtype=np.float64)), None, None,
            weight=torch.from_numpy(np.asarray(gamma, dtype=np.float64).reshape(n)),
            bias=torch.from_numpy(np.asarray(beta, dtype=np.float64).reshape(n)), training=True, eps=epsilon)
    return out.numpy().T.copy()


@contextmanager
def one_thread(torch):
    """Run a tiny PyTorch operation on one thread (waking a pool of threads costs more than the
    operation, and much more on a busy machine); the thread count is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- speed ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """Seconds per step over repeated measurements: the median and the interquartile range
    (``low`` = 25th, ``high`` = 75th percentile) of ``samples`` measurements."""

    median: float
    low: float
    high: float
    samples: int

    @classmethod
    def of(cls, seconds) -> "Spread":
        seconds = np.asarray(list(seconds), dtype=float)
        if seconds.size == 0:
            return MISSING
        low, median, high = np.quantile(seconds, [0.25, 0.5, 0.75])
        return cls(float(median), float(low), float(high), int(seconds.size))

    def text(self, scale: float = 1e3) -> str:
        """``median [low-high]``, in milliseconds by default."""
        if not np.isfinite(self.median):
            return "-"
        return f"{self.median * scale:.2f} [{self.low * scale:.2f}\u2013{self.high * scale:.2f}]"


MISSING = Spread(float("nan"), float("nan"), float("nan"), 0)


def compare(a: Spread, b: Spread, a_name: str = "a", b_name: str = "b") -> str:
    """A conclusion about two timings that their spread supports: one is faster only when the
    two interquartile ranges do not overlap (then with the ratio of the medians); otherwise
    ``"no clear difference"``."""
    if not (np.isfinite(a.median) and np.isfinite(b.median)):
        return "not measured"
    if a.high < b.low:
        return f"{a_name} faster, {b.median / a.median:.1f}\u00d7"
    if b.high < a.low:
        return f"{b_name} faster, {a.median / b.median:.1f}\u00d7"
    return "no clear difference"


@dataclass
class Timing:
    """Seconds per training step (forward, backward, update) on ``batch`` examples for a network
    ``[64, hidden, hidden, 10]``: ``numpy``, ``torch32``, ``torch64`` are medians (NaN where a
    framework is missing), ``spread`` the full :class:`Spread` of each."""

    batch: int
    hidden: int
    numpy: float
    torch32: float
    torch64: float
    spread: dict

    def verdict(self, a: str = "numpy", b: str = "torch32") -> str:
        names = {"numpy": "NumPy", "torch32": "torch f32", "torch64": "torch f64"}
        return compare(self.spread[a], self.spread[b], names[a], names[b])


def measure(steps: dict, repeats: int = 7, warmup: int = 3, min_seconds: float = 0.005,
            clock=time.perf_counter) -> dict:
    """Time each function of ``steps`` (name -> a function of no argument): ``warmup`` calls
    each first (caches, lazy initialization, memory allocation), then ``repeats`` measurements
    taken in turn across the functions (so that a change in the machine's load hits all of
    them alike), each the mean over enough calls to last ``min_seconds``. Returns name ->
    :class:`Spread` of seconds per call."""
    loops = {}
    for name, step in steps.items():
        for _ in range(warmup):
            step()
        start = clock()
        step()
        once = max(clock() - start, 1e-9)
        loops[name] = max(1, min(1000, int(np.ceil(min_seconds / once))))
    samples: dict = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = clock()
            for _ in range(loops[name]):
                step()
            samples[name].append((clock() - start) / loops[name])
    return {name: Spread.of(values) for name, values in samples.items()}


def time_steps(batches=(32, 256, 1024), hiddens=(64, 256), repeats: int = 7, seed: int = 0) -> list[Timing]:
    """Time one gradient-descent step of the NumPy network and of PyTorch (float32 and float64)
    for each batch size and hidden size, with :func:`measure` (warm-up, then ``repeats``
    measurements each; medians and interquartile ranges)."""
    rng = np.random.default_rng(seed)
    torch = torch_or_none()
    out = []
    for hidden in hiddens:
        dims = [64, hidden, hidden, 10]
        params = net.init_params(dims, seed=seed)
        for batch in batches:
            X = rng.random((64, batch))
            Y = net.one_hot(rng.integers(0, 10, batch), 10)

            def numpy_step():
                ZL, caches, _ = net.forward(X, params, "train")
                _, dZL = net.softmax_cross_entropy(ZL, Y)
                net.update(params, net.backward(dZL, caches), 0.1)

            steps = {"numpy": numpy_step}
            if torch is not None:
                steps["torch32"] = _torch_step(torch, params, X, Y, torch.float32)
                steps["torch64"] = _torch_step(torch, params, X, Y, torch.float64)
            spread = {"torch32": MISSING, "torch64": MISSING, **measure(steps, repeats)}
            out.append(Timing(batch, hidden, spread["numpy"].median, spread["torch32"].median,
                              spread["torch64"].median, spread))
    return out


def _torch_step(torch, params, X, Y, dtype):
    """One PyTorch training step (forward, cross-entropy, backward, SGD update) as a function."""
    model = torch_model(params).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.from_numpy(np.ascontiguousarray(X.T)).to(dtype)
    labels = torch.from_numpy(Y.argmax(axis=0).astype(np.int64))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        opt.step()

    return step
