# %% [markdown]
# # 03 · Batch normalization: the backward pass
#
# To train $\gamma$, $\beta$ and the weights that produce $Z^{[l]}$, gradient descent needs the
# gradients of the cost through batch norm. This notebook derives them on the computational
# graph, one node at a time, then folds them into a compact formula; you implement it and check it
# numerically. On the way we find out why the bias $b^{[l]}$ is useless before batch norm.
#
# **How to work.** Run the cells from top to bottom, replace each `raise NotImplementedError()`
# with your code, and run the check cell below it. From a terminal,
# `python -m grader check notebooks/03_batchnorm_backward.ipynb` runs every visible check.
#
# **Notation.** $Z$ has shape $(n, m)$: one row per unit, one **column** per example. Every
# gradient is the gradient of the **cost** $J$, the mean of the loss over the $m$ examples:
# `dZ_tilde` stands for $\partial J / \partial \tilde Z$, and so on. Because $J$ is a mean,
# `dZ_tilde` already carries the factor $\frac1m$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import gradcheck
from course.panels_backward import backward_panel, draw_graph
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The forward pass, given
#
# This is notebook 02's `batchnorm_forward`, given here so that this notebook stands on its own.
# Its `cache` holds exactly the seven values the backward pass may use:
# `"Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon"`.

# %%
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    """Batch-norm forward pass (notebook 02). Z: (n, m); gamma, beta: (n, 1).
    Returns Z_tilde (n, m) and the cache dict."""
    mu = np.mean(Z, axis=1, keepdims=True)
    sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return Z_tilde, cache


# %% [markdown]
# ## 2. The computational graph
#
# Take one unit (one row of $Z$) and its $m$ values $z_1, \dots, z_m$ over the mini-batch. The
# forward pass is a chain of small steps:
#
# $$\mu = \frac1m \sum_{j} z_j, \qquad c_i = z_i - \mu, \qquad \sigma^2 = \frac1m \sum_j c_j^2, \qquad
#   s = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}, \qquad \hat z_i = c_i\, s, \qquad
#   \tilde z_i = \gamma\, \hat z_i + \beta .$$
#
# ($\hat z$ is `Z_norm`, $\tilde z$ is `Z_tilde`.) The catch is in the graph: **$z_i$ reaches
# $\hat z_i$ along three paths** — directly through $c_i$, through the mean $\mu$, and through the
# variance $\sigma^2$ — and $\mu$ and $\sigma^2$ depend on *every* example of the batch. Moving one
# $z_i$ moves every output of its unit.

# %%
fig, ax = plt.subplots(figsize=(9, 2.9))
draw_graph(ax)
plt.show()

# %% [markdown]
# ## 3. Backward, one node at a time
#
# Backpropagation walks the graph from right to left. Write $g_i = \partial J/\partial \tilde z_i$
# (a row of `dZ_tilde`). Each step multiplies by a local derivative; where a value feeds several
# nodes, the contributions **add up**.
#
# 1. $\tilde z_i = \gamma \hat z_i + \beta$, and $\gamma, \beta$ are shared by the $m$ examples, so
#    their gradients are **sums** over the examples:
#    $$\frac{\partial J}{\partial \beta} = \sum_i g_i, \qquad
#      \frac{\partial J}{\partial \gamma} = \sum_i g_i\, \hat z_i, \qquad
#      \frac{\partial J}{\partial \hat z_i} = \gamma\, g_i .$$
#    They are sums, not means: the $\frac1m$ of the cost is already inside $g_i$. And their shape
#    is $(n, 1)$, one number per unit, like $\gamma$ and $\beta$ (the lecture notes' $(n^{[l]}, m)$
#    would give each example its own parameter).
# 2. $\hat z_i = c_i\, s$: $\displaystyle \frac{\partial J}{\partial s} = \sum_i \frac{\partial J}{\partial \hat z_i}\, c_i$,
#    and the direct path gives $\frac{\partial J}{\partial \hat z_i}\, s$ to $c_i$.
# 3. $s = (\sigma^2 + \varepsilon)^{-1/2}$:
#    $\displaystyle \frac{\partial J}{\partial \sigma^2} = -\tfrac12 (\sigma^2+\varepsilon)^{-3/2}\, \frac{\partial J}{\partial s}$.
# 4. $\sigma^2 = \frac1m \sum_j c_j^2$ sends $\frac{\partial J}{\partial \sigma^2}\cdot\frac{2 c_i}{m}$
#    to each $c_i$, so
#    $\displaystyle \frac{\partial J}{\partial c_i} = \frac{\partial J}{\partial \hat z_i}\, s + \frac{\partial J}{\partial \sigma^2}\,\frac{2c_i}{m}$.
# 5. $c_i = z_i - \mu$: $\displaystyle \frac{\partial J}{\partial \mu} = -\sum_i \frac{\partial J}{\partial c_i}$,
#    and finally, as $\mu = \frac1m\sum_j z_j$,
#    $\displaystyle \frac{\partial J}{\partial z_i} = \frac{\partial J}{\partial c_i} + \frac1m \frac{\partial J}{\partial \mu}$.
#
# ## 4. The compact formula
#
# Substitute $c_i = \hat z_i / s$ and use $\sum_i \hat z_i = 0$ (the normalized values are centred).
# The steps collapse into one line per example — with $d\hat z_i = \gamma g_i$:
#
# $$\boxed{\;\frac{\partial J}{\partial z_i} = \frac{1}{m\sqrt{\sigma^2 + \varepsilon}}
#   \Big( m\, d\hat z_i \;-\; \sum_{j} d\hat z_j \;-\; \hat z_i \sum_j d\hat z_j\, \hat z_j \Big)\;}$$
#
# Read it term by term: the upstream gradient, scaled by $\gamma/\sqrt{\sigma^2+\varepsilon}$, minus
# its mean over the batch (**the path through $\mu$**), minus its component along $\hat z$ (**the
# path through $\sigma^2$**). If $\mu$ and $\sigma^2$ were constants, only the first term would
# remain — that is the most common bug, and the one a gradient check catches at once.
#
# In NumPy each sum is over the examples, `axis=1, keepdims=True`, so that it stays a column.

# %% [markdown]
# ## 5. Implement the backward pass
#
# **Implement** `batchnorm_backward(dZ_tilde, cache) -> (dZ, dgamma, dbeta)`, either step by step
# (section 3) or with the compact formula (section 4). Use only the seven keys of the cache above,
# return new arrays and do not modify `dZ_tilde` or the cache.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_backward(dZ_tilde, cache):
    """Batch-norm backward pass over a mini-batch.

    dZ_tilde: (n, m) gradient of the cost with respect to Z_tilde (it holds the cost's 1/m).
    cache: dict from the forward pass with "Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon".
    Returns dZ (n, m), dgamma (n, 1), dbeta (n, 1): gradients of the cost.
    """
    ### BEGIN SOLUTION
    Z_norm, gamma = cache["Z_norm"], cache["gamma"]
    m = Z_norm.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    inv_std = 1.0 / np.sqrt(cache["sigma2"] + cache["epsilon"])
    dZ = inv_std / m * (m * dZ_norm - np.sum(dZ_norm, axis=1, keepdims=True)
                        - Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True))
    ### END SOLUTION
    return dZ, dgamma, dbeta


# %% nbgrader={"grade": true, "grade_id": "batchnorm_backward_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check(batchnorm_backward)

# %% nbgrader={"grade": true, "grade_id": "batchnorm_backward_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, batchnorm_backward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(batchnorm_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Check your gradients numerically
#
# A derivative is a limit, so we can approximate it: nudge one input by $\pm h$ and measure the
# change of the cost (**central differences**),
#
# $$\frac{\partial J}{\partial \theta_k} \approx \frac{J(\theta + h e_k) - J(\theta - h e_k)}{2h},$$
#
# whose error shrinks like $h^2$. Then compare with backprop using the **relative error**
#
# $$\text{error} = \frac{\lVert d\theta_{\text{backprop}} - d\theta_{\text{numerical}} \rVert_2}
#   {\lVert d\theta_{\text{backprop}} \rVert_2 + \lVert d\theta_{\text{numerical}} \rVert_2},$$
#
# which is 0 when they agree and means the same for tiny and huge gradients. With $h = 10^{-5}$ in
# float64, the truncation error is about $h^2 \approx 10^{-10}$ and the rounding error about
# $10^{-16}/h \approx 10^{-11}$ (relative), so:
#
# | relative error | reading |
# |---|---|
# | below $10^{-7}$ | correct |
# | $10^{-7}$ to $10^{-3}$ | look closer: right only if the function has kinks (a ReLU near 0) or a tiny variance makes it very curved |
# | above $10^{-3}$ | a bug |
#
# The cost here is a squared error to fixed targets $T$: $J = \frac{1}{2m}\sum_i \lVert \tilde z_i - t_i \rVert^2$,
# so $\partial J/\partial \tilde Z = (\tilde Z - T)/m$. The numerical gradient calls the *forward*
# pass, which recomputes $\mu$ and $\sigma^2$ from the nudged $Z$: it follows all three paths.

# %%
rng = np.random.default_rng(3)
n, m = 3, 8
Z = rng.normal(2.0, 3.0, (n, m))
gamma, beta = rng.uniform(0.5, 2.0, (n, 1)), rng.normal(0, 1, (n, 1))
T = rng.normal(0, 1, (n, m))


def cost(Z, gamma, beta):
    Z_tilde, _ = batchnorm_forward(Z, gamma, beta)
    return np.sum((Z_tilde - T) ** 2) / (2 * Z.shape[1])


def check_backward(backward):
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = backward((Z_tilde - T) / m, cache)
    return gradcheck.report({
        "dZ": (dZ, gradcheck.numerical_gradient(lambda Z_: cost(Z_, gamma, beta), Z)),
        "dgamma": (dgamma, gradcheck.numerical_gradient(lambda g_: cost(Z, g_, beta), gamma)),
        "dbeta": (dbeta, gradcheck.numerical_gradient(lambda b_: cost(Z, gamma, b_), beta)),
    })


print("your batchnorm_backward:")
print(check_backward(batchnorm_backward))

# %% [markdown]
# The check also points at *which* gradient is wrong. Here is the classic bug — $\mu$ and
# $\sigma^2$ treated as constants — next to the check: `dgamma` and `dbeta` are fine, `dZ` is far off.

# %%
def backward_with_constant_statistics(dZ_tilde, cache):
    """WRONG on purpose: ignores that mu and sigma2 depend on Z."""
    dZ = cache["gamma"] * dZ_tilde / np.sqrt(cache["sigma2"] + cache["epsilon"])
    return (dZ, np.sum(dZ_tilde * cache["Z_norm"], axis=1, keepdims=True),
            np.sum(dZ_tilde, axis=1, keepdims=True))


print("mu and sigma2 treated as constants:")
print(check_backward(backward_with_constant_statistics))

# %% [markdown]
# ## 7. The bias before batch norm is useless
#
# In a layer, $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ and then batch norm subtracts the batch mean.
# The bias adds the same $b_k$ to every example of unit $k$, so it adds $b_k$ to the mean too, and
# the subtraction removes it: $z_i + b - (\mu + b) = z_i - \mu$. The output does not depend on $b$
# at all. Its gradient says the same thing: $\partial J/\partial b = \sum_i \partial J/\partial z_i$,
# and summing the compact formula over $i$ gives $m\sum_j d\hat z_j - m\sum_j d\hat z_j - 0 = 0$.
#
# That is why a batch-normalized layer has **no** $b^{[l]}$: $\beta^{[l]}$ takes over its job of
# shifting the unit. (The lecture notes say $b^{[l]}$ "is ignored"; more precisely it cancels, and
# gradient descent would never move it.) Measured with your backward pass:

# %%
A_prev = rng.normal(0, 1, (5, m))
W = rng.normal(0, 1, (n, 5))
b = rng.normal(0, 10, (n, 1))
Z_with_b, _ = batchnorm_forward(W @ A_prev + b, gamma, beta)
Z_without_b, cache = batchnorm_forward(W @ A_prev, gamma, beta)
print("max |Z_tilde(with b) - Z_tilde(without b)|:", np.abs(Z_with_b - Z_without_b).max())

dZ, _, _ = batchnorm_backward((Z_without_b - T) / m, cache)
db = np.sum(dZ, axis=1, keepdims=True)
dW = dZ @ A_prev.T
print("db = sum of dZ over the examples:", db.ravel())
print("dW for comparison:               ", dW[:, 0])
assert np.allclose(db, 0, atol=1e-10)

# %% [markdown]
# The same cancellation shows in the numerical gradient of the cost with respect to $b$:

# %%
num_db = gradcheck.numerical_gradient(lambda b_: cost(W @ A_prev + b_, gamma, beta), b)
print("numerical dJ/db:", num_db.ravel())

# %% [markdown]
# ## 8. Explore: how large is dZ?
#
# The panel runs *your* `batchnorm_backward` on a layer of 4 units (unit 3's spread is yours to
# choose) with a squared-error cost like section 6's. The left plot shows unit 3 example by
# example: the upstream gradient $m\,\partial J/\partial\tilde z$ (grey) and $m\,\partial J/\partial z$
# (blue) against $\hat z$ (times $m$, so that the batch size does not change their scale). The
# middle plot shows the size of $dZ$ for every unit (log scale) next to its gain
# $\gamma/\sqrt{\sigma^2+\varepsilon}$; the right one $d\gamma$ and $d\beta$.
#
# * **std of unit 3**: shrink it. $dZ$ is scaled by $\gamma/\sqrt{\sigma^2+\varepsilon}$: a unit that
#   barely varies gets a huge gradient, until $\varepsilon$ caps the gain at $\gamma/\sqrt{\varepsilon}$.
# * **epsilon**: raise it and the low-variance unit's gradient comes back down.
# * **gamma** scales every $dZ$. **beta** shifts $\tilde z$, which adds a constant to this cost's
#   upstream gradient: $d\beta$ changes, but $dZ$ and $d\gamma$ do not (the mean path removes it).
# * **upstream gradient** "the same for every example": batch norm removes the mean, so $dZ = 0$.
# * **batch size** $m = 1$: $\hat z = 0$ whatever $z$ is, so $dZ = 0$ — nothing can be learned
#   through batch norm from one example.

# %%
display(backward_panel(batchnorm_forward, batchnorm_backward))

# %% [markdown]
# ## 9. Questions
#
# **Q1.** Why do batch-normalized layers have no bias $b^{[l]}$? Explain with the forward pass
# and with the gradient you measured in section 7. Which parameter takes its role?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_bias_redundant", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The bias adds the same b_k to every example of unit k, so it raises the batch mean by exactly
# b_k and batch norm subtracts it again: Z_norm, hence Z_tilde and the cost, do not depend on b.
# Its gradient is the sum of dZ over the examples, and the compact formula's dZ sums to zero over
# the batch (the path through mu removes the mean of the gradient), so db = 0 (about 1e-17 in the
# measurement): gradient descent never moves b, it only costs memory and computation. beta, the
# learned shift after normalization, plays the role of the bias.
# ### END SOLUTION

# %% [markdown]
# **Q2.** In the panel, make unit 3's standard deviation tiny (say $10^{-3}$) with
# $\varepsilon = 10^{-8}$, then raise $\varepsilon$ to $10^{-3}$. What happens to the size of its
# $dZ$ and why? What would this mean for training?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_low_variance_gradient", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# dZ is the upstream gradient (minus its mean and its component along Z_norm) multiplied by
# gamma / sqrt(sigma2 + epsilon). With sigma2 = 1e-6 and epsilon = 1e-8 that factor is about 1000,
# so the low-variance unit receives a gradient a thousand times larger than a unit of spread 1:
# a tiny change of its z is a large change of z_norm. Raising epsilon to 1e-3 caps the factor at
# about gamma / sqrt(1e-3) ≈ 30. Without that cap, the weights feeding a nearly constant unit would
# get huge, noisy updates and training could become unstable; epsilon keeps the gradient bounded.
# ### END SOLUTION
