"""The widget panel of notebook 08: gamma, beta and epsilon of one batch-norm layer of a
trained digit classifier, changed at inference, with the accuracy and predictions live."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import network as net
from .classifier import adjusted_model, bn_layers, confusion_matrix, least_sure, probabilities, split_at
from .plots_classifier import draw_confusion, draw_prediction_grid, update_confusion, update_prediction_grid
from .widgets import Panel, gamma_beta_epsilon, needs

ROWS, COLS = 2, 10
CHUNK = 48  # examples per slice at inference (see predict)


def inference_panel(params, running, X_test, y_test, epsilon: float = 1e-5):
    """Sliders: gamma (a factor on the layer's learned gamma), beta (added to its learned beta),
    epsilon (that layer's epsilon at inference) and the batch-norm layer.
    Left: the 20 test digits the trained model is least sure about, framed in red where the
    prediction is wrong; right: the confusion matrix on the whole test set. Status: the accuracy."""
    if not isinstance(params, dict) or not isinstance(running, dict) or not bn_layers(params):
        return needs("This panel needs a trained model with batch norm: run the training cell above "
                     "(<code>params, running = train_softmax_classifier(...)</code>) first.")
    y_test = np.asarray(y_test).reshape(-1)
    P0 = probabilities(X_test, params, running, epsilon)
    pred0 = P0.argmax(axis=0)
    acc0 = float(np.mean(pred0 == y_test))
    shown = least_sure(P0, ROWS * COLS)
    X_shown = X_test[:, shown]

    fig = Figure(figsize=(9.6, 3.2), dpi=80)
    FigureCanvasAgg(fig)
    ax_d, ax_c = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1.0]})
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.15, top=0.9, wspace=0.12)
    layers = bn_layers(params)
    controls = {**gamma_beta_epsilon(gamma=(1.0, 0.0, 3.0), beta=(0.0, -3.0, 3.0), epsilon=(epsilon, -8, 1)),
                "layer": widgets.Dropdown(options=[(f"hidden layer {l}", l) for l in layers], value=layers[0],
                                          description="batch-norm layer", layout=widgets.Layout(width="340px"),
                                          style={"description_width": "110px"})}

    heads = {l: split_at(X_test, params, running, l, epsilon) for l in layers}  # layers before l stay fixed

    def predict(v):
        A_prev, head, head_running = heads[v["layer"]]
        p, r = adjusted_model(head, head_running, 1, v["gamma"], v["beta"], v["epsilon"], epsilon)
        # Inference treats every example alone, so the test set can go through in slices: products
        # this small stay on one thread (OpenBLAS spreads a product over its thread pool only above
        # about 256k multiply-adds), and waking the pool would cost more than the arithmetic,
        # far more on a busy machine.
        return np.concatenate([net.forward(A_prev[:, i:i + CHUNK], p, "inference", r, epsilon)[0].argmax(axis=0)
                               for i in range(0, A_prev.shape[1], CHUNK)])

    grid = draw_prediction_grid(ax_d, X_shown, y_test[shown], pred0[shown], ROWS, COLS, fontsize=9)
    ax_d.set_title("the 20 test digits the trained model is least sure of (red: wrong, \u2192 its prediction)",
                   fontsize=10)
    conf = draw_confusion(ax_c, confusion_matrix(y_test, pred0), annotate=False,
                          title=f"confusion matrix, {y_test.size} test digits")

    def draw(v):
        pred = predict(v)
        update_prediction_grid(grid, pred[shown])
        acc = float(np.mean(pred == y_test))
        update_confusion(conf, confusion_matrix(y_test, pred))
        changed = int(np.sum(pred != pred0))
        return (f"layer {v['layer']}: \u03b3 \u00d7 {v['gamma']:.2f}, \u03b2 + {v['beta']:.2f}, "
                f"\u03b5 = {v['epsilon']:.1e} &nbsp;\u2192&nbsp; test accuracy <b>{acc:.1%}</b> "
                f"(as trained: {acc0:.1%}); {changed} of {y_test.size} predictions changed")

    return Panel(fig, draw, controls, "Batch norm at inference: scale gamma, shift beta, raise epsilon in one layer "
                 "of the trained classifier",
                 animated=[grid["frames"], *grid["texts"], conf["image"], conf["diag"]])
