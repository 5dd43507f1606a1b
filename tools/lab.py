"""The course in a real JupyterLab driven by a real Chromium (browser tests, ``make bench``).

* :func:`course_copy` writes a temporary copy of the course: ``notebooks/`` holds the student
  notebooks with every answer cell filled in from the instructor source (by grade_id),
  ``student/`` the untouched student notebooks, ``data/`` the data sets.
* :class:`LabServer` runs JupyterLab on that copy, on a free localhost port with a token and
  its own config, runtime and settings folders; :meth:`LabServer.stop` ends it and its kernels.
* :func:`launch_chromium` starts Debian's Chromium headless through Playwright, with a fresh
  profile and the flags a closed network needs.
* :class:`NotebookPage` opens a notebook in JupyterLab, runs cells, reads their errors, finds
  the widget panels (an ``ipywidgets.Image`` with its controls, see ``course/widgets.py``)
  and moves their controls as a learner does: drag a slider's handle, press its arrow keys,
  tick a box, pick an option.
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
HOW_TO_GET_CHROMIUM = (f"No Chromium at {CHROMIUM}. As root, `make browser` installs it (apt-get install -y chromium); "
                       "otherwise run `sudo apt-get install -y chromium` (Debian) or point CHROMIUM at a Chromium "
                       "binary, e.g. `make test CHROMIUM=/usr/bin/chromium-browser`.")


def student_notebooks() -> list[Path]:
    """The course's student notebooks, in order (whatever ``notebooks/`` holds right now)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def chromium_problem() -> str | None:
    """Why the browser cannot run here (a message that says what to do), or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed in this environment: run `make setup` (it installs requirements.txt)."
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return HOW_TO_GET_CHROMIUM
    return None


# --- the course copy -----------------------------------------------------------------------

def filled_notebook(student: Path) -> dict:
    """The student notebook ``student`` with each answer cell (code and written answers)
    replaced by the instructor source's cell that carries the same grade_id."""
    from grader.release import filled_student_notebook

    return filled_student_notebook(student.stem, student.parent, written=True)


def course_copy(dest: Path, notebooks: list[Path] | None = None) -> dict[str, str]:
    """Write the course copy (see the module docstring) into ``dest``. Returns the notebooks
    that could not be filled in, with the reason (``{file name: message}``)."""
    notebooks = student_notebooks() if notebooks is None else notebooks
    (dest / "notebooks").mkdir(parents=True, exist_ok=True)
    (dest / "student").mkdir(exist_ok=True)
    problems = {}
    for path in notebooks:
        shutil.copy2(path, dest / "student" / path.name)
        try:
            nb = filled_notebook(path)
        except (OSError, ValueError) as exc:
            problems[path.name] = str(exc)
            continue
        (dest / "notebooks" / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if DATA.is_dir():
        shutil.copytree(DATA, dest / "data", dirs_exist_ok=True)
    return problems


# --- the JupyterLab server -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# JupyterLab settings for the tests: no news or update checks (the network is not ours to use).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


class LabServer:
    """JupyterLab serving ``root`` on 127.0.0.1 with a token; its state lives under ``workdir``."""

    def __init__(self, root: Path, workdir: Path, startup_timeout: float = 120.0):
        self.root, self.workdir, self.startup_timeout = Path(root), Path(workdir), startup_timeout
        self.token = secrets.token_hex(16)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LabServer":
        for attempt in range(3):  # a free port can be taken between the check and the bind
            self.port = free_port()
            try:
                self._start_once()
                return self
            except RuntimeError:
                self.stop()
                if attempt == 2 or "address already in use" not in self.log().lower():
                    raise
        return self

    def _start_once(self) -> None:
        dirs = {name: self.workdir / name for name in ("config", "runtime", "data", "ipython", "settings", "workspaces")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for name, value in LAB_SETTINGS.items():
            path = dirs["settings"] / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env = {**os.environ,
               "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
               "JUPYTER_DATA_DIR": str(dirs["data"]), "IPYTHONDIR": str(dirs["ipython"]),
               "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        env.pop("MPLBACKEND", None)
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True",
               f"--LabApp.user_settings_dir={dirs['settings']}", f"--LabApp.workspaces_dir={dirs['workspaces']}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # containers and CI machines often run as root
        log = open(self.log_path, "ab")
        # The course root is the working folder, as for `make lab` (nbgrader's formgrader uses it).
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def api(self, method: str, path: str, timeout: float = 10.0):
        req = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut every kernel down (the notebooks' tabs stay open)."""
        for kernel in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.shutdown_kernels()
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        self.proc.send_signal(signal.SIGTERM)  # jupyter_server stops its kernels, then exits
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the server's own process group only
            self.proc.wait(timeout=10)

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Chromium ------------------------------------------------------------------------------

def launch_chromium(playwright, profile: Path, viewport=(1400, 1000)):
    """Debian's Chromium (not Playwright's download), headless, with a fresh profile in
    ``profile``. Returns a Playwright BrowserContext; close it when done."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1)


# --- JupyterLab in a page ------------------------------------------------------------------

# JupyterLab exposes its application object as window.jupyterapp (--LabApp.expose_app_in_browser).
_JS_NOTEBOOK = """
const nbWidget = (path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) return w;
  }
  return null;
};
"""

_JS_READY = _JS_NOTEBOOK + """
(path) => {
  const w = nbWidget(path);
  const kernel = w && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(w && w.context.isReady && kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
            && window.jupyterapp.shell.currentWidget === w);
}"""

_JS_COMMAND = _JS_NOTEBOOK + """
async ([path, command, args, index, ms]) => {
  const w = nbWidget(path);
  if (!w) throw new Error('the notebook ' + path + ' is not open');
  window.jupyterapp.shell.activateById(w.id);
  if (index !== null) { w.content.activeCellIndex = index; w.content.deselectAll(); }
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(command + ' did not finish within ' + ms + ' ms')), ms); });
  try { return await Promise.race([window.jupyterapp.commands.execute(command, args || {}), late]); } finally { clearTimeout(timer); }
}"""

_JS_CELLS = _JS_NOTEBOOK + """
(path) => {
  const w = nbWidget(path);
  const cells = w.content.model.cells, out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i), meta = c.getMetadata('nbgrader') || {};
    const view = w.content.widgets[i];
    out.push({index: i, type: c.type, source: c.sharedModel.getSource(), grade_id: meta.grade_id || null,
              solution: !!meta.solution, execution_count: c.type === 'code' ? c.executionCount : null,
              outputs: c.type === 'code' ? c.outputs.toJSON() : [],
              text: view && view.outputArea ? view.outputArea.node.textContent : ''});
  }
  return out;
}"""

_JS_WIDGETS_RENDERED = _JS_NOTEBOOK + """
(path) => {
  const w = nbWidget(path);
  if (!w) return false;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    const wanted = c.outputs.toJSON().filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length;
    if (!wanted) continue;
    const view = w.content.widgets[i];
    if (!view || !view.outputArea) return false;
    const node = view.outputArea.node;
    if (/Loading widget/.test(node.textContent)) return false;
    // rendered, or hidden by the widget manager because the widget was closed (a finished progress bar)
    const shown = Array.from(node.querySelectorAll('.jp-OutputArea-output'))
      .filter(o => o.querySelector('.jupyter-widgets') || o.classList.contains('lm-mod-hidden')).length;
    if (shown < wanted) return false;
  }
  return Array.from(w.node.querySelectorAll('img.widget-image')).every(i => i.src && i.complete);
}"""

_JS_PANEL_PARTS = _JS_NOTEBOOK + """
async ([path, controlSelector]) => {
  // What the notebook's displayed widgets are made of (from the widget models: images and
  // controls, down their children), and how much of it the page shows.
  const MIME = 'application/vnd.jupyter.widget-view+json';
  const w = nbWidget(path);
  if (!w) return {ready: false, why: 'the notebook is not open'};
  const seen = new Set();
  let images = 0, controls = 0;
  const walk = async (model) => {
    if (!model || !model.get || seen.has(model.model_id)) return;
    seen.add(model.model_id);
    const name = model.get('_model_name') || '';
    if (name === 'ImageModel') images++;
    else if (!/Style/.test(name) && /Slider|Checkbox|Dropdown|ToggleButtons|RadioButtons/.test(name)) controls++;
    for (const child of (model.get('children') || [])) await walk(child);
  };
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    const outs = c.outputs.toJSON().filter(o => o.data && o.data[MIME]);
    if (!outs.length) continue;
    const view = w.content.widgets[i];
    const stack = view && view.outputArea ? [...view.outputArea.widgets] : [];
    let manager = null;
    while (stack.length && !manager) {
      const x = stack.pop();
      if (x._manager && x._manager.promise) manager = await x._manager.promise;
      else if (x.widgets) stack.push(...x.widgets);
    }
    if (!manager) return {ready: false, why: `the widgets of cell ${i} are not rendered yet`};
    for (const o of outs) {
      let model = null;
      try { model = await manager.get_model(o.data[MIME].model_id); } catch (e) { continue; }  // closed
      await walk(model);
    }
  }
  const imgs = Array.from(w.content.node.querySelectorAll('img.widget-image'));
  const shown = w.content.node.querySelectorAll(controlSelector).length;
  const complete = imgs.filter(i => i.src && i.complete).length;
  return {ready: imgs.length >= images && complete === imgs.length && shown >= controls,
          why: `${imgs.length} of ${images} images (${complete} loaded), ${shown} of ${controls} controls shown`};
}"""

_JS_KERNEL_STATUS = _JS_NOTEBOOK + """
(path) => { const w = nbWidget(path); const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
            return k ? k.status : 'none'; }"""

_JS_CLOSE_ALL = """
async () => {
  const app = window.jupyterapp;
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w.context) {
      if (w.context.model.dirty) { try { await w.context.save(); } catch (e) { w.context.model.dirty = false; } }
      if (w.sessionContext) { try { await w.sessionContext.shutdown(); } catch (e) {} }
    }
    w.dispose();
  }
}"""

_JS_IMAGE_BYTES = """
async (img) => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  let s = ''; const b = new Uint8Array(buf);
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}"""


class Lab:
    """One JupyterLab page (one app load) in which notebooks are opened and closed in turn."""

    def __init__(self, server: LabServer, context, workspace: str = "course-tests"):
        self.server, self.context, self.workspace = server, context, workspace
        self.console: list[str] = []  # console errors and uncaught exceptions, for the whole page life
        self.page = None

    def start(self, timeout: float = 180.0) -> "Lab":
        if self.page is not None and not self.page.is_closed():
            self.page.close()
        self.page = self.context.new_page()
        self.page.on("console", lambda msg: self.console.append(f"console.{msg.type}: {msg.text}")
                     if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.console.append(f"uncaught exception: {exc}"))
        self.page.goto(f"{self.server.url}/lab/workspaces/{self.workspace}?reset&token={self.server.token}",
                       timeout=timeout * 1000)
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=timeout * 1000)
        self.page.evaluate("async () => { await window.jupyterapp.restored; }")
        return self

    def healthy(self) -> bool:
        try:
            return self.page is not None and not self.page.is_closed() and self.page.evaluate("() => !!window.jupyterapp")
        except Exception:  # noqa: BLE001 - a crashed page is just unhealthy
            return False

    def open(self, path: str, timeout: float = 300.0) -> "NotebookPage":
        """Open the notebook ``path`` (relative to the server's root) like File > Open, and wait
        until its kernel is idle (on a machine whose cores are busy, a kernel can take minutes to start)."""
        self.page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'}); }",
                           path)
        self.page.wait_for_function(_JS_READY, arg=path, timeout=timeout * 1000, polling=200)
        return NotebookPage(self, path)

    def close_all(self) -> None:
        """Save and close every tab and shut its kernel down; then any kernel left on the server."""
        if self.healthy():
            self.page.evaluate(_JS_CLOSE_ALL)
        self.server.shutdown_kernels()

    def dismiss_dialogs(self) -> None:
        for button in self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").all():
            button.click()


_KINDS = (("widget-slider", "slider"), ("widget-checkbox", "checkbox"), ("widget-dropdown", "dropdown"),
          ("widget-toggle-buttons", "toggle"), ("widget-radio", "radio"))
CONTROL_SELECTOR = ", ".join(f".{css}" for css, _ in _KINDS)


@dataclass
class Control:
    """One control of a widget panel in the page."""

    kind: str  # slider, checkbox, dropdown, toggle, radio
    label: str  # its description, e.g. "gamma γ"
    locator: object  # Playwright Locator of the control's element

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.label.lower()).strip("-") or self.kind


class NotebookPage:
    """A notebook open in JupyterLab, with its own kernel."""

    def __init__(self, lab: Lab, path: str):
        self.lab, self.page, self.path = lab, lab.page, path
        self._console_mark = len(lab.console)

    @property
    def console_errors(self) -> list[str]:
        """Console errors logged since the notebook was opened."""
        return self.lab.console[self._console_mark:]

    @property
    def panel_tab(self):
        """Locator of this notebook's tab content."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    # -- running ---------------------------------------------------------------------------

    def command(self, command: str, args: dict | None = None, index: int | None = None, timeout: float = 300.0):
        """Run a JupyterLab command on this notebook (cell ``index`` active) and wait for it."""
        return self.page.evaluate(_JS_COMMAND, [self.path, command, args, index, int(timeout * 1000)])

    def run_all(self, timeout: float = 300.0) -> bool:
        """Run > Run All Cells; True when every cell ran without error."""
        ok = self.command("notebook:run-all-cells", timeout=timeout)
        self.wait_widgets_rendered()
        return bool(ok)

    def run_cell(self, index: int, timeout: float = 300.0) -> None:
        """Select cell ``index`` and run it (Ctrl+Enter); errors do not stop the next one."""
        self.command("notebook:run-cell", index=index, timeout=timeout)

    def save(self) -> None:
        self.command("docmanager:save")

    def cells(self) -> list[dict]:
        """Every cell: type, source, nbgrader grade_id/solution, execution count, outputs
        (nbformat JSON) and the text of its output area in the page."""
        return self.page.evaluate(_JS_CELLS, self.path)

    def cell(self, index: int):
        """Locator of cell ``index`` in the page."""
        return self.panel_tab.locator(".jp-Notebook .jp-Cell").nth(index)

    def kernel_status(self) -> str:
        return self.page.evaluate(_JS_KERNEL_STATUS, self.path)

    def wait_widgets_rendered(self, timeout: float = 60.0) -> None:
        """Wait until every widget output of the notebook's model is rendered in its cell (the
        outputs reach the page a moment after the kernel has finished), none still says
        "Loading widget...", and every widget image has its figure."""
        self.page.wait_for_function(_JS_WIDGETS_RENDERED, arg=self.path, timeout=timeout * 1000, polling=200)

    def cell_problems(self) -> list[str]:
        """What a learner would see go wrong: errors in outputs, code cells that did not run,
        widgets that failed to display. Empty when all is well."""
        problems = []
        for c in self.cells():
            if c["type"] != "code" or not c["source"].strip():
                continue
            where = f"cell {c['index']} ({c['source'].strip().splitlines()[0][:70]})"
            if c["execution_count"] is None:
                problems.append(f"{where} did not run")
            for o in c["outputs"]:
                if o.get("output_type") == "error":
                    problems.append(f"{where} raised {o.get('ename')}: {o.get('evalue')}")
            for bad in ("Error displaying widget", "Error rendering", "Model not found"):
                if bad in c["text"]:
                    problems.append(f"{where} shows {bad!r}: {c['text'][:300]}")
        return problems

    def stderr_outputs(self) -> list[str]:
        """stderr text in outputs (warnings a learner sees in red)."""
        return [f"cell {c['index']}: {''.join(o.get('text', ''))[:300]}"
                for c in self.cells() for o in c["outputs"]
                if o.get("output_type") == "stream" and o.get("name") == "stderr"]

    # -- widget panels ---------------------------------------------------------------------

    def wait_panels_rendered(self, timeout: float = 120.0) -> None:
        """Wait until the page shows every part of every widget the notebook displays: as many
        figures (loaded) and controls as the widget models hold, down their children. (A box's
        children are rendered one by one after the box itself: counting what is on the page until
        it stops changing can stop between two panels.)"""
        deadline = time.monotonic() + timeout
        while True:
            state = self.page.evaluate(_JS_PANEL_PARTS, [self.path, CONTROL_SELECTOR])
            if state["ready"]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: the widget panels were not all rendered within {timeout:.0f} s "
                                   f"({state['why']})")
            time.sleep(0.2)

    def panels(self, timeout: float = 120.0) -> list:
        """Locators of the widget panels: the VBox around each ipywidgets Image in the notebook,
        once every panel is rendered with all its controls (:meth:`wait_panels_rendered`)."""
        self.wait_panels_rendered(timeout)
        images = self.panel_tab.locator(".jp-Notebook img.widget-image")
        return [images.nth(i).locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' widget-vbox ')][1]")
                for i in range(images.count())]

    def controls(self, panel) -> list[Control]:
        found = []
        elements = panel.locator(CONTROL_SELECTOR)
        for i in range(elements.count()):
            el = elements.nth(i)
            classes = (el.get_attribute("class") or "").split()
            kind = next(k for c, k in _KINDS if c in classes)
            label = el.evaluate("""e => { const l = e.querySelector(':scope > .widget-label');
                                         const basic = e.querySelector('.widget-label-basic');
                                         const t = ((l && l.textContent) || '').replace(/[\\u200b\\s]+/g, ' ').trim();
                                         return t || (basic ? basic.textContent.trim() : ''); }""")
            found.append(Control(kind, label, el))
        return found

    @staticmethod
    def image(panel):
        return panel.locator(":scope > img.widget-image").first

    def image_bytes(self, panel) -> bytes:
        """The PNG bytes the kernel sent for the panel's figure (read from the image's blob URL)."""
        return base64.b64decode(self.image(panel).evaluate(_JS_IMAGE_BYTES))

    def image_src(self, panel) -> str:
        return self.image(panel).get_attribute("src") or ""

    def wait_settled(self, panel, quiet: float = 0.6, timeout: float = 60.0) -> None:
        """Wait until the kernel is idle and the panel's image has not changed for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            state = (self.image_src(panel), self.kernel_status())
            if state != last:
                last, since = state, time.monotonic()
            elif state[1] == "idle" and time.monotonic() - since >= quiet:
                self.image(panel).evaluate("img => img.decode ? img.decode().catch(() => null) : null")
                return
            time.sleep(0.1)
        raise TimeoutError(f"the panel kept changing (or the kernel stayed busy) for {timeout:.0f} s")

    @staticmethod
    def read(control: Control) -> str:
        """The control's value as the page shows it."""
        el = control.locator
        if control.kind == "slider":
            return el.locator(".widget-readout").inner_text().strip()
        if control.kind == "checkbox":
            return str(el.locator("input[type=checkbox]").is_checked())
        if control.kind == "dropdown":
            return el.locator("select").input_value()
        if control.kind == "toggle":
            return ",".join(el.locator("button.mod-active").all_inner_texts())
        return ",".join(str(r.is_checked()) for r in el.locator("input[type=radio]").all())

    @staticmethod
    def slider_position(control: Control) -> float:
        """Where the slider's handle sits, from 0 (min) to 1 (max)."""
        h = control.locator.locator(".noUi-handle").first
        lo, hi, now = (float(h.get_attribute(a)) for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
        return 0.0 if hi == lo else (now - lo) / (hi - lo)

    def move(self, control: Control) -> None:
        """Move a control as a learner does, far enough to matter: drag a slider's handle across
        its track, toggle a checkbox, pick another option."""
        el = control.locator
        if control.kind == "slider":
            self.drag_slider(control, 0.85 if self.slider_position(control) < 0.5 else 0.15)
        elif control.kind == "checkbox":
            el.locator("input[type=checkbox]").click()
        elif control.kind == "dropdown":
            select = el.locator("select")
            current = select.input_value()
            others = [v for v in (o.get_attribute("value") for o in select.locator("option").all()) if v != current]
            if not others:
                raise ValueError(f"the dropdown {control.label!r} has a single option")
            select.select_option(others[0])
        elif control.kind == "toggle":
            el.locator("button:not(.mod-active)").first.click()
        else:
            el.locator("input[type=radio]:not(:checked)").first.check()

    def drag_slider(self, control: Control, fraction: float) -> None:
        """Drag the slider's handle with the mouse to ``fraction`` of its track."""
        track = control.locator.locator(".noUi-base").first
        handle = control.locator.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        hb, tb = handle.bounding_box(), track.bounding_box()
        y = hb["y"] + hb["height"] / 2
        self.page.mouse.move(hb["x"] + hb["width"] / 2, y)
        self.page.mouse.down()
        self.page.mouse.move(tb["x"] + fraction * tb["width"], y, steps=6)
        self.page.mouse.up()

    def press(self, control: Control, key: str, times: int = 1) -> None:
        """Focus the slider's handle and press ``key`` (ArrowRight, ArrowLeft...) ``times`` times."""
        handle = control.locator.locator(".noUi-handle").first
        handle.focus()
        for _ in range(times):
            handle.press(key)
