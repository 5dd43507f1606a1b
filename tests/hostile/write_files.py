"""Rewrite the gradebook, the outputs and another student's submission; leave a file behind."""
import os
import sqlite3

import numpy as np

targets = ["__GRADEBOOK__", "__OUT__/grades.csv", "__OUT__/results.json", "__OUT__/instructor-notes.txt",
           "__OTHER__", "__MARKER__"]
written = []
for path in targets:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write("student,999\n")
        written.append(path)
    except OSError:
        pass
try:
    db = sqlite3.connect("__GRADEBOOK__")
    db.execute("UPDATE grade SET auto_score = 1000")
    db.commit()
    written.append("gradebook rows")
except Exception:
    pass


def compute_mean_variance(X):
    raise RuntimeError(f"hostile-written={written!r}")
