"""Notebook 09: pytorch_running_update (correct and wrong implementations, the reference against
PyTorch itself and against a closed form), course.frameworks with PyTorch (the same numbers as the
NumPy network) and without it (a clear message), the panel, and the notebook executed headless
with PyTorch made unimportable."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course import frameworks as fw
from course import network as net
from grader.reference import reference
from tests.implementations import assert_accepted, assert_rejected

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "grader" / "source" / "09_deep_learning_frameworks.py"
NAME = "pytorch_running_update"
torch = fw.torch_or_none()
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (optional: `make framework` "
                                 "installs torch==2.13.0); the without-PyTorch path is tested below")

# --- pytorch_running_update ------------------------------------------------------------------------


def pru_np_var(running_mean, running_var, Z, momentum=0.1):
    return ((1 - momentum) * running_mean + momentum * Z.mean(1, keepdims=True),
            (1 - momentum) * running_var + momentum * Z.var(1, ddof=1, keepdims=True))


def pru_loops(running_mean, running_var, Z, momentum=0.1):
    n, m = Z.shape
    new_mean, new_var = np.empty((n, 1)), np.empty((n, 1))
    for j in range(n):
        mu = sum(Z[j]) / m
        var = sum((z - mu) ** 2 for z in Z[j]) / (m - 1)
        new_mean[j, 0] = running_mean[j, 0] + momentum * (mu - running_mean[j, 0])
        new_var[j, 0] = running_var[j, 0] + momentum * (var - running_var[j, 0])
    return new_mean, new_var


def pru_biased_rescaled(running_mean, running_var, Z, momentum=0.1):
    m = Z.shape[1]
    mu = Z.mean(axis=1, keepdims=True)
    biased = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
    return (1 - momentum) * running_mean + momentum * mu, (1 - momentum) * running_var + momentum * biased * m / (m - 1)


@pytest.mark.parametrize("fn", [pru_np_var, pru_loops, pru_biased_rescaled])
def test_correct_pytorch_running_update_pass(fn):
    assert_accepted(NAME, fn)


def pru_in_place(running_mean, running_var, Z, momentum=0.1):
    running_mean *= 1 - momentum
    running_mean += momentum * Z.mean(1, keepdims=True)
    running_var *= 1 - momentum
    running_var += momentum * Z.var(1, ddof=1, keepdims=True)
    return running_mean, running_var


WRONG = [
    (lambda rm, rv, Z, momentum=0.1: ((1 - momentum) * rm + momentum * Z.mean(1, keepdims=True),
                                      (1 - momentum) * rv + momentum * Z.var(1, keepdims=True)), "unbiased variance"),
    (lambda rm, rv, Z, momentum=0.1: (momentum * rm + (1 - momentum) * Z.mean(1, keepdims=True),
                                      momentum * rv + (1 - momentum) * Z.var(1, ddof=1, keepdims=True)), "NEW value"),
    (lambda rm, rv, Z, momentum=0.1: ((1 - momentum) * rm + momentum * Z.mean(0, keepdims=True),
                                      (1 - momentum) * rv + momentum * Z.var(0, ddof=1, keepdims=True)), "axis 0"),
    (lambda rm, rv, Z, momentum=0.1: ((1 - momentum) * rm + momentum * Z.mean(1, keepdims=True),
                                      (1 - momentum) * rv + momentum * Z.std(1, ddof=1, keepdims=True)),
     "standard deviation"),
    (lambda rm, rv, Z, momentum=0.1: ((1 - momentum) * rm + momentum * Z.mean(1, keepdims=True),
                                      (1 - momentum) * rv + momentum * Z.mean(1, keepdims=True)), "batch mean instead"),
    (lambda rm, rv, Z, momentum=0.1: pru_np_var(rm, rv, Z, 0.1), "momentum argument was ignored"),
    (pru_in_place, "in place"),
]


@pytest.mark.parametrize("fn,words", WRONG, ids=[w for _, w in WRONG])
def test_wrong_pytorch_running_update_named(fn, words):
    assert_rejected(NAME, fn, words)


def test_reference_matches_the_closed_form_of_the_statistics_module():
    rng = np.random.default_rng(3)
    Z = rng.normal(2.0, 3.0, (3, 7))
    rm, rv = rng.normal(size=(3, 1)), rng.uniform(0.5, 2, (3, 1))
    mean, var = reference(NAME)(rm, rv, Z, momentum=0.25)
    for j in range(3):
        row = [float(v) for v in Z[j]]
        assert mean[j, 0] == pytest.approx(0.75 * rm[j, 0] + 0.25 * statistics.fmean(row), rel=1e-13)
        assert var[j, 0] == pytest.approx(0.75 * rv[j, 0] + 0.25 * statistics.variance(row), rel=1e-13)


@needs_torch
@pytest.mark.parametrize("m,momentum", [(2, 0.1), (9, 0.1), (64, 0.3)])
def test_reference_matches_pytorch_batchnorm_buffers(m, momentum):
    rng = np.random.default_rng(m)
    Z = rng.normal(1.0, 2.0, (5, m))
    bn = torch.nn.BatchNorm1d(5, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.running_mean.copy_(torch.from_numpy(rng.normal(size=5)))
        bn.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, 5)))
    before = bn.running_mean.numpy().reshape(-1, 1).copy(), bn.running_var.numpy().reshape(-1, 1).copy()
    bn.train()
    bn(torch.from_numpy(Z.T.copy()))
    mean, var = reference(NAME)(*before, Z, momentum=momentum)
    np.testing.assert_allclose(mean, bn.running_mean.numpy().reshape(-1, 1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(var, bn.running_var.numpy().reshape(-1, 1), rtol=1e-12, atol=1e-14)


# --- course.frameworks with PyTorch: the same numbers --------------------------------------------------

@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    X = rng.random((12, 40))
    y = rng.integers(0, 4, 40)
    return X, y, net.one_hot(y, 4), net.init_params([12, 9, 7, 4], seed=2)


@needs_torch
def test_forward_cost_gradients_and_running_statistics_agree(batch):
    X, y, Y, params = batch
    ZL, caches, stats = net.forward(X, params, "train")
    cost, dZL = net.softmax_cross_entropy(ZL, Y)
    grads = net.backward(dZL, caches)
    model = fw.torch_model(params)
    assert fw.params_of(model).keys() == params.keys()
    for k, v in fw.params_of(model).items():
        np.testing.assert_array_equal(v, params[k])
    ZL_t, cost_t, grads_t = fw.torch_forward_backward(model, X, y)  # labels work as well as one-hot
    assert fw.relative_error(ZL, ZL_t) < 1e-12 and abs(cost - cost_t) < 1e-12
    assert grads_t.keys() == grads.keys()
    assert max(fw.relative_error(grads[k], grads_t[k]) for k in grads) < 1e-10
    # one training step moved PyTorch's buffers: the same means, unbiased variances
    m = X.shape[1]
    running_t = fw.running_of(model)
    for l, (mu, sigma2) in stats.items():
        np.testing.assert_allclose(running_t[f"mu{l}"], 0.1 * mu, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(running_t[f"sigma2{l}"], 0.9 + 0.1 * sigma2 * m / (m - 1), rtol=1e-12)


@needs_torch
def test_inference_and_training_agree(batch):
    X, y, Y, params = batch
    running = {k: v + 0.3 for k, v in net.new_running(params).items()}
    model = fw.torch_model(params, running=running)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(X.T.copy())).numpy().T
    assert fw.relative_error(net.forward(X, params, "inference", running)[0], logits) < 1e-12
    result = net.train(X, y, [12, 9, 7, 4], lr=0.2, epochs=6, batch_size=X.shape[1], seed=2)
    trained, costs = fw.torch_train(params, X, Y, 0.2, 6)
    np.testing.assert_allclose(costs, result.history["cost"], rtol=1e-10)
    trained_params = fw.params_of(trained)
    assert max(fw.relative_error(result.params[k], trained_params[k]) for k in params) < 1e-10


@needs_torch
def test_one_batchnorm_layer_agrees_for_any_gamma_beta_epsilon():
    rng = np.random.default_rng(1)
    Z = rng.normal(0, 2, (3, 50))
    Z[2] = 0.3 + 1e-3 * rng.standard_normal(50)  # a low-variance unit, where epsilon matters
    for gamma, beta, eps in [(1.0, 0.0, 1e-5), (2.5, -1.0, 1e-1), (0.2, 3.0, 1e-8), (1.0, 0.0, 10.0)]:
        g, b = np.full((3, 1), gamma), np.full((3, 1), beta)
        ours = fw.numpy_batchnorm(Z, g, b, eps)
        np.testing.assert_allclose(ours, g * (Z - Z.mean(1, keepdims=True)) / np.sqrt(Z.var(1, keepdims=True) + eps) + b,
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fw.torch_batchnorm(Z, g, b, eps), ours, rtol=1e-10, atol=1e-12)
    assert torch.get_num_threads() >= 1


@needs_torch
def test_timings_cover_both_frameworks():
    timings = fw.time_steps(batches=(8, 32), hiddens=(16,), repeats=1)
    assert [(t.batch, t.hidden) for t in timings] == [(8, 16), (32, 16)]
    assert all(t.numpy > 0 and t.torch32 > 0 and t.torch64 > 0 for t in timings)


# --- without PyTorch ----------------------------------------------------------------------------------

def _without_torch_env(tmp_path) -> dict:
    """An environment whose Python (and Jupyter kernels) cannot import torch."""
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None  # as if not installed\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_frameworks_without_torch_say_how_to_install(tmp_path):
    code = textwrap.dedent("""
        import numpy as np
        from course import frameworks as fw
        from course.panels_frameworks import frameworks_panel
        assert fw.torch_or_none() is None
        print(fw.status())
        try:
            fw.torch_model({})
        except fw.FrameworkMissing as exc:
            print("raised:", exc)
        timings = fw.time_steps(batches=(8,), hiddens=(16,), repeats=1)
        assert timings[0].numpy > 0 and np.isnan(timings[0].torch32)
        panel = frameworks_panel(np.random.default_rng(0).normal(size=(3, 20)), timings)
        panel.set(gamma=2.0, epsilon=0.1)
        print("panel:", panel.status.value)
    """)
    out = subprocess.run([sys.executable, "-c", code], env=_without_torch_env(tmp_path), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "PyTorch is not installed" in out.stdout and "make framework" in out.stdout
    assert "raised: PyTorch is optional" in out.stdout and "torch==2.13.0" in out.stdout
    assert "panel: " in out.stdout and "not installed" in out.stdout.split("panel: ")[1]


def test_notebook_runs_headless_without_torch(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from grader.execute import execute_source
        nb, seconds = execute_source(Path({str(SOURCE)!r}))
        for cell in nb.cells:
            if cell.cell_type == "code":
                for o in cell.get("outputs", []):
                    if o.get("output_type") == "stream":
                        sys.stdout.write(o["text"])
                    if o.get("output_type") == "error":
                        sys.stdout.write("ERROR " + o["ename"])
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {{}}):
                        sys.stdout.write("WIDGET\\n")
        print(f"SECONDS {{seconds:.1f}}")
    """)
    out = subprocess.run([sys.executable, "-c", code], env=_without_torch_env(tmp_path), capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "ERROR" not in text
    assert text.count("PyTorch is not installed") >= 2 and "make framework" in text
    assert "\u2713 pytorch_running_update (visible checks)" in text
    assert "\u2713 pytorch_running_update (hidden checks)" in text
    assert "WIDGET" in text and "NumPy" in text
    # the NumPy timings alone: the PyTorch columns are empty and no verdict is claimed
    assert "torch f32" in text and "not measured" in text and "nan" not in text


def test_the_optional_requirement_pins_the_version_the_notebook_names():
    pins = [line.strip() for line in (ROOT / "requirements-framework.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert pins == [fw.TORCH_PIN]
    assert "torch" not in (ROOT / "requirements.txt").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "framework:" in makefile and "requirements-framework.txt" in makefile
