"""Graded functions of notebook 06."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("one_hot", "06_softmax", ("y", "C"), ("Y",), "one_hot(y, C) -> Y"),
    FunctionSpec("softmax", "06_softmax", ("Z",), ("A",), "softmax(Z) -> A"),
    FunctionSpec("hardmax", "06_softmax", ("Z",), ("A",), "hardmax(Z) -> A"),
]
