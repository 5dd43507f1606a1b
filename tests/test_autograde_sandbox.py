"""The sandbox (grader/sandbox.py + grader/autograde/forkserver.py): what it mounts, what it
forbids, the fallback without bubblewrap, and how it reads what comes back (untrusted bytes)."""
from __future__ import annotations

import io
import json
import platform
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import sandbox
from grader.checks.runner import PRELUDE_LABEL
from grader.sandbox import Isolation, Job, Limits, run_jobs

pytestmark = pytest.mark.xdist_group("autograde-sandbox")

ROOT = Path(__file__).resolve().parent.parent
FAST = Limits(wall_seconds=5, cpu_seconds=5)


def job(name: str, code: str, args=(np.arange(6.0).reshape(2, 3),), function: str = "f") -> Job:
    """A job as the grader makes one (``notebook.cells_for``): the notebook's imports, then the cell."""
    return Job(name, function, [{"label": PRELUDE_LABEL, "code": "import numpy as np\n"},
                                {"label": function, "code": code}], [(tuple(args), {})])


def test_bwrap_mounts_no_part_of_the_checkout(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "job").mkdir()
    argv = sandbox._bwrap_argv(tmp_path, Limits(), 3)
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind", "--ro-bind-try", "--dev-bind")]
    assert "--bind" not in argv and "--dev-bind" not in argv  # nothing of the host is writable
    for src in sources:
        real = Path(src).resolve()
        if real.is_relative_to(ROOT):  # only site-packages and the student-facing helpers, never the sources
            assert "site-packages" in real.parts or real == ROOT / "course", src
        assert real not in (ROOT, ROOT / "grader", Path("/"), Path("/work"), Path("/home"), Path("/root"))
    assert "--unshare-all" in argv and "--share-net" not in argv and "--die-with-parent" in argv


def test_only_functions_that_declare_it_may_import_the_course_helpers_and_none_the_grader():
    probe = '''def {name}(*args, **kwargs):
    found = 0.0
    try:
        import course.network
        found += 1.0
    except ImportError:
        pass
    try:
        import grader
        found += 10.0
    except ImportError:
        pass
    return found
'''
    isolated = sandbox.isolation().isolated
    # notebook 08's training function declares uses_course; notebook 04's update does not
    for name, course_ok in (("train_softmax_classifier", True), ("update_parameters", False)):
        res = run_jobs([job("a", probe.format(name=name), function=name)], FAST)["a"]
        assert res.status == "ok" and res.records[0]["status"] == "ok", res
        # without bubblewrap (a loud warning) the course's folder on sys.path exposes the checkout too
        expected = (1.0 + (0.0 if isolated else 10.0)) if course_ok else 0.0
        assert res.records[0]["output"].value == expected, name


def test_isolation_is_reported():
    iso = sandbox.isolation()
    assert iso.mode in ("bwrap", "rlimits") and iso.detail
    if iso.mode == "rlimits":
        assert "NOT sandboxed" in sandbox.warning_text(iso)


def test_jobs_are_isolated_from_each_other():
    """A job that patches NumPy does not affect the next one (each runs in a fresh fork)."""
    patch = "import numpy as np\nnp.mean = lambda *a, **k: 42.0\ndef f(X):\n    return np.mean(X)\n"
    honest = "def f(X):\n    return np.mean(X)\n"
    res = run_jobs([job("a", patch), job("b", honest)], FAST)
    assert res["a"].records[0]["output"].value == 42.0
    assert res["b"].records[0]["output"].value == 2.5


@pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"), reason="the seccomp filter knows these")
def test_student_code_cannot_start_processes_but_can_use_threads():
    code = '''import os, threading, subprocess
def f(X):
    blocked = 0
    for start in (os.fork, lambda: subprocess.run(["/bin/true"])):
        try:
            start()
        except PermissionError:
            blocked += 1
    out = []
    t = threading.Thread(target=lambda: out.append(X.sum()))
    t.start(); t.join()
    return np.array([blocked, out[0]], dtype=float)
'''
    res = run_jobs([job("a", code)], FAST)["a"]
    assert res.status == "ok"
    assert res.records[0]["output"].tolist() == [2.0, 15.0]


def test_fallback_without_bubblewrap_still_grades_with_limits(monkeypatch):
    monkeypatch.setattr(sandbox, "isolation", lambda: Isolation("rlimits", "testing the fallback"))
    res = run_jobs([job("ok", "def f(X):\n    return X * 2\n"),
                    job("loop", "def f(X):\n    while True:\n        pass\n"),
                    job("exit", "import os\nos._exit(3)\n"),
                    job("after", "def f(X):\n    return X.sum()\n")], Limits(wall_seconds=1.5, cpu_seconds=2))
    assert res["ok"].status == "ok" and res["ok"].records[0]["output"].tolist() == [[0, 2, 4], [6, 8, 10]]
    assert res["loop"].status == "timeout"
    assert res["exit"].status == "crash" and "status 3" in res["exit"].message
    assert res["after"].status == "ok"


def test_autograde_warns_loudly_without_a_sandbox(monkeypatch, tmp_path):
    from grader.autograde import run as runmod

    monkeypatch.setattr(runmod, "isolation", lambda: Isolation("rlimits", "bubblewrap (bwrap) is not installed"))
    (tmp_path / "subs").mkdir()
    messages = []
    runmod.autograde(tmp_path / "subs", tmp_path / "out", gradebook=False, progress=False, log=messages.append)
    assert any("NOT sandboxed" in m and "apt-get install bubblewrap" in m for m in messages)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_results_are_read_as_untrusted_data():
    good = json.dumps({"cell_errors": [], "function_found": True, "calls": []}).encode()
    ok = sandbox._decode_payload(f"{len(good)} {len(_npz())}\n".encode() + good + _npz())
    assert ok is not None and ok.function_found
    pickled = _npz(x=np.array([object()], dtype=object))  # np.load refuses pickles: malformed
    assert sandbox._decode_payload(f"{len(good)} {len(pickled)}\n".encode() + good + pickled) is None
    deflated = io.BytesIO()
    with zipfile.ZipFile(deflated, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.npy", b"0" * 1000)
    data = deflated.getvalue()
    assert sandbox._decode_payload(f"{len(good)} {len(data)}\n".encode() + good + data) is None
    assert sandbox._decode_payload(b"99999999999 0\n{}") is None
    assert sandbox._decode_payload(b"garbage") is None
    # frames: unknown ids, bad sizes and garbage stop the parse; nothing is invented
    frames = b'{"id": "x", "status": "ok", "size": 5}\nhello{"done": true}\n'
    assert sandbox._parse_frames(frames, {"a"}, FAST) == ({}, False)
    assert sandbox._parse_frames(b"\x00\x01garbage", {"a"}, FAST) == ({}, False)
    timeout = b'{"id": "a", "status": "timeout", "size": 0}\n{"done": true}\n'
    got, done = sandbox._parse_frames(timeout, {"a"}, FAST)
    assert done and got["a"].status == "timeout"


def test_a_sandbox_that_does_not_start_is_the_graders_problem_not_the_students(monkeypatch, tmp_path):
    """No student code ran: the notebook is not scored as the student's crash, and it is not
    cached, so that the next run grades it again."""
    import sys

    from grader.autograde.unit import Submission, grade_file
    from grader.release import filled_student_notebook

    monkeypatch.setattr(sandbox, "isolation", lambda: Isolation("rlimits", "testing"))
    monkeypatch.setattr(sandbox, "_plain_argv", lambda workdir, fd, with_course=False: [sys.executable, "-c", "import sys; sys.exit(1)"])
    with pytest.raises(sandbox.SandboxError, match="did not start"):
        run_jobs([job("a", "def f(X):\n    return X\n")], FAST)
    path = tmp_path / "01_normalizing_inputs.ipynb"
    path.write_text(json.dumps(filled_student_notebook("01_normalizing_inputs")))
    entry = grade_file(Submission("s", path, "s/01_normalizing_inputs.ipynb"), FAST)
    assert entry["_transient"] and entry["_problems"] and "not your fault" in entry["message"]


def test_ipython_lines_in_an_answer_cell_are_skipped_not_fatal():
    code = "%matplotlib inline\ndef f(X):\n    %timeit X.sum()\n    !ls\n    return X * 2\n"
    res = run_jobs([job("a", code), job("b", "def f(X):\n    return X % 4\n")], FAST)
    assert res["a"].status == "ok" and res["a"].magics_ignored == ["f"]
    assert res["a"].records[0]["output"].tolist() == [[0, 2, 4], [6, 8, 10]]
    assert res["b"].magics_ignored == []  # valid Python is never touched
