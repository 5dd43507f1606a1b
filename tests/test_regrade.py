"""Regrade only what changed (grader/autograde/versions.py): a submission is graded again when
its file, its notebook's source, suite, catalogue or fixture, or the grading code changed, not
when another notebook's source changed; autograde warns when the released notebooks and fixtures
are out of step with their sources. All on a temporary copy of the course."""
from __future__ import annotations

import json
import re

import pytest

from tests.course_copy import ROOT, clone, grader, grader_python, make_copy

NB01, NB02, NB03, NB06 = "01_normalizing_inputs", "02_batchnorm_forward", "03_batchnorm_backward", "06_softmax"

VERSIONS = ("import json; from grader.autograde.versions import notebook_version as v; "
            f"print(json.dumps({{n: v(n) for n in {[NB01, NB02, NB03, NB06]!r}}}))")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("pristine") / "course")


@pytest.fixture
def course(pristine, tmp_path):
    return clone(pristine, tmp_path / "course")


def versions(root) -> dict[str, str]:
    return json.loads(grader_python(root, VERSIONS))


@pytest.mark.parametrize("rel,old,new,changed", [
    (f"grader/source/{NB06}.py", "# %% [markdown]", "# %% [markdown]\n# An instructor's new sentence.\n#", {NB06}),
    (f"grader/suites/nb{NB01}.py", '"""', '"""A new first line.\n', {NB01}),
    # notebook 03's suite calls the reference batchnorm_forward of notebook 02
    (f"grader/source/{NB02}.py", "    Z_tilde = gamma * Z_norm + beta\n", "    Z_tilde = beta + gamma * Z_norm\n", {NB02, NB03}),
    ("grader/checks/judge.py", '"""', '"""A comment.\n', {NB01, NB02, NB03, NB06}),
    ("grader/autograde/report.py", '"""', '"""A comment.\n', set()),
])
def test_a_notebooks_version_changes_only_with_what_grades_it(course, rel, old, new, changed):
    before = versions(course)
    text = (course / rel).read_text(encoding="utf-8")
    (course / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
    after = versions(course)
    assert {n for n in before if before[n] != after[n]} == changed


def _summary(run) -> tuple[int, int]:
    m = re.search(r"Graded (\d+) file\(s\) \((\d+) unchanged", run.stdout)
    assert m, run.stdout + run.stderr
    return int(m[1]), int(m[2])


def test_autograde_regrades_only_the_notebook_whose_source_changed_and_warns_until_released(course, tmp_path):
    subs = tmp_path / "submissions"
    filled = json.loads(grader_python(course, "import json; from grader.release import filled_student_notebook as f; "
                                              f"print(json.dumps([f({NB01!r}), f({NB02!r})]))"))
    for student in ("ann", "ben"):
        (subs / student).mkdir(parents=True)
        for name, nb in zip((NB01, NB02), filled):
            (subs / student / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    out = tmp_path / "OUT"
    args = ("autograde", str(subs), "--out", str(out), "--no-gradebook", "--quiet", "--workers", "1")
    first = grader(course, *args)
    assert first.returncode == 0 and _summary(first) == (4, 0), first.stderr
    assert "out of date" not in first.stderr

    # another notebook's source changes (nobody handed it in): nothing is graded again, and
    # autograde says that notebook 06 was not released since
    source = course / f"grader/source/{NB06}.py"
    source.write_text(source.read_text(encoding="utf-8").replace("# %% [markdown]", "# %% [markdown]\n# New.\n#", 1),
                      encoding="utf-8")
    second = grader(course, *args)
    assert _summary(second) == (0, 4)
    assert f"notebooks/{NB06}.ipynb and grader/checks/fixtures/{NB06}.json are out of date with " \
           f"grader/source/{NB06}.py" in second.stderr
    assert "python -m grader release" in second.stderr and NB01 not in second.stderr

    # notebook 01's suite changes: its two submissions are graded again, notebook 02's are not
    suite = f"grader/suites/nb{NB01}.py"
    (course / suite).write_text("# an edit\n" + (course / suite).read_text(encoding="utf-8"), encoding="utf-8")
    third = grader(course, *args)
    assert _summary(third) == (2, 2)
    assert f"grader/checks/fixtures/{NB01}.json are out of date" in third.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert all(r["score"] == r["max_score"] for r in results)


def test_the_committed_release_is_stamped_with_its_sources():
    from grader.autograde.versions import release_digest, stale_releases, stamped_digest

    assert stale_releases() == []
    assert stamped_digest(ROOT / "notebooks" / f"{NB02}.ipynb") == release_digest(NB02)
