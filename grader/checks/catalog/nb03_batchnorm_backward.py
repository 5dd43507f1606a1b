"""Graded functions of notebook 03."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("batchnorm_backward", "03_batchnorm_backward", ("dZ_tilde", "cache"), ("dZ", "dgamma", "dbeta"),
                 "batchnorm_backward(dZ_tilde, cache) -> (dZ, dgamma, dbeta)"),
]
