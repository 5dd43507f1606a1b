"""Grade the answers of one notebook: run each graded function in the sandbox, judge it."""
from __future__ import annotations

from .checks.evaluate import ProbeCase, evaluate
from .checks.judge import FunctionVerdict
from .checks.specs import SPECS
from .notebook import Answers, cells_for, missing_message
from .sandbox import JobResult, Limits, run_job


def grade_function(answers: Answers, name: str, cases: list[ProbeCase], limits: Limits | None = None) -> FunctionVerdict:
    """Verdict for one graded function: pass, fail, error, timeout, crash or missing."""
    cells = cells_for(answers, name)
    if cells is None:
        return FunctionVerdict(name, "missing", missing_message(answers, name))
    return verdict_of(name, run_job(cells, name, [(c.args, c.kwargs) for c in cases], limits), cases)


def verdict_of(name: str, job: JobResult, cases: list[ProbeCase]) -> FunctionVerdict:
    """Judge what a sandbox job brought back (plain values) for graded function ``name``."""
    spec = SPECS[name]
    if job.status != "ok":
        return FunctionVerdict(name, job.status, f"{spec.name}: {job.message}")
    if not job.function_found:
        errs = [e for e in job.cell_errors if e["label"] == name] or job.cell_errors
        if errs:
            e = errs[0]
            tb = f"\n{e['traceback']}" if e.get("traceback") else ""
            return FunctionVerdict(name, "error", f"the answer cell of {name} raised {e['type']}: {e['message']}{tb}")
        return FunctionVerdict(name, "missing", f"the answer cell runs but defines no function named {name!r}. "
                               f"The graded function must be `{spec.signature}`.")
    return evaluate(spec, cases, job.records)
