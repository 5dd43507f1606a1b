"""Time the widget panels of a running notebook, in its own kernel (used by ``make bench``).

:func:`measure_panels` finds every :class:`course.widgets.Panel` alive in the process and moves
each control ``moves`` times across its range with ``panel.set(...)``, as a learner would. Each
move redraws once; ``Panel.last_redraw_seconds`` is the time from the callback to the finished
figure (draw + PNG render + new image bytes); the kernel's CPU time per move is recorded too,
so that a busy machine (other processes taking the cores) shows as wall time well above CPU
time. Each redraw is split into ``draw`` (the panel's own
compute and artist updates) and ``png`` (the rest: the panel's render - Agg drawing of the whole
figure, or of its animated artists over a cached background - and PNG encoding); ``full_redraws``
counts the moves that drew the whole figure. When a control misses the goal, cProfile names the
functions that take the time.
"""
from __future__ import annotations

import cProfile
import gc
import io
import json
import pstats
import statistics
import time
from pathlib import Path

import numpy as np

MARK = "@@panel-timing@@"
ROOT = Path(__file__).resolve().parent.parent


def kernel_cell(call: str) -> str:
    """The code of a notebook cell that runs ``call`` (e.g. ``"measure_panels(30)"``), a
    function of this module, in the notebook's own kernel."""
    return f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom tools import panel_timing\npanel_timing.{call}"


def quantile(values, q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def _cycle(values: list, start, moves: int) -> list:
    """``moves`` values taken from ``values`` in turn, never twice in a row, never ``start`` first."""
    values = [v for i, v in enumerate(values) if v not in values[:i]]
    if len(values) < 2 and (not values or values[0] == start):
        return []
    out, prev, i = [], start, 0
    while len(out) < moves:
        v = values[i % len(values)]
        i += 1
        if v != prev:
            out.append(v)
            prev = v
    return out


def _sweep(grid: list, start, moves: int) -> list:
    """Up to ``moves`` values of ``grid`` (ascending), each visited once, as a learner drags a
    slider: from the value nearest ``start`` up to the end, then from below ``start`` down to the
    other end. (Visiting each value once keeps a panel's caches from flattering it.) A grid
    shorter than ``moves`` is swept again, back and forth."""
    if len(grid) < 2:
        return []
    i = int(np.argmin([abs(g - start) for g in grid]))
    order = [*range(i + 1, len(grid)), *range(i - 1, -1, -1)]
    if len(order) >= moves:
        return [grid[k] for k in order[:moves]]
    out, k, step = [], i, 1  # a short grid (an integer slider): back and forth
    while len(out) < moves:
        if not 0 <= k + step < len(grid):
            step = -step
        k += step
        out.append(grid[k])
    return out


def control_moves(control, moves: int) -> list:
    """Values a learner gives ``control`` in ``moves`` moves: sliders are dragged across their
    whole range in even steps; switches and menus go through their options."""
    import ipywidgets as widgets

    steps = moves + 1
    if isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, steps)
        return _sweep([float(control.base ** e) for e in exps], control.value, moves) if control.value > 0 else []
    if isinstance(control, widgets.IntSlider):
        return _sweep(sorted({int(round(v)) for v in np.linspace(control.min, control.max, steps)}), control.value, moves)
    if isinstance(control, widgets.FloatSlider):
        return _sweep([float(v) for v in np.linspace(control.min, control.max, steps)], control.value, moves)
    if isinstance(control, widgets.SelectionSlider):
        options = list(control._options_values)
        return [options[k] for k in _sweep(list(range(len(options))), options.index(control.value), moves)]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return _cycle([not control.value, control.value], control.value, moves)
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons, widgets.Select)):
        return _cycle(list(control._options_values), control.value, moves)
    return []


def live_panels() -> list:
    from course.widgets import Panel

    found, seen = [], set()
    for obj in gc.get_objects():
        if isinstance(obj, Panel) and id(obj) not in seen and obj.controls:
            seen.add(id(obj))
            found.append(obj)
    return found


def _title(panel) -> str:
    return panel.title or ", ".join(panel.controls)


def _profile(panel, name: str, values: list, top: int = 8) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    for v in values:
        panel.set(**{name: v})
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = file.split("site-packages/")[-1].split(f"{ROOT}/")[-1]
        rows.append(f"{tt / len(values) * 1000:7.2f} ms self, {ct / len(values) * 1000:7.2f} ms total per move: "
                    f"{fn} ({where}:{line}, {nc // len(values)} calls per move)")
    return rows


def measure_panel(panel, moves: int = 30, goal_ms: float = 50.0) -> dict:
    """Move each control of ``panel`` ``moves`` times; the figures of each control (ms)."""
    controls = []
    own_draw = panel.draw
    draw_ms: list[float] = []

    def timed_draw(values):
        t = time.perf_counter()
        try:
            return own_draw(values)
        finally:
            draw_ms.append((time.perf_counter() - t) * 1000)

    panel.draw = timed_draw  # the panel's redraw calls it: split each redraw into draw + render
    try:
        for name, control in panel.controls.items():
            values = control_moves(control, moves)
            if not values:
                continue
            start = control.value
            redraw, wall, cpu, draw, render = [], [], [], [], []
            full_before = panel.full_redraws
            for v in values:
                panel.last_redraw_seconds = None
                draw_ms.clear()
                t, c = time.perf_counter(), time.process_time()
                panel.set(**{name: v})
                elapsed, used = time.perf_counter() - t, time.process_time() - c
                if panel.last_redraw_seconds is not None:
                    redraw.append(panel.last_redraw_seconds * 1000)
                    wall.append(elapsed * 1000)
                    cpu.append(used * 1000)
                    draw.append(sum(draw_ms))
                    render.append(redraw[-1] - draw[-1])
            full = panel.full_redraws - full_before
            row = {"control": name, "label": getattr(control, "description", name), "kind": type(control).__name__,
                   "moves": len(redraw), "median_ms": median(redraw), "p90_ms": quantile(redraw, 0.9),
                   "min_ms": min(redraw, default=float("nan")), "max_ms": max(redraw, default=float("nan")),
                   "set_median_ms": median(wall), "cpu_median_ms": median(cpu),
                   "draw_median_ms": median(draw), "png_median_ms": median(render), "full_redraws": full}
            if row["median_ms"] > goal_ms:
                panel.draw = own_draw
                row["profile"] = _profile(panel, name, values[:10])
                panel.draw = timed_draw
            panel.set(**{name: start})
            controls.append(row)
    finally:
        panel.draw = own_draw
    labels = [{"label": getattr(c, "description", n)} for n, c in panel.controls.items()]
    return {"title": _title(panel), "png_bytes": len(panel.image.value), "labels": labels, "controls": controls}


def median(values) -> float:
    """The median, nan for no values."""
    return statistics.median(values) if values else float("nan")


def measure_panels(moves: int = 30, goal_ms: float = 50.0) -> None:
    """Measure every live panel and print the figures as one JSON line after :data:`MARK`."""
    rows = [measure_panel(p, moves, goal_ms=goal_ms) for p in live_panels()]
    print(MARK + json.dumps(rows))


BLIT_MARK = "@@panel-blitting@@"


def verify_blitting(moves: int = 3, tolerance: float = 0.002) -> None:
    """Drag every control of every live panel across its range and back, and compare each
    frame shown with a full draw of the figure (:meth:`course.widgets.Panel.blit_error`).
    Prints, after :data:`BLIT_MARK`, a JSON list of the frames where more than ``tolerance``
    of the pixels differ (empty when blitting is right), then the number of frames compared."""
    bad, compared = [], 0
    for panel in live_panels():
        for name, control in panel.controls.items():
            values = control_moves(control, moves)
            if not values:
                continue
            start = control.value
            for v in [*values, *values[::-1], start]:
                panel.set(**{name: v})
                differ = panel.blit_error()
                compared += 1
                if differ > tolerance:
                    bad.append({"panel": _title(panel), "control": name, "value": repr(v), "differ": round(differ, 4)})
    print(BLIT_MARK + json.dumps(bad))
    print(f"{compared} frames compared")
