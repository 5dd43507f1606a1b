# %% [markdown]
# # 05 · Batch normalization at test time
#
# During training, batch norm normalizes each unit with the mean and variance of the current
# mini-batch. At test time there may be no mini-batch at all — one image, one request — and even
# when there is one, a prediction should not depend on which other examples happen to be in it.
# So the network keeps **running averages** of $\mu$ and $\sigma^2$ during training and uses them at
# test time. The lecture notes say it in one line: *$\mu$, $\sigma^2$ are estimated with
# exponentially weighted averages across mini-batches.* This notebook fills in the details.
#
# **How to work.** Run the cells from top to bottom, replace each `raise NotImplementedError()`
# with your code, and run the check cell below it. From a terminal,
# `python -m grader check notebooks/05_batchnorm_test_time.ipynb` runs every visible check.
#
# **Notation.** $Z^{[l]}$ has shape $(n^{[l]}, m)$, one **column** per example; $\mu$, $\sigma^2$,
# $\gamma$, $\beta$ and the running statistics have shape $(n^{[l]}, 1)$.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import data, network
from course.panels_test_time import running_average_panel, running_history
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A network trained with batch norm
#
# The network of notebook 04: 2 inputs, two hidden layers of 32 units with batch norm and ReLU,
# a softmax over 3 classes, trained with mini-batches of 32 on three interleaved spirals.
# `course.network` is that notebook's code, packaged. Training takes about a second.

# %%
X_train, y_train = data.spirals(m=600, seed=0)
X_test, y_test = data.spirals(m=300, seed=1)
layer_dims = [2, 32, 32, 3]

start = time.perf_counter()
result = network.train(X_train, y_train, layer_dims, lr=0.5, epochs=30, batch_size=32, seed=0)
params, running = result.params, result.running
print(f"trained in {time.perf_counter() - start:.1f} s; test accuracy (inference mode): "
      f"{result.accuracy(X_test, y_test):.3f}")

# %% [markdown]
# ## 2. Why batch statistics fail at test time
#
# **One example has no variance.** With $m = 1$, $\mu = z$ and $\sigma^2 = 0$, so
# $z_{\text{norm}} = 0$ and $\tilde z = \beta$ for *every* input: the first hidden layer outputs the
# same thing whatever the example, and so does the network. In training mode ("batch statistics"),
# all 300 test examples, fed one at a time, get the same prediction:

# %%
one_at_a_time = np.array([network.predict(X_test[:, i:i + 1], params, running=None)[0] for i in range(X_test.shape[1])])
print("predicted classes, one example at a time in training mode:", np.unique(one_at_a_time))
print(f"accuracy: {np.mean(one_at_a_time == y_test):.3f}  (chance: 1/3)")
assert len(np.unique(one_at_a_time)) == 1

# %% [markdown]
# **Predictions depend on the batch.** With batch statistics, the same example is normalized
# differently depending on its companions. Here is test example 0 in four different batches of 8:

# %%
rng = np.random.default_rng(5)
print("logits of test example 0 in training mode, with 7 random companions:")
for _ in range(4):
    companions = rng.choice(np.arange(1, X_test.shape[1]), size=7, replace=False)
    ZL, _, _ = network.forward(X_test[:, np.r_[0, companions]], params, mode="train")
    print("  ", ZL[:, 0])
ZL_alone, _, _ = network.forward(X_test[:, :1], params, mode="inference", running=running)
ZL_batch, _, _ = network.forward(X_test, params, mode="inference", running=running)
print("inference mode, alone:        ", ZL_alone[:, 0])
print("inference mode, in the test set:", ZL_batch[:, 0])

# %% [markdown]
# In inference mode the logits of example 0 are the same alone or in a batch: each example is
# transformed by a fixed function. That is what test time needs, and what the running averages give.
#
# ## 3. Exponentially weighted averages
#
# After each training mini-batch $t$, with its statistics $\mu_t$ and $\sigma^2_t$, each unit updates
#
# $$v_t = \beta_m\, v_{t-1} + (1 - \beta_m)\, \theta_t ,$$
#
# where $\theta_t$ is $\mu_t$ (or $\sigma^2_t$), $v$ the running value and $\beta_m$ the **momentum**
# (0.9 here; it is not the $\beta$ of batch norm). Unrolled,
#
# $$v_t = (1-\beta_m)\left(\theta_t + \beta_m\,\theta_{t-1} + \beta_m^2\,\theta_{t-2} + \dots\right) + \beta_m^t\, v_0 :$$
#
# recent batches weigh most, and the weights decay geometrically. Since
# $\beta_m^{1/(1-\beta_m)} \approx 1/e$, the average "remembers" about $\frac{1}{1-\beta_m}$ batches:
# 10 for $\beta_m = 0.9$, 100 for $0.99$. A larger momentum averages out more noise but follows a
# drifting statistic (the weights are still learning!) with more delay.
#
# **The early bias.** The running statistics start from $v_0$: $\mu = 0$, $\sigma^2 = 1$ (as in
# PyTorch and Keras). The weights of the batches seen so far sum to $1 - \beta_m^t$, and the rest,
# $\beta_m^t$, still sits on $v_0$. Early in training the running mean is pulled toward 0. The
# **bias-corrected** average divides by the weight actually given to the data:
#
# $$\hat v_t = \frac{v_t - \beta_m^t\, v_0}{1 - \beta_m^t}\qquad\left(= \frac{v_t}{1-\beta_m^t}\ \text{when } v_0 = 0\right).$$
#
# Frameworks do not bias-correct running statistics: after a few hundred training steps
# $\beta_m^t$ is negligible ($0.9^{100} \approx 3\cdot 10^{-5}$), and only the final values are used.
# You will see the bias, and its correction, in a moment.
#
# **Implement** `update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9)`.
# Return new arrays; do not modify the inputs in place (the caller may still need the old values).

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "update_running_averages", "locked": false, "schema_version": 3, "solution": true, "task": false}
def update_running_averages(running_mu, running_sigma2, mu, sigma2, momentum=0.9):
    """One step of the exponentially weighted averages of the batch statistics.

    running_mu, running_sigma2: (n, 1) running mean and variance so far.
    mu, sigma2: (n, 1) mean and (population) variance of the current mini-batch.
    momentum: weight of the old running value (0.9: about the last 10 mini-batches).
    Returns the new running_mu, running_sigma2, (n, 1) each (new arrays).
    """
    ### BEGIN SOLUTION
    new_mu = momentum * running_mu + (1 - momentum) * mu
    new_sigma2 = momentum * running_sigma2 + (1 - momentum) * sigma2
    ### END SOLUTION
    return new_mu, new_sigma2


# %% nbgrader={"grade": true, "grade_id": "update_running_averages_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(update_running_averages)

# %% nbgrader={"grade": true, "grade_id": "update_running_averages_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, update_running_averages is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(update_running_averages)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Tracking the statistics during training
#
# We retrain the same network with the mini-batch loop of the lecture notes, written out, and
# record the statistics of hidden layer 2 on each mini-batch. Your function keeps the running
# averages of every batch-norm layer; the network's own `update_running` runs alongside to compare.

# %%
def train_recording(momentum=0.9, epochs=30, batch_size=32, lr=0.5, seed=0):
    """The mini-batch loop; returns the trained parameters, the running statistics kept with
    update_running_averages, the network's own, and the batch statistics of every step."""
    params = network.init_params(layer_dims, seed=seed)
    mine, theirs = network.new_running(params), network.new_running(params)
    shuffle = np.random.default_rng(seed)
    history = []
    m = X_train.shape[1]
    for _ in range(epochs):
        order = shuffle.permutation(m)
        for k in range(0, m, batch_size):
            idx = order[k:k + batch_size]
            ZL, caches, batch_stats = network.forward(X_train[:, idx], params, mode="train")
            _, dZL = network.softmax_cross_entropy(ZL, y_train[idx])
            params = network.update(params, network.backward(dZL, caches), lr)
            for l, (mu, sigma2) in batch_stats.items():
                mine[f"mu{l}"], mine[f"sigma2{l}"] = update_running_averages(
                    mine[f"mu{l}"], mine[f"sigma2{l}"], mu, sigma2, momentum)
            theirs = network.update_running(theirs, batch_stats, momentum)
            history.append(batch_stats[2][0][:, 0])  # the batch mean of every unit of layer 2
    return params, mine, theirs, np.array(history)


params2, running_mine, running_net, layer2_means = train_recording()
gap = max(np.abs(running_mine[k] - running_net[k]).max() for k in running_net)
print(f"{len(layer2_means)} mini-batches; largest difference between your running statistics and the "
      f"network's: {gap:.1e}")
assert gap < 1e-9

# %% [markdown]
# Take the unit of layer 2 whose mean moves most during training. Its batch means (grey) drift
# while the weights learn and jitter from batch to batch. Below, the running mean for three momenta
# computed with your function, starting from 0, and (dashed) the bias-corrected version for 0.99,
# whose uncorrected curve is dragged toward 0 at first. Even corrected, 0.99 lags behind: its long
# memory keeps averaging in batches computed with older weights, while 0.9 follows the drift
# with little noise.

# %%
unit = int(np.argmax(np.abs(layer2_means[-50:].mean(axis=0) - layer2_means[:20].mean(axis=0))))
means = layer2_means[:, unit]
steps = np.arange(1, len(means) + 1)
# running_history (course/panels_test_time.py) applies your update batch after batch from mu = 0, sigma2 = 1
curves = {momentum: running_history(update_running_averages, means, np.ones_like(means), momentum)[0]
          for momentum in (0.5, 0.9, 0.99)}
fig, (ax_all, ax_early) = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, last in [(ax_all, len(means)), (ax_early, 80)]:
    ax.plot(steps[:last], means[:last], ".", color="0.6", ms=3, label="batch mean")
    for (momentum, curve), color in zip(curves.items(), ["tab:green", "tab:blue", "tab:red"]):
        ax.plot(steps[:last], curve[:last], color=color, label=f"momentum {momentum}")
    corrected = curves[0.99] / (1 - 0.99 ** steps)
    ax.plot(steps[:last], corrected[:last], "--", color="tab:red", label="0.99, bias-corrected")
    ax.set_xlabel("mini-batch t")
ax_all.set_title(f"unit {unit} of layer 2: the whole run", fontsize=10)
ax_early.set_title("the first 80 mini-batches", fontsize=10)
ax_early.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## 5. Batch norm in inference mode
#
# At test time each unit is normalized with the running statistics, then scaled and shifted with
# the **learned** $\gamma$ and $\beta$, exactly as in training:
#
# $$z_{\text{norm}} = \frac{z - \mu_{\text{running}}}{\sqrt{\sigma^2_{\text{running}} + \varepsilon}}, \qquad
#   \tilde z = \gamma\, z_{\text{norm}} + \beta .$$
#
# No statistic is computed from $Z$: the function works for one example ($m = 1$) and treats each
# column on its own. With every quantity fixed, batch norm at test time is just an affine map
# per unit, $\tilde z = a z + c$ with $a = \gamma/\sqrt{\sigma^2_{\text{running}}+\varepsilon}$ —
# which is why deployed networks often fold it into the weights of the layer before.
#
# **Implement** `batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5)`.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_inference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_inference(Z, gamma, beta, running_mu, running_sigma2, epsilon=1e-5):
    """Batch norm at test time, with the running statistics.

    Z: (n, m) pre-activations (any m, even 1); gamma, beta: (n, 1) learned scale and shift;
    running_mu, running_sigma2: (n, 1) running averages from training; epsilon: float.
    Returns Z_tilde: (n, m), a new array.
    """
    ### BEGIN SOLUTION
    Z_norm = (Z - running_mu) / np.sqrt(running_sigma2 + epsilon)
    Z_tilde = gamma * Z_norm + beta
    ### END SOLUTION
    return Z_tilde


# %% nbgrader={"grade": true, "grade_id": "batchnorm_inference_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(batchnorm_inference)

# %% nbgrader={"grade": true, "grade_id": "batchnorm_inference_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, batchnorm_inference is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(batchnorm_inference)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Train mode and inference mode in the network
#
# Here is the network's prediction in inference mode, written with *your* `batchnorm_inference`
# in every hidden layer and the running statistics *you* kept in section 4. It must agree with
# `network.predict` in inference mode, and it gives each example the same answer whatever batch
# it comes in.

# %%
def predict_inference(X, params, running, epsilon=1e-5):
    """Labels (m,) of the network in inference mode, with your batchnorm_inference."""
    A = X
    L = network.num_layers(params)
    for l in range(1, L):
        Z = params[f"W{l}"] @ A
        Z_tilde = batchnorm_inference(Z, params[f"gamma{l}"], params[f"beta{l}"],
                                      running[f"mu{l}"], running[f"sigma2{l}"], epsilon)
        A = np.maximum(Z_tilde, 0)
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    return ZL.argmax(axis=0)


mine = predict_inference(X_test, params2, running_mine)
theirs = network.predict(X_test, params2, running_net)
alone = np.array([predict_inference(X_test[:, i:i + 1], params2, running_mine)[0] for i in range(X_test.shape[1])])
print(f"inference mode, your functions:        accuracy {np.mean(mine == y_test):.3f}")
print(f"inference mode, network.predict:       accuracy {np.mean(theirs == y_test):.3f}  "
      f"(same labels: {np.array_equal(mine, theirs)})")
print(f"inference mode, one example at a time: accuracy {np.mean(alone == y_test):.3f}  "
      f"(same labels: {np.array_equal(mine, alone)})")
assert np.array_equal(mine, alone)
for size in [1, 2, 8, 32, 300]:
    labels = np.concatenate([network.predict(X_test[:, k:k + size], params2, running=None)
                             for k in range(0, X_test.shape[1], size)])
    print(f"training mode, test batches of {size:>3}:   accuracy {np.mean(labels == y_test):.3f}")

# %% [markdown]
# Training mode only approaches inference mode for large test batches, and never gives a
# per-example answer. The running statistics are not exactly the statistics of the whole training
# set under the final weights: they mix in the last ~10 mini-batches, computed with slightly older
# weights. The gap below (a few percent to a few tens of percent) is the price of estimating them
# for free during training; the accuracies above show it is small enough.

# %%
_, _, full_stats = network.forward(X_train, params2, mode="train")
for l in (1, 2):
    mu_full, s2_full = full_stats[l]
    print(f"layer {l}: max |running mu - full-set mu| = {np.abs(running_mine[f'mu{l}'] - mu_full).max():.3f}, "
          f"max relative gap of sigma2 = {np.abs(running_mine[f'sigma2{l}'] / s2_full - 1).max():.3f}")

# %% [markdown]
# ## 7. The same update in PyTorch and Keras
#
# Every framework keeps these running averages, with different conventions for the same idea:
#
# | | this course | PyTorch `BatchNorm1d` | Keras `BatchNormalization` |
# |---|---|---|---|
# | update | $v \leftarrow 0.9\,v + 0.1\,\theta$ | $v \leftarrow (1 - 0.1)\,v + 0.1\,\theta$ | $v \leftarrow 0.99\,v + 0.01\,\theta$ |
# | `momentum` argument (default) | 0.9, weight of the **old** value | 0.1, weight of the **new** value | 0.99, weight of the **old** value |
# | memory $\approx 1/(1-\text{weight of old})$ | 10 batches | 10 batches | 100 batches |
# | variance used to normalize in training | population ($1/m$) | population ($1/m$) | population ($1/m$) |
# | variance stored in the running average | population ($1/m$) | **unbiased** ($1/(m-1)$) | population ($1/m$) |
# | default $\varepsilon$ | $10^{-5}$ | $10^{-5}$ | $10^{-3}$ |
# | initial running $\mu$, $\sigma^2$ | 0, 1 | 0, 1 | 0, 1 |
# | bias correction | no | no | no |
#
# (PyTorch's `momentum=None` switches to a plain cumulative average of all the batches seen.)
# So PyTorch's `momentum=0.1` is this notebook's `momentum=0.9`; to match PyTorch you would also
# feed the unbiased variance $\sigma^2 \frac{m}{m-1}$ to the update. Keras's `momentum=0.99` is the
# same formula as ours with a longer memory. With your function on a batch of $m = 32$ (notebook 09
# has you write PyTorch's own rule and checks it against PyTorch itself):

# %%
batch = rng.normal(3.0, 2.0, (4, 32))
r_mu, r_s2 = rng.normal(0, 1, (4, 1)), rng.uniform(0.5, 2, (4, 1))
mu_b, s2_b = batch.mean(axis=1, keepdims=True), batch.var(axis=1, keepdims=True)
torch_momentum = 0.1  # PyTorch's weight of the NEW value
ours_mu, ours_var = update_running_averages(r_mu, r_s2, mu_b, s2_b * 32 / 31, momentum=1 - torch_momentum)
print("PyTorch's running_var after this batch, i.e. ours with momentum=0.9 and the unbiased variance:",
      ours_var.ravel().round(3))
print("the same with the population variance (this course's convention):",
      update_running_averages(r_mu, r_s2, mu_b, s2_b, momentum=0.9)[1].ravel().round(3))
keras_mu, keras_var = update_running_averages(r_mu, r_s2, mu_b, s2_b, momentum=0.99)
ratio = np.abs(keras_mu - r_mu).mean() / np.abs(ours_mu - r_mu).mean()
print(f"Keras momentum=0.99: the running mean moves {ratio:.2f} times as far per batch as with 0.9")

# %% [markdown]
# ## 8. Explore
#
# The panel simulates one unit during training: its mean drifts from 5 to 2 and its spread from
# 2.5 to 1 as the weights settle (grey dots: the batch means). *Your* `update_running_averages`
# keeps the running statistics from $\mu = 0$, $\sigma^2 = 1$; *your* `batchnorm_inference` uses
# them after **batches seen** mini-batches on a test set drawn from the final distribution (right,
# blue), next to the ideal output with the population statistics (grey outline).
#
# * **momentum**: 0.5 follows every jitter; 0.99 is smooth but still far from 2 after 100 batches.
# * **batches seen**: early on, the running mean is pulled toward its initial 0 — tick **bias
#   correction** to see the corrected estimate. Stop training too early and the test outputs are shifted.
# * **gamma**, **beta**: the learned scale and shift apply at test time too; **epsilon** matters
#   when the running variance is small.

# %%
display(running_average_panel(update_running_averages, batchnorm_inference))

# %% [markdown]
# ## 9. Questions
#
# **Q1.** Why can't a network with batch norm use the statistics of the test batch at test time?
# Give the two reasons you saw in section 2.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_running_statistics", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# First, a single example has mean equal to itself and variance 0: every z_norm is 0 and every
# unit outputs beta, so all inputs get the same prediction (accuracy at chance level). Second, with
# a batch, each example is normalized with statistics that depend on the other examples, so the
# same example gets different outputs in different batches: a prediction must be a fixed function
# of the example. The running averages of mu and sigma2, estimated during training, give that fixed
# normalization.
# ### END SOLUTION

# %% [markdown]
# **Q2.** A colleague ports your network to PyTorch and sets `BatchNorm1d(momentum=0.9)` "to match
# the course". What happens to the running statistics, and what should they write instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_pytorch_momentum", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# PyTorch's momentum is the weight of the NEW value: with 0.9 the running statistics are 90% the
# last mini-batch, so they follow each batch's noise and remember only about one batch
# (1/(1 - 0.1)), and test-time predictions depend on the last few batches of training. The course's
# momentum 0.9 (weight of the old value) is PyTorch's momentum=0.1, the default. PyTorch also
# stores the unbiased variance (m/(m-1) times ours), a small difference for usual batch sizes.
# ### END SOLUTION
