"""The UCI handwritten digits (8x8 images, 10 classes, 1797 examples), read from ``data/``.

The file ``data/digits.csv.gz`` ships with the course (see ``data/README.md`` for its
source, license and checksum): nothing is downloaded. Each of its 1797 lines holds the 64
pixels of one 8x8 image (integers 0..16, row by row) and then the digit (0..9).

Course convention: examples are **columns**, so ``X`` has shape ``(64, m)``.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
N_EXAMPLES, N_PIXELS, N_CLASSES = 1797, 64, 10
IMAGE_SHAPE = (8, 8)
MAX_PIXEL = 16.0

__all__ = ["load_digits", "train_test_split", "images", "DigitsDataError", "DATA_FILE", "SHA256"]


class DigitsDataError(RuntimeError):
    """The digits file is missing or is not the one the course ships (a clear message says what to do)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _restore_hint(path: Path) -> str:
    return (f"Restore the course's copy: `git checkout -- data/digits.csv.gz` in the course folder "
            f"(or copy data/digits.csv.gz from a fresh clone of the course) to {path}.")


def load_digits(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load the digits and check the file's SHA-256 first.

    path: the ``.csv.gz`` file (default: the course's ``data/digits.csv.gz``).
    Returns ``X`` of shape (64, 1797), float64 pixels scaled to [0, 1] (divided by 16), one
    column per image, and ``y`` of shape (1797,), the digits 0..9 as integers.
    Raises :class:`DigitsDataError` if the file is missing or its checksum differs.
    """
    path = Path(path) if path is not None else DATA_FILE
    if not path.is_file():
        raise DigitsDataError(f"The digits data file {path} is missing. {_restore_hint(path)}")
    found = sha256_of(path)
    if found != SHA256:
        raise DigitsDataError(
            f"The digits data file {path} is damaged or is not the course's copy: its SHA-256 is {found}, "
            f"but the course's file has {SHA256} (data/README.md). {_restore_hint(path)}")
    with gzip.open(path, "rt", encoding="ascii") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if table.shape != (N_EXAMPLES, N_PIXELS + 1):  # cannot happen with the right checksum
        raise DigitsDataError(f"{path} holds a table of shape {table.shape}, not ({N_EXAMPLES}, {N_PIXELS + 1}).")
    X = table[:, :N_PIXELS].T.astype(np.float64) / MAX_PIXEL
    y = table[:, N_PIXELS].copy()
    return np.ascontiguousarray(X), y


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: int = 0):
    """A deterministic, stratified split of the columns of ``X`` (n, m) and labels ``y`` (m,).

    Each class contributes ``round(test_fraction * its count)`` examples to the test set, chosen
    by a generator seeded with ``seed``; both sets keep the original order of their examples.
    Returns ``X_train, y_train, X_test, y_test`` (new arrays).
    """
    X, y = np.asarray(X), np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != y.size:
        raise ValueError(f"X must be (n, m) with one column per label; got X {X.shape} and y {y.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1; got {test_fraction}")
    rng = np.random.default_rng(seed)
    test = np.zeros(y.size, dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        k = int(round(test_fraction * members.size))
        test[rng.choice(members, size=k, replace=False)] = True
    return X[:, ~test].copy(), y[~test].copy(), X[:, test].copy(), y[test].copy()


def images(X: np.ndarray) -> np.ndarray:
    """The columns of ``X`` (64, m) as ``m`` images of 8x8 pixels: shape (m, 8, 8)."""
    X = np.asarray(X)
    return X.T.reshape(-1, *IMAGE_SHAPE)
