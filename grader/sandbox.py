"""Run student code in a sandboxed process and bring back only plain values.

One sandbox per submission. On Linux with bubblewrap (``bwrap``, Debian package
``bubblewrap``; ``make setup`` installs it) the sandbox is a new mount, PID, network, IPC and
user namespace with no capabilities, where the only files are, read-only, the Python
installation, the site-packages folders (NumPy) with any installed ``grader`` package hidden,
the ``course`` package alone (helpers that ship to students), ``/usr``, the kit (``runner.py``,
``wire.py``, ``forkserver.py``) and the job; ``/tmp`` is a small private tmpfs; there is no
network and no ``/etc``. The checkout (instructor sources,
reference solutions, hidden tests), the gradebook, the output folder and the other
submissions are simply not there. Where bwrap is missing or does not work, the same code runs
with process limits only, and :func:`isolation` says so (the autograder warns loudly).

Inside, ``forkserver.py`` imports NumPy once and runs every job (the answer cells and calls of
one check) in a forked child with a CPU-time limit, a seccomp filter that forbids new
processes, and a wall-clock deadline; the whole sandbox also has a memory limit and is killed,
with everything in it, when it ends. Results come back through a pipe as JSON + .npz bytes,
read with ``allow_pickle=False`` and validated by ``wire.decode``: no object of the student's
ever reaches the trusted process. If a job kills the supervisor, the jobs after it are run
again in a fresh sandbox, so that one function's crash never costs another's result.
"""
from __future__ import annotations

import io
import json
import os
import resource
import select
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checks import wire

KIT = [Path(__file__).with_name("checks") / "runner.py", Path(__file__).with_name("checks") / "wire.py",
       Path(__file__).with_name("autograde") / "forkserver.py"]
MAX_STREAM_BYTES = 256 * 1024**2
MAX_RESULT_JSON = 32 * 1024**2
MAX_RESULT_ARRAYS = 200 * 1024**2


@dataclass
class Limits:
    wall_seconds: float = 60.0  # per job (one check of one function)
    cpu_seconds: int = 60  # per job
    memory_bytes: int = 2 * 1024**3  # address space of each process in the sandbox
    output_bytes: int = 64 * 1024  # kept for compatibility: student output is discarded
    tmp_bytes: int = 64 * 1024**2  # the private /tmp
    startup_seconds: float = 30.0  # sandbox start-up and NumPy import


@dataclass
class JobResult:
    status: str  # "ok", "timeout" or "crash"
    message: str = ""
    cell_errors: list = field(default_factory=list)
    function_found: bool = False
    records: list = field(default_factory=list)  # one plain record per probe (runner.call_probe)
    magics_ignored: list = field(default_factory=list)  # answer cells whose IPython lines (%timeit...) were skipped


class SandboxError(RuntimeError):
    """The sandbox itself did not start (before any student code ran): a problem of the grading
    machine, never of the submission."""


@dataclass
class Job:
    """One job: execute ``cells`` (``[{"label", "code"}]``), call ``function`` on each probe."""

    id: str
    function: str
    cells: list
    probes: list  # [(args tuple, kwargs dict)] of plain values


@dataclass(frozen=True)
class Isolation:
    mode: str  # "bwrap" or "rlimits"
    detail: str

    @property
    def isolated(self) -> bool:
        return self.mode == "bwrap"


# --- the sandbox's file system ---------------------------------------------------------

def _python() -> tuple[str, str]:
    """(the real interpreter, the installation prefix to bind)."""
    exe = os.path.realpath(sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    if not exe.startswith(prefix + os.sep):
        prefix = os.path.dirname(os.path.dirname(exe))
    return exe, prefix


def _course_package() -> str | None:
    """The folder of the ``course`` package (helpers that ship to students: an answer cell may use
    them), or None if it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("course")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return os.path.realpath(locations[0]) if locations else None


def _site_dirs() -> list[str]:
    dirs = []
    candidates = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    for d in candidates:
        real = os.path.realpath(d)
        if os.path.isdir(real) and real not in dirs:
            dirs.append(real)
    return dirs


def _bwrap_argv(workdir: Path, limits: Limits, result_fd: int, strict_user: bool = True,
                sized_tmp: bool = True, with_course: bool = False) -> list[str]:
    exe, prefix = _python()
    argv = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
    if strict_user:
        argv += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
    for d in ("/usr", "/lib", "/lib64", "/bin", "/sbin"):
        argv += ["--ro-bind-try", d, d]
    if not prefix.startswith("/usr/"):
        argv += ["--ro-bind", prefix, prefix]
    inside = []
    for i, d in enumerate(_site_dirs()):
        if d.startswith(prefix + os.sep) or d.startswith("/usr/"):
            target = d  # already visible through the installation
        else:
            target = f"/opt/site/{i}"
            argv += ["--ro-bind", d, target]
        inside.append(target)
        if os.path.isdir(os.path.join(d, "grader")):  # a non-editable install of this project
            argv += ["--tmpfs", f"{target}/grader", "--remount-ro", f"{target}/grader"]
    course = _course_package() if with_course else None
    if course:  # the student-facing helpers, alone: not the checkout they live in
        argv += ["--ro-bind", course, "/opt/course/course"]
        inside.append("/opt/course")
    argv += ["--ro-bind", str(workdir / "kit"), "/kit", "--ro-bind", str(workdir / "job"), "/job",
             "--proc", "/proc", "--dev", "/dev",
             *(["--size", str(limits.tmp_bytes), "--perms", "1777"] if sized_tmp else []), "--tmpfs", "/tmp",
             "--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for k, v in _child_env("/tmp").items():
        argv += ["--setenv", k, v]
    argv += [exe, "-s", "-S", "-P", "/kit/forkserver.py", "/job", str(result_fd), "1", *inside]
    return argv


def _plain_argv(workdir: Path, result_fd: int, with_course: bool = False) -> list[str]:
    exe, _ = _python()
    course = _course_package() if with_course else None
    return [exe, "-s", "-S", "-P", str(workdir / "kit" / "forkserver.py"), str(workdir / "job"), str(result_fd), "0",
            *_site_dirs(), *([os.path.dirname(course)] if course else [])]


def _child_env(tmp: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def _limit(limits: Limits):
    def apply():
        for which, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CORE, 0),
                             (resource.RLIMIT_FSIZE, 256 * 1024**2)):
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):  # e.g. RLIMIT_AS on macOS
                pass
    return apply


_FEATURES = [True, True]  # strict user namespace, size-limited /tmp: what this bwrap supports


@lru_cache(maxsize=None)
def isolation() -> Isolation:
    """How student code is isolated on this machine (tried once per process).

    ``GRADER_SANDBOX=rlimits`` forces the fallback (never for real grading);
    ``GRADER_SANDBOX=bwrap`` makes a missing bwrap an error.
    """
    wanted = os.environ.get("GRADER_SANDBOX", "auto")
    if wanted == "rlimits":
        return Isolation("rlimits", "GRADER_SANDBOX=rlimits was set")
    if sys.platform != "linux":
        why = f"bubblewrap needs Linux (this is {sys.platform})"
    elif shutil.which("bwrap") is None:
        why = "bubblewrap (bwrap) is not installed"
    else:
        why = ""
        # the strictest variant that this bwrap supports (--disable-userns needs 0.8, --size 0.7)
        for strict, sized in ((True, True), (False, True), (True, False), (False, False)):
            ok, err = _try_bwrap(strict, sized)
            if ok:
                _FEATURES[:] = [strict, sized]
                extra = [w for w, on in (("without a user namespace", strict), ("/tmp not size-limited", sized))
                         if not on]
                return Isolation("bwrap", "bubblewrap: no network, no file of the grader or of other students, "
                                 "private /tmp, PID namespace" + (f" ({', '.join(extra)})" if extra else ""))
            why = why or f"bwrap does not work here: {err}"
    if wanted == "bwrap":
        raise RuntimeError(f"GRADER_SANDBOX=bwrap but {why}")
    return Isolation("rlimits", why)



def _try_bwrap(strict: bool, sized: bool) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as tmp:
        work = Path(tmp)
        (work / "kit").mkdir()
        (work / "job").mkdir()
        argv = _bwrap_argv(work, Limits(), 1, strict, sized)
        at = argv.index("/kit/forkserver.py")
        argv = argv[:at] + ["-c", "import sys; sys.path += sys.argv[1:]; import numpy; print('ok')"] + argv[at + 4:]
        try:
            res = subprocess.run(argv, capture_output=True, timeout=60, preexec_fn=_limit(Limits()))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, str(exc)
        if res.returncode == 0 and res.stdout.strip() == b"ok":
            return True, ""
        return False, res.stderr.decode(errors="replace").strip()[-300:] or f"exit status {res.returncode}"


def warning_text(iso: Isolation) -> str:
    return ("\n" + "!" * 78 + "\n"
            f"WARNING: student code is NOT sandboxed: {iso.detail}.\n"
            "It runs with process limits only, as the user running the grader: it can read the\n"
            "instructor sources and hidden tests, open network connections and write any file this\n"
            "user can (the gradebook, the output folder, other students' submissions).\n"
            "Grade real submissions only where bubblewrap works: `make setup` installs it as root;\n"
            "otherwise `sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap`\n"
            "(Fedora), `sudo pacman -S bubblewrap` (Arch).\n" + "!" * 78 + "\n")


# --- running a batch -------------------------------------------------------------------

def _needs_course(jobs: list[Job]) -> bool:
    """Whether a job's function may import the ``course`` package (FunctionSpec.uses_course)."""
    from .checks.specs import SPECS

    return any(SPECS[j.function].uses_course for j in jobs if j.function in SPECS)


def _watches(function: str) -> tuple[str, ...]:
    """The functions whose calls are recorded while ``function`` runs (its spec's ``watches``)."""
    from .checks.specs import SPECS

    spec = SPECS.get(function)
    return spec.watches if spec is not None else ()


def run_job(cells: list[dict], function: str, probes: list, limits: Limits | None = None) -> JobResult:
    """Execute ``cells`` and call ``function`` on each probe ``(args, kwargs)`` in a sandbox."""
    return run_jobs([Job("job", function, cells, list(probes))], limits)["job"]


def run_jobs(jobs: list[Job], limits: Limits | None = None) -> dict[str, JobResult]:
    """Run jobs in one sandbox (each in its own forked process); a result for every job.

    If the sandbox stops early (a job killed the supervisor), the job that was running is run
    again alone (to diagnose it) and the jobs after it in a fresh sandbox.
    """
    limits = limits or Limits()
    results: dict[str, JobResult] = {}
    batch = list(jobs)
    while batch:
        got, why = _run_batch(batch, limits)
        results.update(got)
        rest = [j for j in batch if j.id not in got]
        if not rest:
            break
        culprit = rest[0]
        if len(batch) > 1:
            again, why_again = _run_batch([culprit], limits)
            got_again = again.get(culprit.id)
            results[culprit.id] = got_again or JobResult("crash", why_again)
        else:
            results[culprit.id] = JobResult("crash", why)
        batch = rest[1:]
    return results


def _run_batch(jobs: list[Job], limits: Limits) -> tuple[dict[str, JobResult], str]:
    iso = isolation()
    workdir = Path(tempfile.mkdtemp(prefix="grader-job-"))
    read_fd = write_fd = -1
    proc = None
    try:
        os.chmod(workdir, 0o700)
        kit, jobdir = workdir / "kit", workdir / "job"
        kit.mkdir()
        jobdir.mkdir()
        for f in KIT:
            shutil.copy(f, kit / f.name)
        arrays: dict = {}
        spec = {"wall_seconds": limits.wall_seconds, "cpu_seconds": int(limits.cpu_seconds), "forbid_processes": True,
                "jobs": [{"id": j.id, "function": j.function, "cells": j.cells, "watch": list(_watches(j.function)),
                          "probes": [{"args": wire.encode(tuple(a), arrays, f"j{n}q{i}a"),
                                      "kwargs": wire.encode(dict(k), arrays, f"j{n}q{i}k")}
                                     for i, (a, k) in enumerate(j.probes)]}
                         for n, j in enumerate(jobs)]}
        (jobdir / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        np.savez(jobdir / "job.npz", **arrays)
        read_fd, write_fd = os.pipe()
        if iso.isolated:
            argv = _bwrap_argv(workdir, limits, write_fd, *_FEATURES, with_course=_needs_course(jobs))
            cwd, env = str(workdir), {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            tmp = workdir / "tmp"
            tmp.mkdir()
            argv, cwd, env = _plain_argv(workdir, write_fd, _needs_course(jobs)), str(tmp), _child_env(str(tmp))
        with open(workdir / "stderr.log", "wb") as err:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, pass_fds=(write_fd,), preexec_fn=_limit(limits),
                                    start_new_session=True)
        os.close(write_fd)
        write_fd = -1
        deadline = time.monotonic() + limits.startup_seconds + len(jobs) * (limits.wall_seconds + 2)
        stream, overflow = _read_stream(read_fd, deadline)
        _kill(proc)
        if not stream.startswith(b'{"ready": true}\n'):
            err = (workdir / "stderr.log").read_bytes()[-2000:].decode(errors="replace").strip()
            raise SandboxError(f"the sandbox did not start ({iso.mode}): {err or 'no message'}")
        got, done = _parse_frames(stream[len(b'{"ready": true}\n'):], {j.id for j in jobs}, limits)
        if done:
            return got, ""
        if overflow:
            why = "the sandbox sent back more data than allowed."
        elif time.monotonic() >= deadline:
            why = "the sandbox running your code did not finish in time."
        else:
            why = ("the sandbox running your code was stopped before it could report (did your code kill its parent "
                   "process or run out of memory?).")
        return got, why
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
        if proc is not None:
            _kill(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _read_stream(fd: int, deadline: float) -> tuple[bytes, bool]:
    chunks, size = [], 0
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), False
        if not poller.poll(left * 1000):
            continue
        data = os.read(fd, 1 << 20)
        if not data:
            return b"".join(chunks), False
        chunks.append(data)
        size += len(data)
        if size > MAX_STREAM_BYTES:
            return b"".join(chunks), True


def _parse_frames(stream: bytes, ids: set, limits: Limits) -> tuple[dict[str, JobResult], bool]:
    """Frames written by forkserver.py: untrusted; stop at the first malformed one."""
    results: dict[str, JobResult] = {}
    pos = 0
    while pos < len(stream):
        end = stream.find(b"\n", pos, pos + 4096)
        if end < 0:
            break
        try:
            head = json.loads(stream[pos:end])
        except ValueError:
            break
        pos = end + 1
        if not isinstance(head, dict):
            break
        if head.get("done") is True:
            return results, set(results) == ids
        size = head.get("size")
        if not isinstance(size, int) or size < 0 or pos + size > len(stream) or head.get("id") not in ids:
            break
        payload = stream[pos:pos + size]
        pos += size
        results[head["id"]] = _job_result(head, payload, limits)
    return results, False


_SIGNALS = {"SIGXCPU": None, "SIGSEGV": "a segmentation fault (ctypes or a C extension?)",
            "SIGBUS": "a bus error (ctypes or a C extension?)", "SIGKILL": "it was killed (out of memory?)",
            "SIGABRT": "it aborted (out of memory, or a failed C-level check)",
            "SIGFPE": "a floating-point exception in C code", "SIGILL": "an illegal instruction"}


def _job_result(head: dict, payload: bytes, limits: Limits) -> JobResult:
    status, code, sig = head.get("status"), head.get("exit"), head.get("signal")
    if status == "timeout":
        return JobResult("timeout", f"did not finish within {limits.wall_seconds:g} s (an infinite loop?)")
    if status == "too_big":
        return JobResult("crash", "it returned more data than allowed (an enormous array?).")
    if status == "ok":
        decoded = _decode_payload(payload)
        if decoded is not None:
            return decoded
        return JobResult("crash", "the results your code's process wrote back are malformed.")
    if isinstance(sig, int) and sig > 0:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
        why = _SIGNALS.get(name, name)
        return JobResult("crash", f"the Python process running your code died ({why}).")
    if code == 72:
        return JobResult("crash", "the grader could not restrict the process that runs your code.")
    if code == 71:
        return JobResult("crash", "the process running your code failed while sending back its results: does your "
                         "code replace Python's or NumPy's own functions (builtins, np.savez, json)?")
    return JobResult("crash", f"the Python process running your code exited (status {code}) before returning "
                     "results; does your code call os._exit, or kill its own process?")


def _decode_payload(payload: bytes) -> JobResult | None:
    try:
        end = payload.index(b"\n", 0, 64)
        n_json, n_npz = (int(x) for x in payload[:end].split(b" "))
        if not (0 <= n_json <= MAX_RESULT_JSON and 0 <= n_npz <= MAX_RESULT_ARRAYS) \
                or end + 1 + n_json + n_npz != len(payload):
            return None
        raw = json.loads(payload[end + 1:end + 1 + n_json].decode("utf-8"))
        arrays = _load_npz(payload[end + 1 + n_json:])
        return _collect_raw(raw, arrays)
    except (ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError, zipfile.BadZipFile,
            wire.WireError):
        return None


def _load_npz(data: bytes) -> dict:
    """Arrays from untrusted .npz bytes: plain .npy members only, sizes checked before loading."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        if len(infos) > 10_000 or sum(i.file_size for i in infos) > MAX_RESULT_ARRAYS:
            raise ValueError("too much data")
        if any(not i.filename.endswith(".npy") or i.compress_type != zipfile.ZIP_STORED for i in infos):
            raise ValueError("unexpected member")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _collect_raw(raw: dict, arrays: dict) -> JobResult:
    records = []
    for rec in raw.get("calls", [])[:10_000]:
        status = rec.get("status")
        if status not in ("ok", "not_implemented", "raised"):
            raise wire.WireError("bad status")
        err = rec.get("error")
        records.append({
            "status": status,
            "output": wire.decode(rec["output"], arrays) if status == "ok" else None,
            "inputs_after": wire.decode(rec["inputs_after"], arrays),
            "aliases": [str(a)[:200] for a in rec.get("aliases", [])][:20],
            "error": ({k: str(err.get(k, ""))[:2000] for k in ("type", "message", "traceback")}
                      if isinstance(err, dict) else None),
            "warnings": [str(w)[:200] for w in rec.get("warnings", [])][:5],
            **({"watched": wire.decode(rec["watched"], arrays)} if isinstance(rec.get("watched"), dict) else {}),
        })
    cell_errors = [{k: str(e.get(k, ""))[:2000] for k in ("label", "type", "message", "traceback")}
                   for e in raw.get("cell_errors", []) if isinstance(e, dict)][:20]
    magics = raw.get("magics_ignored")
    magics = [str(m)[:100] for m in magics][:20] if isinstance(magics, list) else []
    return JobResult("ok", "", cell_errors, bool(raw.get("function_found")), records, magics)
