# %% [markdown]
# # 07 · The softmax derivation: loss, Jacobian and gradient
#
# To train a softmax classifier, backpropagation needs the gradient of the cost with respect to
# the last layer's scores $Z^{[L]}$. The lecture notes state two results:
#
# ```
# dZ[L] = Y_hat - Y           # back propagation
# Y_hat * (1 - Y_hat)         # derivative of softmax
# ```
#
# This notebook derives both. The first is right (for one example's loss; for the cost there is a
# $1/m$, and we will see where it goes). The second is **not** the derivative of softmax: it is only
# the **diagonal** of it. The derivative of a function from $C$ numbers to $C$ numbers is a
# $C \times C$ matrix, the Jacobian, and the chain rule needs all of it.
#
# **How to work.** Run the cells from top to bottom. Where a cell says `YOUR CODE HERE`,
# replace `raise NotImplementedError()` with your code, run the cell, then run the check
# cell below it. From a terminal, `python -m grader check notebooks/07_softmax_derivation.ipynb`
# runs every visible check exactly as the grader does (each answer cell on its own).
#
# **Notation.** $Z$, $\hat Y = \operatorname{softmax}(Z)$ and the one-hot labels $Y$ have shape
# $(C, m)$: one column per example. For one example we write $z$, $\hat y$, $y$ (length $C$).

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import gradcheck
from course import panels_softmax as sm
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# The stable softmax of notebook 06, given here so that this notebook stands on its own (do
# notebook 06 first if you have not). The cells below use it; **your answer cells must not**: each
# one is graded on its own, so `softmax_jacobian` computes its softmax itself.

# %%
def softmax(Z):
    """Column-wise stable softmax (notebook 06). Z: (C, m) -> A: (C, m)."""
    T = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return T / np.sum(T, axis=0, keepdims=True)


# %% [markdown]
# ## 1. The loss and the cost
#
# For one example with prediction $\hat y$ and label $y$, the **cross-entropy loss** is
#
# $$L(\hat y, y) = -\sum_{j=1}^{C} y_j \log \hat y_j .$$
#
# With a one-hot $y$ whose 1 is at the true class $c$, only one term survives:
# $L = -\log \hat y_c$. It is 0 when the network gives the true class probability 1, and grows
# without bound as that probability goes to 0: to make the loss small, the probability of the
# right class must be large (the notes' last remark). The **cost** is the mean over the $m$ examples:
#
# $$J = \frac{1}{m} \sum_{i=1}^{m} L\big(\hat y^{(i)}, y^{(i)}\big)
#     = -\frac{1}{m} \sum_{i=1}^{m} \sum_{j=1}^{C} Y_{ji} \log \hat Y_{ji}.$$
#
# Sum over the classes *and* the examples, then divide by $m$ — not by $C \cdot m$, which is what
# `np.mean` over the whole matrix would do.
#
# The formula also holds for **soft labels**: with *label smoothing*, each column of $Y$ is a
# probability vector that puts, say, $0.9 + 0.1/C$ on the true class and $0.1/C$ on the others.
# Your function must handle that too.
#
# **Zeros.** A term with $y_j = 0$ is 0, whatever $\hat y_j$: $\lim_{p \to 0} 0 \cdot \log p = 0$.
# But NumPy computes `0 * np.log(0) = 0 * (-inf) = nan`, and a single `nan` poisons the cost.
# The remedy is to leave those terms out, e.g. take the log only where $Y > 0$:
# `np.log(Y_hat, out=np.zeros(Y_hat.shape), where=Y > 0)`. Do **not** clip `Y_hat` or add an
# epsilon inside the log: that changes the cost. A confident wrong prediction with
# $\hat y_c = 10^{-30}$ costs $-\log 10^{-30} = 69.1$, not $-\log 10^{-8} = 18.4$, and a perfect
# prediction costs exactly 0.
#
# **Implement** `cross_entropy_cost(Y_hat, Y) -> cost`, returned as a Python `float`
# (`float(...)`), not an array.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "cross_entropy_cost", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cross_entropy_cost(Y_hat, Y):
    """Cross-entropy cost: the mean over the m examples of -sum_j y_j log(y_hat_j).

    Y_hat: (C, m) predicted probabilities (columns sum to 1; entries may be exactly 0).
    Y: (C, m) labels, one-hot or soft (columns sum to 1).
    Returns cost: a float. Terms with Y == 0 count as 0, even where Y_hat == 0.
    """
    ### BEGIN SOLUTION
    m = Y.shape[1]
    log_Y_hat = np.zeros(Y_hat.shape)
    np.log(Y_hat, out=log_Y_hat, where=(Y > 0))
    cost = -np.sum(Y * log_Y_hat) / m
    ### END SOLUTION
    return float(cost)


# %% nbgrader={"grade": true, "grade_id": "cross_entropy_cost_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(cross_entropy_cost)

# %% nbgrader={"grade": true, "grade_id": "cross_entropy_cost_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, cross_entropy_cost is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(cross_entropy_cost)
### END HIDDEN TESTS

# %%
C, m = 4, 5
Y = np.eye(C)[:, [0, 1, 2, 3, 0]]
print(f"uniform predictions cost log C = {cross_entropy_cost(np.full((C, m), 1 / C), Y):.4f} "
      f"(log 4 = {np.log(4):.4f})")
print("perfect predictions cost exactly 0:", cross_entropy_cost(Y, Y) == 0)

p = np.linspace(1e-3, 1, 400)
fig, ax = plt.subplots(figsize=(4.2, 2.8))
ax.plot(p, -np.log(p))
ax.set_xlabel("$\\hat y_c$, the probability of the true class")
ax.set_ylabel("loss $-\\log \\hat y_c$")
ax.set_ylim(0, 7)
plt.show()

# %% [markdown]
# ## 2. The softmax Jacobian
#
# For one example, $\hat y_i = e^{z_i} / S$ with $S = \sum_k e^{z_k}$. Every output shares the
# denominator $S$, so every score $z_j$ moves every output $\hat y_i$. Differentiating:
#
# * on the diagonal ($i = j$), by the quotient rule:
#   $\dfrac{\partial \hat y_i}{\partial z_i} = \dfrac{e^{z_i} S - e^{z_i} e^{z_i}}{S^2}
#   = \hat y_i - \hat y_i^2 = \hat y_i (1 - \hat y_i)$;
# * off the diagonal ($i \ne j$), only $S$ depends on $z_j$:
#   $\dfrac{\partial \hat y_i}{\partial z_j} = -\dfrac{e^{z_i} e^{z_j}}{S^2} = -\hat y_i \hat y_j$.
#
# Both cases in one formula, with $\delta_{ij} = 1$ if $i = j$ and 0 otherwise:
#
# $$J_{ij} = \frac{\partial \hat y_i}{\partial z_j} = \hat y_i\,(\delta_{ij} - \hat y_j),
#   \qquad J = \operatorname{diag}(\hat y) - \hat y\, \hat y^{\top}.$$
#
# *A correction to the lecture notes.* `Y_hat * (1 - Y_hat)`, the notes' "derivative of softmax",
# is the **diagonal** $J_{ii}$ only. It is the whole derivative for the *sigmoid*, which acts on each
# entry on its own (a diagonal Jacobian); softmax does not: raising one score lowers the
# probability of every other class ($J_{ij} = -\hat y_i \hat y_j < 0$). Three facts to check below:
# $J$ is symmetric; each row sums to 0 (adding the same number to every score changes nothing, so
# $J \mathbf{1} = 0$); every entry lies in $[-\tfrac14, \tfrac14]$.
#
# **Implement** `softmax_jacobian(z) -> J` for one example `z` of shape `(C,)` or `(C, 1)` (flatten
# it first). Compute the softmax **inside** the function, stable (subtract `max(z)`): the check uses
# scores of $\pm 10^4$. `np.diag(s)` and `np.outer(s, s)` do the rest.

# %% nbgrader={"grade": false, "grade_id": "softmax_jacobian", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_jacobian(z):
    """Jacobian of the softmax at one example.

    z: (C,) or (C, 1) scores of one example.
    Returns J: (C, C) float64 with J[i, j] = d y_hat_i / d z_j = y_hat_i * (delta_ij - y_hat_j).
    """
    # This cell is graded on its own: compute the softmax of z here (stable), do not call softmax().
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float).reshape(-1)
    t = np.exp(z - np.max(z))
    s = t / np.sum(t)
    J = np.diag(s) - np.outer(s, s)
    ### END SOLUTION
    return J


# %% nbgrader={"grade": true, "grade_id": "softmax_jacobian_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(softmax_jacobian)

# %% nbgrader={"grade": true, "grade_id": "softmax_jacobian_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, softmax_jacobian is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(softmax_jacobian)
### END HIDDEN TESTS

# %% [markdown]
# **Check it against finite differences.** `course.gradcheck.numerical_jacobian` nudges each score
# by $\pm h$ and measures how every output moves (central differences, error of order $h^2$). We
# compare with the relative error $\lVert A - B\rVert / (\lVert A\rVert + \lVert B\rVert)$: below
# $10^{-7}$ the two agree.

# %%
z = np.array([2.0, 1.0, 0.1, -1.0])
J = softmax_jacobian(z)
J_numerical = gradcheck.numerical_jacobian(lambda v: softmax(v.reshape(-1, 1)), z)
y_hat = softmax(z.reshape(-1, 1)).ravel()
J_notes = np.diag(y_hat * (1 - y_hat))
for name, M in [("your softmax_jacobian", J), ("the notes' diagonal y_hat * (1 - y_hat)", J_notes)]:
    err = gradcheck.relative_error(M, J_numerical)
    print(f"{name:<40} relative error {err:.1e}: {gradcheck.verdict(err)}")
print("symmetric:", np.allclose(J, J.T), "  rows sum to 0:", np.allclose(J.sum(axis=1), 0),
      "  entries in [-1/4, 1/4]:", bool(np.all(np.abs(J) <= 0.25)))

fig, axes = plt.subplots(1, 3, figsize=(9.5, 2.9))
for ax, (title, M) in zip(axes, [("finite differences", J_numerical), ("yours: diag(ŷ) − ŷŷᵀ", J),
                                 ("the notes: ŷ(1 − ŷ) on the diagonal", J_notes)]):
    ax.imshow(M, cmap="RdBu_r", vmin=-0.25, vmax=0.25)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 3. The chain rule: $dz = \hat y - y$
#
# The loss depends on $z$ through $\hat y$. With $\partial L / \partial \hat y_i = -y_i / \hat y_i$
# and the Jacobian, the chain rule sums over every path from $z_j$ to $L$:
#
# $$\frac{\partial L}{\partial z_j} = \sum_{i=1}^{C} \frac{\partial L}{\partial \hat y_i}
#   \frac{\partial \hat y_i}{\partial z_j}
#   = \sum_{i} \left(-\frac{y_i}{\hat y_i}\right) \hat y_i (\delta_{ij} - \hat y_j)
#   = -y_j + \hat y_j \sum_i y_i = \hat y_j - y_j ,$$
#
# because the label sums to 1. In vector form $dz = J^\top \,\partial L/\partial \hat y = \hat y - y$:
# all the divisions cancel, which is why nobody computes the Jacobian in practice. The off-diagonal
# terms matter: with the diagonal alone one would get $-y_j (1 - \hat y_j)$, which is 0 for every
# wrong class — the wrong classes' scores would never be pushed down.
#
# **From one example to the cost.** The cost $J = \frac1m \sum_i L^{(i)}$ is a mean, and the scores
# $z^{(i)}$ of example $i$ only enter its own loss, so
#
# $$dZ = \frac{\partial J}{\partial Z} = \frac{1}{m}\,(\hat Y - Y) \qquad (C, m).$$
#
# **Reconciling with the lecture notes.** The notes write `dZ[L] = Y_hat - Y`: that stacks the
# per-example gradients $dz^{(i)} = \hat y^{(i)} - y^{(i)}$, and the $1/m$ of the cost appears one
# step later, in $dW^{[L]} = \frac1m\, dZ^{[L]} A^{[L-1]\top}$ and $db^{[L]} = \frac1m \sum_i dZ^{[L]}$.
# In this course every gradient is the gradient of the cost, so $dZ$ carries the $1/m$ and then
# $dW^{[L]} = dZ\, A^{[L-1]\top}$ and $db^{[L]} = \sum_i dZ$: the same $dW$ and $db$ either way.
#
# **Implement** `softmax_cross_entropy_backward(Y_hat, Y) -> dZ`, the gradient of the cost with
# respect to the softmax's input: $(\hat Y - Y)/m$, shape $(C, m)$, $m$ = number of columns.

# %% nbgrader={"grade": false, "grade_id": "softmax_cross_entropy_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_cross_entropy_backward(Y_hat, Y):
    """Gradient of the cross-entropy COST with respect to the scores Z, where Y_hat = softmax(Z).

    Y_hat: (C, m) predicted probabilities; Y: (C, m) labels (one-hot or soft).
    Returns dZ: (C, m) float64, equal to (Y_hat - Y) / m.
    """
    ### BEGIN SOLUTION
    m = Y.shape[1]
    dZ = (Y_hat - Y) / m
    ### END SOLUTION
    return dZ


# %% nbgrader={"grade": true, "grade_id": "softmax_cross_entropy_backward_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(softmax_cross_entropy_backward)

# %% nbgrader={"grade": true, "grade_id": "softmax_cross_entropy_backward_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, softmax_cross_entropy_backward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(softmax_cross_entropy_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Gradient check of the whole chain
#
# The last layer of the demo classifier of notebook 06: scores $Z = W X$ (no bias here) on a batch
# of $m = 8$ examples, the softmax, and the cost. We check, with central differences on every
# entry:
#
# 1. $\partial J / \partial Z$ against your `softmax_cross_entropy_backward`;
# 2. $\partial J / \partial W$ against both conventions for the $1/m$:
#    ours, $dW = dZ\, X^\top$ with $dZ = (\hat Y - Y)/m$, and the notes',
#    $dW = \frac1m (\hat Y - Y) X^\top$.

# %%
X_all, y_all = sm.class_blobs(m=240, seed=0)
X_batch, Y_batch = X_all[:, :8], np.eye(sm.C)[:, y_all[:8]]
W = sm.demo_classifier().W


def cost_of_Z(Z):
    return cross_entropy_cost(softmax(Z), Y_batch)


def cost_of_W(W_):
    return cross_entropy_cost(softmax(W_ @ X_batch), Y_batch)


Z_batch = W @ X_batch
Y_hat_batch = softmax(Z_batch)
dZ = softmax_cross_entropy_backward(Y_hat_batch, Y_batch)
dZ_numerical = gradcheck.numerical_gradient(cost_of_Z, Z_batch)
dW_ours = dZ @ X_batch.T
dW_notes = (1 / X_batch.shape[1]) * (Y_hat_batch - Y_batch) @ X_batch.T  # dZ[L] = Y_hat - Y, 1/m in dW
dW_numerical = gradcheck.numerical_gradient(cost_of_W, W)
for name, got, want in [("dZ (yours)", dZ, dZ_numerical), ("dW = dZ X^T (ours)", dW_ours, dW_numerical),
                        ("dW = 1/m (Y_hat - Y) X^T (the notes')", dW_notes, dW_numerical)]:
    err = gradcheck.relative_error(got, want)
    print(f"{name:<40} relative error {err:.1e}: {gradcheck.verdict(err)}")

# %% [markdown]
# ## 5. Explore: the loss, the gradient and the Jacobian of one example
#
# The panel takes one training example of notebook 06's classifier through the same batch-norm
# layer and temperature as there, $\hat y = \operatorname{softmax}\big((\gamma \hat z + \beta)/T\big)$,
# and shows *your* `cross_entropy_cost`, `softmax_cross_entropy_backward` (for $m = 1$, so
# $dz = \hat y - y$) and `softmax_jacobian`. The status line redoes the chain rule
# $J^\top(-y/\hat y)$ and, for contrast, the diagonal-only version.
#
# * Pick a **true class** other than the example's own: the loss jumps, and $dz$ is negative on the
#   true class (gradient descent raises its score) and positive on the others (it lowers them).
# * Raise **gamma** (or lower the **temperature**): the prediction gets confident, $J$ fades to 0
#   (a saturated softmax barely responds), yet $dz = \hat y - y$ stays large when the prediction is
#   confidently *wrong*. The cross-entropy's log undoes the softmax's saturation.
# * Lower gamma toward 0: $\hat y \to 1/C$, and $J \to \frac1C I - \frac1{C^2}\mathbf 1 \mathbf 1^\top$.
# * **beta** on one class raises its probability; on **every class** it changes nothing.
# * **epsilon** past about 0.04 shrinks class 4's normalized score, as in notebook 06.

# %%
display(sm.softmax_loss_panel(softmax, softmax_jacobian, cross_entropy_cost, softmax_cross_entropy_backward))

# %% [markdown]
# ## 6. Questions
#
# **Q1.** The lecture notes call `Y_hat * (1 - Y_hat)` the derivative of softmax. What is it
# exactly, what does it leave out, and why would backpropagation with it alone fail to train a
# classifier? Use the sign of the off-diagonal entries in your answer.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_jacobian_diagonal", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# It is the diagonal of the softmax Jacobian, d y_hat_i / d z_i = y_hat_i (1 - y_hat_i). Softmax is
# not applied entry by entry: all outputs share the denominator sum_k exp(z_k), so each score moves
# every output, and the off-diagonal entries d y_hat_i / d z_j = -y_hat_i y_hat_j are not zero
# (negative: raising one class's score lowers every other class's probability). The full Jacobian is
# diag(y_hat) - y_hat y_hat^T. With the diagonal alone the chain rule gives dz_j = -y_j (1 - y_hat_j),
# which is 0 for every class with y_j = 0: the scores of the wrong classes would never be pushed
# down, however probable they are, and the gradient of the true class would be wrong too. The full
# Jacobian gives dz = y_hat - y, which lowers the wrong classes in proportion to their probability.
# ### END SOLUTION

# %% [markdown]
# **Q2.** The lecture notes write `dZ[L] = Y_hat - Y`; your function returns `(Y_hat - Y) / m`.
# Explain why both are right in their convention and why the weights get the same update.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_one_over_m", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Y_hat - Y stacks the gradients of each example's LOSS, dz(i) = y_hat(i) - y(i). The cost is the
# mean of the m losses, so its gradient with respect to Z is (Y_hat - Y) / m. The notes keep dZ per
# example and put the 1/m into the parameter gradients, dW = (1/m) dZ A_prev^T and
# db = (1/m) sum(dZ); this course folds the 1/m into dZ and uses dW = dZ A_prev^T, db = sum(dZ).
# Both give the same dW and db (the gradient check above shows it), hence the same update; what
# must not happen is to drop the 1/m in both places (a gradient m times too large) or to apply it
# twice.
# ### END SOLUTION
