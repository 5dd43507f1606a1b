"""The diagnoses of batch-norm forward mistakes, worded once for every notebook that grades a
batch-norm forward pass (02 on its own, 04 inside a network)."""

UNBIASED = ("sigma2 is the unbiased variance (dividing by m - 1). Batch norm uses the population variance "
            "over the mini-batch (dividing by m; np.var's default).")
EPS_OUTSIDE = "epsilon is outside the square root: Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)."
AXIS0 = ("The statistics were taken over axis 0 (across units) instead of axis 1 (across the m examples "
         "of the mini-batch). Use axis=1, keepdims=True.")
SWAPPED = "gamma and beta are swapped: gamma scales and beta shifts, Z_tilde = gamma * Z_norm + beta."
NO_AFFINE = "Z_tilde is Z_norm: the scale and shift are missing, Z_tilde = gamma * Z_norm + beta."
