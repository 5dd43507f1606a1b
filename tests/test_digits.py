"""The digits data set in data/: the checksum is verified, a damaged copy gets a clear error,
and the loader and the split give the documented shapes, classes and values."""
from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from course import digits

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_file_has_the_documented_checksum():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    documented = re.search(r"SHA-256 \| `([0-9a-f]{64})`", readme)
    assert documented, "data/README.md does not state the SHA-256 of digits.csv.gz"
    actual = hashlib.sha256(digits.DATA_FILE.read_bytes()).hexdigest()
    assert actual == documented[1] == digits.SHA256
    assert "CC BY 4.0" in readme and "scikit-learn 1.9.1" in readme and "UCI" in readme


def test_load_digits_shapes_values_and_classes():
    X, y = digits.load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (1797,) and y.dtype.kind == "i"
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))  # pixels are counts 0..16, divided by 16
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    assert np.bincount(y).min() >= 170  # about 180 of each digit


def test_load_digits_reads_the_csv_faithfully():
    with gzip.open(digits.DATA_FILE, "rt") as fh:
        first = [int(v) for v in fh.readline().split(",")]
    X, y = digits.load_digits()
    np.testing.assert_array_equal(X[:, 0] * 16, first[:64])
    assert y[0] == first[64]
    assert digits.images(X[:, :3]).shape == (3, 8, 8)
    np.testing.assert_array_equal(digits.images(X[:, :1])[0], np.array(first[:64]).reshape(8, 8) / 16)


def test_a_damaged_copy_is_refused_with_a_clear_message(tmp_path):
    damaged = tmp_path / "digits.csv.gz"
    raw = bytearray(digits.DATA_FILE.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(digits.DigitsDataError) as err:
        digits.load_digits(damaged)
    text = str(err.value)
    assert "damaged" in text and digits.SHA256 in text and hashlib.sha256(raw).hexdigest() in text
    assert "git checkout -- data/digits.csv.gz" in text  # says what to do


def test_a_missing_file_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(digits.DigitsDataError, match="missing.*Restore"):
        digits.load_digits(tmp_path / "nowhere.csv.gz")


def test_a_different_but_valid_csv_is_refused(tmp_path):
    other = tmp_path / "digits.csv.gz"
    with gzip.open(other, "wt") as fh:
        fh.write(",".join(["0"] * 64 + ["3"]) + "\n")
    with pytest.raises(digits.DigitsDataError, match="not the course's copy"):
        digits.load_digits(other)


def test_split_is_deterministic_stratified_and_a_partition():
    X, y = digits.load_digits()
    X_tr, y_tr, X_te, y_te = digits.train_test_split(X, y, test_fraction=0.2, seed=0)
    assert X_tr.shape == (64, 1438) and X_te.shape == (64, 359) and y_tr.shape == (1438,) and y_te.shape == (359,)
    again = digits.train_test_split(X, y, test_fraction=0.2, seed=0)
    for a, b in zip((X_tr, y_tr, X_te, y_te), again):
        np.testing.assert_array_equal(a, b)
    # a partition of the examples, each keeping its label
    both = np.concatenate([X_tr, X_te], axis=1)
    labels = np.concatenate([y_tr, y_te])
    key = lambda A, lab: sorted(zip(map(bytes, A.T.copy()), lab.tolist()))
    assert key(both, labels) == key(X, y)
    # stratified: every digit keeps its share, within one example
    share = np.bincount(y_te, minlength=10) / np.bincount(y, minlength=10)
    assert np.all(np.abs(share * np.bincount(y) - 0.2 * np.bincount(y)) <= 0.5 + 1e-9)
    other = digits.train_test_split(X, y, seed=1)
    assert not np.array_equal(other[3], y_te) or not np.array_equal(other[2], X_te)


def test_split_rejects_bad_arguments():
    X, y = digits.load_digits()
    with pytest.raises(ValueError, match="one column per label"):
        digits.train_test_split(X.T, y)
    with pytest.raises(ValueError, match="between 0 and 1"):
        digits.train_test_split(X, y, test_fraction=1.0)
