"""An infinite loop inside the graded function."""


def compute_mean_variance(X):
    while True:
        pass
