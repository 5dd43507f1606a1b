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


def _factor_name(k: float, m: int | None, n: int | None, spec) -> tuple[str, str] | None:
    """(slug, words) for a recognized constant factor k."""
    cands: list[tuple[float, str, str]] = []
    if m and m > 1:
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
            return slug, words
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
        return f"{label} is {a}, exactly {named[1].split(':')[0]} times the answer {b}: {named[1].split(': ', 1)[-1]}.", \
            named[0]
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
    k = _fit_factor(g, w)
    if k is not None:
        named = _factor_name(k, m, n, spec)
        if named:
            return f"{label} is exactly {named[1].split(': ', 1)[0]} times the answer: {named[1].split(': ', 1)[1]}.", named[0]
        return (f"{label} is the answer times {k:.6g}, the same factor everywhere: a constant factor is wrong "
                "(the shape of the result is right).", "factor")
    if g.ndim == 2 and g.shape[0] > 1:
        found = _axis_factor(label, g, w, inputs, axis=1, what="row (unit or class)")
        if found:
            return found
    if g.ndim == 2 and g.shape[1] > 1:
        found = _axis_factor(label, g, w, inputs, axis=0, what="column (example)")
        if found:
            return found
    found = _entrywise(label, g, w, inputs)
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
    shown = ", ".join(f"{x:.4g}" for x in flat[:6]) + (", ..." if flat.size > 6 else "")
    return (f"{label} is off by a different factor in each {what} ({shown}): every {what} is proportional to the "
            f"answer, so the formula is right up to a per-{what.split()[0]} scale (a statistic over the wrong axis, or "
            "a scale or epsilon applied in the wrong place?).", "row_factors" if axis == 1 else "column_factors")


_EXPRESSIONS = (("{a}", lambda a: a), ("1 - {a}", lambda a: 1 - a), ("{a} * (1 - {a})", lambda a: a * (1 - a)),
                ("1 / {a}", lambda a: 1 / a), ("{a}**2", lambda a: a * a))


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
    for i, name in enumerate(spec.args):
        fvals = {_number_arg(c, i, name) for c, _ in failing}
        pvals = {_number_arg(c, i, name) for c, _ in passing}
        if None in fvals or None in pvals or len(pvals) != 1:
            continue
        if not (fvals & pvals):
            (p,) = pvals
            shown = ", ".join(f"{v:g}" for v in sorted(fvals))
            return (f"{fn} is right when {name} = {p:g} and wrong when {name} = {shown}: the argument {name} is "
                    f"ignored. Use the {name} that is passed in, never a number written in the code.",
                    f"{fn}.ignores_{name}")
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
    if 1 in fm and 1 not in pm and len(fm) == 1:
        pass
    return None


def _number_arg(case, i, name):
    from .wire import Scalar
    v = case.args[i] if i < len(case.args) else case.kwargs.get(name)
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
    if etype == "KeyError":
        return (f"A dict key that is not there ({msg}). The cache and the params have fixed keys: use the keys "
                "that the function building them writes (its docstring lists them), not new names.",
                f"{fn}.missing_key")
    if etype == "NameError":
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
