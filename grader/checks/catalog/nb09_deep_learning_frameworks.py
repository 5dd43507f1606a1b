"""Graded functions of notebook 09 (pure NumPy: they need no framework)."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("pytorch_running_update", "09_deep_learning_frameworks",
                 ("running_mean", "running_var", "Z", "momentum"), ("running_mean", "running_var"),
                 "pytorch_running_update(running_mean, running_var, Z, momentum=0.1) -> (running_mean, running_var)"),
]
