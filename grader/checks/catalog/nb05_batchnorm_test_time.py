"""Graded functions of notebook 05."""
from ..specs import FunctionSpec

FUNCTIONS = [
    FunctionSpec("update_running_averages", "05_batchnorm_test_time",
                 ("running_mu", "running_sigma2", "mu", "sigma2", "momentum"), ("running_mu", "running_sigma2"),
                 "update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9) "
                 "-> (running_mu, running_sigma2)"),
    FunctionSpec("batchnorm_inference", "05_batchnorm_test_time",
                 ("Z", "gamma", "beta", "running_mu", "running_sigma2", "epsilon"), ("Z_tilde",),
                 "batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5) -> Z_tilde"),
]
