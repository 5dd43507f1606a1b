# %% [markdown]
# # 06 · Softmax: from C scores to C probabilities
#
# So far a network's last layer answered a yes/no question with one sigmoid unit. To tell
# **C classes** apart (digits, animals, the four quadrants below), the last layer gets **C units**,
# one score per class, and the **softmax** turns the C scores of each example into C probabilities.
# This notebook builds the pieces — one-hot labels, a softmax that never overflows, and its
# hard cousin, hardmax — then looks at what a softmax classifier does to the input space.
#
# **How to work.** Run the cells from top to bottom. Where a cell says `YOUR CODE HERE`,
# replace `raise NotImplementedError()` with your code, run the cell, then run the check
# cell below it: it tells you exactly what is right or wrong. From a terminal,
# `python -m grader check notebooks/06_softmax.ipynb` runs every visible check at once.
#
# **Notation** (Andrew Ng's Deep Learning Specialization): the last layer $L$ has pre-activations
# $Z^{[L]}$ of shape $(C, m)$ — one **column per example**, one row per class. The softmax works on
# each column on its own, so "over the classes" means `axis=0`.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import panels_softmax as sm
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. C output units and one-hot labels
#
# With $C$ classes, labelled $0, 1, \dots, C-1$, the last layer has $n^{[L]} = C$ units:
#
# $$Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}, \qquad W^{[L]}: (C, n^{[L-1]}),\quad b^{[L]}: (C, 1),
#   \quad Z^{[L]}: (C, m).$$
#
# Entry $Z^{[L]}_{k i}$ is the **score** (or *logit*) of class $k$ for example $i$. The output
# $A^{[L]} = \hat Y$ has the same shape, and its column $i$ is a probability distribution over
# the $C$ classes. To compare it with the label, the integer label $y^{(i)}$ becomes a **one-hot**
# column: a 1 in row $y^{(i)}$, 0 elsewhere. For $C = 4$ and $y = (2, 0, 3)$:
#
# $$Y = \begin{pmatrix} 0 & 1 & 0\\ 0 & 0 & 0\\ 1 & 0 & 0\\ 0 & 0 & 1 \end{pmatrix}.$$
#
# The running example has $C = 4$ classes in the plane, one per quadrant, and a linear layer
# with 4 units computing their scores.

# %%
X, y = sm.class_blobs(m=240, seed=0)
classifier = sm.demo_classifier()
Z = classifier.scores(X)
print("X:", X.shape, " y:", y.shape, " W:", classifier.W.shape, " Z = W X + b:", Z.shape)
print("labels of the first 6 examples:", y[:6])

fig, ax = plt.subplots(figsize=(4, 3.4))
for k in range(sm.C):
    ax.scatter(*X[:, y == k], s=8, color=sm.CLASS_COLORS[k], label=sm.CLASS_NAMES[k])
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.legend(fontsize=8, loc="center", framealpha=0.9)
ax.set_title("four classes, one per quadrant", fontsize=10)
plt.show()

# %% [markdown]
# **Implement** `one_hot(y, C) -> Y`: labels `y` of shape `(m,)` or `(1, m)` (flatten them first),
# `Y` of shape `(C, m)` and dtype float64. Take the number of rows from `C`, never from the labels:
# a mini-batch may well miss a class. Fancy indexing sets one entry per example:
# `Y[y, np.arange(m)] = 1` sets the pairs $(y^{(i)}, i)$.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "one_hot", "locked": false, "schema_version": 3, "solution": true, "task": false}
def one_hot(y, C):
    """One-hot encode integer labels, one column per example.

    y: integer labels in 0..C-1, shape (m,) or (1, m); C: the number of classes.
    Returns Y: (C, m) float64 array with Y[k, i] = 1 if y[i] == k, else 0.
    """
    ### BEGIN SOLUTION
    y = np.asarray(y).reshape(-1)
    m = y.shape[0]
    Y = np.zeros((C, m))
    Y[y, np.arange(m)] = 1.0
    ### END SOLUTION
    return Y


# %% nbgrader={"grade": true, "grade_id": "one_hot_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(one_hot)

# %% nbgrader={"grade": true, "grade_id": "one_hot_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, one_hot is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(one_hot)
### END HIDDEN TESTS

# %%
Y = one_hot(y, sm.C)
print("Y:", Y.shape, "\nfirst 6 columns:\n", Y[:, :6])
print("every column sums to 1:", np.allclose(Y.sum(axis=0), 1))

# %% [markdown]
# ## 2. The softmax
#
# For one example with scores $z \in \mathbb{R}^C$ (a column of $Z$):
#
# $$t = e^{z} \ \ (\text{entrywise}), \qquad a_j = \frac{t_j}{\sum_{k=1}^{C} t_k}
#   = \frac{e^{z_j}}{\sum_{k} e^{z_k}}.$$
#
# The exponential makes every entry positive; dividing by the sum makes them add up to 1. The
# order of the scores is kept (a larger score gets a larger probability), and only **differences**
# of scores matter: $a_i / a_j = e^{z_i - z_j}$, so a lead of one unit multiplies the odds by
# $e \approx 2.7$. The lecture's example, $z = (5, 2, -1, 3)$:
#
# $$t = (148.4,\ 7.4,\ 0.37,\ 20.1),\quad \textstyle\sum_k t_k = 176.3,\quad
#   a = (0.842,\ 0.042,\ 0.002,\ 0.114).$$
#
# On a matrix $Z$ of shape $(C, m)$ the softmax acts on **each column** on its own: the sums
# run over `axis=0` (the classes), never over the examples.

# %% [markdown]
# ## 3. Numerical stability: what overflows, and the fix
#
# A float64 holds numbers up to about $1.8 \times 10^{308}$, so `np.exp` overflows to `inf` for
# any argument above $709.78$, and underflows to exactly 0 below about $-745$. Scores of a few
# hundred are not exotic (a very confident network, a layer whose scale has drifted, a low
# temperature), and then the formula above computes `inf / inf` or `0 / 0`:

# %%
with np.errstate(over="ignore", invalid="ignore"):
    print("exp of 709, 710, 1000:", np.exp(np.array([709.0, 710.0, 1000.0])))
    print("exp of -745, -1000:   ", np.exp(np.array([-745.0, -1000.0])))
    print("inf / inf =", np.float64("inf") / np.float64("inf"), "  0 / 0 =", np.float64(0) / np.float64(0))

# %% [markdown]
# The fix comes from the fact that **subtracting the same number $c$ from every score of an
# example does not change its softmax**:
#
# $$\frac{e^{z_j - c}}{\sum_k e^{z_k - c}} = \frac{e^{-c}\, e^{z_j}}{e^{-c} \sum_k e^{z_k}}
#   = \frac{e^{z_j}}{\sum_k e^{z_k}}.$$
#
# Choose $c = \max_k z_k$, the column's maximum. Then every exponent $z_j - c \le 0$, so nothing
# overflows, and the largest term is $e^0 = 1$, so the denominator is at least 1: no `0 / 0`
# either. Small probabilities may still underflow to 0, which is their correct value to float
# precision.
#
# The maximum must be **each column's**: `Z.max(axis=0, keepdims=True)` of shape $(1, m)$.
# The global maximum `Z.max()` is the same shift for every example, so a column whose scores are
# far below the largest score of the batch (say $-1000$ against $+1000$) still underflows to
# `0 / 0`. Each row's maximum (`axis=1`) is worse: it shifts the classes of an example by different
# amounts and changes the answer.
#
# **Implement** `softmax(Z) -> A`, column by column, finite and exact for logits of any magnitude
# (the checks use $\pm 10^4$). Do not modify `Z` in place (`Z -= ...` would change the caller's array).

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(Z):
    """Column-wise softmax, numerically stable.

    Z: (C, m) scores (logits), one column per example.
    Returns A: (C, m) float64; each column is positive and sums to 1.
    """
    ### BEGIN SOLUTION
    T = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    A = T / np.sum(T, axis=0, keepdims=True)
    ### END SOLUTION
    return A


# %% nbgrader={"grade": true, "grade_id": "softmax_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(softmax)

# %% nbgrader={"grade": true, "grade_id": "softmax_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, softmax is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(softmax)
### END HIDDEN TESTS

# %%
z_lecture = np.array([[5.0], [2.0], [-1.0], [3.0]])
print("the lecture's example:", softmax(z_lecture).ravel())
Z_extreme = np.array([[1000.0, -1000.0], [999.0, -1001.0], [998.0, -1002.0]])
print("scores near +1000 and near -1000, one example each:\n", softmax(Z_extreme))
print("the same scores shifted by 2000 (same answer):\n", softmax(Z_extreme + 2000.0))

# %% [markdown]
# ## 4. Hardmax: the arg-max, not the max
#
# **Hardmax** puts a 1 on the winning class and 0 elsewhere: it is what "the predicted class" means,
# as a one-hot vector. For $z = (5, 2, -1, 3)$ it is $(1, 0, 0, 0)$.
#
# *A correction to the lecture notes.* The notes say hardmax "converts the highest value among
# the outputs to 1". Read literally that suggests computing the **maximum** — `np.max(z)`, the
# number 5 — but hardmax needs **where** the maximum is, the **arg-max**: `np.argmax(z)` $= 0$,
# and then a one-hot vector with its 1 at that index. The value of the maximum plays no role, and
# marking every entry equal to the maximum (`z == z.max()`) is not right either: on a tie it puts
# several 1s in a column, which is not a one-hot vector. Here, as with `np.argmax`, **a tie goes to
# the first maximum**.
#
# $$\operatorname{hardmax}(z)_j = \begin{cases} 1 & j = \operatorname{argmax}_k z_k
#   \ \ (\text{the first one on a tie}) \\ 0 & \text{otherwise.} \end{cases}$$
#
# **Implement** `hardmax(Z) -> A`: for each column of `Z`, a float64 one-hot column with its 1 at
# the column's arg-max (`np.argmax(Z, axis=0)` gives the $m$ indices at once).

# %% nbgrader={"grade": false, "grade_id": "hardmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hardmax(Z):
    """Column-wise hardmax: a one-hot column at each column's arg-max.

    Z: (C, m) scores, one column per example.
    Returns A: (C, m) float64; A[k, i] = 1 where k is the (first) arg-max of Z[:, i], else 0.
    """
    ### BEGIN SOLUTION
    C, m = Z.shape
    A = np.zeros((C, m))
    A[np.argmax(Z, axis=0), np.arange(m)] = 1.0
    ### END SOLUTION
    return A


# %% nbgrader={"grade": true, "grade_id": "hardmax_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(hardmax)

# %% nbgrader={"grade": true, "grade_id": "hardmax_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, hardmax is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(hardmax)
### END HIDDEN TESTS

# %%
print("max of z:   ", z_lecture.max(), "  <- a number, not what hardmax needs")
print("argmax of z:", z_lecture.argmax(), "    <- where the 1 goes")
print("hardmax(z): ", hardmax(z_lecture).ravel())
print("a tie, z = (3, 3, 1): hardmax =", hardmax(np.array([[3.0], [3.0], [1.0]])).ravel())

# %% [markdown]
# ## 5. Softmax is the "gentle" hardmax
#
# Softmax keeps every class in play: it moves probability smoothly as the scores move, while
# hardmax jumps from one class to the next. Below, the first of three scores sweeps from $-4$ to
# $6$ while the others stay at $1$ and $0$: hardmax switches abruptly when $z_1$ passes 1, softmax
# slides. That smoothness is what makes softmax trainable: its derivative is never zero everywhere,
# whereas hardmax is piecewise constant (its gradient is 0 almost everywhere).
#
# Dividing the scores by a **temperature** $T$ before the softmax sets how gentle it is:
# $\operatorname{softmax}(z / T)$ tends to hardmax as $T \to 0$ and to the uniform distribution
# $1/C$ as $T \to \infty$. The arg-max, hence hardmax, does not depend on $T > 0$ at all.

# %%
sweep = np.linspace(-4, 6, 201)
Z_sweep = np.stack([sweep, np.ones_like(sweep), np.zeros_like(sweep)])  # (3, 201): one example per column
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
for k in range(3):
    axes[0].plot(sweep, softmax(Z_sweep)[k], color=sm.CLASS_COLORS[k], label=f"class {k + 1}")
    axes[0].plot(sweep, hardmax(Z_sweep)[k], "--", color=sm.CLASS_COLORS[k], lw=1)
axes[0].set_xlabel("$z_1$  (with $z_2 = 1$, $z_3 = 0$)")
axes[0].set_ylabel("probability")
axes[0].legend(fontsize=7)
axes[0].set_title("softmax (solid) slides, hardmax (dashed) jumps", fontsize=10)
temperatures = np.geomspace(0.1, 100, 200)
probs = softmax(z_lecture / temperatures)  # (4, 200): one column per temperature
for k in range(4):
    axes[1].plot(temperatures, probs[k], color=sm.CLASS_COLORS[k], label=f"class {k + 1} (z = {z_lecture[k, 0]:g})")
axes[1].axhline(0.25, color="k", lw=0.5, ls=":")
axes[1].set_xscale("log")
axes[1].set_xlabel("temperature T")
axes[1].legend(fontsize=7)
axes[1].set_title("softmax(z / T) for z = (5, 2, -1, 3)", fontsize=10)
plt.show()

# %% [markdown]
# ## 6. With C = 2, softmax is logistic regression
#
# For two classes the softmax depends only on the difference of the two scores:
#
# $$a_1 = \frac{e^{z_1}}{e^{z_1} + e^{z_2}} = \frac{1}{1 + e^{-(z_1 - z_2)}} = \sigma(z_1 - z_2),
#   \qquad a_2 = 1 - a_1 = \sigma(z_2 - z_1).$$
#
# With $z_k = w_k^\top x + b_k$, that is logistic regression with weights $w = w_1 - w_2$ and bias
# $b = b_1 - b_2$: a two-unit softmax layer carries one redundant unit, and softmax regression
# generalizes logistic regression to $C$ classes. Numerically, with $z_2 = 0$:

# %%
z = np.linspace(-8, 8, 401)
two_class = softmax(np.stack([z, np.zeros_like(z)]))[0]
sigmoid = 1 / (1 + np.exp(-z))
print(f"largest |softmax([z, 0])[0] - sigmoid(z)| over z in [-8, 8]: {np.max(np.abs(two_class - sigmoid)):.1e}")
shifted = softmax(np.stack([z + 3.0, np.full_like(z, 3.0)]))[0]
print(f"the same after adding 3 to both scores:                        {np.max(np.abs(shifted - sigmoid)):.1e}")

fig, ax = plt.subplots(figsize=(4.2, 2.8))
ax.plot(z, sigmoid, lw=4, alpha=0.4, label="$\\sigma(z)$")
ax.plot(z, two_class, "k--", lw=1, label="softmax$([z, 0])_1$")
ax.set_xlabel("$z$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 7. A softmax classifier draws straight boundaries
#
# A linear softmax classifier predicts the class with the largest score $z_k = w_k^\top x + b_k$
# (softmax keeps the order of the scores, so its most probable class is the hardmax's). Class $i$
# beats class $j$ where
#
# $$(w_i - w_j)^\top x + (b_i - b_j) > 0,$$
#
# a half-plane bounded by a straight line. The region of class $i$ is the intersection of $C - 1$
# half-planes: a convex polygon, and every boundary between two regions is a segment of a line.
# Softmax does not move the boundaries; it shades them, from confident (far from a boundary) to
# undecided (on it).
#
# Below, on a grid of points, with the demo classifier's raw scores: each pixel mixes the class
# colours in proportion to your softmax's probabilities, and dark lines mark where your hardmax
# changes its answer. Class 4's weights are short
# (see `sm.demo_classifier`), so its scores are small and it wins only on a thin wedge: a
# batch-norm layer in front of the softmax (section 8) will rescale it.

# %%
G, extent = sm.grid()
Z_grid = classifier.scores(G)
P, H = softmax(Z_grid), hardmax(Z_grid)
labels = np.argmax(H, axis=0)
fig, ax = plt.subplots(figsize=(4.6, 3.9))
sm.draw_regions(ax, sm.region_image(P, labels), extent, X, y,
                title="regions of hardmax (lines), shaded by softmax")
plt.show()
print(f"training accuracy of the raw classifier: {np.mean(np.argmax(hardmax(Z), axis=0) == y):.1%}")

# %% [markdown]
# ## 8. Explore: batch norm and temperature in front of the softmax
#
# In the panel, the classifier's scores go through a **batch-norm layer**, then the temperature,
# then *your* softmax and hardmax:
#
# $$\tilde z = \gamma\, \frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta, \qquad
#   \hat y = \operatorname{softmax}(\tilde z / T),$$
#
# where $\mu$, $\sigma^2$ are each class score's mean and variance over the training batch. The
# left plot is one example whose four raw logits $z_1..z_4$ you drag; the right plot is the
# decision map of the whole plane.
#
# * **gamma** multiplies every normalized score, so it acts as an **inverse temperature** (with
#   $\beta = 0$ only $\gamma / T$ matters). Raise it: the softmax bars approach the hardmax bars and the shading
#   sharpens. The regions themselves do not move (a positive factor does not change the arg-max).
# * **beta** on one class adds to that class's score: its region grows, its boundaries move
#   parallel to themselves. Choose **every class** in "β shifts": nothing moves at all, because
#   $\operatorname{softmax}(z + c) = \operatorname{softmax}(z)$ — the identity behind the max trick.
# * **epsilon**: class 4's raw score barely varies (variance about 0.04, against 12 to 13 for the
#   others). Batch norm scales it up to the others' size, which gives class 4 a fair quadrant;
#   raise $\varepsilon$ past 0.04 and $\sqrt{\sigma^2 + \varepsilon}$ no longer shrinks to
#   $\sigma$: class 4's normalized score shrinks and its region with it.
# * **temperature** $T$ does the opposite of gamma.

# %%
display(sm.softmax_panel(softmax, hardmax))

# %% [markdown]
# ## 9. Questions
#
# **Q1.** Your softmax subtracts each column's maximum before `np.exp`. Explain (a) why this does
# not change the result, (b) why it prevents both overflow and `0 / 0`, and (c) why the maximum
# must be taken per column rather than over the whole matrix.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_max_trick", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# (a) Subtracting c from every score of an example multiplies every exponential by the same factor
# e^{-c}, which cancels between the numerator and the denominator: softmax(z - c) = softmax(z).
# (b) With c = max_k z_k every exponent is <= 0, so exp never exceeds 1 and cannot overflow to inf;
# the largest term is exp(0) = 1, so the denominator is at least 1 and never 0 (no 0 / 0); entries
# that underflow to 0 are probabilities below ~1e-308, correctly 0 to float precision.
# (c) The identity holds for a shift shared by the classes of ONE example. The global maximum is a
# valid shift, but for an example whose scores are all far below the largest score of the batch
# (e.g. -1000 vs +1000) every exponent is hugely negative, everything underflows to 0 and the
# column becomes 0 / 0 = nan. Each column needs its own maximum (axis=0, keepdims=True).
# ### END SOLUTION

# %% [markdown]
# **Q2.** In the panel, raising gamma (or lowering the temperature) changes the softmax
# probabilities but not the decision regions; beta on one class moves the boundaries, while beta on
# every class changes nothing. Explain these three observations with the formulas.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_gamma_beta_regions", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The softmax input is (gamma * z_norm + beta) / T. The predicted class is its arg-max. Multiplying
# every score by the positive number gamma / T keeps their order, so the arg-max (the regions) is
# unchanged, but the gaps between scores grow or shrink, and softmax depends on those gaps
# (a_i / a_j = exp(z_i - z_j)): a larger gamma / T makes the probabilities more extreme (closer to
# hardmax), a smaller one flattens them toward 1 / C. Beta added to ONE class raises that class's
# score everywhere, so the lines where it ties with the others, (w_i - w_j)^T x + (b_i - b_j) = 0,
# shift (parallel, since only the offset changes) and its region grows. Beta added to EVERY class
# shifts all scores of an example by the same amount, and softmax(z + c) = softmax(z): neither the
# probabilities nor the regions change.
# ### END SOLUTION
