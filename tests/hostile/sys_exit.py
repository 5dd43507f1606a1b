"""Leave through sys.exit at the top level and inside the function."""
import sys

import numpy as np


def compute_mean_variance(X):
    sys.exit(0)


sys.exit("done")
