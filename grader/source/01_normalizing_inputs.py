# %% [markdown]
# # 01 · Normalizing inputs
#
# Before a network sees its data, we usually **normalize the inputs**: shift every feature to
# mean 0 and scale it to variance 1. This notebook shows *why* — gradient descent needs far
# fewer iterations — and *how*, including the detail that trips many people up: the test
# set is normalized with the **training** set's statistics.
#
# **How to work.** Run the cells from top to bottom. Where a cell says `YOUR CODE HERE`,
# replace `raise NotImplementedError()` with your code, run the cell, then run the check
# cell below it: it tells you exactly what is right or wrong. From a terminal,
# `python -m grader check notebooks/01_normalizing_inputs.ipynb` runs every visible check at once.
#
# **Notation** (Andrew Ng's Deep Learning Specialization): a data set is a matrix $X$ of shape
# $(n_x, m)$ — one **column** per example, one row per feature. Statistics over the examples
# are taken along `axis=1` with `keepdims=True`, so that they stay columns of shape $(n_x, 1)$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import data, plots
from course.descent import Bowl, best_descent
from course.panels import normalizing_panel
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Two features on very different scales
#
# A toy regression: predict a (centred) house price from its **area** in m² (about 120 ± 35)
# and its **number of rooms** (about 4 ± 1). Both matter about equally, but their scales
# differ by a factor of about 30.

# %%
X_train, y_train = data.two_scale_regression(m=200, seed=0)
X_test, y_test = data.two_scale_regression(m=50, seed=1)
print("X_train:", X_train.shape, " y_train:", y_train.shape)
print("first 3 examples (columns):\n", X_train[:, :3])

fig, ax = plt.subplots(figsize=(4.5, 3.2))
plots.draw_scatter(ax, X_train, "raw features", labels=("area (m²)", "rooms"))
plt.show()

# %% [markdown]
# ## 2. Mean and variance of each feature
#
# For feature $j$ over the $m$ training examples:
#
# $$\mu_j = \frac{1}{m}\sum_{i=1}^{m} x_j^{(i)}, \qquad
#   \sigma_j^2 = \frac{1}{m}\sum_{i=1}^{m} \left(x_j^{(i)} - \mu_j\right)^2 .$$
#
# This is the *population* variance: divide by $m$, not $m-1$ (`np.var`'s default, `ddof=0`).
# Stacked over the features, `mu` and `sigma2` are columns of shape $(n_x, 1)$.
#
# **Implement** `compute_mean_variance(X) -> (mu, sigma2)`.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "compute_mean_variance", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compute_mean_variance(X):
    """Mean and (population) variance of every feature over the examples.

    X: (n_x, m) array, one column per example.
    Returns mu, sigma2: arrays of shape (n_x, 1).
    """
    ### BEGIN SOLUTION
    mu = np.mean(X, axis=1, keepdims=True)
    sigma2 = np.mean((X - mu) ** 2, axis=1, keepdims=True)
    ### END SOLUTION
    return mu, sigma2


# %% nbgrader={"grade": true, "grade_id": "compute_mean_variance_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(compute_mean_variance)

# %% nbgrader={"grade": true, "grade_id": "compute_mean_variance_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, compute_mean_variance is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(compute_mean_variance)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Normalizing
#
# $$x_{\text{norm}} = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}}$$
#
# $\varepsilon$ (default $10^{-5}$) sits **inside** the square root: it keeps a feature with zero
# variance from dividing by zero. Broadcasting does the rest: `X - mu` subtracts the column
# `mu` from every column of `X`.
#
# `normalize_inputs` takes the statistics as **arguments** and never recomputes them from `X`:
# the same function normalizes the training set (with its own statistics) and the test set
# (with the training statistics). Do not modify `X` in place; return a new array.
#
# **Implement** `normalize_inputs(X, mu, sigma2, epsilon=1e-5) -> X_norm`.

# %% nbgrader={"grade": false, "grade_id": "normalize_inputs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def normalize_inputs(X, mu, sigma2, epsilon=1e-5):
    """Normalize X with the given statistics.

    X: (n_x, m); mu, sigma2: (n_x, 1), usually the *training* set's; epsilon: float.
    Returns X_norm: (n_x, m), a new array.
    """
    ### BEGIN SOLUTION
    X_norm = (X - mu) / np.sqrt(sigma2 + epsilon)
    ### END SOLUTION
    return X_norm


# %% nbgrader={"grade": true, "grade_id": "normalize_inputs_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(normalize_inputs)

# %% nbgrader={"grade": true, "grade_id": "normalize_inputs_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, normalize_inputs is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(normalize_inputs)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Why it helps: the shape of the cost
#
# Fit $\hat y = w_1 x_1 + w_2 x_2$ with the mean squared error
# $J(w) = \frac{1}{2m}\sum_i (\hat y^{(i)} - y^{(i)})^2$. $J$ is a bowl:
# $J(w) = \tfrac12 w^\top H w - b^\top w + c$ with curvature $H = \frac{1}{m} X X^\top$.
#
# * With raw features, $H$ is huge along $w_1$ (area², about $10^4$) and small along $w_2$:
#   the contours are long thin ellipses. A learning rate small enough not to diverge along the
#   steep direction crawls along the flat one. The ratio of the largest to the smallest curvature,
#   the **condition number** $\kappa$, sets how many iterations are needed (about $\kappa$).
# * With normalized features, both curvatures are of order 1: much rounder contours, a small
#   $\kappa$, and gradient descent walks almost straight to the minimum. (What elongation remains
#   comes from the correlation between area and rooms, which normalizing each feature does not
#   remove.)
#
# Below, each run uses the learning rate $1/L$ ($L$ the largest curvature), a fair choice for
# each bowl, and stops when $J - J^\*$ has dropped by a factor of $10^6$.

# %%
mu_train, sigma2_train = compute_mean_variance(X_train)
X_train_norm = normalize_inputs(X_train, mu_train, sigma2_train)

results = {}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, (label, X) in zip(axes, [("raw", X_train), ("normalized", X_train_norm)]):
    bowl = Bowl.of(X, y_train)
    lr, run = best_descent(bowl, max_iter=200_000)
    results[label] = (bowl.condition_number, lr, run.iterations)
    plots.draw_descent(ax, bowl, run, title=f"{label}: {run.iterations:,} iterations")
plt.show()

print(f"{'features':<12}{'condition number':>18}{'learning rate':>15}{'iterations':>12}")
for label, (kappa, lr, iters) in results.items():
    print(f"{label:<12}{kappa:>18,.1f}{lr:>15.3g}{iters:>12,}")
speedup = results["raw"][2] / results["normalized"][2]
print(f"\nNormalizing the inputs made gradient descent {speedup:,.0f} times faster here.")
assert speedup > 10

# %% [markdown]
# ## 5. The test set reuses the training statistics
#
# The model learned weights for features normalized *with the training statistics*. A test
# example must go through the **same** transformation, so we normalize it with
# `mu_train` and `sigma2_train`. Recomputing statistics on the test set would change the
# transformation with every batch — and for a single example it is hopeless: its variance is 0,
# so every feature becomes 0.

# %%
one_house = X_test[:, :1]  # a single test example, shape (2, 1)
print("with the training statistics:", normalize_inputs(one_house, mu_train, sigma2_train).ravel())
print("with its own statistics:     ", normalize_inputs(one_house, *compute_mean_variance(one_house)).ravel())

w_star = Bowl.of(X_train_norm, y_train).w_star
X_test_norm = normalize_inputs(X_test, mu_train, sigma2_train)
mse = lambda X: float(np.mean((w_star @ X - y_test) ** 2))
print(f"\ntest error, test set normalized with the training statistics: {mse(X_test_norm):.4f}")
print(f"test error, test set normalized with its own statistics:       "
      f"{mse(normalize_inputs(X_test, *compute_mean_variance(X_test))):.4f}")

# %% [markdown]
# ## 6. Explore: gamma, beta and epsilon on the normalized features
#
# The panel normalizes the training features with *your* functions. Then **gamma** scales and
# **beta** shifts the second feature, as batch norm will do to a layer's units (notebook 02).
#
# * Move **gamma** away from 1: the contours stretch again and the descent slows down.
# * Move **beta** away from 0: a feature that is not centred tilts the bowl, and the condition
#   number grows.
# * Raise **epsilon** toward the variance of a feature: it no longer reaches variance 1.
# * Untick **normalize inputs** and look for a learning rate that converges on the raw features.

# %%
display(normalizing_panel(X_train, y_train, compute_mean_variance, normalize_inputs))

# %% [markdown]
# ## 7. Questions
#
# **Q1.** In your own words, why does gradient descent need fewer iterations after the inputs
# are normalized? Use what the panel showed about the contours and the learning rate.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_normalize", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# With features on different scales, the cost is a long, thin bowl: very steep along the weight
# of the large feature, flat along the other. The learning rate must be small enough for the
# steep direction (below 2 / largest curvature) or the descent diverges, so along the flat
# direction each step barely moves, and the number of iterations grows with the ratio of the
# curvatures (the condition number). Normalized features give round contours with equal
# curvatures: one learning rate suits every direction and the descent heads straight to the
# minimum.
# ### END SOLUTION

# %% [markdown]
# **Q2.** Why must the test set be normalized with the training set's `mu` and `sigma2`
# rather than its own? What happens to a single test example otherwise?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_test_statistics", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The weights were learned for inputs transformed with the training statistics; the test data
# must go through the same transformation, or the model sees inputs shifted and scaled
# differently from what it learned (and the transformation would change with every test batch).
# A single example has mean equal to itself and variance 0, so normalizing it with its own
# statistics maps every feature to 0: all information is lost.
# ### END SOLUTION
