"""The class report (OUT/report.html + report.json) on a synthetic class with known mistake
counts: the figures, `python -m grader report OUT`, its errors, and the page in a real Chromium
(screenshot in test-artifacts/report/)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.autograde import report
from grader.autograde.classstats import class_figures
from grader.autograde.plan import plan
from grader.autograde.unit import missing
from grader.checks.evaluate import visible_probes
from grader.cli import main
from tools import lab as labtools

ARTIFACTS = labtools.ROOT / "test-artifacts" / "report"
STUDENTS = [f"s{i:02d}" for i in range(1, 21)]


def _message(mistake_id: str) -> str:
    """The judge's message for a catalogued mistake, as a student would read it."""
    function = mistake_id.split(".")[0]
    for case in visible_probes(function):
        for m in case.mistakes:
            if m.id == mistake_id:
                return f"on probe {case.name!r}: {m.message}"
    raise LookupError(mistake_id)


def _entry(student: str, notebook: str, outcome: dict) -> dict:
    """A results.json entry: ``outcome`` maps a check id to (status, mistake id or None)."""
    checks = []
    for t in plan(notebook).tests:
        status, mistake = outcome.get(t.id, ("pass", None))
        message = (_message(mistake) if mistake else {"pass": "all checks pass: exact", "fail": "wrong values",
                   "timeout": "did not finish in 60 s", "crash": "the process died"}[status])
        checks.append({"id": t.id, "function": t.function, "points": t.points,
                       "score": t.points if status == "pass" else 0.0, "status": status, "message": message,
                       "mistake": mistake})
    failed = sum(c["status"] != "pass" for c in checks)
    return {"student_id": student, "notebook": notebook, "score": sum(c["score"] for c in checks),
            "max_score": sum(c["points"] for c in checks), "status": "fail" if failed else "pass",
            "message": f"{len(checks) - failed} of {len(checks)} checks pass.", "checks": checks}


def _unreadable(student: str, notebook: str) -> dict:
    why = f"{notebook}.ipynb is not a notebook (not JSON); open it in JupyterLab, save it, and hand it in again."
    checks = [{"id": t.id, "function": t.function, "points": t.points, "score": 0.0, "status": "error",
               "message": why, "mistake": None} for t in plan(notebook).tests]
    return {"student_id": student, "notebook": notebook, "score": 0.0, "max_score": sum(t.points for t in plan(notebook).tests),
            "status": "error", "message": why, "checks": checks}


def synthetic_class() -> list[dict]:
    """20 students, notebooks 02 and 06, with these known outcomes:
    02: s01-s07 epsilon outside the sqrt (visible and hidden), s08-s10 the unbiased variance
    (visible and hidden), s11 fails the hidden check without a named mistake, s12 times out,
    s13 hands nothing in, s14 hands in an unreadable file; the others pass.
    06: s01-s05 a naive softmax (hidden only), s06 crashes in hardmax, s20 hands nothing in."""
    bn, sm = "02_batchnorm_forward", "06_softmax"
    eps, unb, naive = "batchnorm_forward.eps_outside_sqrt", "batchnorm_forward.unbiased_variance", "softmax.sm_naive"
    entries = []
    for i, s in enumerate(STUDENTS, 1):
        if i <= 7:
            entries.append(_entry(s, bn, {"batchnorm_forward_visible": ("fail", eps), "batchnorm_forward_hidden": ("fail", eps)}))
        elif i <= 10:
            entries.append(_entry(s, bn, {"batchnorm_forward_visible": ("fail", unb), "batchnorm_forward_hidden": ("fail", unb)}))
        elif i == 11:
            entries.append(_entry(s, bn, {"batchnorm_forward_hidden": ("fail", None)}))
        elif i == 12:
            entries.append(_entry(s, bn, {"batchnorm_forward_visible": ("timeout", None),
                                          "batchnorm_forward_hidden": ("timeout", None)}))
        elif i == 13:
            entries.append(missing(s, bn))
        elif i == 14:
            entries.append(_unreadable(s, bn))
        else:
            entries.append(_entry(s, bn, {}))
        if i <= 5:
            entries.append(_entry(s, sm, {"softmax_hidden": ("fail", naive)}))
        elif i == 6:
            entries.append(_entry(s, sm, {"hardmax_visible": ("crash", None)}))
        elif i == 20:
            entries.append(missing(s, sm))
        else:
            entries.append(_entry(s, sm, {}))
    return [{k: e[k] for k in ("student_id", "notebook", "score", "max_score", "status", "message", "checks")}
            for e in entries]


def test_the_figures_count_each_mistake_once_per_student_with_its_share():
    figs = class_figures(synthetic_class(), report.written_questions(["02_batchnorm_forward", "06_softmax"]))
    top = [(m["id"], m["students"], m["checks"]) for m in figs["mistakes"]]
    assert top == [("batchnorm_forward.eps_outside_sqrt", 7, 14), ("softmax.sm_naive", 5, 5),
                   ("batchnorm_forward.unbiased_variance", 3, 6)]
    eps = figs["mistakes"][0]
    assert eps["share"] == pytest.approx(7 / 19)  # s13 handed nothing in; s14's unreadable file counts
    assert "epsilon is outside the square root" in eps["example"]
    assert figs["mistakes"][1]["share"] == pytest.approx(5 / 19)
    bn = next(nb for nb in figs["notebooks"] if nb["notebook"] == "02_batchnorm_forward")
    fn = bn["functions"][0]
    # graded: 18 (20 minus the missing and the unreadable file); visible fails: 7 + 3 + 1 timeout
    assert fn["visible"] == {"passed": 7, "graded": 18, "rate": pytest.approx(7 / 18)}
    assert fn["hidden"] == {"passed": 6, "graded": 18, "rate": pytest.approx(6 / 18)}
    assert fn["unnamed_failures"] == 1
    assert bn["distribution"]["count"] == 19 and bn["distribution"]["max_score"] == 5
    assert bn["distribution"]["scores"].count(5.0) == 6 and bn["distribution"]["scores"].count(2.0) == 1
    p = figs["problems"]
    assert [(x["student_id"], x["notebook"]) for x in p["timeout"]] == [("s12", "02_batchnorm_forward")] * 2
    assert [(x["student_id"], x["function"]) for x in p["crash"]] == [("s06", "hardmax")]
    assert [(x["student_id"], x["notebook"]) for x in p["missing"]] == [("s13", "02_batchnorm_forward"),
                                                                      ("s20", "06_softmax")]
    assert [x["student_id"] for x in p["unreadable"]] == ["s14"]
    assert {w["notebook"]: w["to_grade"] for w in figs["written"]} == {"02_batchnorm_forward": 18 * 2,
                                                                      "06_softmax": 19 * 2}
    assert figs["course"]["count"] == 20 and figs["course"]["max_score"] == 5 + 8


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STUDENTS), st.sampled_from(["pass", "fail", "timeout", "crash"]),
                          st.sampled_from([None, "batchnorm_forward.eps_outside_sqrt", "batchnorm_forward.axis0"])),
                min_size=0, max_size=30))
def test_the_figures_of_any_class_are_consistent(rows):
    entries = {}
    for student, status, mistake in rows:  # the last row of a student wins
        entries[student] = _entry(student, "02_batchnorm_forward",
                                  {"batchnorm_forward_visible": (status, mistake if status == "fail" else None)})
    figs = class_figures(list(entries.values()))
    json.dumps(figs)
    assert figs["students"] == len(entries)
    for m in figs["mistakes"]:
        assert 1 <= m["students"] <= len(entries) and 0 < m["share"] <= 1
        assert m["students"] == sum(e["checks"][0]["mistake"] == m["id"] for e in entries.values())
    for nb in figs["notebooks"]:
        for f in nb["functions"]:
            for kind in ("visible", "hidden"):
                assert 0 <= f[kind]["passed"] <= f[kind]["graded"] == len(entries)
    pictures = {"mistakes": "data:,", "pass_rates": "data:,", "course": "data:,",
                **{f"scores:{nb['notebook']}": "data:," for nb in figs["notebooks"]}}
    assert "<html" in report.render(figs, pictures)


def _write_results(out, entries):
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(entries), encoding="utf-8")


def test_grader_report_rebuilds_a_self_contained_page_and_the_same_figures_as_json(tmp_path, capsys):
    out = tmp_path / "OUT"
    _write_results(out, synthetic_class())
    assert main(["report", str(out)]) == 0
    assert "report.html" in capsys.readouterr().out
    page = (out / "report.html").read_text(encoding="utf-8")
    figs = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert figs["mistakes"][0]["id"] == "batchnorm_forward.eps_outside_sqrt"
    # self-contained: every image is embedded, nothing is fetched
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", page)
    assert page.count('src="data:image/png;base64,') == 2 + 1 + 2  # mistakes, pass rates, course, 2 notebooks
    assert "<script" not in page
    for text in ("batchnorm_forward.eps_outside_sqrt", "37%", "s12", "s14", "s13", "Written answers to grade"):
        assert text in page
    first = page
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_text(encoding="utf-8") == first  # deterministic


@pytest.mark.parametrize("content,words", [(None, "does not exist"), ("{not json", "cannot be read"),
                                           ('{"a": 1}', "is not an autograde results.json"),
                                           ('[{"student_id": "a", "notebook": "n", "score": 1, "max_score": 2, '
                                            '"status": "pass", "checks": [{"id": "x"}]}]',
                                            "is not an autograde results.json")])
def test_grader_report_explains_a_bad_out_folder(tmp_path, capsys, content, words):
    out = tmp_path / "OUT"
    out.mkdir()
    if content is not None:
        (out / "results.json").write_text(content, encoding="utf-8")
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_assignments_and_pending_written_answers_come_from_grades_csv(tmp_path):
    """With grades.csv (autograde writes it first), an assignment of several notebooks gets its own
    distribution, and only the written answers the gradebook still waits for count."""
    out = tmp_path / "OUT"
    entries = synthetic_class()
    _write_results(out, entries)
    rows = ["student_id,notebook,score,max_score,assignment,written_score,written_max,written_pending"]
    rows += [f"{e['student_id']},{e['notebook']},{e['score']},{e['max_score']},week1,0,4,"
             f"{1 if e['student_id'] == 's01' else 0}" for e in entries]
    (out / "grades.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    figs = report.rebuild(out)
    [week1] = figs["assignments"]
    assert week1["assignment"] == "week1" and week1["notebooks"] == ["02_batchnorm_forward", "06_softmax"]
    assert week1["distribution"]["max_score"] == 13 and week1["distribution"]["count"] == 20
    assert {w["notebook"]: w["to_grade"] for w in figs["written"]} == {"02_batchnorm_forward": 1, "06_softmax": 1}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "assignment week1" in page and page.count('src="data:image/png;base64,') == 6


def test_an_empty_class_gives_a_page_that_says_so(tmp_path):
    figs = report.write(tmp_path, [])
    assert figs["students"] == 0
    assert "No check failed with a named mistake" in (tmp_path / "report.html").read_text(encoding="utf-8")


BROWSE = """
import json, sys
from pathlib import Path
from playwright.sync_api import sync_playwright
from tools import lab as labtools

page_path, profile, artifacts = sys.argv[1:4]
with sync_playwright() as playwright:
    context = labtools.launch_chromium(playwright, Path(profile), viewport=(1280, 900))
    try:
        requests = []
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(Path(page_path).as_uri())
        page.wait_for_function("() => [...document.images].length === 5 && "
                               "[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        seen = {"title": page.title(), "requests": requests,
                "first_row": page.locator("table").first.locator("tr").nth(1).inner_text()}
        page.screenshot(path=str(Path(artifacts) / "report.png"), full_page=True)
        page.screenshot(path=str(Path(artifacts) / "report-top.png"))
    finally:
        context.close()
print(json.dumps(seen))
"""


def test_the_report_reads_well_in_a_real_browser(tmp_path):
    """Chromium opens the page from disk (no network) and shows every plot; the screenshot is
    kept in test-artifacts/report/ for a person to look at."""
    problem = labtools.chromium_problem()
    if problem:
        if os.environ.get("COURSE_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"COURSE_REQUIRE_BROWSER is set but the browser cannot run: {problem}", pytrace=False)
        pytest.skip(problem)
    out = tmp_path / "OUT"
    _write_results(out, synthetic_class())
    report.rebuild(out)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API refuses to start in a process where an asyncio loop runs (another test of
    # this xdist worker may have left one): the browser is driven from a process of its own.
    r = subprocess.run([sys.executable, "-c", BROWSE, str(out / "report.html"), str(tmp_path / "profile"),
                        str(ARTIFACTS)], capture_output=True, text=True, timeout=300, cwd=labtools.ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["title"] == "Class report"
    assert all(u.startswith(("file:", "data:")) for u in seen["requests"]), seen["requests"]
    assert "batchnorm_forward.eps_outside_sqrt" in seen["first_row"] and "37%" in seen["first_row"]
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


EPS_OUTSIDE = '''def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    sigma2 = Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / (np.sqrt(sigma2) + epsilon)
    cache = {"Z": Z, "Z_norm": Z_norm, "mu": mu, "sigma2": sigma2, "gamma": gamma, "beta": beta, "epsilon": epsilon}
    return gamma * Z_norm + beta, cache
'''


def test_autograde_writes_the_report_of_real_submissions(tmp_path):
    """Real submissions graded in the sandbox: two of three students who handed notebook 02 in put
    epsilon outside the square root; a fourth handed in only notebook 01."""
    from grader.autograde.run import autograde
    from grader.release import filled_student_notebook
    from grader.sandbox import Limits

    nb02 = "02_batchnorm_forward"
    subs = tmp_path / "submissions"
    for student, code in (("alice", None), ("bob", EPS_OUTSIDE), ("carol", EPS_OUTSIDE.replace("Z.var(", "np.var(Z, "))):
        nb = filled_student_notebook(nb02)
        if code:
            next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "batchnorm_forward")[
                "source"] = code
        (subs / student).mkdir(parents=True)
        (subs / student / f"{nb02}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (subs / "dave").mkdir()
    (subs / "dave" / "01_normalizing_inputs.ipynb").write_text(json.dumps(filled_student_notebook("01_normalizing_inputs")))
    out = tmp_path / "OUT"
    autograde(subs, out, workers=1, gradebook=False, progress=False, limits=Limits(wall_seconds=30, cpu_seconds=30),
              log=lambda msg: None)
    figs = json.loads((out / "report.json").read_text(encoding="utf-8"))
    named = {m["id"]: m for m in figs["mistakes"]}
    assert named["batchnorm_forward.eps_outside_sqrt"]["students"] == 2
    assert named["batchnorm_forward.eps_outside_sqrt"]["share"] == pytest.approx(2 / 3)
    assert [(p["student_id"], p["notebook"]) for p in figs["problems"]["missing"]] == [
        ("alice", "01_normalizing_inputs"), ("bob", "01_normalizing_inputs"), ("carol", "01_normalizing_inputs"),
        ("dave", nb02)]
    assert "batchnorm_forward.eps_outside_sqrt" in (out / "report.html").read_text(encoding="utf-8")
