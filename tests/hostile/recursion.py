"""Runaway recursion, with the recursion limit raised first."""
import sys

sys.setrecursionlimit(50_000)


def compute_mean_variance(X):
    return compute_mean_variance(X)
