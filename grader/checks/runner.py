"""Call a student's function on probes and record what happened, as plain values.

This is the *calling* half of a check; the *judging* half is ``judge.py``. In a notebook the
function is called directly (``call_probe``); when grading, the sandbox's fork server calls
``run_job`` in a separate process, which executes the student's answer cells, calls the function
and returns plain results (sent as JSON + .npz, never pickle) for the trusted grader to judge.

Only the standard library, NumPy and ``wire.py`` are used, so the two files can be copied
alone into a sandbox.
"""
from __future__ import annotations

import linecache
import traceback
import warnings
from contextlib import contextmanager

import numpy as np

try:  # inside the package
    from . import wire
except ImportError:  # copied alone into a sandbox
    import wire  # type: ignore[no-redef]

ANSWER_CELLS_ALONE = ("The grader runs each answer cell on its own, after the notebook's imports ({imports}): "
                      "a helper or a module the cell uses must be defined or imported inside the cell.")
"""The rule each notebook states before its first answer cell, as the messages repeat it."""
COURSE_NOT_GIVEN = ("This answer cell may not use the course package: the grader runs it without `course` "
                    "(its modules hold the answers of earlier notebooks). Write the computation with NumPy "
                    "inside the cell.")
ANSWER_FILE = "<answer cell {}>"
PRELUDE_LABEL = "the notebook's imports"


def _student_traceback(exc: BaseException) -> str:
    """The traceback lines that point into the student's own cells, then the error."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<answer")]
    lines = [f'  {f.filename}, line {f.lineno}, in {f.name}\n    {(f.line or "").strip()}' for f in frames[-5:]]
    return "\n".join(lines)


def imports_of(prelude: str) -> str:
    """The names a prelude imports, for a message: ``"import numpy as np"`` -> ``"np"``."""
    names = []
    for line in prelude.splitlines():
        line = line.strip()
        if line.startswith(("import ", "from ")):
            for part in line.split(" import ", 1)[-1].removeprefix("import ").split(","):
                names.append(part.split(" as ")[-1].strip())
    return ", ".join(names) or "nothing"


def describe_error(exc: BaseException, prelude: str | None = None) -> dict:
    """Type, message and the student's traceback lines of ``exc``. With the cell's ``prelude``, a
    NameError (a name from another cell, a module never imported) and a missing ``course``
    package are explained by the rule the notebooks state."""
    message = str(exc)
    if len(message) > 500:
        message = message[:500] + "..."
    if prelude is not None and isinstance(exc, NameError) and "grader runs each answer cell" not in message:
        message += ". " + ANSWER_CELLS_ALONE.format(imports=imports_of(prelude))
    elif (prelude is not None and isinstance(exc, ModuleNotFoundError)
          and (getattr(exc, "name", None) or "").split(".")[0] == "course"):
        message += ". " + COURSE_NOT_GIVEN
    return {"type": type(exc).__name__, "message": message, "traceback": _student_traceback(exc)}


def _shares_memory(output, inputs) -> list[str]:
    """Paths of output arrays that share memory with an input array."""
    found = []

    def arrays(value, path):
        if isinstance(value, np.ndarray):
            yield path, value
        elif isinstance(value, (tuple, list)):
            for i, v in enumerate(value):
                yield from arrays(v, f"{path}[{i}]")
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from arrays(v, f"{path}[{k!r}]")

    ins = [a for _, a in arrays(inputs, "")]
    for path, out in arrays(output, ""):
        if any(np.shares_memory(out, a) for a in ins):
            found.append(path)
    return found


# --- watching the calls a graded function makes (the training protocol) ---------------------

MAX_WATCHED_CALLS = 5000
MAX_WATCHED_ARGS = 8


def _fingerprint(value) -> tuple[float, np.ndarray]:
    """A call argument in a few numbers: a number as itself; an array as its first row (for an
    (n, m) mini-batch, one number per example: enough to tell which columns it holds, in which
    order). Anything else: nan and no values."""
    empty = np.zeros(0)
    if isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_)):
        return float(value), empty
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        flat = value.reshape(value.shape[0], -1)[0] if value.ndim >= 2 else value.reshape(-1)
        return float("nan"), np.array(flat, dtype=np.float64, copy=True)
    return float("nan"), empty


class _Calls:
    """The recorded calls of one watched function."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.numbers: dict = {}  # position or keyword -> [float per call]
        self.rows: dict = {}  # position or keyword -> [array per call]

    def add(self, args, kwargs) -> None:
        if self.count >= MAX_WATCHED_CALLS:
            return
        items = [(str(i), a) for i, a in enumerate(args[:MAX_WATCHED_ARGS])]
        items += [(f"={k}", v) for k, v in list(kwargs.items())[:MAX_WATCHED_ARGS]]
        for key, value in items:
            number, row = _fingerprint(value)
            self.numbers.setdefault(key, [float("nan")] * self.count).append(number)
            self.rows.setdefault(key, [np.zeros(0)] * self.count).append(row)
        self.count += 1
        for key in self.numbers:
            if len(self.numbers[key]) < self.count:
                self.numbers[key].append(float("nan"))
                self.rows[key].append(np.zeros(0))

    def plain(self) -> dict:
        """``{"calls": n, "<position>" or "=<keyword>": {"numbers", "values", "lengths"}}``: per
        argument, its number in each call (nan if not a number), and the arrays' fingerprints
        concatenated, with each call's length."""
        out: dict = {"calls": wire.Scalar(self.count, "int")}
        for key in list(self.numbers)[:2 * MAX_WATCHED_ARGS]:
            rows = self.rows[key]
            out[key] = {"numbers": np.array(self.numbers[key], dtype=np.float64),
                        "values": np.concatenate(rows) if rows else np.zeros(0),
                        "lengths": np.array([r.size for r in rows], dtype=np.int64)}
        return out


@contextmanager
def watching(namespace: dict, names):
    """Record the calls of the functions ``names`` in ``namespace`` (the learner's own functions
    that a graded function calls, e.g. ``model_forward`` from ``train_model``) while the block
    runs; yields ``{name: _Calls}`` and puts the functions back afterwards."""
    log: dict = {}
    saved: dict = {}

    def spy(original, calls):
        def watched(*args, **kwargs):
            calls.add(args, kwargs)
            return original(*args, **kwargs)

        watched.__name__ = getattr(original, "__name__", "watched")
        return watched

    for name in names:
        original = namespace.get(name)
        if callable(original):
            log[name] = _Calls()
            saved[name] = original
            namespace[name] = spy(original, log[name])
    try:
        yield log
    finally:
        namespace.update(saved)


def watched_calls(record: dict, name: str) -> list[dict] | None:
    """The calls of watched function ``name`` recorded in a call record, one dict per call
    ``{position or "=keyword": number, or array fingerprint}``; None if it was not watched."""
    log = (record.get("watched") or {}).get(name)
    if not isinstance(log, dict) or not isinstance(log.get("calls"), wire.Scalar):
        return None
    count = int(log["calls"].value)
    calls: list[dict] = [{} for _ in range(count)]
    for key, cols in log.items():
        if key == "calls" or not isinstance(cols, dict):
            continue
        numbers, values, lengths = cols.get("numbers"), cols.get("values"), cols.get("lengths")
        if not all(isinstance(a, np.ndarray) for a in (numbers, values, lengths)) or len(numbers) != count \
                or len(lengths) != count or lengths.sum() != values.size:
            return None
        ends = np.cumsum(lengths)
        for i in range(count):
            if lengths[i]:
                calls[i][key] = values[ends[i] - lengths[i]:ends[i]]
            elif not np.isnan(numbers[i]):
                calls[i][key] = float(numbers[i])
    return calls


def call_probe(fn, args, kwargs, prelude: str | None = None, watched: dict | None = None) -> dict:
    """Call ``fn(*args, **kwargs)`` on copies of the plain ``args``; return a plain record.

    The record has ``status`` ("ok", "not_implemented" or "raised"), ``output`` (plain),
    ``inputs_after`` (the arguments after the call, to detect mutation), ``aliases``
    (outputs that share memory with an input), ``error`` and ``warnings``. ``prelude``: what
    the function's cell ran after, to explain a NameError (:func:`describe_error`).
    ``watched``: the log of :func:`watching`, cleared before the call and kept as ``watched``.
    """
    call_args = wire.unplain(tuple(args))
    call_kwargs = wire.unplain(dict(kwargs))
    record = {"status": "ok", "output": None, "aliases": [], "error": None, "warnings": []}
    for calls in (watched or {}).values():
        calls.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*call_args, **call_kwargs)
        except NotImplementedError as exc:
            record["status"] = "not_implemented"
            record["error"] = describe_error(exc)
        except RecursionError as exc:
            record["status"] = "raised"
            record["error"] = describe_error(exc, prelude)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, even SystemExit
            record["status"] = "raised"
            record["error"] = describe_error(exc, prelude)
        else:
            record["output"] = wire.to_plain(out)
            record["aliases"] = _shares_memory(out, (call_args, call_kwargs))
    record["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})[:5]
    record["inputs_after"] = wire.to_plain((call_args, call_kwargs))
    if watched:
        record["watched"] = {name: calls.plain() for name, calls in watched.items()}
    return record


def exec_cell(code: str, label: str, namespace: dict, prelude: str | None = None) -> dict | None:
    """Execute one answer cell in ``namespace``; return an error description or None."""
    filename = ANSWER_FILE.format(label)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - this is the point
    except BaseException as exc:  # noqa: BLE001
        return describe_error(exc, prelude)
    return None


def run_job(job: dict, arrays: dict) -> tuple[dict, dict]:
    """Run one grading job: execute cells, call the function on each probe.

    ``job`` = {"cells": [{"label", "code"}], "function": name, "probes": [{"args", "kwargs"}]}
    (args/kwargs encoded with ``wire.encode``); the first cell is the notebook's imports (its
    label is :data:`PRELUDE_LABEL`), the others are answer cells. Returns the encoded result and
    its arrays.
    """
    namespace: dict = {"__name__": "__student__"}
    result: dict = {"cell_errors": [], "function_found": False, "calls": []}
    prelude = next((c["code"] for c in job["cells"] if c.get("label") == PRELUDE_LABEL), "")
    for cell in job["cells"]:
        err = exec_cell(cell["code"], cell["label"], namespace, prelude)
        if err:
            result["cell_errors"].append({"label": cell["label"], **err})
    fn = namespace.get(job["function"])
    out_arrays: dict = {}
    if not callable(fn):
        return result, out_arrays
    result["function_found"] = True
    with watching(namespace, job.get("watch", ())) as log:
        for i, probe in enumerate(job["probes"]):
            args = wire.decode(probe["args"], arrays)
            kwargs = wire.decode(probe["kwargs"], arrays)
            record = call_probe(fn, args, kwargs, prelude, log)
            if record["status"] == "ok":
                record["output"] = wire.encode(record["output"], out_arrays, f"p{i}o")
            record["inputs_after"] = wire.encode(record["inputs_after"], out_arrays, f"p{i}i")
            if "watched" in record:
                record["watched"] = wire.encode(record["watched"], out_arrays, f"p{i}w")
            result["calls"].append(record)
    return result, out_arrays
