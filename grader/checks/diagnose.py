"""Diagnoses beyond the catalogue: the *relation* between what came back and the answer.

The catalogue of known mistakes (grader/suites) names a mistake when a learner's output equals
the output of a catalogued wrong implementation. Real mistakes are variants and combinations, so
when no catalogued output matches, the judge asks how the learner's output relates to the right
one, and what an exception means in the course's terms. Each relation has a stable id
``<function>.<relation>`` (e.g. ``softmax.unstable``, ``cross_entropy_cost.factor_m``), for class
reports.

Relations on one output (``relation``), tried in this order:

- non-finite values where the answer is finite: on large-magnitude inputs, numerically unstable
  (with the stable form); on a constant unit, a division by a zero variance (epsilon);
- the answer times a constant: m, 1/m, m/(m-1), C, 2, 1/2, -1, 10, 1/ln 10...; per row (unit)
  or per column (example), and factors equal to an input (gamma applied twice...);
- the answer times an expression of an input entry by entry (``Y_hat * (1 - Y_hat)``...);
- the answer plus a constant, or plus/minus an input (beta);
- normalized along the wrong axis (rows sum to 1 instead of columns) or over the whole array;
- transposed, or the right numbers in the wrong places (a reshape for a transpose);
- right on some columns, rows or the diagonal and wrong on the others.

Relations across the probes of one function (``across_probes``): an argument that is ignored
(wrong only where ``epsilon``, ``learning_rate``... differ from the other probes), wrong only
on large inputs, only on soft labels, only for one example (m = 1); a stated invariance
(softmax(z + c) = softmax(z)...) that fails.

Exceptions (``explain_exception``): broadcast errors (keepdims), arrays where a number is
expected, ``axis=1`` on a 1-D array, a missing cache key, ``math`` functions on arrays...

Everything here works on plain values, in the trusted process; it holds no solution.
"""
from __future__ import annotations

import math
import re

import numpy as np

# --- helpers ---------------------------------------------------------------------------------


def fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers printed with just enough significant digits to show that they differ."""
    for digits in (6, 8, 10, 12, 14, 17):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(float(a)), repr(float(b))


def _arrays(values) -> list[tuple[str, np.ndarray]]:
    return [(n, v) for n, v in values if isinstance(v, np.ndarray) and v.dtype.kind in "fiub" and v.size]


def _named_inputs(spec, args, kwargs) -> list[tuple[str, object]]:
    names = list(spec.args)
    out = [(names[i] if i < len(names) else f"argument {i + 1}", a) for i, a in enumerate(args)]
    out += list(kwargs.items())
    # dict inputs (a cache, params): their arrays count as inputs too, named cache["gamma"]...
    for name, value in list(out):
        if isinstance(value, dict):
            out += [(f'{name}["{k}"]', v) for k, v in value.items() if isinstance(v, np.ndarray)]
    return out


def _m_n(args) -> tuple[int | None, int | None]:
    """(m, n): the number of examples (columns) and of units/classes (rows) of the first 2-D input."""
    for a in args:
        if isinstance(a, np.ndarray) and a.ndim == 2 and a.dtype.kind in "fiu":
            return a.shape[1], a.shape[0]
    for a in args:
        if isinstance(a, dict):
            for v in a.values():
                if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[1] > 1:
                    return v.shape[1], v.shape[0]
    return None, None


def _close(a, b, rtol=1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1e-12, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(a.shape == b.shape and np.all(np.abs(a - b) <= rtol * scale + rtol * np.abs(b)))


def _fit_factor(g: np.ndarray, w: np.ndarray) -> float | None:
    """k with g == k * w (to 1e-6), or None."""
    ww = float(np.vdot(w, w))
    if ww == 0:
        return None
    k = float(np.vdot(w, g)) / ww
    return k if _close(g, k * w) else None


def _fit_axis_factors(g: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray | None:
    """Per-row (axis=1 sums over columns) or per-column factors k with g == k * w, or None."""
    ww = np.sum(w * w, axis=axis, keepdims=True)
    if np.any(ww == 0):
        return None
    k = np.sum(w * g, axis=axis, keepdims=True) / ww
    return k if _close(g, k * w) else None


def _factor_name(k: float, m: int | None, n: int | None, spec) -> tuple[str, str, str] | None:
    """``(slug, factor, why)`` for a recognized constant factor k, e.g. ("factor_m", "m = 4 (the number of
    examples)", "a sum where the mean belongs, or the 1/m missing")."""
    cands: list[tuple[float, str, str]] = []
    if m and n and m != n and m > 1 and n > 1:
        cands += [(m / n, "factor_m_over_n", f"m/{n} = {m}/{n}: divided by the number of rows ({n}, units or classes) "
                                            f"where the number of examples m = {m} belongs"),
                  (n / m, "factor_n_over_m", f"{n}/m = {n}/{m}: divided by the number of examples m = {m} where the "
                                            f"number of rows ({n}) belongs, or summed over the wrong axis")]
    statistics = any(w in spec.name for w in ("batchnorm", "mean_variance", "running", "normalize", "pytorch"))
    if m and m > 1 and not statistics:
        cands += [(m, "factor_m", f"m = {m} (the number of examples): a sum where the mean belongs, or the 1/m "
                                  "missing"),
                  (1 / m, "factor_inv_m", f"1/m = 1/{m}: divided by m (the number of examples) once too often")]
    if m and m > 1 and statistics:
        cands += [(m, "factor_m", f"m = {m} (the number of examples): a sum where the mean belongs, or the 1/m "
                                  "missing"),
                  (1 / m, "factor_inv_m", f"1/m = 1/{m}: divided by m (the number of examples) once too often"),
                  (m / (m - 1), "factor_m_over_m1", f"m/(m-1) = {m}/{m - 1}: the unbiased variance (divide by m-1) "
                                                    "where the course uses the biased one (divide by m)"),
                  ((m - 1) / m, "factor_m1_over_m", f"(m-1)/m = {m - 1}/{m}: divided by m where m-1 belongs, or "
                                                    "the other way round"),
                  (math.sqrt(m / (m - 1)), "factor_sqrt_m_over_m1", f"sqrt(m/(m-1)) = sqrt({m}/{m - 1}): the "
                   "unbiased standard deviation (ddof=1) where the course uses the biased one"),
                  (math.sqrt((m - 1) / m), "factor_sqrt_m1_over_m", f"sqrt((m-1)/m) = sqrt({m - 1}/{m}): the "
                   "unbiased standard deviation (ddof=1) where the course uses the biased one")]
    if n and n > 1 and n != m:
        cands += [(n, "factor_n", f"{n}, the number of rows (units or classes C): summed over the wrong axis, "
                                  "or divided by it once too few"),
                  (1 / n, "factor_inv_n", f"1/{n}, one over the number of rows (units or classes C): a mean over "
                                          "the wrong axis")]
    cands += [(-1.0, "sign", "-1: the sign is flipped (a gradient of the wrong sign, or a missing minus)"),
              (2.0, "factor_2", "2: counted twice (a factor of 2 too many)"),
              (0.5, "factor_half", "1/2: a factor of 1/2 too many (a derivative of x^2/2 where x^2 was meant?)"),
              (10.0, "factor_10", "10: e.g. a bias correction 1/(1 - 0.9) that the course does not use"),
              (0.1, "factor_tenth", "1/10: e.g. a momentum of 0.9 applied to the wrong term"),
              (1 / math.log(10), "log10", "1/ln(10): np.log10 where the natural logarithm np.log belongs"),
              (1 / math.log(2), "log2", "1/ln(2): np.log2 where the natural logarithm np.log belongs"),
              (-1 / math.log(10), "log10_sign", "-1/ln(10): np.log10 instead of np.log, and the sign flipped"),
              (-1 / math.log(2), "log2_sign", "-1/ln(2): np.log2 instead of np.log, and the sign flipped")]
    if m and m > 1:
        cands += [(-m, "factor_minus_m", f"-m = -{m}: the sign flipped and a sum where the mean belongs"),
                  (-1 / m, "factor_minus_inv_m", f"-1/m: the sign flipped and divided by m once too often")]
    for value, slug, words in cands:
        if abs(k - value) <= 1e-6 * max(1.0, abs(value)):
            factor, why = words.split(": ", 1)
            return slug, factor, why
    return None


# --- relations on one output -----------------------------------------------------------------

def relation(spec, label: str, got, want, args, kwargs) -> tuple[str, str] | None:
    """``(message, id)`` saying how ``got`` relates to ``want`` (the right output), or None."""
    fn = spec.name
    if isinstance(want, np.ndarray) and isinstance(got, np.ndarray) and got.shape == want.shape \
            and got.dtype.kind in "fiub" and want.dtype.kind in "fiub" and want.size:
        found = _array_relation(spec, label, got.astype(float), want.astype(float), args, kwargs)
    elif isinstance(want, np.ndarray) and isinstance(got, np.ndarray) and want.size and got.size == want.size \
            and got.dtype.kind in "fiub" and got.shape != want.shape:
        found = _shape_relation(label, got.astype(float), want.astype(float))
    elif _is_number(want) and _is_number(got):
        found = _scalar_relation(spec, label, float(_value(got)), float(_value(want)), args)
    else:
        found = None
    return (found[0], f"{fn}.{found[1]}") if found else None


def _is_number(v) -> bool:
    from .wire import Scalar
    if isinstance(v, Scalar):
        return isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
    return isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "fiu"


def _value(v):
    from .wire import Scalar
    return v.value if isinstance(v, Scalar) else v.reshape(-1)[0]


def _scalar_relation(spec, label, g: float, w: float, args) -> tuple[str, str] | None:
    if not math.isfinite(g) and math.isfinite(w):
        big = max((float(np.max(np.abs(a))) for _, a in _arrays(enumerate(args))), default=0.0)
        if any(isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size and (a == 0).any() for a in args):
            return (f"{label} is {g} where the answer is {w:.6g}: a log(0) or a division by 0 on an input that "
                    "holds exact zeros (0 * log(0) is nan; count only the terms where the label is nonzero, "
                    "e.g. with np.where, or clip).", "log_zero")
        if big > 50:
            return unstable_words(spec, label, g, w)
        return None
    if w == 0 or not math.isfinite(g):
        return None
    m, n = _m_n(args)
    named = _factor_name(g / w, m, n, spec)
    if named:
        a, b = fmt_pair(g, w)
        slug, factor, why = named
        return f"{label} is {a}, exactly {factor} times the answer {b}: {why}.", slug
    return None


def unstable_words(spec, label, g, w) -> tuple[str, str]:
    what = ("softmax(z) = softmax(z - max(z)): subtract each column's max (axis=0, keepdims=True) before np.exp"
            if "softmax" in spec.name or "jacobian" in spec.name else
            "subtract the largest value before np.exp, or use the log-sum-exp trick")
    return (f"{label} is not finite ({g}) on large inputs where the answer is {w if np.isscalar(w) else 'finite'}: "
            f"numerically unstable, np.exp overflows for inputs of a few hundred. The stable form: {what}.",
            "unstable")


def _array_relation(spec, label, g: np.ndarray, w: np.ndarray, args, kwargs):
    inputs = _named_inputs(spec, args, kwargs)
    m, n = _m_n(args)
    finite_w = np.isfinite(w)
    bad = ~np.isfinite(g) & finite_w
    if bad.any():
        big = max((float(np.max(np.abs(a[np.isfinite(a)]))) if np.isfinite(a).any() else 0.0
                   for _, a in _arrays(inputs)), default=0.0)
        if big > 50:
            return unstable_words(spec, label, "inf or nan", w)
        for name, a in _arrays(inputs):
            if a.ndim == 2 and a.shape[1] > 1 and np.any(np.ptp(a, axis=1) == 0) and a.shape == w.shape:
                return (f"{label} has nan or inf where the answer is finite, on a unit whose values are all equal "
                        f"(variance 0) in {name}: a division by sqrt(variance) without epsilon. epsilon goes inside "
                        "the square root: sqrt(sigma2 + epsilon).", "zero_variance")
        return None
    if not finite_w.all():
        return None
    if np.allclose(g, 0) and not np.allclose(w, 0):
        return (f"{label} is all zeros where the answer is not: is the result computed but not stored or returned "
                "(e.g. a new array filled in a loop that never runs, or integer arrays that truncate)?", "zeros")
    k = _fit_factor(g, w) if g.size >= 2 else None
    if k is not None:
        named = _factor_name(k, m, n, spec)
        if named:
            slug, factor, why = named
            return f"{label} is exactly {factor} times the answer: {why}.", slug
        return (f"{label} is the answer times {k:.6g}, the same factor everywhere: a constant factor is wrong "
                "(the shape of the result is right).", "factor")
    if g.ndim == 2 and g.shape[0] > 1 and g.shape[1] > 1:
        found = _axis_factor(label, g, w, inputs, axis=1, what="row (unit or class)")
        if found:
            return found
    if g.ndim == 2 and g.shape[1] > 1 and g.shape[0] > 1:
        found = _axis_factor(label, g, w, inputs, axis=0, what="column (example)")
        if found:
            return found
    found = _entrywise(label, g, w, inputs) or _function_of_answer(label, g, w, spec, inputs) \
        or _linear_update(label, g, w, dict(inputs), spec)
    if found:
        return found
    check = INVARIANTS.get(spec.name)
    found = check(label, g, w, dict(inputs)) if check else None
    if found:
        return found
    found = _row_affine(label, g, w, inputs, spec)
    if found:
        return found
    found = _offset(label, g, w, inputs)
    if found:
        return found
    found = _normalization(label, g, w)
    if found:
        return found
    found = _placement(label, g, w)
    if found:
        return found
    return _partial(label, g, w)


def _axis_factor(label, g, w, inputs, axis, what):
    k = _fit_axis_factors(g, w, axis)
    if k is None:
        return None
    flat = k.reshape(-1)
    for name, a in _arrays(inputs):
        if a.size == flat.size and a.size > 1:
            av = a.reshape(-1).astype(float)
            if _close(flat, av):
                return (f"{label} is the answer multiplied by {name}, {what} by {what}: {name} is applied once too "
                        "often (or where it does not belong).", f"times_{_slug(name)}")
            if np.all(av != 0) and _close(flat, 1 / av):
                return (f"{label} is the answer divided by {name}, {what} by {what}: {name} is missing (or divides "
                        "where it should multiply).", f"without_{_slug(name)}")
            if np.all(av >= 0) and _close(flat, np.sqrt(av)):
                return (f"{label} is the answer multiplied by sqrt({name}), {what} by {what}.", f"times_sqrt_{_slug(name)}")
            if np.all(av > 0) and _close(flat, 1 / np.sqrt(av)):
                return (f"{label} is the answer divided by sqrt({name}), {what} by {what}.", f"over_sqrt_{_slug(name)}")
    zero = np.isclose(flat, 0, atol=1e-9)
    if zero.any() and np.allclose(flat[~zero], 1):
        return (f"{label} is right in the {what.split()[0]}s {_idx(np.flatnonzero(~zero))} and all zeros in "
                f"{_idx(np.flatnonzero(zero))}: those were never filled in (one index for the whole array instead "
                f"of one per {what.split()[0]}, e.g. np.argmax without axis=0?).", f"zero_{what.split()[0]}s")
    shown = ", ".join(f"{x:.4g}" for x in flat[:6]) + (", ..." if flat.size > 6 else "")
    return (f"{label} is off by a different factor in each {what} ({shown}): every {what} is proportional to the "
            f"answer, so the formula is right up to a per-{what.split()[0]} scale (a statistic over the wrong axis, or "
            "a scale or epsilon applied in the wrong place?).", "row_factors" if axis == 1 else "column_factors")


_EXPRESSIONS = (("{a}", lambda a: a), ("1 - {a}", lambda a: 1 - a), ("{a} * (1 - {a})", lambda a: a * (1 - a)),
                ("1 / {a}", lambda a: 1 / a), ("{a}**2", lambda a: a * a))


_OF_ANSWER = (("the square root of the answer", "a standard deviation where the variance belongs (or a square "
                 "root too many)", "sqrt_of_answer", lambda w: np.sqrt(w)),
              ("the square of the answer", "a variance where the standard deviation belongs (or a square root "
               "missing)", "square_of_answer", lambda w: w * w),
              ("one over the answer", "a division turned upside down", "inverse_of_answer", lambda w: 1 / w))


def _function_of_answer(label, g, w, spec, inputs):
    eps = _epsilon(spec, dict(inputs)) or 0.0
    with np.errstate(all="ignore"):
        for words, why, slug, f in _OF_ANSWER:
            for shift in (0.0, eps):
                e = f(w + shift)
                if np.all(np.isfinite(e)) and _close(g, e) and not _close(g, w):
                    plus = f" (of the answer + epsilon)" if shift else ""
                    return f"{label} is {words}{plus}: {why}.", slug
    return None


def _linear_update(label, g, w, inputs, spec):
    """running = a * running + b * batch: name a and b when they are not momentum and 1 - momentum."""
    pairs = {"running_mu": ("running_mu", "mu"), "running_sigma2": ("running_sigma2", "sigma2")}
    if spec.name != "update_running_averages" or label not in pairs:
        return None
    R, B = (inputs.get(k) for k in pairs[label])
    mom = inputs.get("momentum")
    mom = float(getattr(mom, "value", mom)) if isinstance(getattr(mom, "value", mom), (int, float)) else 0.9
    if not (isinstance(R, np.ndarray) and isinstance(B, np.ndarray) and R.shape == B.shape == g.shape and g.size >= 2):
        return None
    A = np.stack([R.reshape(-1), B.reshape(-1)], axis=1).astype(float)
    (a, b), *_ = np.linalg.lstsq(A, g.reshape(-1), rcond=None)
    if not _close(g.reshape(-1), A @ np.array([a, b])):
        return None
    name_r, name_b = pairs[label]
    found = f"{label} = {a:.6g} * {name_r} + {b:.6g} * {name_b}, where it should be {mom:g} * {name_r} + {1 - mom:g} * {name_b}"
    if not np.isclose(a + b, 1):
        return (f"{found}: the two weights must sum to 1 (an average), and yours sum to {a + b:.6g}: a misplaced "
                "parenthesis, or an extra factor on one term.", "weights_not_summing_to_1")
    return (f"{found}: the weights are {a:.6g} and {b:.6g}; use the momentum argument ({mom:g}) on the old running "
            "value, never a number written in the code.", "wrong_momentum")


def _entrywise(label, g, w, inputs):
    nz = np.abs(w) > 1e-12 * max(1.0, float(np.max(np.abs(w))))
    if nz.sum() < 2:
        return None
    ratio = np.where(nz, g / np.where(nz, w, 1), 0)
    for name, a in _arrays(inputs):
        if a.shape != g.shape:
            continue
        af = a.astype(float)
        with np.errstate(all="ignore"):
            for expr, f in _EXPRESSIONS:
                e = f(af)
                if np.all(np.isfinite(e[nz])) and _close(ratio[nz], e[nz]) and not _close(e[nz], np.ones(nz.sum())):
                    words = expr.format(a=name)
                    hint = (" That is the sigmoid's derivative: with softmax and cross-entropy the chain rule gives "
                            "dZ = (Y_hat - Y) / m, no extra factor." if expr == "{a} * (1 - {a})" else "")
                    return (f"{label} is the answer multiplied entry by entry by {words}.{hint}",
                            f"times_{_slug(expr.format(a=name.split('[')[0]))}")
    return None


def _offset(label, g, w, inputs):
    d = g - w
    if _close(d, np.full_like(d, d.reshape(-1)[0]), rtol=1e-6) and abs(d.reshape(-1)[0]) > 0:
        c = d.reshape(-1)[0]
        return f"{label} is the answer plus {c:.6g} everywhere: a constant is added (or left out).", "offset"
    for name, a in _arrays(inputs):
        try:
            b = np.broadcast_to(a.astype(float), g.shape)
        except ValueError:
            continue
        if a.size > 1 and _close(d, b):
            return (f"{label} is the answer plus {name}: {name} is added once too often.", f"plus_{_slug(name)}")
        if a.size > 1 and _close(d, -b):
            return (f"{label} is the answer minus {name}: {name} is not added (or subtracted).", f"minus_{_slug(name)}")
    if g.ndim == 2 and g.shape[1] > 1 and _close(d, np.repeat(d[:, :1], g.shape[1], axis=1)):
        return (f"{label} is the answer plus a different constant in each row ({', '.join(f'{x:.4g}' for x in d[:4, 0])}"
                f"{', ...' if d.shape[0] > 4 else ''}): a per-unit shift (beta or a mean) is wrong.", "row_offsets")
    return None


def _normalization(label, g, w):
    if g.ndim != 2 or min(g.shape) < 2:
        return None
    col_w = np.allclose(w.sum(axis=0), 1)
    if not col_w:
        return None
    if np.allclose(g.sum(axis=1), 1):
        return (f"{label}'s rows sum to 1 instead of its columns: normalized along axis 1 (across examples). Each "
                "column is one example: sum over axis=0 (the classes), with keepdims=True.", "wrong_axis")
    if np.isclose(g.sum(), 1):
        return (f"{label} sums to 1 over the whole array instead of per column: np.sum without axis. Sum over "
                "axis=0 (the classes) with keepdims=True, one total per example.", "normalized_globally")
    return None


def _placement(label, g, w):
    if g.ndim == 2 and g.shape[0] == g.shape[1] and _close(g.T, w):
        return f"{label} is the transpose of the answer. Examples are the columns.", "transposed"
    if g.size > 2 and _close(np.sort(g, axis=None), np.sort(w, axis=None)):
        return (f"{label} holds the right numbers in the wrong places: rows or columns swapped, or a reshape where a "
                "transpose belongs (reshape keeps the order of the entries; .T swaps the axes).", "permuted")
    return None


def _shape_relation(label, g, w):
    if g.ndim == 2 and w.ndim == 2 and g.shape == w.shape[::-1] and _close(g.T, w):
        return f"{label} is the transpose of the answer. Examples are the columns.", "transposed"
    if _close(g.reshape(w.shape), w):
        return (f"{label} has the right numbers in shape {g.shape} instead of {w.shape}: a dropped keepdims, or a "
                "reshape/ravel that should not be there.", "reshaped")
    return None


def _partial(label, g, w):
    ok = np.isclose(g, w, rtol=1e-6, atol=1e-9 * max(1.0, float(np.max(np.abs(w)))))
    if ok.all() or not ok.any():
        return None
    if g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1:
        diag = np.eye(g.shape[0], dtype=bool)
        if ok[diag].all() and not ok[~diag].any():
            return (f"{label} is right on the diagonal and wrong off it: the off-diagonal entries (i != j) have a "
                    "formula of their own.", "only_diagonal")
        if ok[~diag].all() and not ok[diag].any():
            return (f"{label} is right off the diagonal and wrong on it: the diagonal entries (i == j) need the "
                    "extra term.", "only_off_diagonal")
    if g.ndim == 2:
        cols, rows = ok.all(axis=0), ok.all(axis=1)
        if cols.any() and not cols.all() and (ok == cols[None, :]).all():
            return (f"{label} is right for the examples (columns) {_idx(np.flatnonzero(cols))} and wrong for "
                    f"{_idx(np.flatnonzero(~cols))}: something differs between those examples (ties, a zero, their "
                    "position in the batch).", "some_columns")
        if rows.any() and not rows.all() and (ok == rows[:, None]).all():
            return (f"{label} is right for the rows (units or classes) {_idx(np.flatnonzero(rows))} and wrong for "
                    f"{_idx(np.flatnonzero(~rows))}.", "some_rows")
    return None


def _idx(ix) -> str:
    ix = [int(i) for i in ix]
    return ", ".join(map(str, ix[:6])) + (", ..." if len(ix) > 6 else "")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _row_stats(inputs) -> list[tuple[str, np.ndarray]]:
    """Per-row statistics of the 2-D inputs (a batch's own mean and spread), as candidates."""
    out = []
    for name, a in _arrays(inputs):
        if a.ndim == 2 and a.shape[1] > 1 and "[" not in name:
            a = a.astype(float)
            out += [(f"the std of {name} over the batch (axis=1)", a.std(axis=1)),
                    (f"the unbiased std of {name} (ddof=1)", a.std(axis=1, ddof=1)),
                    (f"the variance of {name} over the batch", a.var(axis=1))]
    return out


def _row_affine(label, g, w, inputs, spec):
    """Each row of g is a * (row of w) + b with its own a, b: name a (and b) when they match an input."""
    if g.ndim != 2 or g.shape[1] < 3:
        return None
    wc = w - w.mean(axis=1, keepdims=True)
    ss = np.sum(wc * wc, axis=1)
    if np.any(ss <= 1e-20 * max(1.0, float(np.max(np.abs(w))) ** 2)):
        return None
    a = np.sum(wc * (g - g.mean(axis=1, keepdims=True)), axis=1) / ss
    b = g.mean(axis=1) - a * w.mean(axis=1)
    if not _close(g, a[:, None] * w + b[:, None]):
        return None
    epsv = _epsilon(spec, dict(inputs))
    if epsv and np.all(np.abs(a - 1) < max(100 * epsv, 1e-9)) and np.any(np.abs(a - 1) > 1e-12):
        return (f"{label} differs from the answer by a per-unit scale within {float(np.max(np.abs(a - 1))):.2g} of 1, "
                f"the size of epsilon = {epsv:g}: epsilon is in the wrong place (or missing). It belongs inside the "
                "square root: (Z - mu) / sqrt(sigma2 + epsilon).", "epsilon_placement")
    if np.allclose(a, a[0], rtol=1e-6) and not np.isclose(a[0], 1):
        m, n = _m_n([x for _, x in _arrays(inputs)])
        named = _factor_name(float(a[0]), m, n, spec)
        if named:
            slug, factor, why = named
            return (f"Every unit (row) of {label} is the right one scaled by {factor} (and shifted by beta): {why}.",
                    f"scaled_{slug}")
    for name, v in [(n, x) for n, x in _arrays(inputs) if x.size == a.size] + _row_stats(inputs):
        v = v.reshape(-1).astype(float)
        with np.errstate(all="ignore"):
            for rel, vals, words in ((f"1/{name}", 1 / v, "is missing (not multiplied in) or divides"),
                                     (name, v, "is applied once too often, or in the wrong place"),
                                     (f"sqrt({name})", np.sqrt(np.abs(v)), "(its square root) is applied once too often"),
                                     (f"1/sqrt({name})", 1 / np.sqrt(np.abs(v)), "(its square root) is missing")):
                if np.all(np.isfinite(vals)) and _close(a, vals, rtol=1e-5) and not _close(vals, np.ones_like(vals)):
                    return (f"Each unit (row) of {label} is the right one scaled by {rel} (and shifted): {name} {words}.",
                            f"row_scale_{_slug(rel.replace(' over the batch (axis=1)', '').replace(' (ddof=1)', '_ddof1'))}")
    shown = ", ".join(f"{x:.4g}" for x in a[:4]) + (", ..." if a.size > 4 else "")
    return (f"Each unit (row) of {label} is the right one scaled and shifted by constants of its own (scales {shown}): "
            "the shape of every row is right, so a per-unit scale or shift is wrong: the statistic you divide by "
            "(variance or std, biased, epsilon inside the root), gamma, beta or the mean you subtract.", "row_affine")


def _epsilon(spec, inputs: dict) -> float | None:
    """The epsilon of this call: the argument (or the cache's), else the signature's default."""
    for key in ("epsilon", 'cache["epsilon"]'):
        v = inputs.get(key)
        v = getattr(v, "value", v)
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.reshape(-1)[0]
        if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
            return float(v)
    found = re.search(r"epsilon=([0-9.eE+-]+)", spec.signature)
    return float(found.group(1)) if found else None


def _bn_backward(label, g, w, inputs):
    """dZ of batch norm: each row sums to 0 and is orthogonal to Z_norm (the output does not change when a
    unit's inputs are shifted or scaled)."""
    if not label.startswith("dZ") or g.ndim != 2 or g.shape[1] < 2:
        return None
    zn = inputs.get('cache["Z_norm"]')
    scale = max(1e-12, float(np.max(np.abs(w))))
    sums = np.abs(g.sum(axis=1)) / g.shape[1]
    if np.any(sums > 1e-6 * scale):
        return (f"{label}'s rows do not sum to 0 (row means {_short(g.mean(axis=1))}): the mean path is missing or "
                "wrong. Shifting all of a unit's inputs by the same amount does not change batch norm's output, so "
                "dZ must sum to 0 over the batch: the term - mean(dZ_norm) is needed.", "mean_path")
    if isinstance(zn, np.ndarray) and zn.shape == g.shape:
        dots = np.abs(np.sum(g * zn, axis=1)) / g.shape[1]
        if np.any(dots > 1e-6 * scale):
            return (f"{label} is not orthogonal to Z_norm unit by unit (mean of dZ * Z_norm per row "
                    f"{_short(np.sum(g * zn, axis=1) / g.shape[1])}): the variance path is wrong (its factor, its "
                    "exponent -3/2, or a variance that is not the biased one). Scaling a unit's inputs does not "
                    "change batch norm's output, so dZ must satisfy sum(dZ * Z_norm, axis=1) = 0.", "variance_path")
    return None


def _bn_forward(label, g, w, inputs):
    """Z_tilde of batch norm: (Z_tilde - beta) / gamma has mean 0 and variance sigma2 / (sigma2 + epsilon) per row."""
    gamma, beta, Z = inputs.get("gamma"), inputs.get("beta"), inputs.get("Z")
    if label != "Z_tilde" or not all(isinstance(x, np.ndarray) for x in (gamma, beta, Z)) or g.shape != Z.shape:
        return None
    if g.shape[1] < 2 or np.any(gamma == 0):
        return None
    zn = (g - beta.reshape(-1, 1)) / gamma.reshape(-1, 1)
    if not np.allclose(zn.mean(axis=1), 0, atol=1e-6):
        return (f"{label}'s units are not centered: (Z_tilde - beta) / gamma should have mean 0 over the batch for "
                f"every unit, and has means {_short(zn.mean(axis=1))}. Subtract the batch mean mu (axis=1, "
                "keepdims=True) before dividing, then scale by gamma and add beta.", "not_centered")
    return None


def _softmax_like(label, g, w, inputs):
    if g.ndim == 2 and np.allclose(w.sum(axis=0), 1) and np.all(w >= 0):
        if np.any(g < -1e-12):
            return (f"{label} has negative entries: probabilities are never negative (np.exp is positive).",
                    "negative_probabilities")
        if not np.allclose(g.sum(axis=0), 1):
            return (f"{label}'s columns do not sum to 1 (sums {_short(g.sum(axis=0))}): each column is one example's "
                    "probabilities: divide np.exp(z) by its column's sum (axis=0, keepdims=True).", "not_normalized")
    return None


def _jacobian(label, g, w, inputs):
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        return None
    if not np.allclose(g, g.T, atol=1e-9):
        return (f"{label} is not symmetric: the softmax Jacobian is diag(s) - s s^T, and J[i, j] = -s_i s_j = J[j, i] "
                "off the diagonal. A z of shape (C, 1) must be flattened first (np.diag of a column extracts instead "
                "of building a matrix).", "not_symmetric")
    if not np.allclose(g.sum(axis=1), 0, atol=1e-9):
        return (f"{label}'s rows do not sum to 0 (sums {_short(g.sum(axis=1))}): the outputs of softmax always sum to "
                "1, so adding to z moves them in ways that cancel: J @ 1 = 0. Check the off-diagonal terms -s_i s_j.",
                "rows_not_zero")
    return None


def _ce_backward(label, g, w, inputs):
    Y = inputs.get("Y")
    if g.ndim == 2 and isinstance(Y, np.ndarray) and np.allclose(Y.sum(axis=0), 1) and np.allclose(w.sum(axis=0), 0):
        if not np.allclose(g.sum(axis=0), 0, atol=1e-9):
            return (f"{label}'s columns do not sum to 0 (sums {_short(g.sum(axis=0))}): with softmax outputs and labels "
                    "that each sum to 1, dZ = (Y_hat - Y) / m sums to 0 in every column.", "columns_not_zero")
    return None


def _short(v) -> str:
    v = np.asarray(v).reshape(-1)
    return ", ".join(f"{x:.3g}" for x in v[:4]) + (", ..." if v.size > 4 else "")


INVARIANTS = {"batchnorm_backward": _bn_backward, "batchnorm_forward": _bn_forward, "softmax": _softmax_like,
              "softmax_jacobian": _jacobian, "softmax_cross_entropy_backward": _ce_backward}


# --- relations across probes -----------------------------------------------------------------

def across_probes(spec, cases, records, verdicts) -> tuple[str, str] | None:
    """``(message, id)`` when the pattern of passing and failing probes names a cause, or None.

    Only probes that ran (status ok) and whose verdict is a plain pass or a value mismatch count."""
    ran = [(c, r, v) for c, r, v in zip(cases, records, verdicts) if r.get("status") == "ok"]
    passing = [(c, r) for c, r, v in ran if v.status == "pass"]
    failing = [(c, r) for c, r, v in ran if v.status != "pass"]
    if not passing or not failing:
        return None
    fn = spec.name
    # An argument that is ignored: the failing probes are exactly those where a number argument
    # takes another value than on every passing probe.
    for i, name, key in _number_args(spec, cases):
        fvals = {_number_arg(c, i, name, key) for c, _ in failing}
        pvals = {_number_arg(c, i, name, key) for c, _ in passing}
        if None in fvals or None in pvals or len(pvals) != 1:
            continue
        if not (fvals & pvals):
            (p,) = pvals
            shown = ", ".join(f"{v:g}" for v in sorted(fvals))
            return (f"{fn} is right when {name} = {p:g} and wrong when {name} = {shown}: the {name} that is passed "
                    f"in is ignored. Use it, never a number written in the code.", f"{fn}.ignores_{_slug(name)}")
    # Only where the labels are soft (not one-hot).
    if "Y" in spec.args:
        i = spec.args.index("Y")
        soft = [_is_soft(c.args[i]) if i < len(c.args) else None for c, _ in failing]
        hard = [_is_soft(c.args[i]) if i < len(c.args) else None for c, _ in passing]
        if all(s is True for s in soft) and all(h is False for h in hard):
            return (f"{fn} is right on one-hot labels and wrong on soft labels (columns of Y that are probability "
                    "vectors, not one-hot): the formula assumes exactly one 1 per column (e.g. it picks Y_hat at "
                    "the label, or uses argmax). Use Y itself, entry by entry.", f"{fn}.one_hot_only")
    # Only for one example.
    fm = {_m_n(c.args)[0] for c, _ in failing}
    pm = {_m_n(c.args)[0] for c, _ in passing}
    if fm == {1} and 1 not in pm:
        return (f"{fn} is right for batches of several examples and wrong for one example (m = 1): a squeeze, "
                "an np.sum without keepdims or a ddof that needs m > 1?", f"{fn}.m_equals_1")
    return None


def _number_args(spec, cases):
    """(position, shown name, dict key or None) of every number argument, and of the numbers inside a dict
    argument (cache["epsilon"])."""
    out = []
    for i, name in enumerate(spec.args):
        out.append((i, name, None))
        sample = next((c.args[i] if i < len(c.args) else c.kwargs.get(name) for c in cases), None)
        if isinstance(sample, dict):
            out += [(i, f'{name}["{k}"]', k) for k in sample]
    return out


def _number_arg(case, i, name, key=None):
    from .wire import Scalar
    v = case.args[i] if i < len(case.args) else case.kwargs.get(name.split("[")[0])
    if key is not None:
        v = v.get(key) if isinstance(v, dict) else None
    if isinstance(v, Scalar) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return float(v.value)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return None


def _is_soft(Y):
    if not isinstance(Y, np.ndarray) or Y.dtype.kind not in "fiu" or Y.ndim != 2:
        return None
    return not bool(np.all((Y == 0) | (Y == 1)))


# --- exceptions --------------------------------------------------------------------------------

_BROADCAST = re.compile(r"operands could not be broadcast together with shapes? (.*)")


def explain_exception(spec, err: dict) -> tuple[str, str] | None:
    """``(explanation, id)`` of an exception raised by the learner's function, in the course's terms."""
    etype, msg = err.get("type", ""), err.get("message", "")
    fn = spec.name
    if etype == "ValueError" and _BROADCAST.search(msg):
        return ("Two arrays whose shapes do not line up were combined. A per-unit statistic must stay a column of "
                "shape (n, 1) (keepdims=True) to broadcast over the m examples of an (n, m) array; a (n,) vector "
                "lines up with the columns instead, and gamma.T or a transposed array with the wrong axis.",
                f"{fn}.broadcast")
    if etype == "TypeError" and ("only 0-dimensional arrays" in msg or "only length-1 arrays" in msg
                                 or "only size-1 arrays" in msg):
        return ("A whole array was used where one number is expected: math.exp, math.sqrt, math.log and float() take "
                "a single number. Use np.exp, np.sqrt, np.log on arrays, and return a float with float(...) only "
                "for a single value.", f"{fn}.array_for_number")
    if etype in ("IndexError", "AxisError", "numpy.exceptions.AxisError") and (
            "too many indices" in msg or "out of bounds for array of dimension 1" in msg
            or ("axis" in msg and "dimension 1" in msg)):
        return ("An axis or index that the array does not have: axis=1 (or [:, i]) on a 1-D array. Check the "
                "array's shape: a vector of shape (m,) has only axis 0.", f"{fn}.axis_on_1d")
    if etype == "OverflowError":
        return ("A number too large for a float: math.exp overflows above about 709. Softmax(z) equals "
                "softmax(z - max(z)): subtract each column's max first, and use np.exp on whole arrays.",
                f"{fn}.unstable")
    if etype == "IndexError" and "out of bounds" in msg:
        return ("An index past the end of an axis: row and column indices swapped (Y[i, label] for Y[label, i]), "
                "an array built the wrong way round ((m, C) instead of (C, m)), or labels counted from 1.",
                f"{fn}.index_out_of_bounds")
    if etype == "KeyError":
        return (f"A dict key that is not there ({msg}). The cache and the params have fixed keys: use the keys "
                "that the function building them writes (its docstring lists them), not new names.",
                f"{fn}.missing_key")
    if etype == "NameError":
        if "on its own" in msg:  # the caller has explained the rule already: name it, add nothing
            return ("", f"{fn}.undefined_name")
        return ("A name that the answer cell does not define. The grader runs each answer cell on its own, with "
                "only the notebook's imports: define helpers inside the cell and import what you use there.",
                f"{fn}.undefined_name")
    if etype == "ValueError" and "truth value of an array" in msg:
        return ("An array was used where True or False is needed (`if array:`, `and`, `or`): compare numbers, "
                "or use np.all / np.any / np.where.", f"{fn}.array_truth")
    if etype == "ValueError" and ("matmul" in msg or "shapes" in msg and "not aligned" in msg):
        return ("A matrix product of shapes that do not fit: (n, k) @ (k, m). A weight matrix W[l] has shape "
                "(n[l], n[l-1]) and multiplies A[l-1] of shape (n[l-1], m); check for a missing or extra .T.",
                f"{fn}.matmul_shapes")
    if etype == "ZeroDivisionError":
        return ("A division by zero on Python numbers: a count or a variance that is 0 (m = 1, or a constant unit); "
                "epsilon belongs inside the square root.", f"{fn}.zero_division")
    if etype == "TypeError" and "NoneType" in msg:
        return ("None was used as a number or an array: a helper (or a line) that does not `return` its result?",
                f"{fn}.none_value")
    if etype == "RecursionError":
        return (f"{fn} calls itself without end: a name clash (a helper with the function's own name?).",
                f"{fn}.recursion")
    if etype == "UnboundLocalError":
        return ("A variable used before it was assigned in this function (assigned only inside an `if` or a loop "
                "that did not run?).", f"{fn}.unbound_local")
    return None
