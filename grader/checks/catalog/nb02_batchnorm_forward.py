"""Graded functions of notebook 02."""
from ..specs import BN_CACHE_KEYS, FunctionSpec

FUNCTIONS = [
    FunctionSpec("batchnorm_forward", "02_batchnorm_forward", ("Z", "gamma", "beta", "epsilon"), ("Z_tilde", "cache"),
                 "batchnorm_forward(Z, gamma, beta, epsilon=1e-5) -> (Z_tilde, cache)", cache_keys=BN_CACHE_KEYS),
]
