"""``python -m grader check NOTEBOOK.ipynb``: a student's self-check with the visible checks."""
from __future__ import annotations

from pathlib import Path

from .checks.evaluate import visible_probes
from .checks.judge import STATUS_MARKS
from .checks.specs import functions_of
from .grade import grade_function
from .notebook import NotebookError, answers, identify, load


def run(path: str) -> int:
    try:
        nb = load(Path(path))
        notebook = identify(nb, Path(path).stem)
    except NotebookError as exc:
        print(f"error: {exc}")
        return 2
    found = answers(nb, notebook)
    print(f"Checking {path} ({notebook}, visible checks)")
    for note in found.notes:
        print(f"note: {note}")
    verdicts = [grade_function(found, s.name, visible_probes(s.name)) for s in functions_of(notebook)]
    for v in verdicts:
        first, *rest = v.message.splitlines() or [""]
        print(f"{STATUS_MARKS.get(v.status, '?')} {v.function} [{v.status}]: {first}")
        for line in rest:
            print(f"    {line}")
    passed = sum(v.passed for v in verdicts)
    print(f"{passed} of {len(verdicts)} graded functions pass their visible checks."
          + ("" if passed == len(verdicts) else " Hidden checks with other inputs run when your work is graded."))
    return 0 if passed == len(verdicts) else 1
