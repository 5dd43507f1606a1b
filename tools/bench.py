"""``make bench``: how fast the course is, against its goals, on this machine.

1. Each instructor source executed headless with nbclient, as grading and CI do (kernel start
   included). Goal: under 10 s; training notebooks under 30 s.
2. One slider redraw for each control of each widget panel, in the kernel: the notebook's own
   panels (built from the reference functions by the executed source) moved with
   ``panel.set(...)`` across each control's range; median and 90th percentile of
   ``Panel.last_redraw_seconds`` (callback to finished figure). Goal: median under 50 ms.
3. In the browser: JupyterLab in headless Chromium on a copy of the course with the answers
   filled in; each slider handle gets arrow-key presses, and the time from the key press to the
   new image loaded in the page is measured in the page. Goal: median under 150 ms.
4. The autograder's own figures (``grader.autograde.bench.run()``) when it is there.

Prints tables and writes everything to bench-results/bench.json. Where a goal is missed, it
says why: the slowest cells of a notebook; the draw/PNG split and a cProfile of a slow redraw;
the kernel's share of a slow browser move.

    python -m tools.bench [--notebooks 01,02] [--moves 30] [--browser-moves 20] [--no-browser] [--no-autograde]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .panel_timing import MARK, kernel_cell, median, quantile

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
GOALS = {"execute_s": 10.0, "execute_training_s": 30.0, "redraw_kernel_ms": 50.0, "redraw_browser_ms": 150.0}
# The notebooks that train a network (COURSE_SPEC: 04 and 08 train; 09 trains the same model in a framework).
TRAINING = ("04_", "08_", "09_")


def is_training(notebook: str) -> bool:
    return notebook.startswith(TRAINING)


# --- 1 and 2: headless execution and kernel redraws ----------------------------------------

def _first_line(cell) -> str:
    for line in cell.source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()[:70]
    return cell.source.strip()[:70]


def bench_source(path: Path, moves: int) -> dict:
    """Execute one instructor source as grading does, then time its panels in the same kernel."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from grader.release import NOTEBOOKS, source_notebook


    nb = source_notebook(path)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.reset_execution_trackers()
    cells, result = [], {"notebook": path.stem, "training": is_training(path.stem)}
    start = time.perf_counter()
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL):  # the kernel's own start-up warnings
            result["kernel_start_s"] = time.perf_counter() - start
            for index, cell in enumerate(nb.cells):
                t = time.perf_counter()
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                if cell.cell_type == "code":
                    cells.append((time.perf_counter() - t, index, _first_line(cell)))
            result["execute_s"] = time.perf_counter() - start
            probe = nbformat.v4.new_code_cell(kernel_cell(f"measure_panels({moves}, goal_ms={GOALS['redraw_kernel_ms']})"))
            nb.cells.append(probe)
            client.execute_cell(probe, len(nb.cells) - 1)
    except CellExecutionError as exc:
        result["error"] = str(exc).strip().splitlines()[-1][:300]
        return result
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    result["panels"] = json.loads(line[len(MARK):]) if line else []
    result["slowest_cells"] = [{"seconds": round(s, 2), "cell": i, "code": code} for s, i, code in sorted(cells, reverse=True)[:3]]
    return result


# --- 3: in the browser -----------------------------------------------------------------------

_JS_HOOK = """
([img, path]) => {
  const b = window.__bench = window.__bench || {down: null, loads: [], status: []};
  if (!window.__benchKeys) {
    document.addEventListener('keydown', () => { b.down = performance.now(); }, true);
    window.__benchKeys = true;
  }
  if (!img.__benchHooked) { img.addEventListener('load', () => b.loads.push(performance.now())); img.__benchHooked = true; }
  const app = window.jupyterapp;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && !w.__benchHooked) {
      w.sessionContext.session.kernel.statusChanged.connect((_, s) => b.status.push([performance.now(), s]));
      w.__benchHooked = true;
    }
  }
}"""

_JS_RESET = "() => { const b = window.__bench; b.down = null; b.loads = []; b.status = []; }"

# Done when the new image has loaded and the kernel is idle again, or when the kernel went busy
# and back to idle 300 ms ago without a new image (the figure did not change: nothing to send).
_JS_DONE = """
() => {
  const b = window.__bench, now = performance.now();
  if (b.down === null) return false;
  const busy = b.status.some(([t, s]) => t >= b.down - 5 && s === 'busy');
  const last = b.status.length ? b.status[b.status.length - 1] : null;
  const idle = busy && last && last[1] === 'idle';
  if (b.loads.length) return idle;
  return idle && now - last[0] > 300;
}"""

_JS_RESULT = "() => { const b = window.__bench; return b.loads.length ? b.loads[0] - b.down : null; }"

# Run code in the notebook's kernel from the page (as a frontend does, outside any cell); return its stdout.
_JS_KERNEL_RUN = """
async ([path, code]) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path) {
      const future = w.sessionContext.session.kernel.requestExecute({code, store_history: false});
      let out = '';
      future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
      await future.done;
      return out;
    }
  }
  throw new Error('no kernel for ' + path);
}"""

# In the kernel: record the duration of every Panel.redraw, to split a browser move into the
# kernel's redraw and the rest (widget messages, PNG transfer, decoding).
_KERNEL_RECORD = """
import course.widgets as _cw
if not hasattr(_cw.Panel, "_bench_redraw"):
    _cw.Panel._bench_redraw, _cw.Panel._bench_times = _cw.Panel.redraw, []
    def _bench_timed_redraw(self):
        _cw.Panel._bench_redraw(self)
        _cw.Panel._bench_times.append(self.last_redraw_seconds * 1000)
    _cw.Panel.redraw = _bench_timed_redraw
_cw.Panel._bench_times.clear()
"""
_KERNEL_REPORT = "import json, course.widgets as _cw; print(json.dumps(_cw.Panel._bench_times)); _cw.Panel._bench_times.clear()"


def _browser_slider_moves(nb, panel, control, moves: int) -> dict:
    page = nb.page
    page.evaluate(_JS_HOOK, [nb.image(panel).element_handle(), nb.path])
    page.evaluate(_JS_KERNEL_RUN, [nb.path, _KERNEL_RECORD])
    handle = control.locator.locator(".noUi-handle").first
    handle.focus()
    latencies, unchanged, direction = [], 0, 1
    for i in range(moves):
        position = nb.slider_position(control)
        if position >= 1.0:
            direction = -1
        elif position <= 0.0:
            direction = 1
        elif i and i % 8 == 0:
            direction = -direction
        page.evaluate(_JS_RESET)
        handle.press("ArrowRight" if direction > 0 else "ArrowLeft")
        page.wait_for_function(_JS_DONE, timeout=30_000, polling="raf")
        ms = page.evaluate(_JS_RESULT)
        if ms is None:
            unchanged += 1
        else:
            latencies.append(ms)
    kernel = json.loads(page.evaluate(_JS_KERNEL_RUN, [nb.path, _KERNEL_REPORT]) or "[]")
    return {"label": control.label, "moves": moves, "new_images": len(latencies), "unchanged": unchanged,
            "median_ms": median(latencies),
            "p90_ms": quantile(latencies, 0.9), "max_ms": max(latencies, default=float("nan")),
            "kernel_redraws": len(kernel), "kernel_median_ms": median(kernel)}


def bench_browser(notebooks: list[Path], moves: int, log=print) -> dict:
    from playwright.sync_api import sync_playwright

    from . import lab as labtools

    problem = labtools.chromium_problem()
    if problem:
        return {"error": problem}
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        tmp = Path(tmp)
        unfilled = labtools.course_copy(tmp / "course", notebooks)
        out = {"chromium": subprocess.run([labtools.CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
               "notebooks": {}}
        with labtools.LabServer(tmp / "course", tmp / "lab") as server, sync_playwright() as playwright:
            context = labtools.launch_chromium(playwright, tmp / "profile")
            lab = labtools.Lab(server, context, workspace="bench").start()
            for path in notebooks:
                if path.name in unfilled:
                    out["notebooks"][path.stem] = {"error": unfilled[path.name]}
                    continue
                log(f"  browser: {path.stem}")
                try:
                    nb = lab.open(f"notebooks/{path.name}")
                    nb.run_all()
                    rows = []
                    for p, panel in enumerate(nb.panels()):
                        controls = nb.controls(panel)
                        labels = sorted(c.label for c in controls)
                        for control in controls:
                            if control.kind == "slider":
                                nb.wait_settled(panel)
                                rows.append({"panel": p, "panel_labels": labels,
                                             **_browser_slider_moves(nb, panel, control, moves)})
                    out["notebooks"][path.stem] = {"controls": rows}
                except Exception as exc:  # noqa: BLE001 - report and go on with the other notebooks
                    out["notebooks"][path.stem] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
                finally:
                    lab.close_all()
            context.close()
    return out


# --- 4: the autograder ---------------------------------------------------------------------

def bench_autograde() -> dict:
    from grader.autograde.bench import run

    return run()


def autograde_misses(auto: dict) -> list[str]:
    """The autograder's goals (issue 14): 2 Dask workers >= 1.7x one local worker; a PostgreSQL
    gradebook at least as fast per entry as SQLite. A part that was skipped is no miss."""
    misses = []
    dask = auto.get("dask", {})
    if "speedup_vs_1_local_worker" in dask and dask["speedup_vs_1_local_worker"] < 1.7:
        misses.append(f"autograder: {dask['workers']} Dask workers grade at {dask['speedup_vs_1_local_worker']}x one "
                      f"local worker (goal 1.7x; load average at the end {dask.get('load_average_at_end')})")
    gb = auto.get("gradebook", {})
    if "postgresql_vs_sqlite_per_entry" in gb and gb["postgresql_vs_sqlite_per_entry"] < 1:
        misses.append(f"gradebook: PostgreSQL {gb['postgresql']['ms_per_entry']} ms per entry vs SQLite "
                      f"{gb['sqlite']['ms_per_entry']} ms (goal: at least as fast)")
    return misses


# --- report ----------------------------------------------------------------------------------

def _fmt(ms: float) -> str:
    return "   -  " if ms != ms else f"{ms:6.1f}"  # NaN -> -


def _flatten(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _redraw_cause(c: dict) -> str:
    """Why a redraw is slow, from the kernel's figures of one control."""
    parts = []
    if c["median_ms"] > 1.5 * c["cpu_median_ms"]:
        parts.append(f"the machine is busy (the kernel got {c['cpu_median_ms']:.0f} ms of CPU per move: other "
                     "processes held the cores for the rest)")
    elif c["cpu_median_ms"] > 1.3 * c["median_ms"]:
        parts.append(f"the redraw keeps more than one core busy ({c['cpu_median_ms']:.0f} ms of CPU per move: "
                     "a multithreaded BLAS)")
    if c.get("full_redraws"):
        parts.append(f"{c['full_redraws']} of {c['moves']} moves changed the axes' limits, so the whole figure "
                     "(every text) was drawn again instead of only the animated artists")
    parts.append(f"draw {c['draw_median_ms']:.1f} ms (the panel's compute and artist updates) + render "
                 f"{c['png_median_ms']:.1f} ms (Agg drawing and PNG encoding)")
    text = "; ".join(parts)
    if c.get("profile"):
        text += ". Profile per move (self time first):\n      " + "\n      ".join(c["profile"])
    return text


def report(results: dict) -> list[str]:
    lines, misses = [], []
    m = results["machine"]
    lines.append(f"Machine: {m['cores']} cores, Python {m['python']}, {m['platform']}; load average "
                 f"{m['load_average'][0]:.1f} at the start, {m.get('load_average_end', m['load_average'])[0]:.1f} at the end "
                 "(above the number of cores, other processes slow every figure down)")
    lines.append("")
    lines.append("Headless execution of the instructor sources (nbclient, kernel start included)")
    lines.append(f"  {'notebook':<36}{'seconds':>9}{'goal':>7}  status")
    for r in results["notebooks"]:
        goal = GOALS["execute_training_s"] if r["training"] else GOALS["execute_s"]
        if "error" in r:
            lines.append(f"  {r['notebook']:<36}{'-':>9}{goal:>6.0f}s  FAILED: {r['error']}")
            misses.append(f"{r['notebook']} did not execute: {r['error']}")
            continue
        ok = r["execute_s"] < goal
        lines.append(f"  {r['notebook']:<36}{r['execute_s']:>9.1f}{goal:>6.0f}s  {'ok' if ok else 'MISSED'}")
        if not ok:
            cells = "; ".join(f"cell {c['cell']} {c['seconds']} s ({c['code']})" for c in r["slowest_cells"])
            misses.append(f"{r['notebook']} executes in {r['execute_s']:.1f} s (goal {goal:.0f} s); kernel start "
                          f"{r['kernel_start_s']:.1f} s; slowest cells: {cells}")

    browser_rows = {name: b.get("controls", []) for name, b in (results.get("browser") or {}).get("notebooks", {}).items()}

    def in_browser(notebook: str, panel_labels: tuple, label: str) -> dict:
        """The browser figures of a control: by its label, or by its panel's labels too when
        several panels of the notebook have a control of that name."""
        rows = [row for row in browser_rows.get(notebook, []) if row["label"] == label]
        if len(rows) > 1:
            rows = [row for row in rows if tuple(row.get("panel_labels", ())) == panel_labels]
        return rows[0] if len(rows) == 1 else {}
    lines.append("")
    lines.append("One move of a control: redraw in the kernel (Panel.last_redraw_seconds, "
                 f"goal median < {GOALS['redraw_kernel_ms']:.0f} ms) and key press -> new image in the browser "
                 f"(goal median < {GOALS['redraw_browser_ms']:.0f} ms)")
    lines.append(f"  {'notebook':<30}{'control':<18}{'kernel med':>11}{'p90':>7}{'best':>7}{'cpu':>7}{'draw':>7}{'png':>7}"
                 f"{'browser med':>12}{'p90':>7}{'new':>7}  status")
    lines.append(f"  {'':<48}(ms; best = fastest move, cpu = the kernel's CPU time per move, draw and png = the two parts of a redraw;")
    lines.append(f"  {'':<48} new = arrow-key steps that changed the figure; the others send no image and are not timed)")
    for r in results["notebooks"]:
        for panel in r.get("panels", []):
            labels = tuple(sorted(c["label"] for c in panel.get("labels", panel["controls"])))
            for c in panel["controls"]:
                b = in_browser(r["notebook"], labels, c["label"])
                k_ok = c["median_ms"] < GOALS["redraw_kernel_ms"]
                b_ok = not b or not (b.get("median_ms", 0) >= GOALS["redraw_browser_ms"])
                lines.append(f"  {r['notebook'][:29]:<30}{c['label'][:17]:<18}{_fmt(c['median_ms']):>11}{_fmt(c['p90_ms']):>7}"
                             f"{_fmt(c['min_ms']):>7}{_fmt(c['cpu_median_ms']):>7}{_fmt(c['draw_median_ms']):>7}{_fmt(c['png_median_ms']):>7}"
                             f"{_fmt(b.get('median_ms', float('nan'))):>12}{_fmt(b.get('p90_ms', float('nan'))):>7}"
                             f"{(str(b['new_images']) + '/' + str(b['moves'])) if b else '':>7}  "
                             f"{'ok' if k_ok and b_ok else 'MISSED'}")
                if not k_ok:
                    misses.append(f"{r['notebook']} '{c['label']}': kernel redraw median {c['median_ms']:.1f} ms "
                                  f"(best {c['min_ms']:.1f} ms): {_redraw_cause(c)}")
                if not b_ok:
                    k = b.get("kernel_median_ms", float("nan"))
                    misses.append(f"{r['notebook']} '{c['label']}': browser median {b['median_ms']:.0f} ms for arrow-key "
                                  f"steps, of which the kernel's redraw (measured in the kernel during the same moves) is "
                                  f"{k:.0f} ms; the other {b['median_ms'] - k:.0f} ms are the widget messages, the PNG "
                                  f"({panel['png_bytes'] / 1024:.0f} kB) over the websocket and its decoding"
                                  + (f". The redraw itself: {_redraw_cause(c)}" if k > GOALS["redraw_kernel_ms"] else ""))
    for name, b in (results.get("browser") or {}).get("notebooks", {}).items():
        if "error" in b:
            misses.append(f"browser, {name}: {b['error']}")
    if results.get("browser", {}).get("error"):
        lines.append(f"  browser: not measured: {results['browser']['error']}")
    all_kernel = [c["median_ms"] for r in results["notebooks"] for p in r.get("panels", []) for c in p["controls"]]
    all_browser = [row["median_ms"] for rows in browser_rows.values() for row in rows if row["median_ms"] == row["median_ms"]]
    if all_kernel:
        lines.append(f"  over all controls: kernel median of medians {statistics.median(all_kernel):.1f} ms"
                     + (f", browser median of medians {statistics.median(all_browser):.0f} ms" if all_browser else ""))

    lines.append("")
    auto = results.get("autograde", "skipped")
    if auto == "skipped":
        lines.append("autograder: skipped (--no-autograde)")
    elif "error" in auto:
        lines.append(f"autograder: the benchmark failed: {auto['error']}")
        misses.append(f"autograder benchmark: {auto['error']}")
    else:
        lines.append("Autograder (grader.autograde.bench.run())")
        for key, value in _flatten(auto):
            lines.append(f"  {key:<60} {value}")
        misses += autograde_misses(auto)

    lines.append("")
    lines.append("Goals: all met." if not misses else "Goals missed, and why:")
    lines += [f"  - {m}" for m in misses]
    return lines


def _plain(x):
    """JSON-safe: NaN becomes null."""
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the course: headless execution, widget redraws, browser latency, autograder.")
    parser.add_argument("--notebooks", help="comma-separated prefixes, e.g. 01,02 (default: all)")
    parser.add_argument("--moves", type=int, default=30, help="kernel moves per control (default 30)")
    parser.add_argument("--browser-moves", type=int, default=20, help="arrow-key presses per slider in the browser (default 20)")
    parser.add_argument("--no-browser", action="store_true", help="skip the in-browser latency")
    parser.add_argument("--no-autograde", action="store_true", help="skip the autograder's benchmark")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench.json")
    args = parser.parse_args(argv)

    from grader.sourcefiles import all_sources

    from .lab import student_notebooks

    wanted = tuple(args.notebooks.split(",")) if args.notebooks else None
    sources = [s for s in all_sources() if not wanted or s.stem.startswith(wanted)]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    results = {"machine": {"cores": len(os.sched_getaffinity(0)), "python": platform.python_version(),
                           "platform": platform.platform(), "load_average": os.getloadavg()},
               "goals": GOALS, "notebooks": []}
    for path in sources:
        print(f"  kernel: {path.stem}", flush=True)
        try:
            results["notebooks"].append(bench_source(path, args.moves))
        except Exception as exc:  # noqa: BLE001 - a kernel that does not start: report it, go on
            results["notebooks"].append({"notebook": path.stem, "training": is_training(path.stem),
                                         "error": f"{type(exc).__name__}: {exc}"})
    if not args.no_browser:
        notebooks = [p for p in student_notebooks() if not wanted or p.stem.startswith(wanted)]
        results["browser"] = bench_browser(notebooks, args.browser_moves, log=lambda m: print(m, flush=True))
    if not args.no_autograde:
        print("  autograder", flush=True)
        try:
            results["autograde"] = bench_autograde()
        except Exception as exc:  # noqa: BLE001 - the rest of the report still stands
            results["autograde"] = {"error": f"{type(exc).__name__}: {exc}"}
    results["machine"]["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_plain(results), indent=1) + "\n")
    print("\n".join(report(results)))
    print(f"\nWritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
