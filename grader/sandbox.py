"""Run student code in a separate process and bring back only plain values.

The child process gets a private temporary folder, the two-file kit ``runner.py`` and
``wire.py``, a job (answer cells, function name, probe inputs as JSON + .npz) and limits on
CPU time, memory and wall time; its whole process group is killed when it ends. What it
writes back is read with ``allow_pickle=False`` and validated by ``wire.decode``: no object
of the student's ever reaches the trusted process.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import wire

KIT = [Path(__file__).with_name("checks") / "runner.py", Path(__file__).with_name("checks") / "wire.py"]


@dataclass
class Limits:
    wall_seconds: float = 60.0
    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3
    output_bytes: int = 64 * 1024


@dataclass
class JobResult:
    status: str  # "ok", "timeout" or "crash"
    message: str = ""
    cell_errors: list = field(default_factory=list)
    function_found: bool = False
    records: list = field(default_factory=list)  # one plain record per probe (runner.call_probe)


def _limit(limits: Limits):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024**2, 256 * 1024**2))
    return apply


def _child_env(workdir: Path) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir),
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def run_job(cells: list[dict], function: str, probes: list, limits: Limits | None = None) -> JobResult:
    """Execute ``cells`` and call ``function`` on each probe ``(args, kwargs)`` in a child process."""
    limits = limits or Limits()
    workdir = Path(tempfile.mkdtemp(prefix="grader-job-"))
    try:
        kit = workdir / "kit"
        kit.mkdir()
        for f in KIT:
            shutil.copy(f, kit / f.name)
        arrays: dict = {}
        job = {"cells": cells, "function": function,
               "probes": [{"args": wire.encode(tuple(a), arrays, f"q{i}a"), "kwargs": wire.encode(dict(k), arrays, f"q{i}k")}
                          for i, (a, k) in enumerate(probes)]}
        jobdir = workdir / "job"
        jobdir.mkdir()
        (jobdir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        np.savez(jobdir / "job.npz", **arrays)
        log = workdir / "output.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-s", str(kit / "runner.py"), str(jobdir)],
                cwd=jobdir, env=_child_env(workdir), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                preexec_fn=_limit(limits), start_new_session=True,
            )
            try:
                code = proc.wait(timeout=limits.wall_seconds)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
                code = None
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        return _collect(jobdir, code, timed_out, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _collect(jobdir: Path, code, timed_out: bool, limits: Limits) -> JobResult:
    if timed_out:
        return JobResult("timeout", f"did not finish within {limits.wall_seconds:g} s (an infinite loop?)")
    result_json = jobdir / "result.json"
    if not result_json.exists():
        if code is not None and code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            why = {"SIGXCPU": "it used more than its CPU time", "SIGSEGV": "a segmentation fault",
                   "SIGKILL": "it was killed (out of memory?)"}.get(sig, sig)
            return JobResult("crash", f"the Python process running your code died ({why}).")
        return JobResult("crash", f"the Python process running your code exited (status {code}) before "
                         "returning results; does your code call sys.exit, os._exit or exit()?")
    try:
        if result_json.stat().st_size > 64 * 1024**2:
            raise wire.WireError("result too large")
        raw = json.loads(result_json.read_text(encoding="utf-8"))
        with np.load(jobdir / "result.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        records = []
        for rec in raw.get("calls", []):
            status = rec.get("status")
            if status not in ("ok", "not_implemented", "raised"):
                raise wire.WireError("bad status")
            err = rec.get("error")
            records.append({
                "status": status,
                "output": wire.decode(rec["output"], arrays) if status == "ok" else None,
                "inputs_after": wire.decode(rec["inputs_after"], arrays),
                "aliases": [str(a)[:200] for a in rec.get("aliases", [])][:20],
                "error": {k: str(err.get(k, ""))[:2000] for k in ("type", "message", "traceback")} if isinstance(err, dict) else None,
                "warnings": [str(w)[:200] for w in rec.get("warnings", [])][:5],
            })
        cell_errors = [{k: str(e.get(k, ""))[:2000] for k in ("label", "type", "message", "traceback")}
                       for e in raw.get("cell_errors", []) if isinstance(e, dict)][:20]
        return JobResult("ok", "", cell_errors, bool(raw.get("function_found")), records)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, wire.WireError) as exc:
        return JobResult("crash", f"the results your code's process wrote back are malformed ({type(exc).__name__}).")
