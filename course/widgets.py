"""Thin ipywidgets wrappers: a figure that redraws in place when its controls move.

A :class:`Panel` owns a matplotlib figure (no pyplot, so nothing is displayed twice), an
``ipywidgets.Image`` that shows it, and the controls. When a control moves, the panel
calls its ``draw(values)`` function, which updates the existing artists (``set_data``,
``set_offsets``...), renders the figure to PNG with Agg and swaps the image's bytes: the
page keeps its layout, so nothing flickers. ``draw`` functions live with the plots and
are plain functions of the control values, testable without a browser.
"""
from __future__ import annotations

import base64
import html
import io
import re
import time
from typing import Callable, Iterable

import numpy as np

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

SLIDER_LAYOUT = widgets.Layout(width="340px")
SLIDER_STYLE = {"description_width": "90px"}


def figure(width: float = 9.0, height: float = 3.4, ncols: int = 2, dpi: int = 80) -> tuple[Figure, list]:
    """A figure for a panel, with fixed margins (a layout engine would re-measure every redraw)."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.15, top=0.91, wspace=0.22)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def slider(description: str, value: float, lo: float, hi: float, step: float, fmt: str = ".2f") -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               readout_format=fmt, continuous_update=True, layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def log_slider(description: str, value: float, lo_exp: float, hi_exp: float) -> widgets.FloatLogSlider:
    return widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=0.05, description=description,
                                  readout_format=".1e", continuous_update=True, layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def gamma_beta_epsilon(gamma=(1.0, 0.1, 3.0), beta=(0.0, -3.0, 3.0), epsilon=(1e-5, -8, 0)) -> dict:
    """The three sliders every notebook has: gamma, beta and epsilon (log scale)."""
    return {"gamma": slider("gamma \u03b3", gamma[0], gamma[1], gamma[2], 0.05),
            "beta": slider("beta \u03b2", beta[0], beta[1], beta[2], 0.05),
            "epsilon": log_slider("epsilon \u03b5", epsilon[0], epsilon[1], epsilon[2])}


class Panel:
    """Controls + a figure that ``draw(values) -> status text`` updates in place.

    ``animated`` lists the artists that change when a control moves (lines, patches,
    titles...). They are left out of a cached background, so that a redraw restores the
    background and draws only them (matplotlib's blitting) - unless the axes' limits changed,
    in which case the whole figure is drawn again and its background cached for those limits
    (a slider moved back and forth then finds it again). Artists that
    ``draw`` creates anew (e.g. a contour set) must be marked animated by it. They must be
    children of the figure or of its axes (a ``ValueError`` says so otherwise); whatever a
    full draw would put over them (a legend, the spines...) is redrawn over them too
    (:func:`overlays_above_animated`), and :meth:`blit_error` checks a frame against a full draw.
    """

    def __init__(self, fig: Figure, draw: Callable[[dict], str | None], controls: dict, title: str = "",
                 animated: Iterable = ()):
        self.fig, self.draw, self.controls, self.title = fig, draw, controls, title
        children = {id(a) for parent in (fig, *fig.axes) for a in parent.get_children()}
        for artist in animated:
            if id(artist) not in children:
                raise ValueError(f"{artist!r} is not a child of the figure or of one of its axes: a panel "
                                 "redraws only those, so it would never be drawn")
            artist.set_animated(True)
        self._stamps = []  # opaque legends over moving artists: their pixels, pasted back on top
        for artist in overlays_above_animated(fig):
            if _stampable(artist):
                artist.get_frame().set_alpha(1.0)
                artist.get_frame().set_boxstyle("square", pad=0.0)
                self._stamps.append(artist)
            else:
                artist.set_animated(True)
        width = f"{fig.get_figwidth() * fig.dpi:.0f}px"
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=width))
        # an HTML widget is as wide as a slider by default: title and status would be cut off
        self.status = widgets.HTML(layout=widgets.Layout(width=width))
        self.last_redraw_seconds = 0.0
        self.full_redraws = 0
        self._backgrounds: dict = {}  # axes limits -> the figure drawn without its animated artists
        for control in controls.values():
            control.observe(self._on_change, names="value")
        header = [widgets.HTML(f"<b>{title}</b>", layout=widgets.Layout(width=width))] if title else []
        rows = [widgets.HBox(list(controls.values())[i:i + 2]) for i in range(0, len(controls), 2)]
        self.widget = widgets.VBox([*header, *rows, self.image, self.status])
        self.redraw()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def render(self) -> bytes:
        """Draw what changed (all of it if the axes' limits moved) and return PNG bytes."""
        canvas = self.fig.canvas
        limits = tuple((tuple(ax.get_xlim()), tuple(ax.get_ylim())) for ax in self.fig.axes)
        cached = self._backgrounds.get(limits)
        if cached is None:
            canvas.draw()  # everything but the animated artists
            if len(self._backgrounds) >= 64:  # a slider swept back and forth reuses these
                self._backgrounds.pop(next(iter(self._backgrounds)))
            renderer = canvas.get_renderer()
            stamps = [canvas.copy_from_bbox(_pixel_box(legend.get_frame().get_window_extent(renderer)))
                      for legend in self._stamps if legend.get_visible()]
            cached = self._backgrounds[limits] = (canvas.copy_from_bbox(self.fig.bbox), stamps)
            self.full_redraws += 1
        else:
            canvas.restore_region(cached[0])
        for artist in self.animated_artists():
            self.fig.draw_artist(artist)
        for stamp in cached[1]:  # an opaque legend looks the same whatever moves under it
            canvas.restore_region(stamp)
        return encode_png(canvas.buffer_rgba())

    def animated_artists(self) -> list:
        """The visible animated artists, in drawing order (by zorder within the figure and
        within each axes). Only the figure's and the axes' own children are looked at (a
        deep ``findobj`` walk of every tick cost more than drawing the artists)."""
        found = []
        for parent in (self.fig, *self.fig.axes):
            mine = [a for a in parent.get_children() if a.get_animated() and a.get_visible()]
            found.extend(sorted(mine, key=lambda a: a.get_zorder()))
        return found

    def blit_error(self, tolerance: int = 8) -> float:
        """The fraction of pixels of the image shown that differ (by more than ``tolerance``
        in a channel) from a full draw of the figure as it stands: 0 when blitting is right; a
        stale cached background or an artist drawn in the wrong order shows up here."""
        from PIL import Image

        shown = np.asarray(Image.open(io.BytesIO(self.image.value)).convert("RGB")).astype(int)
        animated = self.animated_artists()
        for artist in animated:
            artist.set_animated(False)
        try:
            self.fig.canvas.draw()
            full = np.asarray(self.fig.canvas.buffer_rgba())[..., :3].astype(int)
        finally:
            for artist in animated:
                artist.set_animated(True)
        if shown.shape != full.shape:
            return 1.0
        return float(np.any(np.abs(shown - full) > tolerance, axis=-1).mean())

    def redraw(self) -> None:
        start = time.perf_counter()
        text = self.draw(self.values())
        self.image.value = self.render()
        self.status.value = text or ""
        self.last_redraw_seconds = time.perf_counter() - start

    def set(self, **values) -> None:
        """Move controls as a learner would (each move redraws), e.g. in tests and benchmarks."""
        for name, value in values.items():
            self.controls[name].value = value

    def _on_change(self, _change) -> None:
        self.redraw()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """What ``display(panel)`` puts in the cell's output: the live widget for a running
        Jupyter, and a static fallback for every reader without a kernel or without widget
        state (GitHub, nbviewer, an HTML export, a notebook executed headless): the figure as
        it stands (the PNG bytes the panel already shows) and a plain-text line. JupyterLab
        ranks the widget view first, so the fallback never shows next to the live panel."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = static_caption(self.title, self.status.value)
        return bundle


def static_caption(title: str, status_html: str = "") -> str:
    """The plain-text stand-in for a panel: its title and status line without their HTML, and
    how to bring it to life."""
    status = html.unescape(re.sub(r"<br\s*/?>", "; ", status_html or ""))
    status = " ".join(re.sub(r"<[^>]+>", "", status).split())
    lines = [title or "Interactive panel", *([status] if status else []),
             "(a live panel: run the notebook in Jupyter to move its controls)"]
    return "\n".join(lines)


def overlays_above_animated(fig: Figure) -> list:
    """What a full draw puts over an axes' animated artists: spines, legends and texts over
    the axes' area, and the axis itself when its grid lines show, whenever their zorder is
    above the lowest animated one. Blitting draws the animated artists over a cached
    background, so these would end up under them (a legend under histogram bars, an image
    over the spines); marked animated too, they are drawn after them, as a full draw would.
    (An axis redrawn on every move costs its tick labels: a panel keeps its grid below its
    moving bars with ``ax.set_axisbelow(True)``.)"""
    from matplotlib.axis import Axis
    from matplotlib.legend import Legend
    from matplotlib.spines import Spine
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        moving = [a for a in ax.get_children() if a.get_animated()]
        if not moving:
            continue
        lowest = min(a.get_zorder() for a in moving)
        for a in ax.get_children():
            if a.get_animated() or not a.get_visible() or a.get_zorder() <= lowest:
                continue
            if isinstance(a, Axis):
                if any(line.get_visible() for line in a.get_gridlines()):
                    found.append(a)
            elif isinstance(a, (Legend, Text, Spine)) and a.get_window_extent(renderer).overlaps(ax.bbox):
                found.append(a)
    return found


def _stampable(artist) -> bool:
    """A legend with a frame and a fixed place, above every moving artist of its axes: made
    opaque and square, its pixels never change, so a panel pastes them back over the moving
    artists instead of drawing its text on every move."""
    from matplotlib.legend import Legend

    if not isinstance(artist, Legend) or not artist.get_frame_on() or artist._loc in (0, "best"):
        return False
    moving = [a.get_zorder() for a in artist.axes.get_children() if a.get_animated()]
    return all(z < artist.get_zorder() for z in moving)


def _pixel_box(bbox):
    """The whole pixels a display-space box touches, plus the frame line's antialiasing."""
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(np.floor(bbox.x0) - 1, np.floor(bbox.y0) - 1, np.ceil(bbox.x1) + 1, np.ceil(bbox.y1) + 1)


def encode_png(rgba) -> bytes:
    """PNG bytes of an RGBA buffer (light compression: encoding time is redraw time)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()


def nice_ceil(x: float, steps: tuple = (1.0, 2.0, 2.5, 5.0)) -> float:
    """The smallest of ``steps`` (1, 2, 2.5, 5 by default) times a power of ten that is >= x
    (stable axis limits: a coarser ladder such as (1, 2, 5) changes them less often)."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(x))
    for step in (*steps, 10.0):
        if step * power >= x * (1 - 1e-12):
            return float(step * power)
    return float(10 * power)


class Message(widgets.HTML):
    """An HTML widget that shows the same HTML to a reader without a kernel (its static
    fallback is its own value) instead of the widget's Python repr."""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(super()._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.value
        bundle["text/plain"] = " ".join(html.unescape(re.sub(r"<[^>]+>", "", self.value)).split())
        return bundle


def needs(message: str) -> widgets.HTML:
    """Stands in for a panel whose notebook functions are not written yet."""
    return Message(f'<div style="padding:8px;border-left:4px solid #e0a800;background:#fff8e1">{message}</div>')


def problem_message(what: str, exc: BaseException) -> str:
    """What a panel says when the learner's ``what`` is not written yet or fails."""
    if isinstance(exc, NotImplementedError):
        return f"Implement {what} above and run that code, then run this cell again to bring the panel to life."
    return f"{what} raised <code>{type(exc).__name__}: {exc}</code>; fix it above and run this cell again."


def try_call(what: str, call):
    """``(call(), None)``, or ``(None, a message panel)`` when the learner's function is missing or
    fails: the notebook keeps running and says what to do."""
    try:
        return call(), None
    except Exception as exc:  # noqa: BLE001 - show the learner what went wrong, keep the notebook running
        return None, needs(problem_message(what, exc))
