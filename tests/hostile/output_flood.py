"""Flood stdout and stderr (print and raw writes) and return a wrong answer."""
import os
import sys

import numpy as np

for _ in range(20_000):
    print("x" * 1000)
    sys.stderr.write("y" * 1000 + "\n")
os.write(1, b"z" * 10_000_000)


def compute_mean_variance(X):
    for _ in range(1000):
        print("flood" * 200, file=sys.stderr)
    return np.zeros((X.shape[0], 1)), np.zeros((X.shape[0], 1))
