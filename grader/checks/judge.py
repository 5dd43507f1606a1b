"""Judge what a student's function returned: the *judging* half of a check.

Everything here works on plain values (``wire.py``) in the trusted process. The judge
compares the student's output with the expected one and, when they differ, with the
outputs of known mistakes, so that the message names the mistake ("unbiased variance",
"epsilon outside the square root"...). It holds no reference solution: expected outputs
come from a fixture (visible checks) or from the grader (hidden checks).
"""
from __future__ import annotations

import cmath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .diagnose import across_probes, explain_exception, fmt_pair, relation
from .wire import Opaque, Scalar

if TYPE_CHECKING:  # judge.py imports no spec: catalog modules may import judge (Mismatch)
    from .specs import FunctionSpec

RTOL = 1e-6
ATOL = 1e-9  # scaled by the size of the expected values


@dataclass
class ProbeVerdict:
    probe: str
    status: str  # "pass", "fail" or "error"
    message: str
    max_diff: float = 0.0
    mistake: str | None = None  # the stable id of the named mistake ("softmax.sm_naive"), if one is named


@dataclass
class FunctionVerdict:
    function: str
    status: str  # "pass", "fail", "error" or "missing" (grading adds "timeout" and "crash")
    message: str
    probes: list[ProbeVerdict] = field(default_factory=list)
    mistake: str | None = None  # the id of the first failing check's named mistake, if any

    @property
    def passed(self) -> bool:
        return self.status == "pass"


# The mark a learner sees next to each status, in the terminal and in feedback pages.
STATUS_MARKS = {"pass": "\u2713", "fail": "\u2717", "error": "\u2717", "timeout": "\u231b", "crash": "\u2620", "missing": "?"}


# --- comparing plain values ------------------------------------------------------------

class Mismatch(Exception):
    """A difference between two plain values, described for a learner; ``mistake`` is the
    stable id of the mistake it names, when it names one (property judges set it)."""

    def __init__(self, message: str, mistake: str | None = None, *, label: str = "", got=None, want=None):
        super().__init__(message)
        self.mistake = mistake
        self.label, self.got, self.want = label, got, want  # the component that differs, for diagnose.relation


def describe(value) -> str:
    """A plain value in a few words for a learner: "an array of shape (3, 1) and dtype float64"..."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, Scalar):
        return f"a {value.type_name} ({value.value!r})" if value.type_name != "NoneType" else "None"
    if isinstance(value, Opaque):  # some names come with their article ("a list of 200 items")
        return value.type_name if value.type_name.startswith(("a ", "an ")) else f"a {value.type_name}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    return type(value).__name__


def shape_hint(label: str, got: tuple, want: tuple, input_shape: tuple | None) -> tuple[str, str]:
    """A message for a shape mismatch, and the id of the mistake it names."""
    base = f"{label} has shape {got} but should have shape {want}"
    if input_shape is not None and len(input_shape) == 2 and len(want) == 2 and want[1] == 1:
        n, m = input_shape
        if got in ((1, m), (m,)) and m != n:
            return (f"{base}: the statistics were taken over axis 0 (across units) instead of "
                    f"axis 1 (across the m examples). Examples are the columns: use axis=1, keepdims=True.",
                    "wrong_axis")
        if got == (n,):
            return f"{base}: the unit axis was dropped. Use keepdims=True so that it stays a column ({n}, 1).", "no_keepdims"
        if got == ():
            return f"{base}: the statistic was taken over every entry at once. Take it per unit with axis=1.", "all_entries"
        if got == input_shape:
            return f"{base}: one value per unit is expected, but this has one per entry (no mean over axis=1?).", "not_reduced"
    if len(got) == 2 and got == want[::-1]:
        return f"{base}: it is transposed. Examples are the columns.", "transposed_shape"
    if got == tuple(d for d in want if d != 1) and got != want:
        return f"{base}: an axis of length 1 was dropped. Use keepdims=True (or reshape) to keep it.", "no_keepdims"
    if len(got) == len(want) + 1 and got[-1] == 1 or len(got) > len(want) and 1 in got:
        return f"{base}: an extra axis of length 1 (a column made from a vector, or a reshape that should not be there).", "extra_axis"
    if sorted(got) == sorted(want):
        return f"{base}: its axes are in another order (a transpose?). Examples are the columns.", "axes_swapped"
    return base + ".", "shape"


def compare(got, want, label: str, spec: FunctionSpec, input_shape=None) -> float:
    """Raise :class:`Mismatch` if ``got`` differs from ``want``; return the max abs difference."""
    if isinstance(want, tuple):
        if isinstance(got, list):  # a list unpacks like a tuple: accept it
            got = tuple(got)
        if isinstance(got, tuple) and len(got) == len(want) and len(want) > 1:
            order = _output_order(got, want)
            if order is not None:
                raise Mismatch(f"{spec.name} returns its outputs in another order: it should return "
                               f"({', '.join(spec.outputs)}); yours looks like ({', '.join(spec.outputs[i] for i in order)}).",
                               f"{spec.name}.return_order")
        if not isinstance(got, tuple) or len(got) != len(want):
            names = ", ".join(spec.outputs)
            hint = " Did you forget `return`?" if isinstance(got, Scalar) and got.type_name == "NoneType" else ""
            raise Mismatch(f"{spec.name} should return a tuple ({names}); it returned {describe(got)}.{hint}",
                           f"{spec.name}.return_structure")
        return max((compare(g, w, n, spec, input_shape) for g, w, n in zip(got, want, spec.outputs)), default=0.0)
    if isinstance(want, list):  # e.g. one cache per layer
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise Mismatch(f"{label} should be a list of {len(want)}; it is {describe(got)}.", f"{spec.name}.return_structure")
        return max((compare(g, w, f"{label}[{i}]", spec, input_shape) for i, (g, w) in enumerate(zip(got, want))),
                   default=0.0)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            raise Mismatch(f"{label} should be a dict; it is {describe(got)}.", f"{spec.name}.return_structure")
        keys = [k for k in (spec.cache_keys or tuple(want)) if k in want]
        missing = [k for k in keys if k not in got]
        if missing:
            needs = "the backward pass needs" if "cache" in label else "it should have"
            raise Mismatch(f"{label} is missing the key(s) {missing}; {needs} {list(keys)}.", f"{spec.name}.missing_keys")
        return max((compare(got[k], want[k], f'{label}["{k}"]', spec, input_shape) for k in keys), default=0.0)
    if isinstance(want, np.ndarray):
        return _compare_array(got, want, label, spec, input_shape)
    if isinstance(want, Scalar):
        return _compare_scalar(got, want, label, spec)
    raise Mismatch(f"{label} is {describe(got)}; the answer is {describe(want)}.")


def _output_order(got: tuple, want: tuple) -> tuple[int, ...] | None:
    """If the outputs are the expected ones in another order (each matching one expected output), that order."""
    import itertools

    def same(a, b) -> bool:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            if a.shape != b.shape or a.dtype.kind not in "fiu" or b.dtype.kind not in "fiu":
                return False
            with np.errstate(all="ignore"):
                scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=1.0))
                return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL * max(1.0, scale), equal_nan=True))
        return False

    if all(same(g, w) for g, w in zip(got, want)):
        return None
    for perm in itertools.permutations(range(len(want))):
        if list(perm) != list(range(len(want))) and all(same(got[i], want[p]) for i, p in enumerate(perm)):
            return perm
    return None


def _compare_scalar(got, want: Scalar, label: str, spec: FunctionSpec) -> float:
    fn = spec.name
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "biufc":
        got = Scalar(got.item(), str(got.dtype))  # a 0-d array is a number: float(got) gives the same value
    if isinstance(got, np.ndarray) and got.dtype.kind in "biufc" and isinstance(want.value, (int, float)):
        hint = (" (of one entry): return a number with float(...) or .item()." if got.size == 1 else
                ": is a sum or a mean over an axis missing? Return one number (a float).")
        raise Mismatch(f"{label} should be a number ({want.value!r}); it is {describe(got)}{hint}",
                       f"{fn}.array_for_number", label=label, got=got, want=want)
    if not isinstance(got, Scalar) or isinstance(got.value, (str, type(None))):
        hint = " Did you forget `return`?" if isinstance(got, Scalar) and got.value is None else ""
        raise Mismatch(f"{label} should be a number ({want.value!r}); it is {describe(got)}.{hint}",
                       f"{fn}.return_structure")
    if isinstance(want.value, (int, float)) and not isinstance(want.value, bool):
        if not isinstance(got.value, (int, float, complex)):
            raise Mismatch(f"{label} should be a number ({want.value!r}); it is {describe(got)}.", f"{fn}.return_structure")
        g, w = complex(got.value), complex(want.value)
        if np.isnan(g) and np.isnan(w):
            return 0.0
        if not (np.isfinite(g) and np.isfinite(w)):  # an inf (or a lone nan): equal or not, no tolerance
            if g != w:
                raise Mismatch(f"{label} is {got.value!r} but should be {want.value!r}.", label=label, got=got, want=want)
            return 0.0
        if not np.isclose(g, w, rtol=RTOL, atol=ATOL * max(1.0, abs(w))):
            a, b = fmt_pair(g.real, w.real) if g.imag == 0 and w.imag == 0 else (repr(got.value), repr(want.value))
            raise Mismatch(f"{label} is {a} but should be {b}.", label=label, got=got, want=want)
        return float(abs(g - w))
    if got.value != want.value:
        raise Mismatch(f"{label} is {got.value!r} but should be {want.value!r}.")
    return 0.0


def _num_pair(a, b) -> tuple[str, str]:
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return f"{complex(a):.6g}", f"{complex(b):.6g}"
    return fmt_pair(float(a), float(b))


def _compare_array(got, want: np.ndarray, label: str, spec: FunctionSpec, input_shape) -> float:
    fn = spec.name
    if not isinstance(got, np.ndarray):
        hint = " Did you forget `return`?" if isinstance(got, Scalar) and got.value is None else ""
        raise Mismatch(f"{label} should be a NumPy array of shape {want.shape}; it is {describe(got)}.{hint}",
                       f"{fn}.return_structure")
    if got.shape != want.shape:
        hint, hint_id = shape_hint(label, got.shape, want.shape, input_shape)
        raise Mismatch(hint, f"{fn}.{hint_id}", label=label, got=got, want=want)
    if want.dtype.kind not in "biufc":  # (never in the course's fixtures) compare as they are
        if not equal_plain(got, want):
            raise Mismatch(f"{label} differs from the answer ({describe(got)}).")
        return 0.0
    if got.dtype.kind not in "biufc":
        raise Mismatch(f"{label} has dtype {got.dtype} but should hold numbers ({want.dtype}).", f"{fn}.dtype")
    if spec.float_outputs and want.dtype == np.float64 and got.dtype != np.float64:
        raise Mismatch(f"{label} has dtype {got.dtype} but should be float64"
                       + (" (integer division or an int array somewhere?)." if got.dtype.kind in "iub" else "."),
                       f"{fn}.dtype")
    if got.size == 0:
        return 0.0
    if got.dtype.kind == "c" or want.dtype.kind == "c":
        g, w = got.astype(np.complex128), want.astype(np.complex128)
    else:
        g, w = got.astype(np.float64), want.astype(np.float64)
    nan_g, nan_w = np.isnan(g), np.isnan(w)
    if (nan_g & ~nan_w).any():
        idx = tuple(int(i) for i in np.argwhere(nan_g & ~nan_w)[0])
        raise Mismatch(f"{label} contains nan (first at index {idx}) where the answer is {_num_pair(w[idx], w[idx])[0]}.",
                       label=label, got=got, want=want)
    if (~np.isfinite(g) & np.isfinite(w)).any():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(g) & np.isfinite(w))[0])
        a, b = _num_pair(g[idx], w[idx])
        raise Mismatch(f"{label} contains {a} (first at index {idx}) where the answer is {b}: "
                       "an overflow or a division by zero.", label=label, got=got, want=want)
    finite = np.isfinite(w)
    if (~finite).any() and not np.array_equal(g[~finite], w[~finite], equal_nan=True):
        raise Mismatch(f"{label} differs from the answer where the answer is not finite.", label=label, got=got, want=want)
    if not finite.any():
        return 0.0
    with np.errstate(all="ignore"):
        diff = np.abs(g[finite] - w[finite])
    scale = max(1.0, float(np.max(np.abs(w[finite]))))
    ok = diff <= ATOL * scale + RTOL * np.abs(w[finite])
    if not ok.all():
        flat = np.flatnonzero(finite)[int(np.argmax(diff - RTOL * np.abs(w[finite])))]
        idx = tuple(int(i) for i in np.unravel_index(flat, w.shape))
        a, b = _num_pair(g[idx], w[idx])
        raise Mismatch(f"{label} differs from the answer: at index {idx} it is {a} but should be "
                       f"{b} (max abs difference {float(diff.max()):.3g}).", label=label, got=got, want=want)
    return float(diff.max())


def closest_mistake(have, mistakes, spec: FunctionSpec):
    """The known mistake (``KnownMistake``) whose output is closest to ``have``, if any matches."""
    best, best_diff = None, float("inf")
    for known in mistakes:
        wrong_t = known.output if spec.returns_tuple else (known.output,)
        try:
            diff = compare(have, wrong_t, "", spec)
        except Mismatch:
            continue
        if diff < best_diff:
            best, best_diff = known, diff
    return best


def matches(got, want, spec: FunctionSpec) -> bool:
    try:
        compare(got, want, "", spec)
    except Mismatch:
        return False
    return True


def equal_plain(a, b) -> bool:
    """Two plain values are the same (types, shapes, dtypes, values; nan equals nan).

    Any plain value may meet any other (None against an array, a list against a dict, arrays of
    other shapes): the answer is always a bool, never an exception."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(equal_plain(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(equal_plain(a[k], b[k]) for k in a))
    if isinstance(a, Scalar) or isinstance(b, Scalar):
        return (isinstance(a, Scalar) and isinstance(b, Scalar) and a.type_name == b.type_name
                and _same_number(a.value, b.value))
    if type(a) is not type(b):
        return False
    return _same_number(a, b)


def _same_number(x, y) -> bool:
    """``x == y`` for plain leaves, with nan equal to nan; False when they cannot be compared."""
    if isinstance(x, (float, complex)) and isinstance(y, (float, complex)):
        if cmath.isnan(x) and cmath.isnan(y):
            return True
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001 - an Opaque or odd leaf that does not compare
        return False


# --- judging ---------------------------------------------------------------------------

def _input_shape(args) -> tuple | None:
    for a in args:
        if isinstance(a, np.ndarray):
            return a.shape
    return None


def closeness(max_diff: float) -> str:
    return "exact" if max_diff == 0 else f"close (max difference {max_diff:.1e})"


def judge_call(spec: FunctionSpec, probe: str, args, kwargs, record: dict, expected, mistakes) -> ProbeVerdict:
    """Judge one call of ``spec.name`` on one probe.

    ``record`` is what ``runner.call_probe`` returned (plain values); ``expected`` the right
    output; ``mistakes`` a list of ``KnownMistake`` (id, message, output) for known wrong implementations.
    """
    where = f"On {probe}: "
    status = record.get("status")
    if status == "not_implemented":
        return ProbeVerdict(probe, "fail", f"{spec.name} is not implemented yet: replace "
                            "`raise NotImplementedError()` with your code.")
    if status != "ok":
        err = record.get("error") if isinstance(record.get("error"), dict) else {}
        text = f"{where}{spec.name} raised {err.get('type', 'an error')}: {err.get('message', '')}"
        explained = explain_exception(spec, err)
        if explained and explained[0]:
            text += f"\n  {explained[0]}"
        if err.get("traceback"):
            text += "\n" + err["traceback"]
        return ProbeVerdict(probe, "error", text, mistake=explained[1] if explained else None)

    # A modified input is reported first: it is often why the outputs are wrong too.
    after = record.get("inputs_after")
    if after is not None and not equal_plain(after, (tuple(args), dict(kwargs))):
        changed = _changed_args(spec, args, kwargs, after)
        return ProbeVerdict(probe, "fail", f"{where}{spec.name} modified its input {changed} in place. "
                            "Never change an argument: compute new arrays (`X - mu` makes a new array; "
                            "`X -= mu` overwrites X; `d[key] = ...` changes the dict d).",
                            mistake=f"{spec.name}.modifies_input")
    got = record.get("output")
    want = expected if spec.returns_tuple else (expected,)
    have = got if spec.returns_tuple else (got,)
    shape = _input_shape(args)
    try:
        if spec.judge is not None:
            max_diff = spec.judge(spec, args, kwargs, got, expected)
        else:
            max_diff = compare(have, want, spec.outputs[0], spec, shape)
        problem = None
    except Mismatch as exc:
        problem, problem_id = str(exc), exc.mistake
        exc_label, exc_got, exc_want = exc.label, exc.got, exc.want
        max_diff = float("nan")
    if problem is not None:
        named = closest_mistake(have, mistakes, spec)
        if named:
            return ProbeVerdict(probe, "fail", f"{where}{named.message}\n  ({problem})", mistake=named.id)
        if problem_id is None and spec.judge is None:
            found = relation(spec, exc_label, exc_got, exc_want, args, kwargs)
            if found:
                return ProbeVerdict(probe, "fail", f"{where}{found[0]}\n  ({problem})", mistake=found[1])
        return ProbeVerdict(probe, "fail", where + problem, mistake=problem_id)

    # Keeping a reference to an input in a cache (cache["Z"] = Z) is fine; returning one is not.
    cache_paths = tuple(f"[{i}]" for i, o in enumerate(spec.outputs) if o in ("cache", "caches") and spec.returns_tuple)
    aliases = [a for a in record.get("aliases") or [] if not a.startswith(cache_paths or ("\0",))]
    if aliases:
        return ProbeVerdict(probe, "fail", f"{where}{spec.name} returned an array that shares memory with "
                            f"an input ({', '.join(aliases)}). Return a fresh array, e.g. with .copy().",
                            mistake=f"{spec.name}.returns_input")
    return ProbeVerdict(probe, "pass", closeness(max_diff), max_diff)


def _changed_args(spec: FunctionSpec, args, kwargs, after) -> str:
    try:
        a_args, a_kwargs = after
        for i, (before, now) in enumerate(zip(args, a_args)):
            if not equal_plain(before, now):
                return spec.args[i] if i < len(spec.args) else f"#{i + 1}"
        for k in kwargs:
            if not equal_plain(kwargs[k], a_kwargs.get(k)):
                return k
    except (TypeError, ValueError, AttributeError):
        pass
    return "(an argument)"


def summarize(spec: FunctionSpec, verdicts: list[ProbeVerdict]) -> FunctionVerdict:
    failing = [v for v in verdicts if v.status != "pass"]
    if not failing:
        worst = max((v.max_diff for v in verdicts), default=0.0)
        what = "the one check passes" if len(verdicts) == 1 else f"all {len(verdicts)} checks pass"
        return FunctionVerdict(spec.name, "pass", f"{what}: {closeness(worst)}", verdicts)
    first = failing[0]
    status = "error" if first.status == "error" else "fail"
    more = f" ({len(failing)} of {len(verdicts)} checks fail)" if len(verdicts) > 1 and len(failing) < len(verdicts) else ""
    return FunctionVerdict(spec.name, status, first.message + more, verdicts, mistake=first.mistake)


def missing(spec: FunctionSpec, why: str) -> FunctionVerdict:
    return FunctionVerdict(spec.name, "missing", why)
