"""Crash the interpreter with a segmentation fault (ctypes)."""
import ctypes


def compute_mean_variance(X):
    ctypes.string_at(0)
