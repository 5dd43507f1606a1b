"""The supervisor that runs inside a grading sandbox: one process per submission.

Run as ``python -s -S -P forkserver.py JOB_DIR RESULT_FD IN_PIDNS [SITE_DIR...]`` next to
``runner.py`` and ``wire.py`` (the kit is copied into the sandbox; only the standard library,
NumPy and those two files are used). It imports NumPy once, reads the jobs (one per check:
answer cells, function, probe inputs), and runs each job in a *forked* child, so that the
start-up is paid once while every job starts from the same clean state: nothing a job's code
does (patching NumPy or builtins, leaving threads or files behind) reaches another job.

Each child: its own process group, stdin/stdout/stderr on /dev/null (output floods cost
nothing), a CPU-time limit, then ``runner.run_job``; it writes its plain results (JSON + .npz
bytes) into a pipe and exits with ``os._exit``. The supervisor never executes student code: it
waits for the child with a wall-clock deadline, kills it (and, inside the sandbox's PID
namespace, every process left behind) and writes one frame per job to RESULT_FD:
``{"id", "status", "exit", "signal", "size"}\\n`` followed by ``size`` bytes of the child's
results. The trusted grader treats every byte of it as untrusted data.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import time

MAX_RESULT_BYTES = 96 * 1024**2


def _prctl(option: int, arg: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# --- no new processes from student code: a seccomp filter (threads stay allowed) ----------
# Student code runs in a forked child; it may start threads (NumPy, time-outs) but not
# processes: fork/vfork fail with EPERM, clone without CLONE_THREAD too, clone3 says ENOSYS (so
# that the C library falls back to clone for threads), and the 32-bit and x32 system-call
# tables, which Python never uses, are closed. A process that cannot start processes cannot
# leave one behind or fork-bomb the grading machine; the PID namespace is the second line.
_ARCH = {"x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}, 0x40000000),
         "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435}, None)}


def _seccomp_program(machine: str) -> bytes | None:
    import struct

    if machine not in _ARCH:
        return None
    arch, nr, x32 = _ARCH[machine]
    LD, JEQ, JGE, AND, RET = 0x20, 0x15, 0x35, 0x54, 0x06
    ALLOW, EPERM, ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, EPERM), (LD, 0, 0, 0)]
    if x32 is not None:
        prog += [(JGE, 0, 1, x32), (RET, 0, 0, EPERM)]
    for name in ("fork", "vfork"):
        if name in nr:
            prog += [(JEQ, 0, 1, nr[name]), (RET, 0, 0, EPERM)]
    prog += [(JEQ, 0, 1, nr["clone3"]), (RET, 0, 0, ENOSYS),
             (JEQ, 1, 0, nr["clone"]), (RET, 0, 0, ALLOW),
             (LD, 0, 0, 16), (AND, 0, 0, 0x00010000),  # clone's flags & CLONE_THREAD
             (JEQ, 0, 1, 0x00010000), (RET, 0, 0, ALLOW), (RET, 0, 0, EPERM)]
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


def _forbid_processes() -> bool:
    """Install the filter in this process (and its threads to come); True if it is in force."""
    try:
        import ctypes
        import platform

        program = _seccomp_program(platform.machine())
        if program is None:
            return False
        libc = ctypes.CDLL(None, use_errno=True)

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

        buf = ctypes.create_string_buffer(program, len(program))
        fprog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_char_p))
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return False
        return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, FILTER
    except (OSError, AttributeError, ValueError):
        return False


def _probe_forbid_processes() -> bool:
    """Does the filter work here (and leave threads working)? Tried once, in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        code = 4
        try:
            if _forbid_processes():
                import threading

                t = threading.Thread(target=lambda: None)
                t.start()
                t.join()
                try:
                    if os.fork() == 0:
                        os._exit(0)
                    code = 3  # fork still works: the filter is not in force
                except PermissionError:
                    code = 0
        finally:
            os._exit(code)
    _, wstatus = os.waitpid(pid, 0)
    return os.WIFEXITED(wstatus) and os.WEXITSTATUS(wstatus) == 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _without_magics(job: dict) -> list[str]:
    """IPython syntax in an answer cell (``%timeit f(X)``, ``!ls``, a ``%%time`` cell) is not
    Python: where a cell does not compile because of it, those lines are blanked (kept as
    ``pass`` at their indentation, so line numbers stay right). Returns the cells changed."""
    changed = []
    for cell in job["cells"]:
        code = cell["code"]
        try:
            compile(code, "<cell>", "exec")
            continue
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        lines = code.splitlines(True)
        magic = [i for i, line in enumerate(lines) if line.lstrip().startswith(("%", "!"))]
        if not magic:
            continue
        for i in magic:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i] = f"{indent}pass  # IPython: {lines[i].strip()}"[:200] + "\n"
        try:
            compile("".join(lines), "<cell>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        cell["code"] = "".join(lines)
        changed.append(cell["label"])
    return changed


def _child(job: dict, arrays: dict, write_fd: int, cpu_seconds: int, forbid_processes: bool) -> None:
    """In the forked child: run one job and send its plain results. Never returns."""
    code = 70
    try:
        os.setpgid(0, 0)
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: if the supervisor dies, so does this job
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 2))
        if forbid_processes and not _forbid_processes():
            os._exit(72)
        import io

        import numpy as np
        import runner

        magics = _without_magics(job)
        result, out_arrays = runner.run_job(job, arrays)
        result["magics_ignored"] = magics
        buf = io.BytesIO()
        np.savez(buf, **out_arrays)
        npz = buf.getvalue()
        text = json.dumps(result, allow_nan=True).encode("utf-8")
        _write_all(write_fd, f"{len(text)} {len(npz)}\n".encode("ascii") + text + npz)
        code = 0
    except BaseException:  # noqa: BLE001 - the child must end here, whatever happened
        code = 71
    finally:
        os._exit(code)


def _wait(pid: int, read_fd: int, deadline: float) -> tuple[bytes, str, int | None, int | None]:
    """Collect the child's bytes until it exits or the deadline passes.

    Returns (payload, status, exit code, signal number); status is "ok", "timeout" or
    "too_big" (the child is killed in the last two cases).
    """
    chunks: list[bytes] = []
    size = 0
    status = "ok"
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None  # old kernel: poll the child every 20 ms instead
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    reading = True
    wstatus = None
    while wstatus is None:
        left = deadline - time.monotonic()
        if left <= 0:
            status = "timeout"
            break
        for fd, _ in poller.poll((left if pidfd is not None else min(left, 0.02)) * 1000):
            if fd == read_fd and reading:
                data = os.read(read_fd, 1 << 20)
                if not data:
                    poller.unregister(read_fd)
                    reading = False
                else:
                    chunks.append(data)
                    size += len(data)
                    status = "too_big" if size > MAX_RESULT_BYTES else status
        if status != "ok":
            break
        got, ws = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            wstatus = ws
    if pidfd is not None:
        os.close(pidfd)
    if wstatus is None:
        _kill_group(pid)
        _, wstatus = os.waitpid(pid, 0)
    elif reading:  # drain what the child wrote before it exited (a grandchild may hold the pipe open)
        os.set_blocking(read_fd, False)
        try:
            while size <= MAX_RESULT_BYTES:
                data = os.read(read_fd, 1 << 20)
                if not data:
                    break
                chunks.append(data)
                size += len(data)
        except BlockingIOError:
            pass
    code = os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else None
    sig = os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None
    return b"".join(chunks), status, code, sig


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _sweep(pid: int, in_pidns: bool) -> None:
    """Kill whatever the job left behind, then reap our zombies."""
    _kill_group(pid)
    if in_pidns:
        try:
            os.kill(-1, signal.SIGKILL)  # in the sandbox's PID namespace: everything but us and its init
        except ProcessLookupError:
            pass
    while True:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if reaped == 0:
            break


def main(argv: list[str]) -> int:
    job_dir, result_fd, in_pidns = argv[1], int(argv[2]), argv[3] == "1"
    kit = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [kit]
    sys.path.extend(argv[4:])
    # Inside a PID namespace we are PID 2 (bwrap's init is 1): only then may we signal "all".
    in_pidns = in_pidns and os.getpid() <= 3
    _prctl(4, 0)  # PR_SET_DUMPABLE = 0: no job can ptrace us or open /proc/<us>/fd or mem
    if not in_pidns:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the grader (bwrap does it otherwise)

    import numpy as np  # noqa: F401 - imported once here, inherited by every forked job
    import runner  # noqa: F401
    import wire  # noqa: F401

    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as fh:
        batch = json.load(fh)
    with np.load(os.path.join(job_dir, "job.npz"), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    wall = float(batch["wall_seconds"])
    cpu = int(batch["cpu_seconds"])
    forbid = bool(batch.get("forbid_processes", True)) and _probe_forbid_processes()
    _write_all(result_fd, b'{"ready": true}\n')  # before any student code: the sandbox itself works
    for job in batch["jobs"]:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            os.close(result_fd)
            _child(job, arrays, write_fd, cpu, forbid)
        os.close(write_fd)
        payload, status, code, sig = _wait(pid, read_fd, time.monotonic() + wall)
        os.close(read_fd)
        _sweep(pid, in_pidns)
        if status == "ok" and (code != 0 or not payload):
            status = "crash"
        if sig is not None and sig == signal.SIGXCPU:
            status = "timeout"
        if status == "too_big":
            payload = b""
        head = {"id": job["id"], "status": status, "exit": code, "signal": sig, "size": len(payload)}
        _write_all(result_fd, json.dumps(head).encode("ascii") + b"\n" + payload)
    _write_all(result_fd, json.dumps({"done": True, "processes_forbidden": forbid}).encode("ascii") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
