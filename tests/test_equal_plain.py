"""judge.equal_plain compares any plain value with any other: a bool, never an exception
(None written over an array, lists against dicts, arrays of other shapes or dtypes, nan, inf)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks.judge import equal_plain
from grader.checks.wire import Opaque, Scalar, to_plain

arrays = hnp.arrays(st.sampled_from([np.float64, np.int64, np.bool_, np.complex128]),
                    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)).map(to_plain)
leaves = st.one_of(arrays, scalars, st.builds(Opaque, st.sampled_from(["function", "set"])), st.floats(), st.none())
plain = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.sampled_from(["Z", "mu", "A_prev"]), inner, max_size=3)), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(plain, plain)
def test_any_two_plain_values_compare_without_an_exception(a, b):
    assert equal_plain(a, b) in (True, False)
    assert equal_plain(a, b) == equal_plain(b, a)


@settings(max_examples=200, deadline=None)
@given(plain)
def test_a_plain_value_equals_itself_nan_included(a):
    assert equal_plain(a, a)


def test_none_written_over_an_array_is_a_change():
    before = {"Z": np.ones((2, 3)), "mu": np.zeros((2, 1))}
    after = {"Z": to_plain(None), "mu": np.zeros((2, 1))}
    assert not equal_plain(before, after) and not equal_plain(after, before)
    assert not equal_plain(np.ones(3), Scalar(1.0, "float"))
    assert equal_plain(Scalar(float("nan"), "float"), Scalar(float("nan"), "float"))
    assert not equal_plain(Scalar(1, "int"), Scalar(1, "numpy.int64"))
