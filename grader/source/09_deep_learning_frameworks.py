# %% [markdown]
# # 09 · Deep learning frameworks
#
# Eight notebooks built a batch-normalized softmax classifier from NumPy: every forward formula,
# every derivative, every update. Real projects use a **framework** that does most of that work.
# This notebook rebuilds the same network in **PyTorch**, starts it from the same weights, and
# checks that both compute the same logits, cost, gradients and running statistics — so that you
# can trust the framework, and read its conventions, with what you now know.
#
# **PyTorch is optional.** Without it the notebook still runs: the NumPy half, the graded function
# (pure NumPy) and the panel work, and the cells that need PyTorch say so. To install the CPU build,
# run `make framework` in the course folder (or `.venv/bin/pip install -r requirements-framework.txt`),
# then restart the kernel.
#
# **How to work.** Run the cells from top to bottom; replace `raise NotImplementedError()` where a
# cell says `YOUR CODE HERE` and run the check below it
# (`python -m grader check notebooks/09_deep_learning_frameworks.ipynb` from a terminal).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import frameworks as fw
from course import network as net
from course.digits import load_digits, train_test_split
from course.panels_frameworks import frameworks_panel
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)
print(fw.status())
torch = fw.torch_or_none()  # the torch module, or None

# %% [markdown]
# ## 1. Why frameworks
#
# The lecture notes give three reasons to use a framework, and three questions to ask when choosing
# one:
#
# * **Ease of programming, for development and for deployment.** You describe the model; the
#   framework derives the backward pass (automatic differentiation), provides layers, losses,
#   optimizers and data loaders, and exports a trained model to a server, a phone or a browser.
#   Notebooks 03 and 07 derived $d\gamma$, $d\beta$, $dZ$ and $dZ^{[L]} = \hat Y - Y$ by hand;
#   below, one call, `loss.backward()`, gives the same numbers.
# * **Running speed.** Operations run in optimized native code, on many CPU cores or on a GPU,
#   often fused; mixed precision (float32, bfloat16) halves memory traffic. Whether that shows on a
#   small network on a laptop CPU is measured in section 7.
# * **Truly open: open source with good governance.** The code is open, and so is the way it is
#   steered: a framework that one company controls can change course or be abandoned. PyTorch has
#   been governed since 2022 by the PyTorch Foundation, part of the Linux Foundation.
#
# The notes list TensorFlow, PyTorch, Lasagne, Keras, MXNet, Caffe/Caffe2 and PaddlePaddle. The
# list dates from about 2017 and has moved since: Caffe2 was merged into PyTorch in 2018; Lasagne
# was built on Theano, whose development stopped in 2017; Apache MXNet was retired in 2023; Keras 3
# now runs on top of TensorFlow, JAX or PyTorch; and JAX (Google) has joined TensorFlow and PyTorch
# as a common choice. The first two reasons above still decide between them; the third decides how
# long you can rely on your choice.

# %% [markdown]
# ## 2. The same network, twice
#
# The NumPy network of notebooks 04 and 08, `course.network`, with 64 inputs, hidden layers of 64
# and 32 units with batch norm, and 10 outputs. `fw.torch_model(params)` builds the same network in
# PyTorch and copies the weights in, so that both start from **the same initial weights**:
#
# | course (NumPy) | PyTorch |
# |---|---|
# | examples are columns: $X$ is $(n_x, m)$ | examples are rows: the input is `X.T`, $(m, n_x)$ |
# | $Z^{[l]} = W^{[l]} A^{[l-1]}$, no bias before batch norm | `nn.Linear(n_prev, n, bias=False)`; `weight` is $W^{[l]}$, same shape |
# | $\gamma^{[l]}, \beta^{[l]}$ of shape $(n_l, 1)$ | `nn.BatchNorm1d(n)`: `weight` $= \gamma$, `bias` $= \beta$, shape $(n_l,)$ |
# | ReLU | `nn.ReLU()` |
# | $Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}$, softmax in the cost | `nn.Linear(n_prev, C)`; softmax inside `F.cross_entropy` |
#
# Both work in float64 here, so that they can agree to about $10^{-15}$.

# %%
X_all, y_all = load_digits()
X_train, y_train, X_test, y_test = train_test_split(X_all, y_all, seed=0)
LAYER_DIMS = [64, 64, 32, 10]
params = net.init_params(LAYER_DIMS, seed=0)
X_batch, y_batch = X_train[:, :64], y_train[:64]
Y_batch = net.one_hot(y_batch, 10)

if torch is not None:
    model = fw.torch_model(params)
    print(model)
else:
    model = None
    print("PyTorch is not installed: the cells below show the NumPy side only.")

# %% [markdown]
# ## 3. Forward and backward: the same numbers
#
# One mini-batch of 64 digits through both, in training mode (batch statistics). NumPy:
# `net.forward`, `net.softmax_cross_entropy`, `net.backward` — the formulas of notebooks 02, 03 and 07.
# PyTorch: `model(x)`, `F.cross_entropy(logits, labels)`, `loss.backward()`; autograd records
# the operations of the forward pass and runs their derivatives backward.
#
# We compare with the relative error $\lVert a - b \rVert / \max(\lVert a \rVert, \lVert b \rVert)$:
# about $10^{-16}$ means equal up to rounding. The cost is the same **mean** over the batch in both
# (`F.cross_entropy` averages by default), so the gradients carry the same $\frac1m$.

# %%
ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
cost, dZL = net.softmax_cross_entropy(ZL, Y_batch)
grads = net.backward(dZL, caches)
print(f"NumPy:   cost {cost:.12f}, logits {ZL.shape}, {len(grads)} gradients")

if model is not None:
    ZL_t, cost_t, grads_t = fw.torch_forward_backward(model, X_batch, Y_batch)
    print(f"PyTorch: cost {cost_t:.12f}")
    print(f"\nrelative error, logits: {fw.relative_error(ZL, ZL_t):.1e}, cost: {abs(cost - cost_t) / cost:.1e}")
    errors = {k: fw.relative_error(grads[k], grads_t[k]) for k in grads}
    print("relative error of each gradient:")
    for k, e in errors.items():
        print(f"  {k:<8}{str(grads[k].shape):<10}{e:.1e}")
    assert max(errors.values()) < 1e-6 and fw.relative_error(ZL, ZL_t) < 1e-6
else:
    print("(PyTorch is not installed: nothing to compare. The top of the notebook says how to install it.)")

# %% [markdown]
# ## 4. Running statistics: the same idea, other conventions
#
# In training, every batch-norm layer also keeps running averages of $\mu$ and $\sigma^2$ for
# inference (notebook 05). The course, after the lecture notes, weights the **old** value:
#
# $$\mu_{\text{run}} := 0.9\, \mu_{\text{run}} + 0.1\, \mu_B , \qquad
#   \sigma^2_{\text{run}} := 0.9\, \sigma^2_{\text{run}} + 0.1\, \sigma^2_B
#   \qquad (\texttt{momentum} = 0.9) .$$
#
# PyTorch's `BatchNorm1d(momentum=0.1)` weights the **new** value with its momentum $p$, and feeds
# the running variance the **unbiased** variance of the batch, $\frac{m}{m-1}\sigma^2_B$:
#
# $$\mu_{\text{run}} := (1 - p)\, \mu_{\text{run}} + p\, \mu_B , \qquad
#   \sigma^2_{\text{run}} := (1 - p)\, \sigma^2_{\text{run}} + p\, \frac{1}{m-1} \sum_{i=1}^{m} (z_i - \mu_B)^2 .$$
#
# So the course's `momentum=0.9` is PyTorch's `momentum=0.1` — the same average, written from the
# other side — and the means agree exactly, but the running variances differ by the factor
# $\frac{m}{m-1}$ on every batch's contribution (1.6 % for $m = 64$). The batch itself is still
# normalized with the biased $\sigma^2_B$ in both, which is why the training-mode outputs above
# agree. Keras' `BatchNormalization(momentum=0.99)` weights the old value, like the course, with
# another default.
#
# **Implement** `pytorch_running_update(running_mean, running_var, Z, momentum=0.1)`: PyTorch's
# update from one batch `Z` of shape $(n, m)$ (examples are columns, $m \ge 2$), with the buffers as
# columns $(n, 1)$. Return new arrays.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "pytorch_running_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pytorch_running_update(running_mean, running_var, Z, momentum=0.1):
    """PyTorch's BatchNorm1d update of its running statistics, in the course's layout.

    running_mean, running_var: (n, 1); Z: (n, m), one column per example, m >= 2;
    momentum: the weight of the NEW value (PyTorch's convention).
    Returns (running_mean, running_var), new (n, 1) arrays; the variance fed in is unbiased.
    """
    ### BEGIN SOLUTION
    m = Z.shape[1]
    mu = np.mean(Z, axis=1, keepdims=True)
    unbiased_var = np.sum((Z - mu) ** 2, axis=1, keepdims=True) / (m - 1)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * unbiased_var
    ### END SOLUTION
    return new_mean, new_var


# %% nbgrader={"grade": true, "grade_id": "pytorch_running_update_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(pytorch_running_update)

# %% nbgrader={"grade": true, "grade_id": "pytorch_running_update_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, pytorch_running_update is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(pytorch_running_update)
### END HIDDEN TESTS

# %% [markdown]
# The forward pass of section 3 moved PyTorch's buffers by one step, from zeros and ones. Your
# function, fed the same batch's $Z^{[l]}$ (from the NumPy caches), should give the same buffers;
# the course's update gives the same means and slightly smaller variances.

# %%
course_running = net.update_running(net.new_running(params), batch_stats, momentum=0.9)
for l in (1, 2):
    Z_l = caches[l - 1]["Z"]  # W[l] A[l-1], before batch norm
    n_l = Z_l.shape[0]
    mean_p, var_p = pytorch_running_update(np.zeros((n_l, 1)), np.ones((n_l, 1)), Z_l, momentum=0.1)
    ratio = float(np.mean((var_p - 0.9) / (course_running[f"sigma2{l}"] - 0.9)))
    line = (f"layer {l}: PyTorch-style variance contribution / course's = {ratio:.4f} "
            f"(m/(m-1) = {64 / 63:.4f})")
    if model is not None:
        torch_running = fw.running_of(model)
        line += (f"; vs PyTorch's buffers: mean {fw.relative_error(mean_p, torch_running[f'mu{l}']):.0e}, "
                 f"var {fw.relative_error(var_p, torch_running[f'sigma2{l}']):.0e}")
    print(line)

# %% [markdown]
# At inference both use the running statistics as constants. Load the course's running averages
# into PyTorch's buffers and switch the model to `model.eval()`: the logits agree again.

# %%
if model is not None:
    eval_model = fw.torch_model(params, running=course_running)
    eval_model.eval()
    with torch.no_grad():
        logits_t = eval_model(torch.from_numpy(X_test.T.copy())).numpy().T
    logits_np, _, _ = net.forward(X_test, params, mode="inference", running=course_running)
    print(f"inference on {X_test.shape[1]} test digits, relative error of the logits: "
          f"{fw.relative_error(logits_np, logits_t):.1e}")
else:
    print("(PyTorch is not installed: nothing to compare.)")

# %% [markdown]
# ## 5. Training side by side
#
# From the same initial weights, 10 steps of full-batch gradient descent on all 1438 training digits
# (learning rate 0.3): `net.train` with one mini-batch per epoch in NumPy, `torch.optim.SGD` in
# PyTorch. With the whole training set as the batch, the order of the examples does not matter, so
# both take exactly the same steps. The costs and the trained parameters agree to rounding.

# %%
STEPS, LR = 10, 0.3
numpy_run = net.train(X_train, y_train, LAYER_DIMS, lr=LR, epochs=STEPS, batch_size=X_train.shape[1], seed=0)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, STEPS + 1), numpy_run.history["cost"], "o-", label="NumPy (course.network)")
if torch is not None:
    torch_trained, torch_costs = fw.torch_train(params, X_train, net.one_hot(y_train, 10), LR, STEPS)
    ax.plot(range(1, STEPS + 1), torch_costs, "x--", ms=9, label="PyTorch")
    trained_t = fw.params_of(torch_trained)
    worst = max(fw.relative_error(numpy_run.params[k], trained_t[k]) for k in trained_t)
    print(f"largest relative difference of the trained parameters: {worst:.1e}; "
          f"of the costs: {np.max(np.abs(np.array(numpy_run.history['cost']) - torch_costs)):.1e}")
    assert worst < 1e-6
ax.set_xlabel("step")
ax.set_ylabel("cost J")
ax.legend()
plt.show()

# %% [markdown]
# ## 6. What the framework spared us
#
# Count what each side had to write. The NumPy network's backward pass — the compact batch-norm
# formula, the softmax-cross-entropy gradient, the transposes, the $\frac1m$ — is a few dozen lines,
# each derived by hand and checked numerically (notebooks 03 and 07). In PyTorch the model is a list
# of layers and the backward pass is one call; adding a layer, changing the loss or the optimizer
# (momentum, Adam) is one line, and the result runs on a GPU with `.to("cuda")`. What PyTorch does
# not spare us is knowing its conventions: rows versus columns, what its `momentum` means, which
# variance it keeps. Those decide whether a model trained elsewhere behaves as expected.

# %% [markdown]
# ## 7. Speed
#
# The time of one training step (forward, backward, update) on a network $[64, h, h, 10]$, for a
# few batch sizes and hidden sizes $h$: the best of two runs each, measured on this machine.
# PyTorch is timed in float32, its default, and in float64, the course's precision.

# %%
start = time.perf_counter()
timings = fw.time_steps(batches=(32, 256, 1024), hiddens=(64, 256), repeats=2)
print(f"measured in {time.perf_counter() - start:.1f} s\n")
print(f"{'hidden':>7}{'batch':>7}{'NumPy':>11}{'torch f32':>11}{'torch f64':>11}   (ms per step)")
for t in timings:
    print(f"{t.hidden:>7}{t.batch:>7}{t.numpy * 1e3:>11.2f}{t.torch32 * 1e3:>11.2f}{t.torch64 * 1e3:>11.2f}")

# %% [markdown]
# Read the numbers with care: they depend on the machine, and on how busy it is. On a laptop CPU,
# a network this small does not need a framework for speed: both spend their time in the same kind
# of matrix products (NumPy's BLAS, PyTorch's own), and for small batches a framework's bookkeeping
# per operation (autograd's graph, dispatch) can even cost more than the arithmetic. float32 halves
# the memory traffic of float64 and helps once the matrices are large. The frameworks' speed shows
# on large models and, above all, on GPUs, where the same code runs one to two orders of magnitude
# faster — which is out of reach of NumPy.

# %% [markdown]
# ## 8. Explore: one batch-norm layer in both, for any gamma, beta and epsilon
#
# Left: a layer of 4 units and 200 examples, batch-normalized by the NumPy network (dots) and by
# PyTorch's `F.batch_norm` (crosses), with the **gamma**, **beta** and **epsilon** of the sliders
# (the same for every unit). Each unit is a straight line $\tilde z = \gamma (z - \mu)/\sqrt{\sigma^2 +
# \varepsilon} + \beta$: gamma sets its slope, beta its height, and a large epsilon flattens the
# units of small variance first. Whatever the setting, the crosses sit on the dots: the status line
# gives the largest difference. Right: the timings of section 7 for the hidden size you choose.

# %%
rng = np.random.default_rng(9)
Z_demo = np.array([[-2.0], [0.0], [1.0], [3.0]]) + np.array([[1.5], [0.4], [0.05], [1.0]]) * rng.standard_normal((4, 200))
display(frameworks_panel(Z_demo, timings))

# %% [markdown]
# ## 9. Questions
#
# **Q1.** A colleague trains a model in PyTorch with `BatchNorm1d(momentum=0.9)`, thinking of the
# course's `momentum=0.9`. What does the layer actually compute, and what is the consequence for
# the running statistics used at inference? What should they have written?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_momentum_convention", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# PyTorch's momentum weights the new value: running = 0.1 * running + 0.9 * batch. The running
# statistics then follow almost only the last few mini-batches (an average over about 1 batch
# instead of about 10), so they are as noisy as single-batch statistics and inference normalizes
# with whatever the last batches happened to be. The course's momentum 0.9 on the old value is
# PyTorch's momentum=0.1 (its default), so they should have kept the default (or written 0.1).
# The running variance would still differ from the course's by the unbiased factor m/(m-1).
# ### END SOLUTION

# %% [markdown]
# **Q2.** The lecture notes give three reasons to use a framework. For each, say what this
# notebook showed (or could not show) about it.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_frameworks", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Ease of programming: the PyTorch model is a list of layers and its gradients come from one call,
# loss.backward(), and they equal the hand-derived NumPy gradients to rounding; changing the model or
# the optimizer is a line, and deployment tools come with it. Running speed: on this small network
# and a CPU the timings are close to NumPy's (sometimes slower for small batches, because of the
# per-operation overhead); the real speed-ups come with GPUs and large models, which the notebook
# could not show. Openness: the notebook used an open-source framework whose code (BatchNorm1d's
# conventions, the unbiased running variance) can be read and checked against our own; its
# governance (the PyTorch Foundation) is what makes it safe to depend on, which a notebook cannot
# demonstrate.
# ### END SOLUTION
