"""Look for the instructor sources, reference solutions, hidden tests, the gradebook and other
students' files on disk, and try to import the grader; report what was found."""
import os

found = []
for path in ["__REPO__/grader/source/01_normalizing_inputs.py", "__REPO__/grader/suites/nb01_normalizing_inputs.py",
             "__REPO__/grader/hidden.py", "__GRADEBOOK__", "__OTHER__", "__OUT__/instructor-notes.txt",
             "/etc/passwd", "/etc/shadow", "/root/.bash_history"]:
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        found.append(path)
    except OSError:
        pass
interesting = ("gradebook", "01_normalizing_inputs", "nb01_", "hidden", "reference", ".ipynb", "grader")
for top, dirs, files in os.walk("/"):
    # skip the kernel's folders and the read-only Python installation (searched by the imports below)
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/usr", "/dev", "/opt", "/lib",
                                                                "/lib64", "/bin", "/sbin", "/root/.pyenv")]
    if top.startswith("/kit"):  # the sandbox's own kit: runner.py, wire.py, forkserver.py (no secrets)
        continue
    found += [os.path.join(top, f) for f in files + dirs if any(w in f for w in interesting) or f.endswith(".py")][:5]
    if len(found) > 20:
        break
for module in ("grader", "grader.reference", "grader.hidden", "grader.suites"):  # (course ships to students)
    try:
        __import__(module)
        found.append(f"import {module}")
    except ImportError:
        pass


def compute_mean_variance(X):
    raise RuntimeError(f"hostile-found={found!r}")
