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


def call_probe(fn, args, kwargs, prelude: str | None = None) -> dict:
    """Call ``fn(*args, **kwargs)`` on copies of the plain ``args``; return a plain record.

    The record has ``status`` ("ok", "not_implemented" or "raised"), ``output`` (plain),
    ``inputs_after`` (the arguments after the call, to detect mutation), ``aliases``
    (outputs that share memory with an input), ``error`` and ``warnings``. ``prelude``: what
    the function's cell ran after, to explain a NameError (:func:`describe_error`).
    """
    call_args = wire.unplain(tuple(args))
    call_kwargs = wire.unplain(dict(kwargs))
    record = {"status": "ok", "output": None, "aliases": [], "error": None, "warnings": []}
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
    for i, probe in enumerate(job["probes"]):
        args = wire.decode(probe["args"], arrays)
        kwargs = wire.decode(probe["kwargs"], arrays)
        record = call_probe(fn, args, kwargs, prelude)
        if record["status"] == "ok":
            record["output"] = wire.encode(record["output"], out_arrays, f"p{i}o")
        record["inputs_after"] = wire.encode(record["inputs_after"], out_arrays, f"p{i}i")
        result["calls"].append(record)
    return result, out_arrays
