"""``python -m grader autograde SUBMISSIONS --out OUT``: grade a class, safely and fast.

The grading unit is :func:`grader.autograde.unit.grade_file`: one submitted file in, one plain
result (a JSON-able dict) out, a pure function of the file's bytes and the grader's version.
Around it, :func:`grader.autograde.run.autograde` finds the submissions (a folder in the
course's layout, nbgrader's ``submitted/`` layout, or an LMS zip), skips those already graded
(``OUT/.cache``), fans the rest out over worker processes, and writes ``OUT/results.json``,
``OUT/grades.csv``, one feedback page per student and notebook under ``OUT/feedback/`` and the
nbgrader gradebook.

How a submission is graded (the trust boundary is the sandbox, ``grader/sandbox.py``):

1. *Rebuild from the trusted source.* Only the student's answer cells are taken, matched by
   nbgrader ``grade_id`` (last duplicate wins; a retyped cell without metadata is found by its
   ``def``); the checks are the instructor source's test cells, never the submitted ones.
2. *Isolate.* Each check of each function runs in its own forked process inside one sandbox
   per submission: no network, no file of the grader or of other students, a private /tmp,
   limits on CPU time, wall time, memory and processes.
3. *Judge in the trusted process* the plain numbers that come back, against expected values
   computed here (hidden checks) or stored in the fixtures (visible checks).
"""
