"""Plain values and their two encodings: a JSON text (fixtures) and JSON + .npz (results).

A *plain value* is what may cross from student code to the judge: a NumPy array of the
base class (numeric or bool dtype), a :class:`Scalar`, a tuple, a list, a dict with string
keys, or an :class:`Opaque` marker that only names the type of something else. Nothing
with behaviour crosses: the judge never sees the student's objects, only these values.

This module uses only the standard library and NumPy and imports nothing from the
project, so that it can be copied alone next to ``runner.py`` into a sandbox.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

MAX_DEPTH = 6
MAX_ITEMS = 64
MAX_ELEMENTS = 5_000_000


@dataclass(frozen=True)
class Scalar:
    """A Python or NumPy number, bool, string or None, with the name of its type."""

    value: object
    type_name: str


@dataclass(frozen=True)
class Opaque:
    """Stands for a value that is not plain; only its type name is known."""

    type_name: str


def type_name(value) -> str:
    t = type(value)
    module = t.__module__
    return t.__name__ if module in ("builtins", None) else f"{module}.{t.__name__}"


def to_plain(value, depth: int = 0):
    """Turn ``value`` into a plain value (copies arrays; never keeps a reference)."""
    if depth > MAX_DEPTH:
        return Opaque("a structure nested too deeply")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc" or value.size > MAX_ELEMENTS:
            return Opaque(f"{type_name(value)} of dtype {value.dtype}")
        plain = np.array(value, copy=True, subok=False)
        return plain if type(value) is np.ndarray else Opaque(f"{type_name(value)} (an ndarray subclass)")
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        if isinstance(value, np.generic) and not isinstance(value, (np.number, np.bool_)):
            return Opaque(type_name(value))
        if isinstance(value, str) and len(value) > 1000:
            value = value[:1000]
        if isinstance(value, np.generic):
            return Scalar(value.item(), type_name(value))
        return Scalar(value, type(value).__name__)
    if type(value) in (tuple, list):
        if len(value) > MAX_ITEMS:
            return Opaque(f"a {type(value).__name__} of {len(value)} items")
        items = [to_plain(v, depth + 1) for v in value]
        return tuple(items) if type(value) is tuple else items
    if type(value) is dict:
        if len(value) > MAX_ITEMS or not all(type(k) is str for k in value):
            return Opaque("a dict with non-string keys or too many keys")
        return {k: to_plain(v, depth + 1) for k, v in value.items()}
    return Opaque(type_name(value))


# --- encoding as a JSON-able tree with arrays kept aside (results from a sandbox) ----------

def encode(value, arrays: dict, prefix: str = "a"):
    """A JSON-able tree for the plain ``value``; arrays go into ``arrays`` by key."""
    if isinstance(value, np.ndarray):
        key = f"{prefix}{len(arrays)}"
        arrays[key] = value
        return {"t": "array", "key": key}
    if isinstance(value, Scalar):
        v = value.value
        if isinstance(v, complex):
            v = [v.real, v.imag]
        elif isinstance(v, float) and not math.isfinite(v):
            v = repr(v)
        return {"t": "scalar", "v": v, "type": value.type_name}
    if isinstance(value, Opaque):
        return {"t": "opaque", "type": value.type_name}
    if isinstance(value, tuple):
        return {"t": "tuple", "items": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, list):
        return {"t": "list", "items": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "items": {k: encode(v, arrays, prefix) for k, v in value.items()}}
    raise TypeError(f"not a plain value: {type_name(value)}")


class WireError(ValueError):
    """Raised when an encoded value is malformed (e.g. written by hostile code)."""


def decode(tree, arrays, depth: int = 0):
    """Inverse of :func:`encode`; validates everything and trusts nothing."""
    if depth > MAX_DEPTH + 2 or not isinstance(tree, dict):
        raise WireError("malformed value")
    kind = tree.get("t")
    if kind == "array":
        key = tree.get("key")
        if not isinstance(key, str) or key not in arrays:
            raise WireError("missing array")
        arr = arrays[key]
        if type(arr) is not np.ndarray or arr.dtype.kind not in "biufc":
            raise WireError("array of a forbidden dtype")
        return arr
    if kind == "scalar":
        v, name = tree.get("v"), tree.get("type")
        if not isinstance(name, str):
            raise WireError("malformed scalar")
        if isinstance(v, list) and len(v) == 2:
            v = complex(float(v[0]), float(v[1]))
        elif isinstance(v, str) and v in ("nan", "inf", "-inf"):
            v = float(v)
        elif v is not None and not isinstance(v, (bool, int, float, str)):
            raise WireError("malformed scalar")
        return Scalar(v, name[:200])
    if kind == "opaque":
        return Opaque(str(tree.get("type"))[:200])
    if kind in ("tuple", "list"):
        items = tree.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise WireError("malformed sequence")
        out = [decode(v, arrays, depth + 1) for v in items]
        return tuple(out) if kind == "tuple" else out
    if kind == "dict":
        items = tree.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise WireError("malformed dict")
        return {str(k): decode(v, arrays, depth + 1) for k, v in items.items()}
    raise WireError(f"unknown kind {kind!r}")


# --- a self-contained JSON text (fixtures: readable, diffable, exact) ----------------------

def to_json_tree(value):
    """A JSON-able tree that holds arrays inline (floats round-trip exactly)."""
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, (Scalar, Opaque, tuple, list, dict)):
        if isinstance(value, Scalar):
            return {"scalar": value.value, "type": value.type_name}
        if isinstance(value, Opaque):
            return {"opaque": value.type_name}
        if isinstance(value, tuple):
            return {"tuple": [to_json_tree(v) for v in value]}
        if isinstance(value, list):
            return {"list": [to_json_tree(v) for v in value]}
        return {"dict": {k: to_json_tree(v) for k, v in value.items()}}
    return to_json_tree(to_plain(value))


def from_json_tree(tree):
    if "array" in tree:
        return np.array(tree["array"], dtype=tree["dtype"]).reshape(tree["shape"])
    if "scalar" in tree:
        return Scalar(tree["scalar"], tree["type"])
    if "opaque" in tree:
        return Opaque(tree["opaque"])
    if "tuple" in tree:
        return tuple(from_json_tree(v) for v in tree["tuple"])
    if "list" in tree:
        return [from_json_tree(v) for v in tree["list"]]
    if "dict" in tree:
        return {k: from_json_tree(v) for k, v in tree["dict"].items()}
    raise WireError("malformed fixture value")


def unplain(value):
    """Plain value -> ordinary Python/NumPy objects to call a function with (copies arrays)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, tuple):
        return tuple(unplain(v) for v in value)
    if isinstance(value, list):
        return [unplain(v) for v in value]
    if isinstance(value, dict):
        return {k: unplain(v) for k, v in value.items()}
    raise WireError(f"cannot call with {value!r}")


def dumps(obj, indent: int = 0) -> str:
    """JSON text with one key per line but every list of numbers on a single line."""
    pad = " " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1).rstrip()}" for k, v in sorted(obj.items())]
        text = "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    elif isinstance(obj, list) and any(isinstance(v, dict) for v in obj):
        text = "[\n" + ",\n".join(pad + dumps(v, indent + 1).rstrip() for v in obj) + "\n" + " " * indent + "]"
    else:
        text = json.dumps(obj, allow_nan=True, separators=(",", ":"))
    return text + ("\n" if indent == 0 else "")
