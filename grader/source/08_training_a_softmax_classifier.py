# %% [markdown]
# # 08 · Training a softmax classifier on real data
#
# Everything so far comes together here: a deep network with **batch norm** in every hidden
# layer (notebooks 02–05) and a **softmax** output (06–07), trained with **mini-batch gradient
# descent** on real handwritten digits. You write the two pieces that turn the formulas into a
# training run — splitting the data into shuffled mini-batches, and the training loop — and then
# look at what the trained model does: learning curves, a confusion matrix, the digits it gets
# wrong, and what gamma, beta and epsilon do once training is over.
#
# **Goal.** At least **95 % accuracy on held-out digits**, in a few seconds on a laptop CPU.
#
# **How to work.** Run the cells from top to bottom. Where a cell says `YOUR CODE HERE`, replace
# `raise NotImplementedError()` with your code, run the cell, then run the check cell below it.
# From a terminal, `python -m grader check notebooks/08_training_a_softmax_classifier.ipynb` runs
# every visible check at once.
#
# **Notation** (Andrew Ng's Deep Learning Specialization): examples are **columns**. The inputs
# $X$ have shape $(n_x, m)$, the one-hot labels $Y$ shape $(C, m)$ with $C = 10$ classes.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course import network as net
from course.classifier import class_composition, confusion_matrix, misclassified, probabilities
from course.digits import images, load_digits, train_test_split
from course.panels_classifier import inference_panel
from course.plots_classifier import draw_class_strip, draw_confusion, draw_digit_grid, draw_learning_curves
from grader.checks import check

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The data: 1797 handwritten digits
#
# The UCI *Optical Recognition of Handwritten Digits* data (E. Alpaydin and C. Kaynak, 1998;
# CC BY 4.0; see `data/README.md`) holds 1797 images of 8 × 8 pixels, each pixel a count from
# 0 to 16. `load_digits()` checks the file's checksum, divides the pixels by 16 so that they lie in
# $[0, 1]$, and returns one **column** per image: $X$ of shape $(64, 1797)$ and the digits
# $y \in \{0, \dots, 9\}$.
#
# We keep 20 % of the digits aside as a **test set**, never used for training: the accuracy on it
# tells how well the model does on digits it has never seen. The split is stratified (each digit
# keeps its share) and deterministic.

# %%
X_all, y_all = load_digits()
X_train, y_train, X_test, y_test = train_test_split(X_all, y_all, test_fraction=0.2, seed=0)
Y_train = net.one_hot(y_train, 10)  # (10, m) one-hot columns, as in notebook 06
print("X_train:", X_train.shape, " Y_train:", Y_train.shape, " X_test:", X_test.shape)
print("examples per digit in the training set:", np.bincount(y_train))

fig, ax = plt.subplots(figsize=(9, 2.9))
draw_digit_grid(ax, X_train[:, :30], [str(d) for d in y_train[:30]], rows=2, cols=15)
ax.set_title("the first 30 training digits and their labels", fontsize=10)
plt.show()

# %% [markdown]
# ## 2. Mini-batches
#
# One step of gradient descent on all $m = 1438$ training examples costs a full pass over the
# data. **Mini-batch** gradient descent takes a step after every $b$ examples instead
# ($b$ = `mini_batch_size`, typically 32 to 512): an **epoch** — one pass over the data — makes
# $\lceil m / b \rceil$ steps, each on a noisy but cheap estimate of the gradient.
#
# At the start of every epoch the examples are **shuffled**: draw a random permutation $\pi$ of
# $\{1, \dots, m\}$ and reorder the columns, then cut the result into consecutive pieces:
#
# $$X^{\{t\}} = \big[\, x^{(\pi((t-1)b + 1))}, \dots, x^{(\pi(tb))} \,\big], \qquad
#   Y^{\{t\}} = \big[\, y^{(\pi((t-1)b + 1))}, \dots, y^{(\pi(tb))} \,\big], \qquad
#   t = 1, \dots, \lceil m/b \rceil .$$
#
# Three details matter:
#
# * $X$ and $Y$ are reordered with the **same** permutation: image $i$ must keep its label.
# * When $b$ does not divide $m$, the **last mini-batch is smaller**: it holds the
#   $m - b\lfloor m/b \rfloor$ examples left over. Keep it, or those examples are never seen.
# * The shuffle is drawn from a generator seeded with `seed`, so that a run can be reproduced
#   exactly; another seed gives another order.
#
# **Implement** `random_mini_batches(X, Y, mini_batch_size=64, seed=0)`. `X` is $(n_x, m)$ and `Y`
# is $(n_y, m)$ (one-hot labels, or one row of labels); return a list of pairs
# `(X_batch, Y_batch)` of shapes $(n_x, b_t)$ and $(n_y, b_t)$. Seed a generator with
# `np.random.default_rng(seed)` (or `np.random.seed(seed)`) and use its permutation. Do not modify
# `X` or `Y`. Any correct shuffle passes: the checks test the properties above, not one order.

# %% [markdown]
# **Each answer cell is graded on its own.** The grader runs it alone, after this notebook's imports of
# NumPy and the standard library (such as `import numpy as np`) and after the answer cells of the functions
# it is told it may call; nothing else from the notebook is there. Define any helper, and import any
# other module, inside the cell. The `course` package is not available to an answer cell unless the
# cell's given code imports it. `check()` runs your cell the same way, so it tells you at once.

# %% nbgrader={"grade": false, "grade_id": "random_mini_batches", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle the columns of X and Y with one seeded permutation and cut them into mini-batches.

    X: (n_x, m); Y: (n_y, m); mini_batch_size: int; seed: int.
    Returns a list of (X_batch, Y_batch) pairs of shapes (n_x, b) and (n_y, b); every b is
    mini_batch_size except the last one's, which holds the remaining examples.
    """
    ### BEGIN SOLUTION
    m = X.shape[1]
    permutation = np.random.default_rng(seed).permutation(m)
    X_shuffled, Y_shuffled = X[:, permutation], Y[:, permutation]
    mini_batches = []
    for start in range(0, m, mini_batch_size):
        end = min(start + mini_batch_size, m)
        mini_batches.append((X_shuffled[:, start:end], Y_shuffled[:, start:end]))
    ### END SOLUTION
    return mini_batches


# %% nbgrader={"grade": true, "grade_id": "random_mini_batches_visible", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check(random_mini_batches)

# %% nbgrader={"grade": true, "grade_id": "random_mini_batches_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, random_mini_batches is also called on new inputs.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(random_mini_batches)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Why shuffle: what each mini-batch holds
#
# Each bar below is one mini-batch of 64 training digits, coloured by class. On the left, the
# training set **sorted by digit** and cut in order, without shuffling: every mini-batch holds one
# or two digits. Each step then pushes the network toward "everything is a 3", the next toward
# "everything is a 4"; and batch norm computes its $\mu$ and $\sigma^2$ on batches that look nothing
# like the test data, so the running averages it keeps for inference are off too. On the right,
# the same sorted data through your `random_mini_batches`: every mini-batch is a small sample of the
# whole data set, and its gradient is an unbiased estimate of the full gradient.

# %%
order = np.argsort(y_train, kind="stable")  # the training set sorted by digit
X_sorted, Y_sorted, y_sorted = X_train[:, order], Y_train[:, order], y_train[order]
shuffled_labels = np.concatenate([Yb.argmax(axis=0) for _, Yb in random_mini_batches(X_sorted, Y_sorted, 64, seed=0)])

fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), sharey=True)
draw_class_strip(axes[0], class_composition(y_sorted, 64), "sorted by digit, taken in order")
draw_class_strip(axes[1], class_composition(shuffled_labels, 64), "random_mini_batches(X_sorted, Y_sorted, 64)")
axes[1].legend(title="digit", fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
plt.show()
print(f"m = {X_train.shape[1]} = 64 x {X_train.shape[1] // 64} + {X_train.shape[1] % 64}: "
      f"{-(-X_train.shape[1] // 64)} mini-batches per epoch, the last one of {X_train.shape[1] % 64} examples")

# %% [markdown]
# **A small last batch and batch norm.** The last mini-batch here holds 30 examples: its mean and
# variance are noisier than those of a batch of 64, but still reasonable. With only 1 or 2
# examples they would be meaningless (with $m = 1$ every unit normalizes to 0), and they would
# still enter the running averages. If $m \bmod b$ is tiny, pick another batch size, or do as
# PyTorch's `DataLoader(drop_last=True)` and skip that batch (this notebook keeps it).

# %% [markdown]
# ## 4. The training loop
#
# The lecture notes' loop, with a softmax output. For every epoch, and for every mini-batch
# $(X^{\{t\}}, Y^{\{t\}})$ of $b$ examples:
#
# 1. **Forward**, in training mode: each hidden layer computes $Z^{[l]} = W^{[l]} A^{[l-1]}$,
#    normalizes it with the statistics of *this* mini-batch and applies $\gamma^{[l]}$, $\beta^{[l]}$
#    and a ReLU; the output layer gives the logits $Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}$.
# 2. **Cost** of the mini-batch, softmax and cross-entropy (notebook 07):
#    $J^{\{t\}} = -\frac{1}{b} \sum_{i=1}^{b} \sum_{j=1}^{C} y^{(i)}_j \log \hat y^{(i)}_j$, and its
#    gradient $dZ^{[L]} = \frac{1}{b}(\hat Y - Y)$.
# 3. **Backward** to $dW^{[l]}$, $d\gamma^{[l]}$, $d\beta^{[l]}$ (notebook 03) and $db^{[L]}$.
# 4. **Update** every parameter: $W^{[l]} := W^{[l]} - \alpha\, dW^{[l]}$,
#    $\gamma^{[l]} := \gamma^{[l]} - \alpha\, d\gamma^{[l]}$,
#    $\beta^{[l]} := \beta^{[l]} - \alpha\, d\beta^{[l]}$ (no $b^{[l]}$ in the hidden layers: batch
#    norm cancels it).
# 5. **Running averages** for inference (notebook 05): $\mu^{[l]}_{\text{run}} := 0.9\,
#    \mu^{[l]}_{\text{run}} + 0.1\, \mu^{[l]}$, and the same for $\sigma^{2[l]}$.
#
# The layers come from notebook 04, ready in `course.network` (imported as `net`):
#
# | call | returns |
# |---|---|
# | `net.forward(X_batch, params, mode="train")` | `(ZL, caches, batch_stats)` |
# | `net.softmax_cross_entropy(ZL, Y_batch)` | `(cost, dZL)` with `dZL` $= (\hat Y - Y)/b$ |
# | `net.backward(dZL, caches)` | `grads`: `"dW1"`, `"dgamma1"`, `"dbeta1"`, ..., `"db{L}"` |
# | `net.update(params, grads, learning_rate)` | new `params` |
# | `net.update_running(running, batch_stats)` | new `running` (momentum 0.9) |
#
# None of them modifies its arguments: keep what they return.
#
# **Implement** the loop inside `train_softmax_classifier`. The initialization is given. Shuffle
# each epoch differently but reproducibly: use `seed + epoch` as the seed of that epoch's
# `random_mini_batches`. The function returns the trained parameters **and** the running averages,
# which inference needs.

# %% nbgrader={"grade": false, "grade_id": "train_softmax_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
from course import network as net


def train_softmax_classifier(X, Y, layer_dims, learning_rate=0.3, epochs=20, mini_batch_size=64, seed=0):
    """Train a batch-normalized network with a softmax output by mini-batch gradient descent.

    X: (n_x, m) inputs; Y: (C, m) one-hot labels; layer_dims: [n_x, n_1, ..., C].
    Returns (params, running): the trained parameters and the running averages mu{l}, sigma2{l}.
    """
    params = net.init_params(layer_dims, seed=seed)
    running = net.new_running(params)
    for epoch in range(epochs):
        ### BEGIN SOLUTION
        for X_batch, Y_batch in random_mini_batches(X, Y, mini_batch_size, seed=seed + epoch):
            ZL, caches, batch_stats = net.forward(X_batch, params, mode="train")
            _, dZL = net.softmax_cross_entropy(ZL, Y_batch)
            params = net.update(params, net.backward(dZL, caches), learning_rate)
            running = net.update_running(running, batch_stats)
        ### END SOLUTION
    return params, running


# %% nbgrader={"grade": true, "grade_id": "train_softmax_classifier_visible", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check(train_softmax_classifier)

# %% nbgrader={"grade": true, "grade_id": "train_softmax_classifier_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden checks: when your notebook is graded, train_softmax_classifier is also trained on other splits.
### BEGIN HIDDEN TESTS
from grader.hidden import check_hidden

check_hidden(train_softmax_classifier)
### END HIDDEN TESTS

# %% [markdown]
# The check trains your function on the training set above and measures the accuracy of the model
# it returns on the digits it did not train on, in **inference mode** (running averages, as for
# any new digit). It asks for at least 95 %.
#
# ## 5. Train it
#
# Three layers of 64, 32 and 10 units after the 64 pixels, a learning rate of 0.3, mini-batches of
# 64, 20 epochs. On a laptop CPU this takes a second or two.

# %%
LAYER_DIMS = [64, 64, 32, 10]
params = running = None  # until training succeeds: the panel below then says what to do
start = time.perf_counter()
params, running = train_softmax_classifier(X_train, Y_train, LAYER_DIMS, learning_rate=0.3, epochs=20,
                                           mini_batch_size=64, seed=0)
seconds = time.perf_counter() - start
train_acc = net.accuracy(X_train, y_train, params, running)
test_acc = net.accuracy(X_test, y_test, params, running)
print(f"trained in {seconds:.1f} s: training accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
      f"({round(test_acc * y_test.size)} of {y_test.size} test digits)")
assert test_acc >= 0.95, "below the 95 % target: check train_softmax_classifier"

# %% [markdown]
# ## 6. Learning curves
#
# `net.train` runs the same loop as yours and also records, after every epoch, the mean cost of
# the epoch's mini-batches and the accuracy on the training and test sets (the bar shows its
# progress). The cost falls fast during the first epochs, then slowly; the training accuracy
# approaches 100 % while the test accuracy levels off a little lower: the gap is what the model
# memorized about its training digits rather than learned about digits in general. The cost curve
# is not smooth: each mini-batch gives a noisy estimate of the gradient, and each epoch sees the
# batches in another order.

# %%
curves = net.train(X_train, y_train, LAYER_DIMS, lr=0.3, epochs=20, batch_size=64, seed=0,
                   X_val=X_test, Y_val=y_test, progress=True)
print(f"final cost {curves.history['cost'][-1]:.4f}, training accuracy {curves.history['train_acc'][-1]:.1%}, "
      f"test accuracy {curves.history['val_acc'][-1]:.1%}")
fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.4))
draw_learning_curves(ax_cost, ax_acc, {"batches of 64": curves.history})
plt.show()

# %% [markdown]
# ## 7. The confusion matrix
#
# Entry $(i, j)$ of the confusion matrix counts the test digits of class $i$ that the model labels
# $j$. A perfect classifier puts everything on the diagonal (the blue dots, sized by count); the red
# cells off the diagonal are the mistakes, and show which digits the model confuses.

# %%
P_test = probabilities(X_test, params, running)
pred_test = P_test.argmax(axis=0)
cm = confusion_matrix(y_test, pred_test)

fig, ax = plt.subplots(figsize=(4.6, 4.2))
draw_confusion(ax, cm, title=f"test set: {np.trace(cm)} of {cm.sum()} right")
plt.show()

per_class = cm.diagonal() / cm.sum(axis=1)
print("accuracy per digit:", "  ".join(f"{d}: {a:.0%}" for d, a in enumerate(per_class)))
off = cm * (1 - np.eye(10, dtype=int))
for k in np.argsort(-off, axis=None)[:3]:
    i, j = divmod(int(k), 10)
    if off[i, j]:
        print(f"  {off[i, j]} test digit(s) {i} taken for {j}")

# %% [markdown]
# ## 8. The digits it gets wrong
#
# The misclassified test digits, the most confidently wrong first, with the true label, the
# prediction and the probability the softmax gave it. Some are genuinely ambiguous at 8 × 8
# pixels; others show what the model has not learned.

# %%
wrong = misclassified(y_test, P_test)
shown = wrong[:20]
labels = [f"{y_test[i]}\u2192{pred_test[i]} ({P_test[pred_test[i], i]:.0%})" for i in shown]
rows = max(1, -(-shown.size // 10))
fig, ax = plt.subplots(figsize=(10, 1.0 + 1.3 * rows))
draw_digit_grid(ax, X_test[:, shown], labels, rows=rows, cols=10, colors=["#d62728"] * len(shown), fontsize=8)
ax.set_title(f"{wrong.size} misclassified test digits (true \u2192 predicted, probability)", fontsize=10)
plt.show()

# %% [markdown]
# ## 9. Explore: gamma, beta and epsilon after training
#
# Training chose $\gamma$ and $\beta$ for every unit, and the running averages fixed $\mu$ and
# $\sigma^2$. At inference a batch-norm layer is therefore a fixed affine map per unit,
#
# $$\tilde z = \gamma\, \frac{z - \mu_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} + \varepsilon}} + \beta ,$$
#
# and the panel lets you change it in one hidden layer of **your** trained model: **gamma**
# multiplies that layer's learned $\gamma$ (1 = as trained), **beta** is added to its learned
# $\beta$ (0 = as trained), **epsilon** replaces that layer's $\varepsilon$. The digits on the
# left are the 20 test digits the model is least sure about, each with its true label: a red
# frame and an arrow mark a wrong prediction. The confusion matrix and the accuracy cover the
# whole test set.
#
# * Scale **gamma** of hidden layer 1 (try 0.25 and 2). In training, the next layer's batch norm
#   would undo such a scaling, since it renormalizes with the statistics of each batch; at
#   inference it normalizes with *fixed* running averages and cannot: predictions change and the
#   accuracy drops, a little at 2, a lot at 0.25.
# * Do the same in the **last** hidden layer (hidden layer 2), which feeds the output layer
#   directly. Scaling its output scales the logits (apart from $b^{[L]}$), and the arg-max does not
#   move: the predictions stay.
# * Shift **beta** of hidden layer 1: a shift moves units across the ReLU's kink, switching them
#   on or off; a shift of 1 costs several points of accuracy.
# * Raise **epsilon** from $10^{-5}$ toward the running variances (about 0.1 to 0.3 in hidden
#   layer 1): $\sqrt{\sigma^2 + \varepsilon}$ grows and every normalized value shrinks, the
#   low-variance units most. In hidden layer 2 a large epsilon shrinks all units by similar factors,
#   almost a uniform scaling, which the predictions again survive.

# %%
display(inference_panel(params, running, X_test, y_test))

# %% [markdown]
# ## 10. Questions
#
# **Q1.** Why must $X$ and $Y$ be reordered with the *same* permutation, and what would a model
# learn from mini-batches that take the class-sorted data of section 3 in order, without
# shuffling? Mention what happens to batch norm's statistics.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_shuffle", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Each column of Y is the label of the same column of X; shuffling them with different permutations
# gives each image another image's label, and the network learns noise. Without shuffling, sorted
# data gives mini-batches of one or two classes: each step pulls the weights toward predicting the
# classes of that batch, so the steps fight each other and the last batches (the last digits) win.
# Batch norm makes it worse: the mean and variance of a one-class batch differ from those of the
# whole data, so training normalizes with unrepresentative statistics and the running averages
# used at inference do not describe the test data. Shuffling makes every batch a small random
# sample of all classes, whose gradient and statistics estimate those of the whole data set.
# ### END SOLUTION

# %% [markdown]
# **Q2.** In the panel, multiplying gamma of the last hidden layer by 2 leaves the predictions
# as they are, while multiplying gamma of hidden layer 1 by 2 changes some of them. Explain why,
# and why the same change made *during training* would be undone by the next batch-norm layer.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_gamma_at_inference", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The last hidden layer feeds the output layer directly: doubling gamma (with beta small) roughly
# doubles its ReLU outputs, hence the logits W[L] A + b[L] apart from the bias, and the softmax's
# arg-max is unchanged by a positive scaling, so the predictions stay. Doubling gamma in layer 1
# doubles (roughly) the inputs of layer 2, so its Z doubles; at inference layer 2 normalizes with
# its fixed running mean and variance, which were measured on the unscaled Z, so its normalized
# values are wrong by a factor 2 and a shift, and the error propagates to the output. In training
# mode layer 2 would normalize with the statistics of the current batch, which scale with Z: a
# scaled Z gives the same normalized values (batch norm is invariant to the scale of its input),
# so the change would be undone.
# ### END SOLUTION
