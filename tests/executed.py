"""Instructor sources executed headless once per test session, shared by the tests that read
them (tests/test_claims.py, tests/test_static_fallback.py).

``run(stem)`` executes ``grader/source/<stem>.py`` exactly as tests/test_sources.py does
(:func:`grader.execute.execute_source`, in a fresh kernel in ``notebooks/``), followed by one
cell that prints, as JSON after :data:`MARK`, the values of the expressions the tests ask for
(:data:`PROBES`): the numbers the notebook's own code measured, in its own kernel.
"""
from __future__ import annotations

import json
from functools import lru_cache

from grader.execute import execute_source
from grader.sourcefiles import all_sources

MARK = "@@claims@@"

# stem -> name -> a Python expression evaluated in the executed notebook's kernel
PROBES: dict[str, dict[str, str]] = {
    "01_normalizing_inputs": {
        "spread_ratio": "spread_ratio",
        "kappa": "{k: v[0] for k, v in results.items()}",
        "iterations": "{k: v[2] for k, v in results.items()}",
        "speedup": "speedup",
    },
    "02_batchnorm_forward": {
        "std_over_gamma": "[float(Z_tilde[j].std() / gamma[j, 0]) for j in range(n)]",
        "variance": "[float(v) for v in Z.var(axis=1)]",
        "unit_axes": "[{'xlim': list(ax.get_xlim()), 'lo': float(Z[j].min()), 'hi': float(Z[j].max())} "
                     "for j, ax in enumerate(fig_units.axes)]",
    },
    "03_batchnorm_backward": {},
    "04_batchnorm_in_a_network": {
        "final_accuracy": "{k: float(v[-1]) for k, v in curves.items()}",
        "first_95": "first_95",
        "line_accuracy": "float(line_accuracy)",
        "early_no_bn": "[float(curves['no batch norm'][:10].min()), float(curves['no batch norm'][:10].max())]",
        "drift": "drift",
        "grid_trained": "{k: int((g.final_acc >= 0.9).sum()) for k, g in grids.items()}",
        "minibatch_vs_whole_cost": "[float(runs['batch norm'].history['cost'][-1]), float(network.sigmoid_cross_entropy("
                                   "network.forward(X_train, runs['batch norm'].params, 'inference', "
                                   "runs['batch norm'].running)[0], Y_train)[0])]",
    },
    "05_batchnorm_test_time": {
        "accuracy_section_1": "float(accuracy_section_1)",
        "accuracy_section_6": "float(np.mean(mine == y_test))",
    },
    "06_softmax": {
        "unbounded_regions": "unbounded_regions",
        "score_variance": "[float(v) for v in score_variance]",
    },
    "07_softmax_derivation": {
        "jacobian_error": "float(gradcheck.relative_error(J, J_numerical))",
        "diagonal_error": "float(gradcheck.relative_error(J_notes, J_numerical))",
    },
    "08_training_a_softmax_classifier": {
        "changes": "{f'{l},{g},{b},{e:g}': v for (l, g, b, e), v in changes.items()}",
        "accuracy": "float(np.mean(pred_test == y_test))",
        "partners": "[int(p) for p in partners]",
        "most_spread": "most_spread",
    },
    "09_deep_learning_frameworks": {
        "timings": "[{'hidden': t.hidden, 'batch': t.batch, 'verdict': t.verdict(), "
                   "'spread': {k: [s.low, s.median, s.high, s.samples] for k, s in t.spread.items()}} for t in timings]",
    },
}


def _probe_cell(probes: dict[str, str]) -> str:
    body = ", ".join(f"{name!r}: ({expr})" for name, expr in probes.items())
    return (f"import json as _json\nprint({MARK!r} + _json.dumps({{{body}}}, default=float))")


@lru_cache(maxsize=None)
def run(stem: str):
    """``(notebook, values)``: the executed source and the probed values (a dict)."""
    source = next(p for p in all_sources() if p.stem == stem)
    nb, _ = execute_source(source, timeout=900, then=(_probe_cell(PROBES.get(stem, {})),))
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith(MARK))
    nb.cells.pop()  # the probe is not part of the notebook
    return nb, json.loads(line[len(MARK):])


def stream_text(nb, cell_index: int | None = None) -> str:
    """The printed output of one code cell (by index among all cells), or of every cell."""
    cells = nb.cells if cell_index is None else [nb.cells[cell_index]]
    return "".join(o.get("text", "") for c in cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
