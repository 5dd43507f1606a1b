"""Graded functions of notebook 01."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("compute_mean_variance", "01_normalizing_inputs", ("X",), ("mu", "sigma2"),
                 "compute_mean_variance(X) -> (mu, sigma2)"),
    FunctionSpec("normalize_inputs", "01_normalizing_inputs", ("X", "mu", "sigma2", "epsilon"), ("X_norm",),
                 "normalize_inputs(X, mu, sigma2, epsilon=1e-5) -> X_norm"),
]
