# %% [markdown]
# # 04 · Batch norm in a deep network
#
# Notebooks 02 and 03 normalized one layer, forward and backward. Here we put batch norm in
# **every hidden layer** of a deep network and train it with the mini-batch loop of the lecture
# notes:
#
# ```
# for t in range(number of mini-batches):
#     forward pass on X{t}, with batch norm replacing Z[l] by Z_tilde[l] in every hidden layer
#     backward pass to dW[l], dgamma[l], dbeta[l]
#     W[l]     := W[l]     - learning_rate * dW[l]
#     gamma[l] := gamma[l] - learning_rate * dgamma[l]
#     beta[l]  := beta[l]  - learning_rate * dbeta[l]
# ```
#
# You write the network's forward pass, its backward pass (checked numerically), the parameter
# update and the training loop, and train a network that must reach a stated accuracy. Then we
# compare networks **with and without** batch norm: learning curves, the range of learning rates
# and initialization scales that train, and the *covariate shift* that batch norm tames.
#
# **How to work.** Run the cells from top to bottom, replace each `raise NotImplementedError()`
# with your code, and run the check cell below it. From a terminal,
# `python -m grader check notebooks/04_batchnorm_in_a_network.ipynb` runs every visible check.
#
# **Notation.** Examples are **columns**: $X$ is $(n_x, m)$ and a layer's $Z^{[l]}$ is $(n^{[l]}, m)$.
# Statistics over the mini-batch are taken along `axis=1, keepdims=True`. Every gradient is the
# gradient of the **cost** $J$ (the mean of the loss over the $m$ examples), so `dZL` already
# carries the factor $\frac1m$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import data, gradcheck, network
from course.panels_network import (activations_panel, draw_decision_regions, draw_drift, draw_learning_curves,
                                   sensitivity_panel)
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The data: two spirals
#
# Two classes wind around each other for a turn and a half: no straight line (and no single
# hidden layer of a few units) separates them, so a deep network has work to do. The labels
# $Y$ are 0 or 1, shape $(1, m)$.
#
# The training set comes **sorted by class**, as many data files do: the first 400 columns are
# class 0, the last 400 class 1. Keep it in mind when you write the mini-batch loop.

# %%
X_train, Y_train = data.two_spirals(800, seed=0, sort_by_class=True)
X_test, Y_test = data.two_spirals(1000, seed=1)
print("X_train:", X_train.shape, " Y_train:", Y_train.shape)
print("labels of the first and last 5 training examples:", Y_train[0, :5], Y_train[0, -5:])

fig, ax = plt.subplots(figsize=(3.6, 3.4))
ax.scatter(*X_train, c=Y_train[0], cmap="coolwarm", s=6)
ax.set_aspect("equal")
ax.set_title("training set", fontsize=10)
plt.show()

# %% [markdown]
# ## 2. The network and its parameters
#
# `layer_dims = [2, 32, 32, 32, 1]`: 2 inputs, $L - 1 = 3$ hidden layers of 32 units and one output
# unit, $L = 4$ layers with weights. Hidden layer $l$ computes
#
# $$Z^{[l]} = W^{[l]} A^{[l-1]}, \qquad
#   \hat Z^{[l]} = \frac{Z^{[l]} - \mu^{[l]}}{\sqrt{\sigma^{2[l]} + \varepsilon}}, \qquad
#   \tilde Z^{[l]} = \gamma^{[l]} \hat Z^{[l]} + \beta^{[l]}, \qquad
#   A^{[l]} = \mathrm{ReLU}(\tilde Z^{[l]}),$$
#
# with $A^{[0]} = X$ and $\mu^{[l]}$, $\sigma^{2[l]}$ the mean and (population) variance of each unit
# over the mini-batch. There is **no bias** $b^{[l]}$ in a hidden layer: batch norm subtracts the
# mean, so a bias would cancel (section 5 shows it), and $\beta^{[l]}$ does its job. The output layer
# is an ordinary linear layer, **no batch norm and no ReLU**:
#
# $$Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}, \qquad \hat y = \sigma(Z^{[L]}), \qquad
#   J = -\frac1m \sum_{i=1}^m \Big(y^{(i)} \log \hat y^{(i)} + (1 - y^{(i)}) \log (1 - \hat y^{(i)})\Big).$$
#
# $Z^{[L]}$ (`ZL`) are the *logits*; the sigmoid belongs to the cost, and its gradient is the familiar
# `dZL = (sigmoid(ZL) - Y) / m`.
#
# The parameters are a dict: `"W1"`, `"gamma1"`, `"beta1"`, ..., `"W3"`, `"gamma3"`, `"beta3"`,
# `"W4"`, `"b4"`. `network.init_params` gives the usual start: He initialization
# $W^{[l]} \sim \mathcal N(0, 2 / n^{[l-1]})$, $\gamma = 1$, $\beta = 0$, $b^{[L]} = 0$.

# %%
layer_dims = [2, 32, 32, 32, 1]
params = network.init_params(layer_dims, seed=0)
for name, value in params.items():
    print(f"{name:>7}: {value.shape}")

# %% [markdown]
# ### gamma and beta have shape $(n^{[l]}, 1)$, not $(n^{[l]}, m)$
#
# The lecture notes give $\gamma^{[l]}$ and $\beta^{[l]}$ the shape $(n^{[l]}, m)$. That is a mistake:
# there is **one** $\gamma$ and **one** $\beta$ **per unit**, shape $(n^{[l]}, 1)$, and broadcasting
# applies them to every column (every example) of the mini-batch. They are parameters of the
# *unit*, not of the examples: a $(n^{[l]}, m)$ array would give a separate scale to "the 7th example
# of a mini-batch", a meaningless position that shuffling fills with a different example every
# time, and it could not even be applied to a mini-batch of another size — the last, smaller
# mini-batch of an epoch, or a single example at test time:

# %%
Z1 = params["W1"] @ X_train[:, :32]                   # a mini-batch of 32: Z1 is (32 units, 32 examples)
print("gamma1:", params["gamma1"].shape, " gamma1 * Z1:", (params["gamma1"] * Z1).shape)
gamma_per_example = np.ones((32, 32))                   # the notes' (n[l], m) for m = 32
try:
    gamma_per_example * (params["W1"] @ X_train[:, :5])  # a mini-batch of 5
except ValueError as error:
    print("a (n[l], m) gamma on a mini-batch of 5 ->", error)

# %% [markdown]
# ## 3. The forward pass
#
# **Implement** `model_forward(X, params, epsilon=1e-5) -> (ZL, caches)`, the forward pass in
# *training mode* (each hidden layer normalized with the statistics of this mini-batch):
#
# * the number of layers is `L = len([k for k in params if k.startswith("W")])`;
# * hidden layers $l = 1, \dots, L-1$: `Z = W @ A_prev`, batch norm with `gamma{l}`, `beta{l}` and
#   `epsilon` (population variance, `epsilon` inside the square root), then ReLU;
# * the output layer: `ZL = W @ A_prev + b` — no batch norm, no ReLU.
#
# `caches` is a **list with one dict per layer**, in order, for the backward pass:
#
# * hidden layer $l$: `{"A_prev", "W", "Z", "Z_norm", "mu", "sigma2", "gamma", "beta", "epsilon", "Z_tilde"}`
#   (`A_prev` the layer's input, `Z = W @ A_prev`, `Z_tilde` what enters the ReLU; the middle seven
#   keys are notebook 02's batch-norm cache);
# * output layer: `{"A_prev", "W"}`.
#
# The answer cell must stand on its own (it is graded alone, with only `numpy as np` imported):
# define any helper (a batch-norm step, a ReLU) *inside* it. Do not modify `X` or `params`.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "model_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def model_forward(X, params, epsilon=1e-5):
    """Forward pass of the batch-normalized network in training mode.

    X: (n_x, m) mini-batch, one column per example.
    params: "W1", "gamma1", "beta1", ..., "W{L-1}", "gamma{L-1}", "beta{L-1}", "W{L}", "b{L}".
    Returns ZL (n_L, m), the output logits, and caches: a list of L dicts (see above).
    """
    ### BEGIN SOLUTION
    L = sum(name.startswith("W") for name in params)
    caches = []
    A = X
    for l in range(1, L):
        W, gamma, beta = params[f"W{l}"], params[f"gamma{l}"], params[f"beta{l}"]
        Z = W @ A
        mu = np.mean(Z, axis=1, keepdims=True)
        sigma2 = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
        Z_norm = (Z - mu) / np.sqrt(sigma2 + epsilon)
        Z_tilde = gamma * Z_norm + beta
        caches.append({"A_prev": A, "W": W, "Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2,
                       "gamma": gamma, "beta": beta, "epsilon": epsilon, "Z_tilde": Z_tilde})
        A = np.maximum(Z_tilde, 0)
    W = params[f"W{L}"]
    ZL = W @ A + params[f"b{L}"]
    caches.append({"A_prev": A, "W": W})
    ### END SOLUTION
    return ZL, caches


# %% nbgrader={"grade": true, "grade_id": "model_forward_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check(model_forward)

# %% nbgrader={"grade": true, "grade_id": "model_forward_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, model_forward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(model_forward)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The backward pass
#
# Backprop runs through the layers in reverse. Start from `dZL` $= \partial J/\partial Z^{[L]}$, which
# for the sigmoid cross-entropy is $(\sigma(Z^{[L]}) - Y)/m$ — it **already holds** the $\frac1m$.
#
# * Output layer: $dW^{[L]} = dZ^{[L]} A^{[L-1]\top}$, $\;db^{[L]} = \sum_i dZ^{[L]}$ (over the examples,
#   `axis=1, keepdims=True`), $\;dA^{[L-1]} = W^{[L]\top} dZ^{[L]}$.
# * Hidden layer $l = L-1, \dots, 1$:
#   1. through the ReLU: $d\tilde Z = dA^{[l]} \odot \mathbb 1[\tilde Z > 0]$ (the ReLU acts on $\tilde Z$, not $Z$);
#   2. through batch norm (notebook 03): $d\gamma = \sum_i d\tilde Z \odot \hat Z$, $\;d\beta = \sum_i d\tilde Z$, and with
#      $d\hat Z = \gamma\, d\tilde Z$ the compact formula
#      $$dZ = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}\Big(d\hat Z - \tfrac1m \textstyle\sum_i d\hat Z
#             - \hat Z\, \tfrac1m \sum_i d\hat Z \odot \hat Z\Big);$$
#   3. through $Z = W A^{[l-1]}$: $dW^{[l]} = dZ\, A^{[l-1]\top}$ and $dA^{[l-1]} = W^{[l]\top} dZ$.
#
# No extra $\frac1m$ anywhere: it is in `dZL` already. (The lecture notes write
# $dW = \frac1m dZ A^\top$ because their $dZ = \hat Y - Y$ is the gradient of the *loss* of each example;
# here `dZL` is the gradient of the *cost*, the same $\frac1m$ moved earlier.)
#
# **Implement** `model_backward(dZL, caches) -> grads`, a dict with `"dW1"`, `"dgamma1"`,
# `"dbeta1"`, ..., `"dW{L}"`, `"db{L}"`, each shaped like its parameter. `caches` is the list that
# `model_forward` returns. Do not modify `dZL` or the caches. (You may paste your notebook-03
# `batchnorm_backward` inside the cell as a helper.)

# %% nbgrader={"grade": false, "grade_id": "model_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def model_backward(dZL, caches):
    """Backward pass of the batch-normalized network.

    dZL: (n_L, m) gradient of the cost with respect to the logits ZL (it holds the 1/m).
    caches: the list of L dicts returned by model_forward.
    Returns grads: "dW{l}", "dgamma{l}", "dbeta{l}" for the hidden layers, "dW{L}" and "db{L}".
    """
    ### BEGIN SOLUTION
    L = len(caches)
    grads = {}
    out = caches[L - 1]
    grads[f"dW{L}"] = dZL @ out["A_prev"].T
    grads[f"db{L}"] = np.sum(dZL, axis=1, keepdims=True)
    dA = out["W"].T @ dZL
    for l in range(L - 1, 0, -1):
        c = caches[l - 1]
        dZ_tilde = dA * (c["Z_tilde"] > 0)
        grads[f"dgamma{l}"] = np.sum(dZ_tilde * c["Z_norm"], axis=1, keepdims=True)
        grads[f"dbeta{l}"] = np.sum(dZ_tilde, axis=1, keepdims=True)
        dZ_norm = c["gamma"] * dZ_tilde
        dZ = (dZ_norm - np.mean(dZ_norm, axis=1, keepdims=True)
              - c["Z_norm"] * np.mean(dZ_norm * c["Z_norm"], axis=1, keepdims=True)) / np.sqrt(c["sigma2"] + c["epsilon"])
        grads[f"dW{l}"] = dZ @ c["A_prev"].T
        dA = c["W"].T @ dZ
    ### END SOLUTION
    return grads


# %% nbgrader={"grade": true, "grade_id": "model_backward_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check(model_backward)

# %% nbgrader={"grade": true, "grade_id": "model_backward_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, model_backward is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(model_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Gradient check of the whole network
#
# As in notebook 03, nudge every parameter by $\pm h$, recompute the cost with *your*
# `model_forward`, and compare the central differences with *your* `model_backward` (relative
# error; below $10^{-7}$ is right). A small network and a few examples keep this fast; $\gamma$,
# $\beta$ and $b$ are set away from their initial values so that every term of the gradient matters.

# %%
rng = np.random.default_rng(4)
small = network.init_params([2, 5, 4, 1], seed=1)
small = {k: v if k.startswith("W") else v + rng.normal(0, 0.5, v.shape) for k, v in small.items()}
X_small, Y_small = X_train[:, ::100], Y_train[:, ::100]     # 8 examples, both classes


def cost_of(p):
    ZL, _ = model_forward(X_small, p)
    return network.sigmoid_cross_entropy(ZL, Y_small)[0]


ZL, caches = model_forward(X_small, small)
grads = model_backward(network.sigmoid_cross_entropy(ZL, Y_small)[1], caches)
print(gradcheck.report({
    f"d{k}": (grads.get(f"d{k}", np.full_like(v, np.nan)),
              gradcheck.numerical_gradient(lambda x, k=k: cost_of({**small, k: x}), v))
    for k, v in small.items()}))

# %% [markdown]
# ## 5. "b[l] is ignored": its gradient is zero
#
# The notes say that with batch norm "the parameter $b^{[l]}$ is ignored". Here is why, measured. A
# bias is the weight of an input that is always 1: append a row of ones to $X$ and a column to
# $W^{[1]}$, and that column *is* $b^{[1]}$, since $W^{[1]} X + b^{[1]} = [\,W^{[1]}\; b^{[1]}\,]\begin{bmatrix}X\\ 1\end{bmatrix}$.
# Your backward pass then computes $db^{[1]}$ as the last column of $dW^{[1]}$:

# %%
X_one = np.vstack([X_small, np.ones((1, X_small.shape[1]))])
with_bias = {**small, "W1": np.hstack([small["W1"], rng.normal(0, 3, (5, 1))])}   # b1 = the last column
ZL, caches = model_forward(X_one, with_bias)
grads = model_backward(network.sigmoid_cross_entropy(ZL, Y_small)[1], caches)
print(f"db1 = last column of dW1: largest |entry| {np.abs(grads['dW1'][:, -1]).max():.1e}")
print(f"the other columns of dW1:  largest |entry| {np.abs(grads['dW1'][:, :-1]).max():.1e}")
print("the output does not depend on b1:", np.allclose(ZL, model_forward(X_small, small)[0]))
print("db3 of the output layer (no batch norm there):", grads["db3"].ravel())

# %% [markdown]
# The bias adds the same $b_k$ to every example of unit $k$, so it adds $b_k$ to the batch mean and
# the subtraction removes it: $Z + b - (\mu + b) = Z - \mu$. Its gradient is the sum of $dZ$ over the
# examples, and the compact formula's $dZ$ sums to zero (its path through $\mu$ removes the mean).
# Gradient descent would never move it. That is why a batch-normalized layer has **no $b^{[l]}$**
# and $\beta^{[l]}$ takes its role — while the output layer, without batch norm, keeps $b^{[L]}$.

# %% [markdown]
# ## 6. The parameter update
#
# **Implement** `update_parameters(params, grads, learning_rate) -> params`: one step of gradient
# descent on **every** parameter, `p := p - learning_rate * dp` for `W`, `gamma`, `beta` and `b{L}`
# (the gradient of `params["gamma2"]` is `grads["dgamma2"]`). Return a **new** dict of new arrays and
# leave `params` as it was: `params[k] -= ...` would change the caller's arrays behind its back.

# %% nbgrader={"grade": false, "grade_id": "update_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false}
def update_parameters(params, grads, learning_rate):
    """One gradient-descent step. Returns a new dict; params is not modified."""
    ### BEGIN SOLUTION
    new_params = {name: value - learning_rate * grads["d" + name] for name, value in params.items()}
    ### END SOLUTION
    return new_params


# %% nbgrader={"grade": true, "grade_id": "update_parameters_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check(update_parameters)

# %% nbgrader={"grade": true, "grade_id": "update_parameters_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, update_parameters is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(update_parameters)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. The mini-batch training loop
#
# **Implement** `train_model(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0) -> params`,
# the loop of the lecture notes, starting from the `params` given:
#
# * make one random generator for the whole run, with `np.random.default_rng(seed)`;
# * every epoch, **shuffle**: a new permutation of the $m$ columns (the generator's `permutation(m)`), and cut it
#   into mini-batches of `mini_batch_size` columns (the last one may be smaller), keeping $X$ and $Y$
#   columns together;
# * for each mini-batch: `model_forward`, `dZL = (sigmoid(ZL) - Y_batch) / m_batch` with `m_batch`
#   the mini-batch's size, `model_backward`, `update_parameters` with `learning_rate`;
# * return the trained parameters.
#
# The checks train from given parameters and require at least **90% accuracy on held-out data**
# with the default settings (a correct loop reaches about 99%); with `learning_rate=0` nothing may
# change, and with one mini-batch as large as the data set every epoch is one exact gradient step.
# Your three functions above are available to this cell (the grader runs their cells first).

# %% nbgrader={"grade": false, "grade_id": "train_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_model(X, Y, params, learning_rate=0.05, num_epochs=30, mini_batch_size=32, seed=0):
    """Train with shuffled mini-batches and gradient descent.

    X: (n_x, m); Y: (1, m) labels 0/1; params: the initial parameters (not modified).
    Returns the trained parameters (a new dict).
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    for epoch in range(num_epochs):
        permutation = rng.permutation(m)
        for start in range(0, m, mini_batch_size):
            batch = permutation[start:start + mini_batch_size]
            X_batch, Y_batch = X[:, batch], Y[:, batch]
            ZL, caches = model_forward(X_batch, params)
            Y_hat = 1 / (1 + np.exp(-ZL))
            dZL = (Y_hat - Y_batch) / X_batch.shape[1]
            grads = model_backward(dZL, caches)
            params = update_parameters(params, grads, learning_rate)
    ### END SOLUTION
    return params


# %% nbgrader={"grade": true, "grade_id": "train_model_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check(train_model)

# %% nbgrader={"grade": true, "grade_id": "train_model_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, train_model is also trained on new data.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(train_model)
### END HIDDEN TESTS

# %% [markdown]
# Now train the network of section 2 on the spirals and measure it on the 1000 test examples.
# We evaluate the whole test set as **one batch**, so batch norm uses the test set's own
# statistics; with 1000 examples they are close to those of the training data. (A single example
# could not be evaluated that way — its variance is 0. Notebook 05 fixes this with running averages.)

# %%
trained = train_model(X_train, Y_train, params)
ZL_test, _ = model_forward(X_test, trained)
test_accuracy = np.mean((ZL_test > 0) == (Y_test == 1))
print(f"test accuracy: {test_accuracy:.1%}")

fig, ax = plt.subplots(figsize=(3.8, 3.6))
draw_decision_regions(ax, trained, X_test, Y_test, title=f"your network: {test_accuracy:.1%} on the test set")
plt.show()

# %% [markdown]
# ## 8. With and without batch norm
#
# From here on, `course.network` runs the experiments: the same computations as your functions,
# vectorized, with a switch to drop batch norm (hidden layers become `relu(W @ A_prev + b)`) and
# the option to train many networks at once. A deeper network (5 hidden layers of 32 units) makes
# the difference plain. Same data, same initial weights, same learning rate, same mini-batches:

# %%
deep = [2, 32, 32, 32, 32, 32, 1]
runs = {label: network.train(X_train, Y_train, deep, lr=0.1, epochs=15, batch_size=32, batchnorm=bn,
                             loss="sigmoid", X_val=X_test, Y_val=Y_test, watch_unit=(4, None), progress=True)
        for label, bn in [("batch norm", True), ("no batch norm", False)]}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
draw_learning_curves(axes, runs)
plt.show()
for label, run in runs.items():
    ZL, _, _ = network.forward(X_train, run.params, "inference", run.running)
    print(f"{label:>14}: test accuracy {run.history['val_acc'][-1]:.1%} after 15 epochs ({run.seconds:.1f} s); "
          f"cost on the whole training set {network.sigmoid_cross_entropy(ZL, Y_train)[0]:.3f}")

# %% [markdown]
# With batch norm the network fits the spirals within a few epochs. Without it, the same network
# with the same learning rate crawls: for many epochs it does no better than a straight line
# (about 65%), and it is still far from the spirals at the end.
#
# The batch-norm network's *mini-batch* cost stays well above its cost on the whole training set
# (printed above): each mini-batch of 32 is normalized with its own, noisy statistics, which
# perturbs every prediction a little. That noise is batch norm's slight regularizing effect. The
# test accuracy and the whole-set cost use running averages of the statistics (notebook 05).

# %% [markdown]
# ## 9. Which learning rates and initial scales train?
#
# A grid: 5 learning rates × 4 initialization scales (the He weights multiplied by 0.1 ... 3), the
# network of section 2, 8 epochs each, with and without batch norm — 40 networks.
# `network.train_grid` stacks the 20 networks of each kind along a new leading axis and trains them
# together with batched matrix products, in seconds. Move the sliders to see the learning curves
# of one cell of the grid (the runs are already computed, so the panel redraws at once).

# %%
learning_rates = np.geomspace(0.01, 3.0, 5)
init_scales = np.array([0.1, 0.3, 1.0, 3.0])
grids = {label: network.train_grid(X_train, Y_train, layer_dims, learning_rates, init_scales, epochs=8,
                                   batch_size=32, batchnorm=bn, loss="sigmoid", X_val=X_test[:, :400],
                                   Y_val=Y_test[:, :400], progress=True)
         for label, bn in [("batch norm", True), ("no batch norm", False)]}
for label, grid in grids.items():
    print(f"{label:>14}: {np.sum(grid.final_acc >= 0.9)} of {grid.final_acc.size} settings reach 90% "
          f"test accuracy in 8 epochs ({grid.seconds:.1f} s)")
display(sensitivity_panel(grids))

# %% [markdown]
# Without batch norm, nothing reaches 90% in 8 epochs: the learning rate must be large to make
# progress, and a large learning rate with a large initial scale blows up (✕ marks runs whose cost
# exploded); a scale of 3 multiplies the activations by about 3 *at every layer*, a scale of 0.3
# shrinks them as much. With batch norm, each layer's $Z$ is renormalized whatever the scale of
# $W$: the scale hardly matters, and a wide band of learning rates trains.

# %% [markdown]
# ## 10. Covariate shift, made visible
#
# From the point of view of a hidden layer, its input $A^{[l-1]}$ keeps changing during training,
# because every earlier layer is learning too: the distribution it must learn from shifts under
# its feet (*covariate shift*). Batch norm does not stop $Z^{[l]} = W^{[l]} A^{[l-1]}$ from moving,
# but whatever it does, what enters the ReLU, $\tilde Z^{[l]}$, keeps the mean $\beta$ and the spread
# $\gamma$ — which move only slowly, when gradient descent decides they should.
#
# Below: the 32 units of hidden layer 4 in the two networks of section 8, on 512 training examples,
# before training and after every epoch. Each line is one unit: its mean over the examples (top)
# and its standard deviation (bottom).

# %%
fig, axes = plt.subplots(2, 3, figsize=(10, 4.6), sharex=True, sharey="row")
draw_drift(axes[:, 0], runs["no batch norm"].history["watch"], "no batch norm: $z = Wa + b$")
draw_drift(axes[:, 1], runs["batch norm"].history["watch_z"], "batch norm: $z = Wa$ (before normalizing)")
draw_drift(axes[:, 2], runs["batch norm"].history["watch"], "batch norm: $\\tilde z$ (enters the ReLU)")
axes[0, 0].set_ylabel("mean of each unit")
axes[1, 0].set_ylabel("std of each unit")
plt.show()

# %% [markdown]
# Without batch norm, the inputs of the next layer drift as training goes: each unit's mean and
# spread wander (and grow once the network starts fitting). With batch norm, $Wa$ drifts just as
# much, but the normalization cancels it: every unit's $\tilde z$ keeps mean $\beta_j$ and spread
# $\gamma_j$, which start at 0 and 1 and move only a little, at the pace gradient descent chooses.
# The next layer learns on inputs whose distribution stays put.

# %% [markdown]
# ## 11. Explore: gamma, beta and epsilon through the layers
#
# The panel sends 500 test examples through a fresh deep network (10 hidden layers of 64
# units, He weights times **init scale**) and shows what enters the ReLU of one layer (left) and
# the spread of every layer (right, log scale), with batch norm (blue) and without (grey).
#
# * **init scale**: without batch norm the spread is multiplied by about the scale at every layer:
#   it explodes (scale 3) or vanishes (scale 0.3) with depth. With batch norm every layer starts
#   again from mean 0, variance 1.
# * **gamma** and **beta** (here the same for every unit of every layer) set the spread and the
#   mean of what enters each ReLU: beta < 0 switches most units off, beta > 0 makes ReLU nearly
#   linear. The network *learns* them per unit.
# * **epsilon**: with a small init scale the variance of $Z$ is tiny and a large epsilon dominates
#   it: the spread shrinks below gamma, $\gamma\sqrt{\sigma^2/(\sigma^2+\varepsilon)}$.

# %%
display(activations_panel(X_test))

# %% [markdown]
# ## 12. Questions
#
# **Q1.** In the grid of section 9, why does the initialization scale matter so much without batch
# norm and hardly at all with it? Use what the panel of section 11 shows about the spread of each
# layer.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_init_scale", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Without batch norm each layer multiplies the spread of its input by roughly the scale of its
# weights (He initialization keeps it about constant only at scale 1), so through the 4 layers of
# the grid's network a scale of 3 makes the logits about 3^4 = 81 times too large and a scale of
# 0.3 about 120 times too small (and 3^10 through the panel's 10 layers): the logits and the
# gradients explode or vanish, and the first updates either blow up or barely move the early
# layers. Batch norm divides each hidden layer's Z by its own standard deviation, so what enters
# every ReLU has mean beta and spread gamma whatever the scale of W: the hidden layers are
# invariant to that scale, only the output layer (no batch norm) still multiplies the logits by
# the scale once, not once per layer. The gradients stay in a range where one learning rate works
# for every layer. (The scale of W still changes the effective step size: a larger W makes the
# same update relatively smaller.)
# ### END SOLUTION

# %% [markdown]
# **Q2.** The lecture notes give $\gamma^{[l]}$ and $\beta^{[l]}$ the shape $(n^{[l]}, m)$ and say that
# $b^{[l]}$ "is ignored". State the correct shape and explain why, and explain what you measured in
# section 5 about $b^{[l]}$.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_shapes_and_bias", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# gamma and beta have shape (n[l], 1): one scale and one shift per unit, broadcast over the m
# examples of the mini-batch. They describe the unit (what mean and spread its input to the ReLU
# should have), not the examples; an (n[l], m) array would tie parameters to positions in a
# shuffled mini-batch and would not fit a mini-batch of another size (the last one of an epoch,
# or one example at test time). The bias b[l] before batch norm cancels: it adds the same b_k to
# every example of unit k, the batch mean rises by b_k and is subtracted. The output does not
# depend on b[l], and its gradient (the sum of dZ over the examples) is zero: about 1e-17 in
# section 5, while dW was of order 0.1. So batch-normalized layers drop b[l] and beta[l] shifts
# the unit instead; the output layer, without batch norm, keeps its b[L].
# ### END SOLUTION
