"""Graded functions of notebook 07."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("cross_entropy_cost", "07_softmax_derivation", ("Y_hat", "Y"), ("cost",),
                 "cross_entropy_cost(Y_hat, Y) -> cost (a float)"),
    FunctionSpec("softmax_jacobian", "07_softmax_derivation", ("z",), ("J",), "softmax_jacobian(z) -> J"),
    FunctionSpec("softmax_cross_entropy_backward", "07_softmax_derivation", ("Y_hat", "Y"), ("dZ",),
                 "softmax_cross_entropy_backward(Y_hat, Y) -> dZ"),
]
