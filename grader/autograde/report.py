"""The class report: ``OUT/report.html`` (one self-contained page) and ``OUT/report.json``
(the same figures), written by autograde after each run and rebuilt from ``OUT/results.json``
by ``python -m grader report OUT``.

What an instructor reads before the next lecture: the most common named mistakes (with the
share of the class and one example message), the score distribution of each notebook and of
the course, the pass rate of every graded function's visible and hidden checks, the students
whose work timed out, crashed, is missing or could not be read, and the written answers still
to grade. The numbers come from :mod:`classstats` (pure), the plots from :mod:`report_plots`
(pure figure functions), embedded as PNG ``data:`` URIs: no script, no network, no timestamp.
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path

from . import report_plots as plots
from .classstats import class_figures

TOP_MISTAKES = 15
PROBLEM_TITLES = {
    "timeout": ("Timed out", "a check ran out of time (an endless loop, or Python loops over the examples)"),
    "crash": ("Crashed", "the process running the student's code died"),
    "missing": ("Missing", "no file for this notebook was handed in"),
    "unreadable": ("Unreadable", "the file could not be read as a notebook"),
    "grader_failed": ("Grader failed", "the grader itself failed (not the student's fault): run autograde again"),
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;
color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.1rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d1d9e0;
padding-bottom:.2rem}h3{font-size:1rem;margin:.2rem 0}.sub{color:#59636e;margin-top:0}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.tile{border:1px solid #d1d9e0;border-radius:.4rem;
padding:.5rem .9rem;min-width:9rem}.tile b{display:block;font-size:1.4rem}.tile span{color:#59636e;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{text-align:left;padding:.3rem .45rem;
border-bottom:1px solid #d1d9e0;vertical-align:top;font-size:.92rem}th{background:#f6f8fa}
td.num,th.num{text-align:right;white-space:nowrap}code{font-size:.88em}
.ex{font-size:.82rem;color:#424a53;white-space:pre-wrap;word-break:break-word;max-width:34rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(21rem,1fr));gap:.8rem}
.card{border:1px solid #d1d9e0;border-radius:.4rem;padding:.5rem .7rem}.card img{width:100%;height:auto}
.card p{margin:.2rem 0;font-size:.88rem;color:#424a53}img.wide{max-width:100%;height:auto}
.bar{display:inline-block;height:.55rem;background:#eaeef2;width:5rem;border-radius:.2rem;overflow:hidden;
vertical-align:middle;margin-right:.3rem}.bar>span{display:block;height:100%}
.ok{color:#1a7f37}.bad{color:#cf222e}.none{color:#59636e}
"""


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _pts(x) -> str:
    return "—" if x is None else f"{x:.3g}"


def _bar(rate, color: str) -> str:
    if rate is None:
        return ""
    return f'<span class="bar"><span style="width:{100 * rate:.0f}%;background:{color}"></span></span>'


def _img(uri: str, alt: str, cls: str = "wide") -> str:
    return f'<img class="{cls}" alt="{html.escape(alt)}" src="{uri}">'


def images(figs: dict) -> dict[str, str]:
    """The report's plots as ``data:`` URIs: ``mistakes``, ``pass_rates``, ``course``,
    ``assignment:<name>`` and ``scores:<notebook>`` (a plot is left out when it would be empty)."""
    out = {}
    top = figs["mistakes"][:TOP_MISTAKES]
    if top:
        fig = plots.new_figure(10, 0.9 + 0.36 * len(top))
        plots.draw_mistakes(fig.add_subplot(), [m["id"] for m in top], [m["share"] for m in top],
                            [m["students"] for m in top])
        out["mistakes"] = plots.png_data_uri(fig)
    rows = [(nb["notebook"], f) for nb in figs["notebooks"] for f in nb["functions"]]
    if rows:
        fig = plots.new_figure(10, 0.9 + 0.42 * len(rows))
        plots.draw_pass_rates(fig.add_subplot(), [f["function"] or "(no function)" for _, f in rows],
                              [f["visible"]["rate"] for _, f in rows], [f["hidden"]["rate"] for _, f in rows])
        out["pass_rates"] = plots.png_data_uri(fig)
    if figs["course"]["count"]:
        fig = plots.new_figure(10, 2.6)
        plots.draw_score_histogram(fig.add_subplot(), figs["course"]["scores"], figs["course"]["max_score"],
                                   plots.GREEN)
        out["course"] = plots.png_data_uri(fig)
    for a in figs.get("assignments", []):
        fig = plots.new_figure(4.6, 2.3)
        plots.draw_score_histogram(fig.add_subplot(), a["distribution"]["scores"], a["distribution"]["max_score"],
                                   plots.GREEN)
        out[f"assignment:{a['assignment']}"] = plots.png_data_uri(fig)
    for nb in figs["notebooks"]:
        if nb["distribution"]["count"]:
            fig = plots.new_figure(4.6, 2.3)
            plots.draw_score_histogram(fig.add_subplot(), nb["distribution"]["scores"], nb["distribution"]["max_score"])
            out[f"scores:{nb['notebook']}"] = plots.png_data_uri(fig)
    return out


def render(figs: dict, pictures: dict[str, str]) -> str:
    """The report page (HTML text) from :func:`classstats.class_figures` and :func:`images`."""
    e = html.escape
    problems = figs["problems"]
    flagged = {p["student_id"] for k in PROBLEM_TITLES for p in problems[k]}
    course = figs["course"]
    to_grade = sum(w["to_grade"] for w in figs["written"])
    parts = [f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>Class report</title>'
             f"<style>{CSS}</style></head><body>",
             "<h1>Class report</h1>",
             f'<p class="sub">{figs["students"]} student(s), {len(figs["notebooks"])} notebook(s). Rebuild with '
             "<code>python -m grader report OUT</code>; the numbers are in <code>report.json</code>.</p>",
             '<div class="tiles">'
             f'<div class="tile"><b>{figs["students"]}</b><span>students</span></div>'
             f'<div class="tile"><b>{_pts(course["median"])} / {_pts(course["max_score"])}</b>'
             "<span>median course score</span></div>"
             f'<div class="tile"><b>{len(figs["mistakes"])}</b><span>distinct named mistakes</span></div>'
             f'<div class="tile"><b>{len(flagged)}</b><span>students to look at</span></div>'
             f'<div class="tile"><b>{to_grade}</b><span>written answers to grade</span></div></div>']

    parts.append("<h2>Most common mistakes</h2>")
    top = figs["mistakes"][:TOP_MISTAKES]
    if not top:
        parts.append('<p class="none">No check failed with a named mistake.</p>')
    else:
        parts.append(_img(pictures["mistakes"], "share of the class making each of the most common mistakes"))
        parts.append('<table><tr><th>#</th><th>mistake</th><th>notebook</th><th class="num">students</th>'
                     '<th class="num">share</th><th>example message</th></tr>')
        for i, m in enumerate(top, 1):
            parts.append(f'<tr><td>{i}</td><td><code>{e(m["id"])}</code></td><td>{e(m["notebook"])}</td>'
                         f'<td class="num">{m["students"]}</td><td class="num">{_pct(m["share"])}</td>'
                         f'<td><div class="ex">{e(m["example"])}</div></td></tr>')
        parts.append("</table>")
        if len(figs["mistakes"]) > TOP_MISTAKES:
            parts.append(f'<p class="sub">{len(figs["mistakes"]) - TOP_MISTAKES} more in report.json.</p>')

    parts.append("<h2>Scores</h2>")
    if "course" in pictures:
        parts.append(f'<h3>Course total (all notebooks, out of {_pts(course["max_score"])}; mean {_pts(course["mean"])}, '
                     f'median {_pts(course["median"])})</h3>' + _img(pictures["course"], "course score distribution"))
    parts.append('<div class="cards">')
    for a in figs.get("assignments", []):
        d = a["distribution"]
        parts.append(f'<div class="card"><h3>assignment {e(a["assignment"])}</h3>')
        if f"assignment:{a['assignment']}" in pictures:
            parts.append(_img(pictures[f"assignment:{a['assignment']}"], f"score distribution of {a['assignment']}", ""))
        parts.append(f'<p>{e(", ".join(a["notebooks"]))}: mean {_pts(d["mean"])}, median {_pts(d["median"])} of '
                     f'{_pts(d["max_score"])} points.</p></div>')
    for nb in figs["notebooks"]:
        d = nb["distribution"]
        parts.append(f'<div class="card"><h3>{e(nb["notebook"])}</h3>')
        if f"scores:{nb['notebook']}" in pictures:
            parts.append(_img(pictures[f"scores:{nb['notebook']}"], f"score distribution of {nb['notebook']}", ""))
        status = ", ".join(f"{n} {k}" for k, n in nb["status"].items())
        parts.append(f'<p>{d["count"]} of {nb["students"]} handed in; mean {_pts(d["mean"])}, median '
                     f'{_pts(d["median"])} of {_pts(d["max_score"])} points.</p><p>Status: {e(status)}.</p></div>')
    parts.append("</div>")

    parts.append("<h2>Graded functions</h2>")
    if "pass_rates" in pictures:
        parts.append(_img(pictures["pass_rates"], "pass rate of the visible and hidden checks of each function"))
    parts.append('<table><tr><th>function</th><th>notebook</th><th>visible checks pass</th>'
                 '<th>hidden checks pass</th><th class="num">failures without a named mistake</th></tr>')
    for nb in figs["notebooks"]:
        for f in nb["functions"]:
            v, h = f["visible"], f["hidden"]
            parts.append(f'<tr><td><code>{e(f["function"])}</code></td><td>{e(nb["notebook"])}</td>'
                         f'<td>{_bar(v["rate"], plots.GREEN)}{_pct(v["rate"])} ({v["passed"]}/{v["graded"]})</td>'
                         f'<td>{_bar(h["rate"], plots.BLUE)}{_pct(h["rate"])} ({h["passed"]}/{h["graded"]})</td>'
                         f'<td class="num">{f["unnamed_failures"]}</td></tr>')
    parts.append("</table>")

    parts.append("<h2>Students to look at</h2>")
    if not flagged:
        parts.append('<p class="none">No time-outs, crashes, missing or unreadable files.</p>')
    for kind, (title, why) in PROBLEM_TITLES.items():
        rows = problems[kind]
        if not rows:
            continue
        parts.append(f'<h3 class="bad">{e(title)} ({len(rows)})</h3><p class="sub">{e(why)}.</p>'
                     "<table><tr><th>student</th><th>notebook</th><th>where</th><th>message</th></tr>")
        for p in rows:
            where = p.get("function") and f"<code>{e(p['function'])}</code> ({e(p['check'])})" or ""
            parts.append(f'<tr><td>{e(p["student_id"])}</td><td>{e(p["notebook"])}</td><td>{where}</td>'
                         f'<td><div class="ex">{e(p["message"][:300])}</div></td></tr>')
        parts.append("</table>")

    parts.append("<h2>Written answers to grade</h2>")
    if not figs["written"]:
        parts.append('<p class="none">None.</p>')
    else:
        parts.append("<p>Autograde does not grade written answers: grade them in nbgrader's formgrader "
                     "(the gradebook holds every submission).</p><table><tr><th>notebook</th><th>questions</th>"
                     '<th class="num">submissions</th><th class="num">answers to grade</th></tr>')
        for w in figs["written"]:
            qs = ", ".join(f"{c['id']} ({_pts(c['points'])} pts)" for c in w["cells"])
            parts.append(f'<tr><td>{e(w["notebook"])}</td><td>{e(qs)}</td><td class="num">{w["submissions"]}</td>'
                         f'<td class="num">{w["to_grade"]}</td></tr>')
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def written_questions(notebooks) -> dict[str, list[tuple[str, float]]]:
    """The written (manually graded) answers of each course notebook, from the instructor sources."""
    from .plan import course_notebooks, plan

    known = set(course_notebooks())
    return {nb: [(m.id, m.points) for m in plan(nb).manual] for nb in notebooks if nb in known}


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def grade_sheet(path: Path) -> dict[tuple[str, str], dict]:
    """``{(student, notebook): {"assignment", "pending"}}`` from grades.csv (empty if there is none
    or it lacks those columns)."""
    import csv

    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    sheet = {}
    for r in rows:
        if not {"student_id", "notebook", "assignment", "written_pending"} <= set(r):
            return {}
        try:
            sheet[(r["student_id"], r["notebook"])] = {"assignment": r["assignment"], "pending": int(r["written_pending"])}
        except (TypeError, ValueError):
            continue
    return sheet


def write(out: Path, results: list[dict]) -> dict:
    """Write ``out/report.json`` and ``out/report.html`` for ``results`` (results.json's entries;
    assignments and the written answers still to grade come from ``out/grades.csv`` when it is
    there); returns the figures."""
    figs = class_figures(results, written_questions({r["notebook"] for r in results}), grade_sheet(out / "grades.csv"))
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "report.json", json.dumps(figs, indent=1, ensure_ascii=False) + "\n")
    _write(out / "report.html", render(figs, images(figs)))
    return figs


class ReportError(Exception):
    """OUT holds no usable results.json; the message says what to do."""


def run(out: str) -> int:
    """The ``report`` subcommand: exit status 0, or 2 with a message saying what to do."""
    import sys

    try:
        figs = rebuild(Path(out))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    top = ", ".join(f"{m['id']} ({m['students']})" for m in figs["mistakes"][:3]) or "none"
    print(f"Wrote {Path(out) / 'report.html'} and report.json: {figs['students']} student(s); most common mistakes: "
          f"{top}.")
    return 0


def rebuild(out: Path) -> dict:
    """``python -m grader report OUT``: the report again from ``OUT/results.json``."""
    path = Path(out) / "results.json"
    if not path.is_file():
        raise ReportError(f"{path} does not exist: run `python -m grader autograde SUBMISSIONS --out {out}` first "
                          "(it writes results.json and the report).")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"{path} cannot be read ({exc}); run autograde again to rewrite it.") from None
    keys = {"student_id", "notebook", "score", "max_score", "status", "checks"}
    check_keys = {"id", "function", "points", "score", "status", "message"}
    if not isinstance(results, list) or not all(
            isinstance(r, dict) and keys <= set(r) and isinstance(r["checks"], list)
            and isinstance(r["score"], (int, float)) and isinstance(r["max_score"], (int, float))
            and all(isinstance(c, dict) and check_keys <= set(c) for c in r["checks"]) for r in results):
        raise ReportError(f"{path} is not an autograde results.json (a list of objects with "
                          f"{', '.join(sorted(keys))}); run autograde again to rewrite it.")
    return write(Path(out), results)
