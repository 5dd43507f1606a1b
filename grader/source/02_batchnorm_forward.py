# %% [markdown]
# # 02 · Batch normalization: the forward pass
#
# Notebook 01 normalized the **inputs** $X$. Batch normalization applies the same idea to
# every hidden layer: it normalizes the pre-activations $Z^{[l]}$ of each unit over the
# mini-batch, then lets the network choose the mean and spread it wants with two learned
# parameters, $\gamma^{[l]}$ and $\beta^{[l]}$.
#
# **How to work.** Run the cells from top to bottom, replace each `raise NotImplementedError()`
# with your code, and run the check cell below it. From a terminal,
# `python -m grader check notebooks/02_batchnorm_forward.ipynb` runs every visible check.
#
# **Notation.** $Z^{[l]}$ has shape $(n^{[l]}, m)$: one row per unit, one **column** per example
# of the mini-batch. Statistics are taken per unit over the examples: `axis=1, keepdims=True`.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import data
from course.panels import batchnorm_panel
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A layer's pre-activations
#
# Here are the pre-activations of a layer with 4 units on a mini-batch of 256 examples. The units
# live on very different scales, and unit 3 barely varies at all (standard deviation 0.003) —
# keep an eye on it.

# %%
Z = data.preactivations(n=4, m=256, seed=0)
print("Z:", Z.shape)
print("mean of each unit:", Z.mean(axis=1))
print("std of each unit: ", Z.std(axis=1))

fig, ax = plt.subplots(figsize=(6, 2.8))
for j in range(Z.shape[0]):
    ax.hist(Z[j], bins=40, alpha=0.6, label=f"unit {j}")
ax.set_xlabel("$z$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 2. Normalize, then scale and shift
#
# For each unit, over the $m$ examples of the mini-batch:
#
# $$\mu = \frac{1}{m}\sum_{i=1}^m z^{(i)}, \qquad
#   \sigma^2 = \frac{1}{m}\sum_{i=1}^m \left(z^{(i)} - \mu\right)^2, \qquad
#   z^{(i)}_{\text{norm}} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
#   \tilde z^{(i)} = \gamma\, z^{(i)}_{\text{norm}} + \beta .$$
#
# * $\sigma^2$ is the population variance (divide by $m$), and $\varepsilon$ (default $10^{-5}$) is
#   **inside** the square root.
# * $\gamma$ and $\beta$ are **learned** parameters, one pair per unit: shape $(n^{[l]}, 1)$,
#   broadcast over the $m$ columns. *The lecture notes write $(n^{[l]}, m)$ — that would give every
#   example its own parameters, which cannot be learned or used at test time. It is
#   $(n^{[l]}, 1)$.* (Some texts also call the scale "alpha"; here it is $\gamma$.)
# * The backward pass (notebook 03) needs the intermediate values, so the function also returns a
#   `cache`: a dict with at least the keys `"Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon"`.
#
# **Implement** `batchnorm_forward(Z, gamma, beta, epsilon=1e-5) -> (Z_tilde, cache)`. Do not modify
# `Z`; return new arrays.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    """Batch-norm forward pass over a mini-batch.

    Z: (n, m) pre-activations, one column per example.
    gamma, beta: (n, 1) scale and shift, one per unit.
    epsilon: float added to the variance inside the square root.
    Returns Z_tilde (n, m) and cache, a dict with the keys
    "Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon".
    """
    ### BEGIN SOLUTION
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
             "gamma": gamma, "beta": beta, "epsilon": epsilon}
    ### END SOLUTION
    return Z_tilde, cache


# %% nbgrader={"grade": true, "grade_id": "batchnorm_forward_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(batchnorm_forward)

# %% nbgrader={"grade": true, "grade_id": "batchnorm_forward_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, batchnorm_forward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(batchnorm_forward)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Gamma and beta set each unit's mean and spread
#
# After batch norm, every unit has mean $\beta$ and standard deviation
# $\gamma\sqrt{\sigma^2/(\sigma^2+\varepsilon)} \approx \gamma$, whatever its scale before.
# Give the four units different $\gamma$ and $\beta$ and measure:

# %%
n = Z.shape[0]
gamma = np.array([[1.0], [2.0], [0.5], [3.0]])
beta = np.array([[0.0], [-1.0], [4.0], [2.0]])
Z_tilde, cache = batchnorm_forward(Z, gamma, beta)
print(f"{'unit':>4} {'gamma':>6} {'beta':>6} {'mean of z~':>11} {'std of z~':>10}")
for j in range(n):
    print(f"{j:>4} {gamma[j, 0]:>6.2f} {beta[j, 0]:>6.2f} {Z_tilde[j].mean():>11.4f} {Z_tilde[j].std():>10.4f}")
np.testing.assert_allclose(Z_tilde.mean(axis=1, keepdims=True), beta, atol=1e-9)

# %% [markdown]
# ## 4. Batch norm can undo itself
#
# With $\gamma = \sqrt{\sigma^2 + \varepsilon}$ and $\beta = \mu$, the scale and shift exactly undo
# the normalization: $\tilde z = \sqrt{\sigma^2+\varepsilon}\,\frac{z-\mu}{\sqrt{\sigma^2+\varepsilon}} + \mu = z$.
# So adding batch norm never takes expressive power away: if the identity is best, the network
# can learn it. In practice it learns something in between.

# %%
mu, sigma2 = cache["mu"], cache["sigma2"]
Z_back, _ = batchnorm_forward(Z, np.sqrt(sigma2 + 1e-5), mu)
print("max |Z_tilde - Z| with gamma = sqrt(sigma2 + eps), beta = mu:", np.abs(Z_back - Z).max())
np.testing.assert_allclose(Z_back, Z, rtol=1e-12, atol=1e-12)

# %% [markdown]
# ## 5. Epsilon matters for a low-variance unit
#
# With $\gamma = 1$, the standard deviation of $\tilde z$ is $\sqrt{\sigma^2/(\sigma^2 + \varepsilon)}$.
# For a unit with a healthy variance, $\varepsilon = 10^{-5}$ changes nothing. For unit 3,
# $\sigma^2 \approx 10^{-5}$ is of the same order as $\varepsilon$: its normalized spread is
# visibly below 1. A larger $\varepsilon$ damps it further; $\varepsilon \to 0$ would blow up
# noise in a unit that carries almost no signal (and divide by zero for a constant unit).

# %%
ones, zeros = np.ones((n, 1)), np.zeros((n, 1))
print(f"{'epsilon':>8} " + " ".join(f"{'unit ' + str(j):>9}" for j in range(n)))
for eps in [1e-8, 1e-5, 1e-3, 1e-1]:
    Zt, _ = batchnorm_forward(Z, ones, zeros, epsilon=eps)
    print(f"{eps:>8.0e} " + " ".join(f"{s:>9.4f}" for s in Zt.std(axis=1)))
print("\nvariance of each unit:", ", ".join(f"{v:.2e}" for v in Z.var(axis=1)))

# %% [markdown]
# ## 6. Explore
#
# The panel runs *your* `batchnorm_forward`. The left plot shows one unit before (grey) and after
# (blue) batch norm; the right plot shows every unit's mean and standard deviation after it.
#
# * **gamma** stretches every unit to the same spread; **beta** moves every unit's mean.
# * **epsilon**: pick unit 3 and raise epsilon from $10^{-8}$ to $10^{-3}$: its spread collapses.
# * **batch size**: with a small mini-batch the statistics are noisy; with $m = 1$ every
#   $z_{\text{norm}}$ is 0 and $\tilde z = \beta$ — the reason batch norm needs other statistics
#   at test time (notebook 05).

# %%
display(batchnorm_panel(Z, batchnorm_forward))

# %% [markdown]
# ## 7. Questions
#
# **Q1.** Why do $\gamma$ and $\beta$ have shape $(n^{[l]}, 1)$ and not $(n^{[l]}, m)$ as in the
# lecture notes?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_gamma_shape", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# They are parameters of the layer, one scale and one shift per unit, shared by every example.
# With shape (n, m) each example of a mini-batch would get its own parameters: they could not be
# learned across mini-batches (the examples change every step, and the batch size can change)
# and there would be nothing to apply to a new example at test time. Shape (n, 1) broadcasts the
# same gamma and beta over the m columns.
# ### END SOLUTION

# %% [markdown]
# **Q2.** A unit's pre-activations barely vary (variance $10^{-6}$). What does batch norm do to it
# with $\varepsilon = 10^{-5}$, and what would happen with $\varepsilon = 0$?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_epsilon", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Its normalized spread is sqrt(1e-6 / (1e-6 + 1e-5)) ≈ 0.3 instead of 1: epsilon dominates the
# variance, so the unit is only partly scaled up and its tiny fluctuations (mostly noise) are not
# amplified tenfold. With epsilon = 0 the unit would be scaled to variance 1 whatever its size,
# amplifying noise by a factor 1000, and a constant unit would divide 0 by 0 (nan).
# ### END SOLUTION
