"""Exhaust memory: allocate far more than the sandbox allows."""
import numpy as np


def compute_mean_variance(X):
    hog = [np.empty(10**8) for _ in range(10_000)]
    return hog[0], hog[1]
