"""Progress bars that leave a readable line behind.

In a live Jupyter kernel a training loop shows tqdm's widget bar; once the loop ends, the bar is
replaced by one plain line (``tqdm``'s own text: description, epochs done, time, last cost and
accuracy). That line is what a notebook executed headless (CI, grading, ``nbconvert``) or read
without a kernel (GitHub, nbviewer, an HTML export) shows, instead of the bar's first frame
(``0%| | 0/15``). Outside Jupyter, tqdm prints to the terminal and the final line stays.
"""
from __future__ import annotations

from typing import Iterable


class EpochBar:
    """``for item in EpochBar(range(epochs), "batch norm"): ... bar.note(cost=..., acc=...)``;
    :meth:`close` (or the end of the loop) leaves the final line."""

    def __init__(self, iterable: Iterable, desc: str):
        from tqdm.auto import tqdm

        self._handle = None
        notebook = _notebook_tqdm()
        if notebook is not None and issubclass(tqdm, notebook):
            from IPython.display import display

            self.bar = tqdm(iterable, desc=desc, display=False)
            self._handle = display(self.bar.container, display_id=True)
        else:
            self.bar = tqdm(iterable, desc=desc, leave=True)
        self._closed = False

    def __iter__(self):
        try:
            yield from self.bar
        finally:
            self.close()

    def note(self, **values) -> None:
        """Show ``values`` after the bar (e.g. the last cost and accuracy)."""
        self.bar.set_postfix(**values)

    def final_line(self) -> str:
        """The bar as one line of text, as tqdm prints it in a terminal."""
        return self.bar.format_meter(**{**self.bar.format_dict, "ncols": 0})

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        line = self.final_line()
        if self._handle is not None:  # replace the widget by the line, in the live page and the saved output
            self._handle.update({"text/plain": line}, raw=True)
            self.bar.leave = False
        self.bar.close()
        container = getattr(self.bar, "container", None)
        if container is not None:  # tqdm leaves a weak proxy to the bar on its widget: drop it with the bar
            container.pbar = None


def _notebook_tqdm():
    try:
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:  # pragma: no cover - tqdm always ships it
        return None
    return notebook_tqdm
