"""One HTML feedback page per student and notebook (``OUT/feedback/<student>/<notebook>.html``).

Each check is listed with its result, points and the judge's message, which names the mistake
and where it shows; a short paragraph says what to do next. The page is built only from the
result (plain text made by the trusted grader): no hidden test code, no reference solution, and
tracebacks hold only the frames of the student's own cells. Self-contained, no script, no
timestamps (the same result always gives the same page).
"""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from ..checks.judge import STATUS_MARKS
from .plan import course_notebooks, plan

LABEL = {"pass": "passed", "fail": "failed", "error": "error", "timeout": "time-out", "crash": "crashed",
         "missing": "missing"}
NEXT = {
    "fail": "Your function returned a wrong result on this input. The message says what differs (and, when the "
            "mistake is a common one, names it). Fix the function, then run the check cell again.",
    "error": "Your code raised an exception. The traceback points at the line of your cell where it happened.",
    "timeout": "Your code did not finish in time. Look for a loop that never ends, or replace Python loops over "
               "the examples with NumPy operations on whole arrays.",
    "crash": "The process running your code died. Does your code call os._exit or exit the interpreter, use "
             "ctypes, or allocate a huge array?",
    "missing": "The grader found no answer for this function. Keep the answer cell of the function in the "
               "notebook (take it again from a fresh copy if you deleted it) and hand in the .ipynb file.",
}
HIDDEN_HINT = ("It passes the visible checks but not the hidden ones, which use other inputs: try your function "
               "on other shapes (one example, more units than examples), constant or tiny values, and make sure "
               "nothing depends on the particular inputs of the visible checks.")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1f2328;line-height:1.5}
h1{font-size:1.5rem;margin-bottom:.2rem}.sub{color:#59636e;margin-top:0}
.score{font-size:1.2rem;margin:1rem 0}.bar{height:.5rem;background:#eaeef2;border-radius:.25rem;overflow:hidden}
.bar>span{display:block;height:100%;background:#1a7f37}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #d1d9e0;vertical-align:top}
.check{border:1px solid #d1d9e0;border-radius:.4rem;padding:.6rem .9rem;margin:.8rem 0}
.check h3{margin:.1rem 0 .4rem;font-size:1rem}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.6rem;border-radius:.3rem;margin:.3rem 0}
.pass{color:#1a7f37}.fail,.error,.crash{color:#cf222e}.timeout,.missing{color:#9a6700}
.note{background:#fff8c5;padding:.5rem .8rem;border-radius:.3rem}
"""


def slug(text: str) -> str:
    """A safe file name for a student id or notebook name; names that had to be changed get a
    short hash of the original, so that two students never share a page ("a b" vs "a_b")."""
    s = re.sub(r"[^A-Za-z0-9._@+-]", "_", text).strip(".")[:100] or "_"
    if s != text:
        s += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return s


def page_path(out: Path, student_id: str, notebook: str) -> Path:
    return out / "feedback" / slug(student_id) / f"{slug(notebook)}.html"


def _points(x: float) -> str:
    return f"{x:g}"


def render(entry: dict) -> str:
    e = html.escape
    nb, sid = entry["notebook"], entry["student_id"]
    title = nb.replace("_", " ", 1).replace("_", " ")
    score, max_score = entry["score"], entry["max_score"]
    pct = 100.0 * score / max_score if max_score else 0.0
    parts = [f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
             f"<title>Feedback: {e(nb)} ({e(sid)})</title><style>{CSS}</style></head><body>",
             f"<h1>{e(title)}</h1><p class=\"sub\">Feedback for <b>{e(sid)}</b>"
             + (f" on <code>{e(entry['_file'])}</code>" if entry.get("_file") else "") + "</p>"]
    parts.append(f"<p class=\"score\">Autograded score: <b>{_points(score)} / {_points(max_score)}</b></p>"
                 f"<div class=\"bar\"><span style=\"width:{pct:.0f}%\"></span></div>")
    if entry.get("message"):
        parts.append(f"<p class=\"note\">{e(entry['message'])}</p>")
    checks = entry.get("checks", [])
    if checks:
        parts.append("<table><tr><th>check</th><th>function</th><th>result</th><th>points</th></tr>")
        for c in checks:
            parts.append(f"<tr><td><a href=\"#{e(c['id'])}\">{e(c['id'])}</a></td><td><code>{e(c['function'])}</code>"
                         f"</td><td class=\"{c['status']}\">{STATUS_MARKS[c['status']]} {LABEL[c['status']]}</td>"
                         f"<td>{_points(c['score'])} / {_points(c['points'])}</td></tr>")
        parts.append("</table>")
        passed_visible = {c["function"] for c in checks if c["id"].endswith("_visible") and c["status"] == "pass"}
        for c in checks:
            kind = ("hidden checks (new inputs)" if c["id"].endswith("_hidden")
                    else "visible checks (the ones in your notebook)")
            parts.append(f"<div class=\"check\" id=\"{e(c['id'])}\"><h3 class=\"{c['status']}\">{STATUS_MARKS[c['status']]} "
                         f"<code>{e(c['function'])}</code>: {e(kind)} — {LABEL[c['status']]}, "
                         f"{_points(c['score'])} / {_points(c['points'])}</h3><pre>{e(c['message'])}</pre>")
            if c["status"] != "pass":
                hint = NEXT[c["status"]]
                if c["id"].endswith("_hidden") and c["function"] in passed_visible and c["status"] == "fail":
                    hint = HIDDEN_HINT
                parts.append(f"<p>{e(hint)}</p>")
            parts.append("</div>")
    manual = plan(nb).manual if entry.get("_known") and nb in course_notebooks() else ()
    if manual:
        parts.append("<h2>Written answers</h2><ul>")
        for m in manual:
            parts.append(f"<li><code>{e(m.id)}</code> ({_points(m.points)} points): graded by your instructor.</li>")
        parts.append("</ul>")
    if entry.get("_known") and nb in course_notebooks():
        parts.append(f"<p class=\"sub\">Check your work yourself before you hand it in: <code>python -m grader check "
                     f"notebooks/{e(nb)}.ipynb</code> runs every visible check.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
