"""Graded functions of notebook 08, judged by their properties.

``random_mini_batches`` has many right answers (any shuffle will do), so its output is not
compared with one expected list: :func:`judge_mini_batches` checks that it is a partition of
the columns of ``X`` into mini-batches of the right sizes, that every ``(x, y)`` pair stays
together and that the order was shuffled; :func:`judge_seeds` checks, across calls, that a seed
gives the same mini-batches every time and another seed other ones.

``train_softmax_classifier`` is judged by its outcome: :func:`judge_training` computes the
accuracy of the returned model, in inference mode (running statistics), on the digits that
were *not* in the training set of the probe, and asks for :data:`TARGET_ACCURACY`;
:func:`judge_epoch_seeds` checks, from the calls it made to ``random_mini_batches``, that epoch
``e`` shuffled with ``seed + e``, as the notebook asks.

This module ships to students: it holds the properties and the messages, no solution.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..judge import Mismatch, describe, equal_plain
from ..specs import FunctionSpec
from ..wire import Opaque, Scalar

NOTEBOOK = "08_training_a_softmax_classifier"
TARGET_ACCURACY = 0.95  # on the held-out digits, in inference mode
MIN_M_SHUFFLED = 10  # from this many examples on, a shuffle that leaves the order as it was is a bug


def _value(v):
    return v.value if isinstance(v, Scalar) else v


def _arg(args, kwargs, i: int, name: str, default):
    return _value(args[i]) if len(args) > i else _value(kwargs.get(name, default))


def _short(values: list) -> str:
    return str(values) if len(values) <= 12 else f"[{', '.join(map(str, values[:10]))}, ... ({len(values)} in all)]"


# --- random_mini_batches -------------------------------------------------------------------

def _pairs(output, m: int, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(X_batch, Y_batch)`` pairs of ``output``, or a Mismatch saying what it is instead."""
    count = -(-m // size)
    if isinstance(output, Opaque) and "items" in output.type_name:
        raise Mismatch(f"random_mini_batches returned {output.type_name}, but with m = {m} examples and "
                       f"mini_batch_size = {size} there should be {count} mini-batches "
                       "(batches of the wrong size: is mini_batch_size used?).",
                       mistake="random_mini_batches.mini_batch_size_ignored")
    if not isinstance(output, (list, tuple)):
        raise Mismatch(f"random_mini_batches should return a list of (X_batch, Y_batch) pairs; it returned "
                       f"{describe(output)}.")
    if (len(output) == 2 and all(isinstance(o, (list, tuple)) for o in output)
            and all(len(o) != 2 or not all(isinstance(a, np.ndarray) for a in o) for o in output)):
        raise Mismatch("random_mini_batches returned two lists (the X batches and the Y batches); return one list "
                       "of pairs instead: mini_batches.append((X_batch, Y_batch)).",
                       mistake="random_mini_batches.two_lists")
    pairs = []
    for i, item in enumerate(output):
        if isinstance(item, np.ndarray):
            raise Mismatch(f"item {i} of the list is an array, not a pair: each mini-batch is a pair "
                           "(X_batch, Y_batch), e.g. mini_batches.append((X_batch, Y_batch)).",
                           mistake="random_mini_batches.not_pairs")
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise Mismatch(f"item {i} of the list is {describe(item)}; each mini-batch should be a pair "
                           "(X_batch, Y_batch).")
        if not all(isinstance(a, np.ndarray) for a in item):
            raise Mismatch(f"mini-batch {i} holds {describe(item[0])} and {describe(item[1])}; X_batch and Y_batch "
                           "should be NumPy arrays.")
        pairs.append((item[0], item[1]))
    if not pairs:
        raise Mismatch(f"random_mini_batches returned an empty list; with m = {m} examples there should be "
                       f"{count} mini-batch(es).")
    return pairs


def _check_shapes(pairs, X: np.ndarray, Y: np.ndarray) -> None:
    (n_x, m), n_y = X.shape, Y.shape[0]
    for i, (Xb, Yb) in enumerate(pairs):
        for label, B, A, n in (("X_batch", Xb, X, n_x), ("Y_batch", Yb, Y, n_y)):
            if B.ndim != 2:
                raise Mismatch(f"{label} of mini-batch {i} has shape {B.shape}; it should be 2-D, ({n}, k): keep the "
                               f"rows and slice the columns, e.g. {label[0]}_shuffled[:, start:end].")
            if B.shape[0] != n:
                if B.shape[1] == n:
                    slug = "examples_as_rows"
                    why = ("it holds examples as rows: examples are the columns, so shuffle with "
                           f"{label[0]}[:, permutation] and slice columns.")
                elif B.shape[0] == m or B.shape[0] < n:
                    slug = "rows_shuffled"
                    why = ("the permutation was applied to the rows (features) instead of the columns "
                           f"(examples): use {label[0]}[:, permutation], not {label[0]}[permutation].")
                else:
                    slug = "rows_split"
                    why = "every mini-batch keeps all the rows of the input; only the columns are split."
                raise Mismatch(f"{label} of mini-batch {i} has shape {B.shape} but should have {n} rows: {why}",
                               mistake=f"random_mini_batches.{slug}")
            if B.dtype != A.dtype:
                raise Mismatch(f"{label} of mini-batch {i} has dtype {B.dtype} but the input has dtype {A.dtype}: "
                               "shuffling and slicing should not change the values.")
        if Xb.shape[1] != Yb.shape[1]:
            raise Mismatch(f"mini-batch {i} has {Xb.shape[1]} examples in X_batch but {Yb.shape[1]} in Y_batch: "
                           "the (x, y) pairs are broken. Slice X and Y with the same columns.",
                           mistake="random_mini_batches.pairs_broken")


def _check_sizes(sizes: list[int], m: int, size: int) -> None:
    full, rest = divmod(m, size)
    want = [size] * full + ([rest] if rest else [])
    if sizes == want:
        return
    where = f"With m = {m} examples and mini_batch_size = {size}, the sizes should be {_short(want)}"
    if rest and sizes == [size] * full:
        raise Mismatch(f"the last mini-batch is missing: the {rest} examples left after the {full} full "
                       f"mini-batch(es) were dropped. {where}: keep the last, smaller mini-batch.",
                       mistake="random_mini_batches.last_batch_dropped")
    if 0 in sizes:
        raise Mismatch(f"mini-batch {sizes.index(0)} is empty (sizes {_short(sizes)}). {where}. "
                       "When m is a multiple of mini_batch_size there is no smaller last mini-batch.",
                       mistake="random_mini_batches.empty_batch")
    if len(sizes) == len(want) and sizes[:-1] == want[:-1]:
        raise Mismatch(f"the last mini-batch has {sizes[-1]} examples, but it should hold the {want[-1]} "
                       f"remaining ones. {where}.")
    if len(set(sizes[:-1] or sizes)) == 1 and sizes[0] != size:
        raise Mismatch(f"the mini-batches have {sizes[0]} examples each instead of mini_batch_size = {size}: "
                       f"batches of the wrong size (is the mini_batch_size argument used?). {where}.",
                       mistake="random_mini_batches.mini_batch_size_ignored")
    if sum(sizes) > m:
        raise Mismatch(f"the mini-batches hold {sum(sizes)} examples in all, but X has only m = {m}: some examples "
                       f"are repeated (sizes {_short(sizes)}). Split one permutation of the columns: each example "
                       "goes into exactly one mini-batch.", mistake="random_mini_batches.examples_repeated")
    raise Mismatch(f"batches of the wrong size: the mini-batches have {_short(sizes)} examples. {where}: "
                   "every mini-batch has mini_batch_size columns except the last, which holds the rest.")


def _column_index(X: np.ndarray, Xc: np.ndarray) -> list[int]:
    """For each column of Xc, the index of the equal column of X (-1 when there is none)."""
    lookup = {}
    for j in range(X.shape[1]):
        lookup.setdefault(np.ascontiguousarray(X[:, j]).tobytes(), j)
    idx = [lookup.get(np.ascontiguousarray(Xc[:, j]).tobytes(), -1) for j in range(Xc.shape[1])]
    for k, j in enumerate(idx):  # tolerate rounding (e.g. a copy through another dtype and back)
        if j < 0:
            close = np.flatnonzero(np.all(np.isclose(X, Xc[:, k:k + 1], rtol=1e-9, atol=1e-12), axis=0))
            idx[k] = int(close[0]) if close.size else -1
    return idx


def _same_multiset(A: np.ndarray, B: np.ndarray, axis: int) -> bool:
    if A.shape != B.shape:
        return False
    rows_a = sorted(np.ascontiguousarray(np.moveaxis(A, axis, 0)[i]).tobytes() for i in range(A.shape[axis]))
    rows_b = sorted(np.ascontiguousarray(np.moveaxis(B, axis, 0)[i]).tobytes() for i in range(B.shape[axis]))
    return rows_a == rows_b


def judge_mini_batches(spec, args, kwargs, output, expected) -> float:
    """Properties of one call: a shuffled partition of the columns, pairs kept, sizes right."""
    X, Y = args[0], args[1]
    size = int(_arg(args, kwargs, 2, "mini_batch_size", 64))
    m = X.shape[1]
    pairs = _pairs(output, m, size)
    _check_shapes(pairs, X, Y)
    sizes = [int(Xb.shape[1]) for Xb, _ in pairs]
    n_x = X.shape[0]
    if sum(sizes) == n_x != m and len(set(_column_index(X, np.concatenate([b for b, _ in pairs], axis=1)))) == n_x:
        raise Mismatch(f"the mini-batches hold {n_x} examples in all, X.shape[0], but X has m = {m} examples: m was "
                       "taken from the wrong axis. Examples are the columns: m = X.shape[1].",
                       mistake="random_mini_batches.m_wrong_axis")
    _check_sizes(sizes, m, size)
    Xc = np.concatenate([Xb for Xb, _ in pairs], axis=1)
    Yc = np.concatenate([Yb for _, Yb in pairs], axis=1)
    idx = _column_index(X, Xc)
    if -1 in idx:
        if not np.array_equal(Xc, X) and _same_multiset(Xc, X, axis=0):
            raise Mismatch("the rows (features) of X were shuffled instead of its columns (examples): "
                           "shuffle the columns, X[:, permutation], so that every example keeps its features.",
                           mistake="random_mini_batches.rows_shuffled")
        raise Mismatch(f"mini-batch {next(i for i, s in enumerate(np.cumsum(sizes)) if s > idx.index(-1))} holds a "
                       "column that is not a column of X: the mini-batches must hold the examples of X, unchanged.")
    if len(set(idx)) < m:
        raise Mismatch("some examples appear in several mini-batches and others in none: the columns were drawn "
                       "with replacement. Use one permutation of the m columns (np.random.permutation(m) or "
                       "rng.permutation(m)) so that each example is used exactly once per epoch.",
                       mistake="random_mini_batches.with_replacement")
    if not np.array_equal(Yc, Y[:, idx]):
        if np.array_equal(Yc, Y):
            raise Mismatch("Y was not shuffled along with X: the (x, y) pairs are broken, each image now has "
                           "another image's label. Index X and Y with the same permutation.",
                           mistake="random_mini_batches.y_not_shuffled")
        if _same_multiset(Yc, Y, axis=1):
            raise Mismatch("X and Y were shuffled with different permutations, so the (x, y) pairs are broken. "
                           "Draw ONE permutation and index both: X[:, permutation] and Y[:, permutation].",
                           mistake="random_mini_batches.two_permutations")
        raise Mismatch("the columns of Y_batch do not belong to the columns of X_batch: the (x, y) pairs are broken. "
                       "Index X and Y with the same permutation of the columns.",
                       mistake="random_mini_batches.pairs_broken")
    if m >= MIN_M_SHUFFLED and idx == list(range(m)):
        raise Mismatch("the examples were not shuffled: the mini-batches take the columns in their original order. "
                       "Shuffle first with a permutation drawn from a generator seeded with seed, then partition.",
                       mistake="random_mini_batches.not_shuffled")
    return 0.0


def judge_seeds(spec, cases, records) -> Mismatch | None:
    """Across calls with the same X, Y and mini_batch_size: the same seed gives the same
    mini-batches, and another seed other ones."""
    calls = []
    for case, record in zip(cases, records):
        X, Y = case.args[0], case.args[1]
        key = (X.shape, X.tobytes(), Y.shape, Y.tobytes(), int(_arg(case.args, case.kwargs, 2, "mini_batch_size", 64)))
        calls.append((key, int(_arg(case.args, case.kwargs, 3, "seed", 0)), X.shape[1], record.get("output")))
    for i, (key_i, seed_i, _, out_i) in enumerate(calls):
        for key_j, seed_j, _, out_j in calls[i + 1:]:
            if key_i == key_j and seed_i == seed_j and not equal_plain(out_i, out_j):
                return Mismatch(f"two calls with the same arguments (seed={seed_i}) returned different mini-batches: the seed "
                        "is ignored, so a training run cannot be reproduced. Seed the shuffle with the seed argument, "
                        "e.g. rng = np.random.default_rng(seed); permutation = rng.permutation(m) "
                        "(or np.random.seed(seed) before np.random.permutation(m)).",
                                mistake="random_mini_batches.seed_ignored")
    for i, (key_i, seed_i, m, out_i) in enumerate(calls):
        for key_j, seed_j, _, out_j in calls[i + 1:]:
            if key_i == key_j and seed_i != seed_j and m >= MIN_M_SHUFFLED and equal_plain(out_i, out_j):
                return Mismatch(f"seed={seed_i} and seed={seed_j} gave the same mini-batches: the seed argument is ignored "
                        "(a fixed seed written in the code?). Seed the generator with the seed passed in.",
                                mistake="random_mini_batches.seed_ignored")
    return None


# --- train_softmax_classifier --------------------------------------------------------------

@lru_cache(maxsize=1)
def _digits():
    from course.digits import load_digits

    return load_digits()


def held_out(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digits whose image is not a column of ``X``: data the trained model has never seen."""
    X_all, y_all = _digits()
    seen = {np.ascontiguousarray(X[:, j]).tobytes() for j in range(X.shape[1])}
    keep = np.array([np.ascontiguousarray(X_all[:, j]).tobytes() not in seen for j in range(X_all.shape[1])])
    if not keep.any():
        raise RuntimeError("the training probe holds every digit: no held-out examples are left to judge it")
    return X_all[:, keep], y_all[keep]


def _model_accuracy(X, y, params, running=None) -> float:
    """``course.network.accuracy``, quiet about a diverged model's overflow (``running=None``:
    batch norm with the test set's own statistics, as training mode would)."""
    from course.network import accuracy

    with np.errstate(all="ignore"):
        return float(accuracy(X, y, params, running))


def _check_model(params, running, dims: list[int]) -> None:
    from course.network import init_params

    L = len(dims) - 1
    want = {k: v.shape for k, v in init_params(dims).items()}
    if not isinstance(params, dict):
        raise Mismatch(f"params should be the dict of parameters; it is {describe(params)}.")
    missing = [k for k in want if k not in params]
    if missing:
        hint = (" The hidden layers should have batch norm (gamma, beta) and no b: start from "
                "net.init_params(layer_dims, seed=seed)." if any(k.startswith(("gamma", "beta")) for k in missing) else "")
        raise Mismatch(f"params is missing {missing}; a network with layer_dims = {dims} has {list(want)}.{hint}")
    for k, shape in want.items():
        v = params[k]
        if not isinstance(v, np.ndarray) or v.shape != shape:
            raise Mismatch(f'params["{k}"] is {describe(v)} but should have shape {shape}.')
        if not np.all(np.isfinite(v)):
            raise Mismatch(f'params["{k}"] holds nan or inf: training diverged. Check the learning rate and the '
                           "update (params = net.update(params, grads, learning_rate)).",
                           mistake="train_softmax_classifier.diverged")
    if not isinstance(running, dict):
        raise Mismatch(f"running should be the dict of running averages (mu1, sigma2_1...); it is {describe(running)}.")
    for l in range(1, L):
        for k in (f"mu{l}", f"sigma2{l}"):
            v = running.get(k)
            if not isinstance(v, np.ndarray) or v.shape != (dims[l], 1):
                raise Mismatch(f'running["{k}"] is {describe(v) if k in running else "missing"} but should be an array '
                               f"of shape ({dims[l]}, 1).")
            if not np.all(np.isfinite(v)):
                raise Mismatch(f'running["{k}"] holds nan or inf: training diverged.',
                               mistake="train_softmax_classifier.diverged")
    frozen = [name for name, start in (("gamma", 1.0), ("beta", 0.0))
              if L > 1 and all(np.all(params[f"{name}{l}"] == start) for l in range(1, L))]
    if frozen:
        what = " and ".join(frozen) + (" were" if len(frozen) == 2 else " was")
        still = " and ".join({"gamma": "ones", "beta": "zeros"}[f] for f in frozen)
        raise Mismatch(f"{what} never updated: still {still}, as initialized. The update must change every "
                       "parameter, W, gamma and beta (params = net.update(params, grads, learning_rate) does).",
                       mistake="train_softmax_classifier.gamma_beta_frozen")
    if all(np.all(running[f"mu{l}"] == 0.0) and np.all(running[f"sigma2{l}"] == 1.0) for l in range(1, L)):
        raise Mismatch("the running averages were never updated: they are still zeros and ones, so inference "
                       "normalizes with the wrong statistics. After each mini-batch, "
                       "running = net.update_running(running, batch_stats).",
                       mistake="train_softmax_classifier.running_not_updated")


def judge_training(spec, args, kwargs, output, expected) -> float:
    """The returned model classifies at least TARGET_ACCURACY of the held-out digits."""
    dims = [int(_value(d)) for d in _arg(args, kwargs, 2, "layer_dims", None)]
    if isinstance(output, dict):
        raise Mismatch("train_softmax_classifier returned one dict; return (params, running): inference needs the "
                       "running averages of the batch-norm statistics as well as the parameters.",
                       mistake="train_softmax_classifier.running_not_returned")
    if not isinstance(output, (tuple, list)) or len(output) != 2:
        raise Mismatch(f"train_softmax_classifier should return (params, running); it returned {describe(output)}.")
    params, running = output
    _check_model(params, running, dims)
    X_test, y_test = held_out(args[0])
    acc = _model_accuracy(X_test, y_test, params, running)
    if acc >= TARGET_ACCURACY:
        return 0.0
    text = (f"the trained model classifies {acc:.1%} of the {y_test.size} held-out digits correctly (inference "
            f"mode, with the running averages); it should reach at least {TARGET_ACCURACY:.0%}")
    try:
        ref = _model_accuracy(X_test, y_test, *expected)
        text += f" (the reference reaches {ref:.1%} with the same arguments)."
    except Exception:  # noqa: BLE001 - the hint is optional
        text += "."
    batch, mistake = _model_accuracy(X_test, y_test, params), None
    if batch >= TARGET_ACCURACY:
        text += (f" With the test set's own batch statistics it reaches {batch:.1%}, so the weights are fine but the "
                 "running averages are wrong: update them after every mini-batch with "
                 "net.update_running(running, batch_stats), from the batch_stats of the forward pass.")
        mistake = "train_softmax_classifier.running_averages_wrong"
    else:
        text += (" Check that every mini-batch of every epoch runs forward (mode=\"train\"), softmax_cross_entropy, "
                 "backward and update, that you keep what update returns (params = net.update(...)), and that "
                 "learning_rate, epochs and mini_batch_size are the arguments passed in.")
    raise Mismatch(text, mistake=mistake)


def _seed_of(call: dict) -> int | None:
    value = call.get("3", call.get("=seed", 0.0))
    return int(value) if isinstance(value, float) and float(value).is_integer() else None


def judge_epoch_seeds(spec, cases, records) -> str | None:
    """The protocol the notebook states: epoch ``e`` shuffles with ``random_mini_batches(...,
    seed=seed + e)``, from the calls ``train_softmax_classifier`` made (the spec ``watches`` them)."""
    from ..runner import watched_calls

    for case, record in zip(cases, records):
        calls = watched_calls(record, "random_mini_batches")
        if calls is None:
            continue
        seed = int(_arg(case.args, case.kwargs, 6, "seed", 0))
        epochs = int(_arg(case.args, case.kwargs, 4, "epochs", 20))
        want = [seed + e for e in range(epochs)]
        got = [_seed_of(c) for c in calls]
        if got == want:
            continue
        where = f"On {case.name}: "
        if not calls:
            return (where + "train_softmax_classifier never called random_mini_batches. Shuffle each epoch with it: "
                    "for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch).")
        if len(got) != epochs:
            return (where + f"random_mini_batches was called {len(got)} times for {epochs} epochs: call it once at the "
                    "start of every epoch, with seed=seed + epoch.")
        if None in got:
            return (where + "random_mini_batches was called without an integer seed: pass seed=seed + epoch.")
        if len(set(got)) == 1:
            return (where + f"every epoch called random_mini_batches with the same seed ({got[0]}), so every epoch "
                    "sees the same mini-batches in the same order. The notebook asks for seed + epoch: "
                    "random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch).")
        if got == list(range(epochs)) or all(g - e == got[0] for e, g in enumerate(got)):
            return (where + f"the seeds of the epochs were {_short(got)} but with seed={seed} they should be "
                    f"{_short(want)}: the seed argument is ignored. Use seed + epoch.")
        return (where + f"the seeds of the epochs were {_short(got)}; the notebook asks for seed + epoch, "
                f"{_short(want)}.")
    return None


FUNCTIONS = [
    FunctionSpec("random_mini_batches", NOTEBOOK, ("X", "Y", "mini_batch_size", "seed"), ("mini_batches",),
                 "random_mini_batches(X, Y, mini_batch_size=64, seed=0) -> list of (X_batch, Y_batch)",
                 judge=judge_mini_batches, judge_together=judge_seeds),
    FunctionSpec("train_softmax_classifier", NOTEBOOK,
                 ("X", "Y", "layer_dims", "learning_rate", "epochs", "mini_batch_size", "seed"), ("params", "running"),
                 "train_softmax_classifier(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, "
                 "seed=0) -> (params, running)",
                 float_outputs=False, depends_on=("random_mini_batches",), judge=judge_training, uses_course=True,
                 judge_together=judge_epoch_seeds, watches=("random_mini_batches",)),
]
