"""Student answers to the graded functions of notebooks 01-07, written blind to the grader's
catalogue of known mistakes: the mistakes students make, in the styles they write.

``WRONG`` cases are wrong on the notebooks' stated inputs (checked against an independent
implementation); ``CORRECT`` cases agree with it. ``code`` is the whole answer cell.
"""
from tests.student_code import Case

WRONG: list[Case] = []
CORRECT: list[Case] = []

# --- 01 compute_mean_variance ------------------------------------------------------------------
WRONG += [
    Case("compute_mean_variance", "unbiased variance (ddof=1), the statistics-class habit", '''
def compute_mean_variance(X):
    mu = np.mean(X, axis=1, keepdims=True)
    sigma2 = np.var(X, axis=1, ddof=1, keepdims=True)
    return mu, sigma2
'''),
    Case("compute_mean_variance", "statistics over axis=0 (over the features of each example)", '''
def compute_mean_variance(X):
    mu = np.mean(X, axis=0, keepdims=True)
    sigma2 = np.mean((X - mu) ** 2, axis=0, keepdims=True)
    return mu, sigma2
'''),
    Case("compute_mean_variance", "no keepdims: returns shape (n_x,) vectors", '''
def compute_mean_variance(X):
    mu = X.mean(axis=1)
    sigma2 = X.var(axis=1)
    return mu, sigma2
'''),
    Case("compute_mean_variance", "returns the standard deviation (np.std) instead of the variance", '''
def compute_mean_variance(X):
    mu = np.mean(X, axis=1, keepdims=True)
    sigma2 = np.std(X, axis=1, keepdims=True)
    return mu, sigma2
'''),
    Case("compute_mean_variance", "E[x^2] - mu: forgot to square the mean", '''
def compute_mean_variance(X):
    m = X.shape[1]
    mu = np.sum(X, axis=1, keepdims=True) / m
    sigma2 = np.sum(X ** 2, axis=1, keepdims=True) / m - mu
    return mu, sigma2
'''),
    Case("compute_mean_variance", "the notes' sigma2 = 1/m sum x**2 applied to the raw X (never centered)", '''
def compute_mean_variance(X):
    m = X.shape[1]
    mu = 1 / m * np.sum(X, axis=1, keepdims=True)
    sigma2 = 1 / m * np.sum(X ** 2, axis=1, keepdims=True)
    return mu, sigma2
'''),
    Case("compute_mean_variance", "centers X in place (X -= mu) as in the notes, modifying the caller's data", '''
def compute_mean_variance(X):
    m = X.shape[1]
    mu = np.sum(X, axis=1, keepdims=True) / m
    X -= mu
    sigma2 = np.sum(X * X, axis=1, keepdims=True) / m
    return mu, sigma2
'''),
    Case("compute_mean_variance", "loop over features with the math module and 1/(m-1); returns plain lists", '''
import math

def compute_mean_variance(X):
    n, m = X.shape
    mu, sigma2 = [], []
    for i in range(n):
        mean = math.fsum(X[i]) / m
        mu.append([mean])
        sigma2.append([math.fsum((x - mean) ** 2 for x in X[i]) / (m - 1)])
    return mu, sigma2
'''),
    Case("compute_mean_variance", "global mean and variance of the whole matrix (no axis)", '''
def compute_mean_variance(X):
    mu = np.mean(X)
    sigma2 = np.var(X)
    return mu, sigma2
'''),
]
CORRECT += [
    Case("compute_mean_variance", "vectorized np.mean / np.var with keepdims", '''
def compute_mean_variance(X):
    mu = np.mean(X, axis=1, keepdims=True)
    sigma2 = np.var(X, axis=1, keepdims=True)
    return mu, sigma2
''', correct=True),
    Case("compute_mean_variance", "explicit loops over features and examples, then reshape", '''
def compute_mean_variance(X):
    n_x, m = X.shape
    mu = np.zeros((n_x, 1))
    sigma2 = np.zeros((n_x, 1))
    for i in range(n_x):
        total = 0.0
        for j in range(m):
            total += X[i, j]
        mu[i, 0] = total / m
        sq = 0.0
        for j in range(m):
            sq += (X[i, j] - mu[i, 0]) ** 2
        sigma2[i, 0] = sq / m
    return mu, sigma2
''', correct=True),
    Case("compute_mean_variance", "einsum for the sums, 1/m written out", '''
def compute_mean_variance(X):
    m = X.shape[1]
    mu = np.einsum("ij->i", X)[:, None] / m
    D = X - mu
    sigma2 = np.einsum("ij,ij->i", D, D)[:, None] / m
    return mu, sigma2
''', correct=True),
]

# --- 01 normalize_inputs -----------------------------------------------------------------------
WRONG += [
    Case("normalize_inputs", "epsilon added outside the square root", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X_norm = (X - mu) / (np.sqrt(sigma2) + epsilon)
    return X_norm
'''),
    Case("normalize_inputs", "recomputes mean and variance from X (ignores the training statistics given)", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    mu = X.mean(axis=1, keepdims=True)
    sigma2 = X.var(axis=1, keepdims=True)
    X_norm = (X - mu) / np.sqrt(sigma2 + epsilon)
    return X_norm
'''),
    Case("normalize_inputs", "divides by the variance, not the standard deviation", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X_norm = (X - mu) / (sigma2 + epsilon)
    return X_norm
'''),
    Case("normalize_inputs", "operator precedence: X - mu / sqrt(...) divides only mu", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X_norm = X - mu / np.sqrt(sigma2 + epsilon)
    return X_norm
'''),
    Case("normalize_inputs", "normalizes X in place (-=, /=) and returns the caller's array", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X -= mu
    X /= np.sqrt(sigma2 + epsilon)
    X_norm = X
    return X_norm
'''),
    Case("normalize_inputs", "ignores the epsilon argument (no epsilon at all)", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    std = np.sqrt(sigma2)
    X_norm = (X - mu) / std
    return X_norm
'''),
    Case("normalize_inputs", "epsilon hard-coded to 1e-8 (the Adam habit), the argument ignored", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    eps = 1e-8
    X_norm = (X - mu) / np.sqrt(sigma2 + eps)
    return X_norm
'''),
]
CORRECT += [
    Case("normalize_inputs", "one vectorized line", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X_norm = (X - mu) / np.sqrt(sigma2 + epsilon)
    return X_norm
''', correct=True),
    Case("normalize_inputs", "copy first, then in-place operations on the copy", '''
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    X_norm = X.astype(np.float64, copy=True)
    X_norm -= mu
    X_norm /= np.sqrt(sigma2 + epsilon)
    return X_norm
''', correct=True),
]

# --- 02 batchnorm_forward ----------------------------------------------------------------------
_BN_CACHE = '''    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
             "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''
WRONG += [
    Case("batchnorm_forward", "unbiased variance (np.var with ddof=1)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.var(Z, axis=1, ddof=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "epsilon outside the square root", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / (np.sqrt(sigma2) + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "epsilon added to np.std (outside the root, written another way)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    std = Z.std(axis=1, keepdims=True) + epsilon
    sigma2 = std ** 2
    Z_norm = (Z - mu) / std
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "statistics over axis=0 (per example instead of per unit)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=0, keepdims=True)
    sigma2 = np.var(Z, axis=0, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "forgot to scale by gamma", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "scales and shifts the raw Z instead of Z_norm", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "no square root: divides by the variance plus epsilon", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / (sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "cache uses the key 'Z_hat' (and 'var') instead of 'Z_norm' and 'sigma2'", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + epsilon)
    Z_tilde = gamma * Z_hat + beta
    cache = {"Z": Z, "Z_hat": Z_hat, "mu": mu, "var": var, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''),
    Case("batchnorm_forward", "cache['sigma2'] holds the standard deviation sqrt(var + eps), cs231n's 'std'", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    std = np.sqrt(np.var(Z, axis=1, keepdims=True) + epsilon)
    Z_norm = (Z - mu) / std
    Z_tilde = gamma * Z_norm + beta
    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": std, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''),
    Case("batchnorm_forward", "cache['Z_norm'] holds Z_tilde (stored the wrong variable)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    cache = {"Z": Z, "Z_norm": Z_tilde, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''),
    Case("batchnorm_forward", "cache without 'beta' and 'epsilon' (only what the student's backward uses)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma}
    return Z_tilde, cache
'''),
    Case("batchnorm_forward", "mu and sigma2 without keepdims, reshaped only for the arithmetic: the cache holds (n,) vectors", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1)
    sigma2 = Z.var(axis=1)
    Z_norm = (Z - mu[:, None]) / np.sqrt(sigma2[:, None] + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "centers Z in place (Z -= mu): the input is modified and cache['Z'] is centered", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    Z -= mu
    sigma2 = np.mean(Z ** 2, axis=1, keepdims=True)
    Z_norm = Z / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "PyTorch layout (examples as rows): transposes in, never transposes back, returns (m, n)", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    x = Z.T
    mu = x.mean(axis=0)
    sigma2 = x.var(axis=0)
    Z_norm = (x - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma.T * Z_norm + beta.T
    cache = {"Z": Z, "Z_norm": Z_norm.T, "mu": mu.reshape(-1, 1), "sigma2": sigma2.reshape(-1, 1),
             "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''),
    Case("batchnorm_forward", "two mistakes: unbiased variance AND epsilon outside the square root", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    m = Z.shape[1]
    mu = np.sum(Z, axis=1, keepdims=True) / m
    sigma2 = np.sum((Z - mu) ** 2, axis=1, keepdims=True) / (m - 1)
    Z_norm = (Z - mu) / (np.sqrt(sigma2) + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE),
    Case("batchnorm_forward", "loop over units that writes into Z itself (in place) and swaps gamma and beta", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    n, m = Z.shape
    Zin = Z
    mu = np.zeros((n, 1))
    sigma2 = np.zeros((n, 1))
    Z_norm = np.zeros((n, m))
    for k in range(n):
        mu[k] = Z[k].mean()
        sigma2[k] = ((Z[k] - mu[k]) ** 2).mean()
        Z_norm[k] = (Z[k] - mu[k]) / np.sqrt(sigma2[k] + epsilon)
        Z[k] = beta[k] * Z_norm[k] + gamma[k]
    Z_tilde = Z
    cache = {"Z": Zin, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
             "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache
'''),
]
CORRECT += [
    Case("batchnorm_forward", "vectorized, as in the lecture notes", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
''' + _BN_CACHE, correct=True),
    Case("batchnorm_forward", "explicit loop over units and examples", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    n, m = Z.shape
    mu = np.zeros((n, 1))
    sigma2 = np.zeros((n, 1))
    Z_norm = np.zeros((n, m))
    Z_tilde = np.zeros((n, m))
    for k in range(n):
        s = 0.0
        for i in range(m):
            s += Z[k, i]
        mu[k, 0] = s / m
        v = 0.0
        for i in range(m):
            v += (Z[k, i] - mu[k, 0]) ** 2
        sigma2[k, 0] = v / m
        for i in range(m):
            Z_norm[k, i] = (Z[k, i] - mu[k, 0]) / np.sqrt(sigma2[k, 0] + epsilon)
            Z_tilde[k, i] = gamma[k, 0] * Z_norm[k, i] + beta[k, 0]
''' + _BN_CACHE, correct=True),
    Case("batchnorm_forward", "np.var and a precomputed inverse standard deviation (cs231n style), extra cache keys", '''
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    sigma2 = Z.var(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(sigma2 + epsilon)
    Z_norm = (Z - mu) * inv_std
    Z_tilde = gamma * Z_norm + beta
    cache = dict(Z=Z, Z_norm=Z_norm, mu=mu, sigma2=sigma2, gamma=gamma, beta=beta,
                 epsilon=epsilon, inv_std=inv_std)
    return Z_tilde, cache
''', correct=True),
]

# --- 03 batchnorm_backward ---------------------------------------------------------------------
WRONG += [
    Case("batchnorm_backward", "mu and sigma2 treated as constants: dZ = gamma * dZ_tilde / std", '''
def batchnorm_backward(dZ_tilde, cache):
    std = np.sqrt(cache["sigma2"] + cache["epsilon"])
    dZ = dZ_tilde * cache["gamma"] / std
    dgamma = np.sum(dZ_tilde * cache["Z_norm"], axis=1, keepdims=True)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "cs231n compact formula without its leading 1/m (dZ off by a factor m)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    m = dZ_tilde.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    inv_std = 1 / np.sqrt(cache["sigma2"] + cache["epsilon"])
    dZ = inv_std * (m * dZ_norm - np.sum(dZ_norm, axis=1, keepdims=True)
                    - Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True))
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "dgamma and dbeta averaged over the batch (an extra 1/m)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = np.mean(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.mean(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "forgot gamma: dZ_norm = dZ_tilde", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm = cache["Z_norm"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "dgamma and dbeta without keepdims: shape (n,)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = dZ_tilde.sum(axis=1)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "staged computational graph; dvar uses the exponent -1/2 instead of -3/2", '''
def batchnorm_backward(dZ_tilde, cache):
    Z, mu, var, eps, gamma = cache["Z"], cache["mu"], cache["sigma2"], cache["epsilon"], cache["gamma"]
    m = Z.shape[1]
    Zc = Z - mu
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * cache["Z_norm"], axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dvar = np.sum(dZ_norm * Zc, axis=1, keepdims=True) * -0.5 * (var + eps) ** -0.5
    dmu = np.sum(-dZ_norm / np.sqrt(var + eps), axis=1, keepdims=True) + dvar * np.mean(-2 * Zc, axis=1, keepdims=True)
    dZ = dZ_norm / np.sqrt(var + eps) + dvar * 2 * Zc / m + dmu / m
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "staged graph; the variance path misses its factor 2 (d/dZ of (Z-mu)^2)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z, mu, var, eps, gamma = cache["Z"], cache["mu"], cache["sigma2"], cache["epsilon"], cache["gamma"]
    m = Z.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * cache["Z_norm"], axis=1, keepdims=True)
    dxhat = dZ_tilde * gamma
    ivar = 1.0 / np.sqrt(var + eps)
    dvar = np.sum(dxhat * (Z - mu), axis=1, keepdims=True) * -0.5 * ivar ** 3
    dmu = -np.sum(dxhat * ivar, axis=1, keepdims=True)
    dZ = dxhat * ivar + dvar * (Z - mu) / m + dmu / m
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "compact formula with the sign of the Z_norm term flipped", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    m = dZ_tilde.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    dZ = 1 / (m * np.sqrt(cache["sigma2"] + cache["epsilon"])) * (
        m * dZ_norm - np.sum(dZ_norm, axis=1, keepdims=True) + Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True))
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "no epsilon in the backward standard deviation", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "divides dZ_tilde by m again (thinks it is a per-example loss gradient)", '''
def batchnorm_backward(dZ_tilde, cache):
    m = dZ_tilde.shape[1]
    g = dZ_tilde / m
    Z_norm = cache["Z_norm"]
    dbeta = np.sum(g, axis=1, keepdims=True)
    dgamma = np.sum(g * Z_norm, axis=1, keepdims=True)
    dZ_norm = g * cache["gamma"]
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "dgamma sums dZ_tilde * Z (the raw Z) instead of Z_norm", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * cache["Z"], axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "multiplies dZ_tilde by gamma in place (dZ_tilde *= gamma): input modified, dgamma scaled", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm = cache["Z_norm"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dZ_tilde *= cache["gamma"]
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ = (dZ_tilde - dZ_tilde.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_tilde * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "recomputes the statistics from cache['Z'] with the unbiased variance", '''
def batchnorm_backward(dZ_tilde, cache):
    Z, gamma, eps = cache["Z"], cache["gamma"], cache["epsilon"]
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, ddof=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    dbeta = dZ_tilde.sum(axis=1, keepdims=True)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "two mistakes: forgot gamma AND dropped the mean-path term (only the variance path kept)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm = cache["Z_norm"]
    m = Z_norm.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ = (dZ_tilde - Z_norm * np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True) / m) \\
        / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
'''),
    Case("batchnorm_backward", "returns the gradients in the order (dgamma, dbeta, dZ)", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dgamma, dbeta, dZ
'''),
]
CORRECT += [
    Case("batchnorm_backward", "the compact formula with means", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    dZ = (dZ_norm - np.mean(dZ_norm, axis=1, keepdims=True)
          - Z_norm * np.mean(dZ_norm * Z_norm, axis=1, keepdims=True)) / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return dZ, dgamma, dbeta
''', correct=True),
    Case("batchnorm_backward", "staged computational graph (cs231n), step by step", '''
def batchnorm_backward(dZ_tilde, cache):
    Z, mu, var, eps, gamma = cache["Z"], cache["mu"], cache["sigma2"], cache["epsilon"], cache["gamma"]
    m = Z.shape[1]
    Zc = Z - mu
    inv_std = 1.0 / np.sqrt(var + eps)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * cache["Z_norm"], axis=1, keepdims=True)
    dxhat = dZ_tilde * gamma
    dvar = np.sum(dxhat * Zc, axis=1, keepdims=True) * -0.5 * inv_std ** 3
    dmu = np.sum(-dxhat * inv_std, axis=1, keepdims=True) + dvar * np.mean(-2.0 * Zc, axis=1, keepdims=True)
    dZ = dxhat * inv_std + dvar * 2.0 * Zc / m + dmu / m
    return dZ, dgamma, dbeta
''', correct=True),
    Case("batchnorm_backward", "per-unit loop with the full m x m Jacobian of the normalization", '''
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    n, m = Z_norm.shape
    dZ = np.zeros((n, m))
    dgamma = np.zeros((n, 1))
    dbeta = np.zeros((n, 1))
    for k in range(n):
        x = Z_norm[k]
        std = np.sqrt(cache["sigma2"][k, 0] + cache["epsilon"])
        J = (np.eye(m) - 1.0 / m - np.outer(x, x) / m) / std      # d Z_norm / d Z for unit k
        dZ[k] = J.T @ (gamma[k, 0] * dZ_tilde[k])
        dgamma[k, 0] = np.dot(dZ_tilde[k], x)
        dbeta[k, 0] = np.sum(dZ_tilde[k])
    return dZ, dgamma, dbeta
''', correct=True),
]

# --- 04 model_forward --------------------------------------------------------------------------
_FWD_HEAD = '''
def model_forward(X, params, epsilon=1e-5):
    L = len([k for k in params if k.startswith("W")])
    caches = []
    A = X
'''
_FWD_OUT = '''    W = params["W" + str(L)]
    ZL = W @ A + params["b" + str(L)]
    caches.append({"A_prev": A, "W": W})
    return ZL, caches
'''
_FWD_BN = '''        mu = np.mean(Z, axis=1, keepdims=True)
        sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
        Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
        Z_tilde = gamma * Z_norm + beta
'''
_FWD_CACHE = '''        caches.append({"A_prev": A, "W": W, "Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
                       "gamma": gamma, "beta": beta, "epsilon": epsilon, "Z_tilde": Z_tilde})
'''
_FWD_LAYER = '''    for l in range(1, L):
        W, gamma, beta = params[f"W{l}"], params[f"gamma{l}"], params[f"beta{l}"]
        Z = W @ A
'''
WRONG += [
    Case("model_forward", "ReLU on the output layer too", _FWD_HEAD + _FWD_LAYER + _FWD_BN + _FWD_CACHE + '''        A = np.maximum(0, Z_tilde)
    W = params["W" + str(L)]
    ZL = np.maximum(0, W @ A + params["b" + str(L)])
    caches.append({"A_prev": A, "W": W})
    return ZL, caches
'''),
    Case("model_forward", "ReLU applied to Z before batch norm (BN after the activation)", _FWD_HEAD + '''    for l in range(1, L):
        W, gamma, beta = params[f"W{l}"], params[f"gamma{l}"], params[f"beta{l}"]
        Z = np.maximum(0, W @ A)
''' + _FWD_BN + _FWD_CACHE + '''        A = Z_tilde
''' + _FWD_OUT),
    Case("model_forward", "cache['Z_tilde'] holds the ReLU output A instead of Z_tilde", _FWD_HEAD + _FWD_LAYER + _FWD_BN + '''        A_next = np.maximum(0, Z_tilde)
        caches.append({"A_prev": A, "W": W, "Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
                       "gamma": gamma, "beta": beta, "epsilon": epsilon, "Z_tilde": A_next})
        A = A_next
''' + _FWD_OUT),
    Case("model_forward", "number of layers from len(params) // 3 (wrong for the output layer's W, b)", '''
def model_forward(X, params, epsilon=1e-5):
    L = len(params) // 3
    caches = []
    A = X
''' + _FWD_LAYER + _FWD_BN + _FWD_CACHE + '''        A = np.maximum(0, Z_tilde)
''' + _FWD_OUT),
    Case("model_forward", "forgot the output bias b{L}", _FWD_HEAD + _FWD_LAYER + _FWD_BN + _FWD_CACHE + '''        A = np.maximum(0, Z_tilde)
    W = params["W" + str(L)]
    ZL = W @ A
    caches.append({"A_prev": A, "W": W})
    return ZL, caches
'''),
    Case("model_forward", "batch-norm helper with the unbiased variance, and the output cache stores the logits' input as 'A'", '''
def model_forward(X, params, epsilon=1e-5):
    def bn(Z, gamma, beta):
        mu = Z.mean(axis=1, keepdims=True)
        sigma2 = Z.var(axis=1, ddof=1, keepdims=True)
        Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
        return gamma * Z_norm + beta, {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
                                       "gamma": gamma, "beta": beta, "epsilon": epsilon}

    L = len([k for k in params if k.startswith("W")])
    caches = []
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A
        Z_tilde, c = bn(Z, params[f"gamma{l}"], params[f"beta{l}"])
        c.update(A_prev=A, W=params[f"W{l}"], Z_tilde=Z_tilde)
        caches.append(c)
        A = np.maximum(Z_tilde, 0)
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    caches.append({"A": A, "W": params[f"W{L}"]})
    return ZL, caches
'''),
    Case("model_forward", "epsilon outside the square root in the hidden layers", _FWD_HEAD + _FWD_LAYER + '''        mu = np.mean(Z, axis=1, keepdims=True)
        sigma2 = np.var(Z, axis=1, keepdims=True)
        Z_norm = (Z - mu) / (np.sqrt(sigma2) + epsilon)
        Z_tilde = gamma * Z_norm + beta
''' + _FWD_CACHE + '''        A = np.maximum(0, Z_tilde)
''' + _FWD_OUT),
]
CORRECT += [
    Case("model_forward", "loop over the hidden layers with the notebook-02 formulas inline", _FWD_HEAD + _FWD_LAYER
         + _FWD_BN + _FWD_CACHE + '''        A = np.maximum(0, Z_tilde)
''' + _FWD_OUT, correct=True),
    Case("model_forward", "nested batch-norm and ReLU helpers, cache built by dict merge", '''
def model_forward(X, params, epsilon=1e-5):
    def relu(Z):
        return np.maximum(Z, 0)

    def bn_forward(Z, gamma, beta):
        mu = Z.mean(axis=1, keepdims=True)
        sigma2 = Z.var(axis=1, keepdims=True)
        Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
        return gamma * Z_norm + beta, dict(Z=Z, Z_norm=Z_norm, mu=mu, sigma2=sigma2,
                                           gamma=gamma, beta=beta, epsilon=epsilon)

    L = sum(1 for k in params if k[0] == "W")
    caches, A = [], X
    for l in range(1, L):
        W = params["W%d" % l]
        Z_tilde, bn_cache = bn_forward(W @ A, params["gamma%d" % l], params["beta%d" % l])
        caches.append({"A_prev": A, "W": W, **bn_cache, "Z_tilde": Z_tilde})
        A = relu(Z_tilde)
    W = params["W%d" % L]
    caches.append({"A_prev": A, "W": W})
    return W @ A + params["b%d" % L], caches
''', correct=True),
]

# --- 04 model_backward -------------------------------------------------------------------------
_BWD_HEAD = '''
def model_backward(dZL, caches):
    L = len(caches)
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = dZL @ out["A_prev"].T
    grads[f"db{L}"] = np.sum(dZL, axis=1, keepdims=True)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
'''
_BWD_BN = '''        Z_norm = c["Z_norm"]
        grads[f"dgamma{l}"] = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
        grads[f"dbeta{l}"] = np.sum(dZ_tilde, axis=1, keepdims=True)
        dZ_norm = c["gamma"] * dZ_tilde
        dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
              - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(c["sigma2"] + c["epsilon"])
'''
_BWD_TAIL = '''        grads[f"dW{l}"] = dZ @ c["A_prev"].T
        dA = c["W"].T @ dZ
    return grads
'''
WRONG += [
    Case("model_backward", "ReLU mask taken on Z instead of Z_tilde", _BWD_HEAD + '''        dZ_tilde = dA * (c["Z"] > 0)
''' + _BWD_BN + _BWD_TAIL),
    Case("model_backward", "the notes' extra 1/m in every dW and db (dZL already holds it)", '''
def model_backward(dZL, caches):
    L = len(caches)
    m = dZL.shape[1]
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = 1 / m * dZL @ out["A_prev"].T
    grads[f"db{L}"] = 1 / m * np.sum(dZL, axis=1, keepdims=True)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        dZ_tilde = dA * (c["Z_tilde"] > 0)
''' + _BWD_BN + '''        grads[f"dW{l}"] = 1 / m * dZ @ c["A_prev"].T
        dA = c["W"].T @ dZ
    return grads
'''),
    Case("model_backward", "db{L} without keepdims: shape (n_L,)", '''
def model_backward(dZL, caches):
    L = len(caches)
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = dZL @ out["A_prev"].T
    grads[f"db{L}"] = np.sum(dZL, axis=1)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        dZ_tilde = dA * (c["Z_tilde"] > 0)
''' + _BWD_BN + _BWD_TAIL),
    Case("model_backward", "batch norm backward with constant statistics (dZ = gamma dZ_tilde / std)", _BWD_HEAD + '''        dZ_tilde = dA * (c["Z_tilde"] > 0)
        grads[f"dgamma{l}"] = np.sum(dZ_tilde * c["Z_norm"], axis=1, keepdims=True)
        grads[f"dbeta{l}"] = np.sum(dZ_tilde, axis=1, keepdims=True)
        dZ = c["gamma"] * dZ_tilde / np.sqrt(c["sigma2"] + c["epsilon"])
''' + _BWD_TAIL),
    Case("model_backward", "gradient keys numbered from 0 (dW0, dgamma0...) by enumerating the caches", '''
def model_backward(dZL, caches):
    L = len(caches)
    grads = {}
    dZ = dZL
    for l in reversed(range(L)):
        c = caches[l]
        if l < L - 1:
            dZ_tilde = dA * (c["Z_tilde"] > 0)
            Z_norm = c["Z_norm"]
            grads[f"dgamma{l}"] = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
            grads[f"dbeta{l}"] = np.sum(dZ_tilde, axis=1, keepdims=True)
            dZ_norm = c["gamma"] * dZ_tilde
            dZ = (dZ_norm - dZ_norm.mean(axis=1, keepdims=True)
                  - Z_norm * (dZ_norm * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(c["sigma2"] + c["epsilon"])
        else:
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        grads[f"dW{l}"] = dZ @ c["A_prev"].T
        dA = c["W"].T @ dZ
    return grads
'''),
    Case("model_backward", "dW computed as A_prev @ dZ.T (transposed: shape of W.T)", '''
def model_backward(dZL, caches):
    L = len(caches)
    grads = {}
    out = caches[-1]
    grads[f"dW{L}"] = out["A_prev"] @ dZL.T
    grads[f"db{L}"] = np.sum(dZL, axis=1, keepdims=True)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        dZ_tilde = dA * (c["Z_tilde"] > 0)
''' + _BWD_BN + '''        grads[f"dW{l}"] = c["A_prev"] @ dZ.T
        dA = c["W"].T @ dZ
    return grads
'''),
    Case("model_backward", "forgot gamma in the batch-norm step (dZ_norm = dZ_tilde)", _BWD_HEAD + '''        dZ_tilde = dA * (c["Z_tilde"] > 0)
        Z_norm = c["Z_norm"]
        grads[f"dgamma{l}"] = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
        grads[f"dbeta{l}"] = np.sum(dZ_tilde, axis=1, keepdims=True)
        dZ = (dZ_tilde - dZ_tilde.mean(axis=1, keepdims=True)
              - Z_norm * (dZ_tilde * Z_norm).mean(axis=1, keepdims=True)) / np.sqrt(c["sigma2"] + c["epsilon"])
''' + _BWD_TAIL),
]
CORRECT += [
    Case("model_backward", "reverse loop with the compact batch-norm formula inline", _BWD_HEAD + '''        dZ_tilde = dA * (c["Z_tilde"] > 0)
''' + _BWD_BN + _BWD_TAIL, correct=True),
    Case("model_backward", "notebook-03 batchnorm_backward pasted as a nested helper, np.where for the ReLU", '''
def model_backward(dZL, caches):
    def bn_backward(dZ_tilde, cache):
        Z_norm, gamma = cache["Z_norm"], cache["gamma"]
        m = dZ_tilde.shape[1]
        dbeta = dZ_tilde.sum(axis=1, keepdims=True)
        dgamma = (dZ_tilde * Z_norm).sum(axis=1, keepdims=True)
        dZ_norm = dZ_tilde * gamma
        dZ = (m * dZ_norm - dZ_norm.sum(axis=1, keepdims=True) - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)) \\
            / (m * np.sqrt(cache["sigma2"] + cache["epsilon"]))
        return dZ, dgamma, dbeta

    L = len(caches)
    grads = {"dW%d" % L: dZL @ caches[L - 1]["A_prev"].T, "db%d" % L: dZL.sum(axis=1, keepdims=True)}
    dA = caches[L - 1]["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        cache = caches[l - 1]
        dZ_tilde = np.where(cache["Z_tilde"] > 0, dA, 0.0)
        dZ, grads["dgamma%d" % l], grads["dbeta%d" % l] = bn_backward(dZ_tilde, cache)
        grads["dW%d" % l] = dZ @ cache["A_prev"].T
        dA = cache["W"].T @ dZ
    return grads
''', correct=True),
]

# --- 04 update_parameters ----------------------------------------------------------------------
WRONG += [
    Case("update_parameters", "updates params in place (params[k] -= ...) and returns the same dict", '''
def update_parameters(params, grads, learning_rate):
    for key in params:
        params[key] -= learning_rate * grads["d" + key]
    new_params = params
    return new_params
'''),
    Case("update_parameters", "shallow copy of the dict, then -= on the shared arrays (the caller's arrays change)", '''
def update_parameters(params, grads, learning_rate):
    new_params = params.copy()
    for key in new_params:
        new_params[key] -= learning_rate * grads["d" + key]
    return new_params
'''),
    Case("update_parameters", "gradient ascent: + instead of -", '''
def update_parameters(params, grads, learning_rate):
    new_params = {}
    for key, value in params.items():
        new_params[key] = value + learning_rate * grads["d" + key]
    return new_params
'''),
    Case("update_parameters", "updates W, gamma and beta of every layer as in the notes, forgets the output bias b{L}", '''
def update_parameters(params, grads, learning_rate):
    new_params = dict(params)
    L = len([k for k in params if k.startswith("W")])
    for l in range(1, L + 1):
        for name in ("W", "gamma", "beta"):
            key = f"{name}{l}"
            if key in params:
                new_params[key] = params[key] - learning_rate * grads["d" + key]
    return new_params
'''),
]
CORRECT += [
    Case("update_parameters", "dict comprehension", '''
def update_parameters(params, grads, learning_rate):
    new_params = {k: v - learning_rate * grads["d" + k] for k, v in params.items()}
    return new_params
''', correct=True),
    Case("update_parameters", "deep copy first, then in-place updates on the copy", '''
import copy

def update_parameters(params, grads, learning_rate):
    new_params = copy.deepcopy(params)
    for name in new_params:
        new_params[name] -= learning_rate * grads[f"d{name}"]
    return new_params
''', correct=True),
]

# --- 05 update_running_averages ----------------------------------------------------------------
WRONG += [
    Case("update_running_averages", "weights swapped (PyTorch's convention): momentum on the new batch value", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = (1 - momentum) * running_mu + momentum * mu
    new_sigma2 = (1 - momentum) * running_sigma2 + momentum * sigma2
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "updates the running arrays in place (*=, +=) and returns them", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    running_mu *= momentum
    running_mu += (1 - momentum) * mu
    running_sigma2 *= momentum
    running_sigma2 += (1 - momentum) * sigma2
    return running_mu, running_sigma2
'''),
    Case("update_running_averages", "copy-paste slip: the running variance averages in mu", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = momentum * running_mu + (1 - momentum) * mu
    new_sigma2 = momentum * running_sigma2 + (1 - momentum) * mu
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "Keras's momentum 0.99 hard-coded, the argument ignored", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    decay = 0.99
    new_mu = decay * running_mu + (1 - decay) * mu
    new_sigma2 = decay * running_sigma2 + (1 - decay) * sigma2
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "parenthesis misplaced: momentum * (running + (1 - momentum) * batch)", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = momentum * (running_mu + (1 - momentum) * mu)
    new_sigma2 = momentum * (running_sigma2 + (1 - momentum) * sigma2)
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "averages the standard deviation and squares it back", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = momentum * running_mu + (1 - momentum) * mu
    new_std = momentum * np.sqrt(running_sigma2) + (1 - momentum) * np.sqrt(sigma2)
    new_sigma2 = new_std ** 2
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "PyTorch's unbiased running variance copied, with n/(n-1) from the number of units", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    n = sigma2.shape[0]
    new_mu = momentum * running_mu + (1 - momentum) * mu
    new_sigma2 = momentum * running_sigma2 + (1 - momentum) * sigma2 * n / (n - 1)
    return new_mu, new_sigma2
'''),
    Case("update_running_averages", "two mistakes: swapped weights AND returns (sigma2, mu) in the wrong order", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = momentum * mu + (1 - momentum) * running_mu
    new_sigma2 = momentum * sigma2 + (1 - momentum) * running_sigma2
    return new_sigma2, new_mu
'''),
]
CORRECT += [
    Case("update_running_averages", "the formula of the notes", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    new_mu = momentum * running_mu + (1 - momentum) * mu
    new_sigma2 = momentum * running_sigma2 + (1 - momentum) * sigma2
    return new_mu, new_sigma2
''', correct=True),
    Case("update_running_averages", "interpolation form running + (1 - momentum) * (batch - running), in a helper", '''
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    def ema(old, new):
        return old + (1.0 - momentum) * (new - old)
    new_mu = ema(running_mu, mu)
    new_sigma2 = ema(running_sigma2, sigma2)
    return new_mu, new_sigma2
''', correct=True),
]

# --- 05 batchnorm_inference --------------------------------------------------------------------
WRONG += [
    Case("batchnorm_inference", "uses the batch statistics of Z at test time (ignores the running averages)", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.var(Z, axis=1, keepdims=True)
    Z_tilde = gamma * (Z - mu) / np.sqrt(sigma2 + epsilon) + beta
    return Z_tilde
'''),
    Case("batchnorm_inference", "epsilon outside the square root", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_norm = (Z - running_mu) / (np.sqrt(running_sigma2) + epsilon)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde
'''),
    Case("batchnorm_inference", "treats running_sigma2 as a standard deviation (no square root)", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_norm = (Z - running_mu) / (running_sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde
'''),
    Case("batchnorm_inference", "returns Z_norm: forgot the scale and shift", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_tilde = (Z - running_mu) / np.sqrt(running_sigma2 + epsilon)
    return Z_tilde
'''),
    Case("batchnorm_inference", "normalizes Z in place and returns it", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z -= running_mu
    Z /= np.sqrt(running_sigma2 + epsilon)
    Z *= gamma
    Z += beta
    return Z
'''),
    Case("batchnorm_inference", "running mean but the batch's own variance", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    var = Z.var(axis=1, keepdims=True)
    Z_tilde = gamma * (Z - running_mu) / np.sqrt(var + epsilon) + beta
    return Z_tilde
'''),
    Case("batchnorm_inference", "gamma and beta swapped", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_norm = (Z - running_mu) / np.sqrt(running_sigma2 + epsilon)
    Z_tilde = beta * Z_norm + gamma
    return Z_tilde
'''),
    Case("batchnorm_inference", "two mistakes: no epsilon AND beta added before scaling, gamma * (Z_norm + beta)", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_tilde = gamma * ((Z - running_mu) / np.sqrt(running_sigma2) + beta)
    return Z_tilde
'''),
    Case("batchnorm_inference", "Keras-style folded scale/offset with the offset's sign wrong", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    scale = gamma / np.sqrt(running_sigma2 + epsilon)
    offset = beta + running_mu * scale
    Z_tilde = Z * scale + offset
    return Z_tilde
'''),
]
CORRECT += [
    Case("batchnorm_inference", "the training formula with the running statistics", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    Z_norm = (Z - running_mu) / np.sqrt(running_sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde
''', correct=True),
    Case("batchnorm_inference", "Keras-style fused affine: scale = gamma / std, offset = beta - mu * scale", '''
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    scale = gamma / np.sqrt(running_sigma2 + epsilon)
    offset = beta - running_mu * scale
    Z_tilde = Z * scale + offset
    return Z_tilde
''', correct=True),
]

# --- 06 softmax --------------------------------------------------------------------------------
WRONG += [
    Case("softmax", "exp without subtracting the max (overflows at logits of 1e4)", '''
def softmax(Z):
    T = np.exp(Z)
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "loop over the columns, exp without subtracting the max", '''
def softmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        e = np.exp(Z[:, i])
        A[:, i] = e / e.sum()
    return A
'''),
    Case("softmax", "subtracts the global max of the whole matrix, not each column's (underflows to 0/0)", '''
def softmax(Z):
    T = np.exp(Z - np.max(Z))
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "normalizes over the rows (axis=1), the examples-as-rows convention", '''
def softmax(Z):
    T = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    A = T / np.sum(T, axis=1, keepdims=True)
    return A
'''),
    Case("softmax", "max over axis=1 but sum over axis=0 (the shift is not constant within a column)", '''
def softmax(Z):
    T = np.exp(Z - Z.max(axis=1, keepdims=True))
    A = T / T.sum(axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "subtracts the column mean instead of the max (still overflows for a spread of 1e4)", '''
def softmax(Z):
    T = np.exp(Z - np.mean(Z, axis=0, keepdims=True))
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "subtracts the column minimum instead of the maximum", '''
def softmax(Z):
    T = np.exp(Z - Z.min(axis=0, keepdims=True))
    A = T / T.sum(axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "'stabilized' by clipping the logits to [-500, 500]: wrong values for large logits", '''
def softmax(Z):
    Zc = np.clip(Z, -500, 500)
    T = np.exp(Zc)
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
'''),
    Case("softmax", "math module per entry, math.exp on the raw logits (OverflowError at 1e4)", '''
import math

def softmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        exps = [math.exp(Z[k, i]) for k in range(C)]
        total = sum(exps)
        for k in range(C):
            A[k, i] = exps[k] / total
    return A
'''),
    Case("softmax", "log-sum-exp written without the shift: exp(Z - log(sum(exp(Z))))", '''
def softmax(Z):
    lse = np.log(np.sum(np.exp(Z), axis=0, keepdims=True))
    A = np.exp(Z - lse)
    return A
'''),
    Case("softmax", "stable, but casts the result to float32 'to save memory'", '''
def softmax(Z):
    T = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    A = (T / np.sum(T, axis=0, keepdims=True)).astype(np.float32)
    return A
'''),
    Case("softmax", "two mistakes: no max shift AND the sum without keepdims (broadcasts along the rows)", '''
def softmax(Z):
    T = np.exp(Z)
    A = T / np.sum(T, axis=0)
    return A
'''),
    Case("softmax", "subtracts the max in place from the caller's Z", '''
def softmax(Z):
    Z -= np.max(Z, axis=0, keepdims=True)
    T = np.exp(Z)
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
'''),
]
CORRECT += [
    Case("softmax", "vectorized, column max subtracted", '''
def softmax(Z):
    T = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    A = T / np.sum(T, axis=0, keepdims=True)
    return A
''', correct=True),
    Case("softmax", "loop over columns with the max trick", '''
def softmax(Z):
    A = np.empty(Z.shape)
    for i in range(Z.shape[1]):
        z = Z[:, i] - np.max(Z[:, i])
        e = np.exp(z)
        A[:, i] = e / np.sum(e)
    return A
''', correct=True),
    Case("softmax", "stable log-sum-exp: exp(Z - max - log(sum(exp(Z - max))))", '''
def softmax(Z):
    Zmax = Z.max(axis=0, keepdims=True)
    lse = Zmax + np.log(np.exp(Z - Zmax).sum(axis=0, keepdims=True))
    A = np.exp(Z - lse)
    return A
''', correct=True),
    Case("softmax", "math module per column with the max trick", '''
import math

def softmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        top = max(Z[:, i])
        exps = [math.exp(Z[k, i] - top) for k in range(C)]
        total = math.fsum(exps)
        for k in range(C):
            A[k, i] = exps[k] / total
    return A
''', correct=True),
]

# --- 06 hardmax --------------------------------------------------------------------------------
WRONG += [
    Case("hardmax", "the notes' 'max': puts the max value where the one should be", '''
def hardmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    idx = np.argmax(Z, axis=0)
    A[idx, np.arange(m)] = np.max(Z, axis=0)
    return A
'''),
    Case("hardmax", "Z == column max: every tied maximum gets a one", '''
def hardmax(Z):
    A = (Z == np.max(Z, axis=0, keepdims=True)).astype(float)
    return A
'''),
    Case("hardmax", "arg-max over the rows (axis=1)", '''
def hardmax(Z):
    A = np.zeros(Z.shape)
    for k, i in enumerate(np.argmax(Z, axis=1)):
        A[k, i] = 1
    return A
'''),
    Case("hardmax", "np.eye(C)[argmax] without the transpose: shape (m, C)", '''
def hardmax(Z):
    A = np.eye(Z.shape[0])[np.argmax(Z, axis=0)]
    return A
'''),
    Case("hardmax", "loop with >= : ties go to the last maximum", '''
def hardmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        best = 0
        for k in range(C):
            if Z[k, i] >= Z[best, i]:
                best = k
        A[best, i] = 1
    return A
'''),
    Case("hardmax", "integer array (dtype=int) instead of float64", '''
def hardmax(Z):
    A = np.zeros(Z.shape, dtype=int)
    A[Z.argmax(axis=0), np.arange(Z.shape[1])] = 1
    return A
'''),
    Case("hardmax", "np.argmax without an axis: one flat index, a single one in the whole matrix", '''
def hardmax(Z):
    A = np.zeros_like(Z)
    A.flat[np.argmax(Z)] = 1
    return A
'''),
]
CORRECT += [
    Case("hardmax", "columns of the identity picked by the arg-max", '''
def hardmax(Z):
    A = np.eye(Z.shape[0])[:, np.argmax(Z, axis=0)]
    return A
''', correct=True),
    Case("hardmax", "loop with strict > (first maximum wins)", '''
def hardmax(Z):
    C, m = Z.shape
    A = np.zeros((C, m))
    for i in range(m):
        best = 0
        for k in range(1, C):
            if Z[k, i] > Z[best, i]:
                best = k
        A[best, i] = 1.0
    return A
''', correct=True),
]

# --- 06 one_hot --------------------------------------------------------------------------------
WRONG += [
    Case("one_hot", "np.eye(C)[y]: one row per example, shape (m, C)", '''
def one_hot(y, C):
    Y = np.eye(C)[y.reshape(-1)]
    return Y
'''),
    Case("one_hot", "does not flatten y: a (1, m) label array gives shape (C, 1, m)", '''
def one_hot(y, C):
    Y = np.eye(C)[:, y]
    return Y
'''),
    Case("one_hot", "number of classes taken from max(y) + 1 instead of C", '''
def one_hot(y, C):
    y = np.ravel(y)
    Y = np.zeros((y.max() + 1, y.size))
    Y[y, np.arange(y.size)] = 1
    return Y
'''),
    Case("one_hot", "comparison with arange gives a boolean array", '''
def one_hot(y, C):
    Y = np.arange(C).reshape(C, 1) == np.reshape(y, (1, -1))
    return Y
'''),
    Case("one_hot", "loop with the indices swapped (Y[i, label])", '''
def one_hot(y, C):
    y = np.asarray(y).flatten()
    m = len(y)
    Y = np.zeros((C, m))
    for i in range(m):
        Y[i, y[i]] = 1
    return Y
'''),
    Case("one_hot", "integer dtype (np.zeros(..., dtype=int))", '''
def one_hot(y, C):
    y = np.asarray(y).reshape(-1)
    Y = np.zeros((C, y.shape[0]), dtype=int)
    Y[y, range(y.shape[0])] = 1
    return Y
'''),
]
CORRECT += [
    Case("one_hot", "fancy indexing into zeros after flattening y", '''
def one_hot(y, C):
    y = np.asarray(y).reshape(-1)
    m = y.shape[0]
    Y = np.zeros((C, m))
    Y[y, np.arange(m)] = 1.0
    return Y
''', correct=True),
    Case("one_hot", "identity columns, then transpose (Keras to_categorical habit, transposed back)", '''
def one_hot(y, C):
    Y = np.eye(C)[np.ravel(y)].T
    return Y
''', correct=True),
]

# --- 07 softmax_jacobian -----------------------------------------------------------------------
WRONG += [
    Case("softmax_jacobian", "only the diagonal y_hat * (1 - y_hat), as in the lecture notes", '''
def softmax_jacobian(z):
    z = np.ravel(z)
    e = np.exp(z - z.max())
    s = e / e.sum()
    J = np.diag(s * (1 - s))
    return J
'''),
    Case("softmax_jacobian", "returns the vector y_hat * (1 - y_hat), not a matrix", '''
def softmax_jacobian(z):
    z = z.reshape(-1)
    e = np.exp(z - np.max(z))
    s = e / np.sum(e)
    J = s * (1 - s)
    return J
'''),
    Case("softmax_jacobian", "unstable softmax inside (no max shift): nan for large scores", '''
def softmax_jacobian(z):
    z = np.ravel(z)
    s = np.exp(z) / np.sum(np.exp(z))
    J = np.diag(s) - np.outer(s, s)
    return J
'''),
    Case("softmax_jacobian", "sign flipped: outer(s, s) - diag(s)", '''
def softmax_jacobian(z):
    z = np.ravel(z)
    e = np.exp(z - z.max())
    s = e / e.sum()
    J = np.outer(s, s) - np.diag(s)
    return J
'''),
    Case("softmax_jacobian", "z of shape (C, 1) not flattened: np.diag of a column extracts instead of building", '''
def softmax_jacobian(z):
    e = np.exp(z - np.max(z))
    s = e / np.sum(e)
    J = np.diag(s) - s @ s.T
    return J
'''),
    Case("softmax_jacobian", "elementwise s**2 instead of the outer product", '''
def softmax_jacobian(z):
    z = np.ravel(z)
    e = np.exp(z - z.max())
    s = e / e.sum()
    J = np.diag(s) - s ** 2
    return J
'''),
    Case("softmax_jacobian", "double loop; off-diagonal entries +s_i s_j (missing minus)", '''
def softmax_jacobian(z):
    z = np.asarray(z, dtype=float).ravel()
    C = z.size
    e = np.exp(z - z.max())
    s = e / e.sum()
    J = np.zeros((C, C))
    for i in range(C):
        for j in range(C):
            if i == j:
                J[i, j] = s[i] * (1 - s[i])
            else:
                J[i, j] = s[i] * s[j]
    return J
'''),
]
CORRECT += [
    Case("softmax_jacobian", "diag(s) - outer(s, s)", '''
def softmax_jacobian(z):
    z = np.asarray(z, dtype=float).reshape(-1)
    e = np.exp(z - np.max(z))
    s = e / np.sum(e)
    J = np.diag(s) - np.outer(s, s)
    return J
''', correct=True),
    Case("softmax_jacobian", "double loop with the Kronecker delta", '''
def softmax_jacobian(z):
    z = np.ravel(z)
    C = len(z)
    e = np.exp(z - max(z))
    s = e / e.sum()
    J = np.zeros((C, C))
    for i in range(C):
        for j in range(C):
            delta = 1.0 if i == j else 0.0
            J[i, j] = s[i] * (delta - s[j])
    return J
''', correct=True),
    Case("softmax_jacobian", "einsum with the identity", '''
def softmax_jacobian(z):
    s = np.exp(z - np.max(z)).reshape(-1)
    s = s / s.sum()
    J = np.einsum("i,ij->ij", s, np.eye(s.size)) - np.einsum("i,j->ij", s, s)
    return J
''', correct=True),
]

# --- 07 cross_entropy_cost ---------------------------------------------------------------------
WRONG += [
    Case("cross_entropy_cost", "sum over examples, no mean (forgot 1/m)", '''
def cross_entropy_cost(Y_hat, Y):
    mask = Y > 0
    cost = -np.sum(Y[mask] * np.log(Y_hat[mask]))
    return float(cost)
'''),
    Case("cross_entropy_cost", "plain Y * log(Y_hat): 0 * log(0) = nan where Y_hat has zeros", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(Y_hat)) / m
    return float(cost)
'''),
    Case("cross_entropy_cost", "np.mean over all C * m entries (divides by C * m)", '''
def cross_entropy_cost(Y_hat, Y):
    cost = -np.mean(np.where(Y > 0, Y * np.log(np.where(Y > 0, Y_hat, 1.0)), 0.0))
    return float(cost)
'''),
    Case("cross_entropy_cost", "binary cross-entropy formula with (1 - Y) log(1 - Y_hat) terms", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    eps = 1e-300
    cost = -np.sum(Y * np.log(Y_hat + eps) + (1 - Y) * np.log(1 - Y_hat + eps)) / m
    return float(cost)
'''),
    Case("cross_entropy_cost", "only the probability of the arg-max class (wrong for soft labels)", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    labels = np.argmax(Y, axis=0)
    cost = -np.mean(np.log(Y_hat[labels, np.arange(m)]))
    return float(cost)
'''),
    Case("cross_entropy_cost", "Keras-style clip of Y_hat to [1e-7, 1 - 1e-7]: wrong for confident predictions", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    P = np.clip(Y_hat, 1e-7, 1 - 1e-7)
    cost = -np.sum(Y * np.log(P)) / m
    return float(cost)
'''),
    Case("cross_entropy_cost", "returns a (1, 1) array (keepdims everywhere, no float())", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    per_example = -np.sum(np.where(Y > 0, Y * np.log(np.where(Y > 0, Y_hat, 1.0)), 0.0), axis=0, keepdims=True)
    cost = np.sum(per_example, axis=1, keepdims=True) / m
    return cost
'''),
    Case("cross_entropy_cost", "m taken from Y.shape[0] (the number of classes)", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[0]
    pos = Y != 0
    cost = -np.sum(Y[pos] * np.log(Y_hat[pos])) / m
    return float(cost)
'''),
    Case("cross_entropy_cost", "sums over the examples (axis=1) then averages over the classes", '''
def cross_entropy_cost(Y_hat, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y > 0, Y * np.log(Y_hat), 0.0)
    cost = -np.mean(np.sum(terms, axis=1))
    return float(cost)
'''),
    Case("cross_entropy_cost", "log base 10 instead of the natural log", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    pos = Y > 0
    cost = -np.sum(Y[pos] * np.log10(Y_hat[pos])) / m
    return float(cost)
'''),
    Case("cross_entropy_cost", "two mistakes: nan from log(0) AND no 1/m, loop over examples with math.log guarded by try", '''
import math

def cross_entropy_cost(Y_hat, Y):
    C, m = Y.shape
    total = 0.0
    for i in range(m):
        for j in range(C):
            try:
                total -= Y[j, i] * math.log(Y_hat[j, i])
            except ValueError:
                total -= Y[j, i] * float("-inf")
    cost = total
    return float(cost)
'''),
]
CORRECT += [
    Case("cross_entropy_cost", "returns a 0-d numpy array (np.squeeze of a keepdims sum): the course accepts it as a number (float(cost) is the same; tests/test_nb07 ce_zero_d_array), so it moved from WRONG to CORRECT", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    logs = np.log(np.where(Y > 0, Y_hat, 1.0))
    cost = np.squeeze(-np.sum(Y * logs, axis=(0, 1), keepdims=True) / m)
    return cost
''', correct=True),
    Case("cross_entropy_cost", "boolean mask on Y > 0", '''
def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    mask = Y > 0
    cost = -np.sum(Y[mask] * np.log(Y_hat[mask])) / m
    return float(cost)
''', correct=True),
    Case("cross_entropy_cost", "np.where guarding the log, mean of per-example losses", '''
def cross_entropy_cost(Y_hat, Y):
    safe = np.where(Y > 0, Y_hat, 1.0)
    losses = -np.sum(Y * np.log(safe), axis=0)
    cost = np.mean(losses)
    return float(cost)
''', correct=True),
    Case("cross_entropy_cost", "double loop with math.log, skipping zero labels", '''
import math

def cross_entropy_cost(Y_hat, Y):
    C, m = Y.shape
    total = 0.0
    for i in range(m):
        for j in range(C):
            if Y[j, i] != 0:
                total += Y[j, i] * math.log(Y_hat[j, i])
    cost = -total / m
    return float(cost)
''', correct=True),
]

# --- 07 softmax_cross_entropy_backward ---------------------------------------------------------
WRONG += [
    Case("softmax_cross_entropy_backward", "the notes' per-example Y_hat - Y (no 1/m)", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    dZ = Y_hat - Y
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "sign flipped: (Y - Y_hat) / m", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    m = Y.shape[1]
    dZ = (Y - Y_hat) / m
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "divides by the number of classes Y.shape[0]", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    m = Y.shape[0]
    dZ = (Y_hat - Y) / m
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "chains the notes' 'derivative of softmax' y_hat(1 - y_hat) onto Y_hat - Y", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    m = Y.shape[1]
    dZ = (Y_hat - Y) * Y_hat * (1 - Y_hat) / m
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "mean over the examples (axis=1): returns a (C, 1) column like db", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    dZ = np.mean(Y_hat - Y, axis=1, keepdims=True)
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "in place on Y_hat (Y_hat -= Y; Y_hat /= m)", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    m = Y.shape[1]
    Y_hat -= Y
    Y_hat /= m
    dZ = Y_hat
    return dZ
'''),
    Case("softmax_cross_entropy_backward", "per-column loop with the diagonal-only Jacobian applied to dA = -Y / Y_hat", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    C, m = Y.shape
    dZ = np.zeros((C, m))
    for i in range(m):
        s = Y_hat[:, i]
        dA = -Y[:, i] / s
        dZ[:, i] = np.diag(s * (1 - s)) @ dA / m
    return dZ
'''),
]
CORRECT += [
    Case("softmax_cross_entropy_backward", "(Y_hat - Y) / m", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    m = Y.shape[1]
    dZ = (Y_hat - Y) / m
    return dZ
''', correct=True),
    Case("softmax_cross_entropy_backward", "per-column chain rule: full softmax Jacobian transposed times dL/dy_hat = -y / y_hat", '''
def softmax_cross_entropy_backward(Y_hat, Y):
    C, m = Y_hat.shape
    dZ = np.zeros((C, m))
    for i in range(m):
        s = Y_hat[:, i]
        J = np.diag(s) - np.outer(s, s)
        dA = np.divide(-Y[:, i], s, out=np.zeros(C), where=Y[:, i] != 0)   # dL/dy_hat, 0 where y = 0
        dZ[:, i] = J.T @ dA / m
    return dZ
''', correct=True),
]
