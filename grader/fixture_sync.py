"""When a regenerated fixture is "the same" as the committed one: numbers within a tight tolerance.

The fixtures (``grader/checks/fixtures/*.json``) hold numbers computed by the reference
solutions with NumPy. Matrix products round differently on different CPUs and BLAS kernels
(AVX2 vs AVX-512, OpenBLAS vs MKL), so a fixture regenerated on another machine can differ in
the 16th significant digit. That is not drift: ``python -m grader release`` leaves a fixture
untouched when every number agrees within :data:`RTOL`, and ``tests/test_release.py`` uses the
same rule (:func:`first_difference`), so the verdict is the same on every machine.

:data:`RTOL` is a million times tighter than the judge's ``rtol=1e-6``: a real change to a
source, a suite or a reference solution moves numbers far more than that.
"""
from __future__ import annotations

import json
import math

RTOL = 1e-12
TINY = 4 * 5e-324  # four ulps of 0.0
"""Relative tolerance between a committed and a regenerated number."""


def _numbers(tree):
    """Every finite number inside a JSON tree (flattened)."""
    if isinstance(tree, bool):
        return
    if isinstance(tree, (int, float)):
        if math.isfinite(tree):
            yield abs(tree)
    elif isinstance(tree, list):
        for v in tree:
            yield from _numbers(v)


def _same_number(a, b, scale: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, int) and isinstance(b, int):
        return a == b and type(a) is type(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    # TINY: a few subnormal ulps, rounding noise around 0 (0.0 against 5e-324 in an array of
    # zeros) that no relative tolerance can see.
    return abs(a - b) <= max(RTOL * max(abs(a), abs(b), scale), TINY)


def _key(k) -> str:
    return f"[{k}]" if isinstance(k, int) else f"[{json.dumps(k)}]"


def _walk(a, b, path: str, scale: float):
    """The first place where trees ``a`` (committed) and ``b`` (regenerated) differ, as
    ``(path, committed, regenerated)``, or None. ``scale`` is the largest magnitude of the
    array being compared: a number near zero in an array of ones agrees within ``RTOL`` of
    that scale (cancellation leaves rounding noise of the array's size, not the number's)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return path or "(top level)", sorted(a), sorted(b)
        if "array" in a:
            scale = max(_numbers(a["array"]), default=0.0)
        for k in a:
            found = _walk(a[k], b[k], path + _key(k), scale)
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path, f"{len(a)} items", f"{len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            found = _walk(x, y, path + _key(i), scale)
            if found:
                return found
        return None
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return None if _same_number(a, b, scale) else (path, a, b)
    return None if (type(a) is type(b) and a == b) else (path, a, b)


def first_difference(committed: str, regenerated: str) -> str | None:
    """None when the two fixture texts agree (same structure, same strings, numbers within
    :data:`RTOL`); otherwise where they differ first and both values, e.g.
    ``["functions"]["softmax"][0]["expected"]["array"][0][2]: committed 0.1 but regenerated 0.1000001``."""
    try:
        a, b = json.loads(committed), json.loads(regenerated)
    except json.JSONDecodeError as exc:
        return f"the committed text is not valid JSON ({exc.msg}, line {exc.lineno})"
    found = _walk(a, b, "", 0.0)
    if found is None:
        return None
    path, x, y = found
    if isinstance(x, float) and isinstance(y, float) and math.isfinite(x) and math.isfinite(y):
        rel = abs(x - y) / max(abs(x), abs(y))
        return f"{path}: committed {x!r} but regenerated {y!r} (relative difference {rel:.1e} > {RTOL:.0e})"
    return f"{path}: committed {x!r} but regenerated {y!r}"


def in_sync(committed: str, regenerated: str) -> bool:
    """The committed fixture text may stay as it is (see :func:`first_difference`)."""
    return committed == regenerated or first_difference(committed, regenerated) is None
