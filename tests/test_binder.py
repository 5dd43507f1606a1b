"""The README's Binder badge: derived from the recorded repository address, launching
JupyterLab on the notebooks folder; the tool that writes it."""
from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tools import binder

ROOT = Path(__file__).resolve().parent.parent


def test_readme_badge_is_the_one_built_from_the_recorded_repository():
    expected = binder.badge(binder.binder_url(binder.repository_url()))
    lines = (ROOT / "README.md").read_text().splitlines()
    badges = [line for line in lines if line.startswith("[![Binder]")]
    assert badges == [expected], "README's Binder badge is stale: run `python -m tools.binder --write`"
    assert lines.index(expected) < 5, "the badge belongs under the README's title"


def test_badge_opens_jupyterlab_on_the_notebooks_that_exist():
    url = binder.binder_url(binder.repository_url())
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "mybinder.org"
    (urlpath,) = parse_qs(parts.query)["urlpath"]
    assert urlpath.startswith("lab/tree/")
    folder = ROOT / urlpath.removeprefix("lab/tree/")
    assert folder.is_dir() and len(list(folder.glob("[0-9][0-9]_*.ipynb"))) == 9
    assert parts.path.endswith("/main"), "Binder builds the main branch"


@pytest.mark.parametrize("address, launch", [
    ("https://github.com/me/course", "https://mybinder.org/v2/gh/me/course/main?urlpath=lab/tree/notebooks"),
    ("https://github.com/me/course.git", "https://mybinder.org/v2/gh/me/course/main?urlpath=lab/tree/notebooks"),
    ("git@github.com:me/my.course.git", "https://mybinder.org/v2/gh/me/my.course/main?urlpath=lab/tree/notebooks"),
    ("https://gitlab.com/me/course", "https://mybinder.org/v2/gl/me%2Fcourse/main?urlpath=lab/tree/notebooks"),
    ("https://git.example.org/me/course.git",
     "https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.org%2Fme%2Fcourse.git/main?urlpath=lab/tree/notebooks"),
])
def test_addresses_become_binder_links(address, launch):
    assert binder.binder_url(address) == launch


@pytest.mark.parametrize("address", ["", "/home/me/course", "file:///srv/course.git", "github.com/me/course"])
def test_addresses_binder_cannot_build_are_refused_with_a_message(address):
    with pytest.raises(ValueError, match="Binder"):
        binder.binder_url(address)


def test_write_records_the_address_and_replaces_the_badge(tmp_path):
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    before = (tmp_path / "README.md").read_text()
    binder.write(tmp_path, "https://github.com/fork/course", binder.binder_url("https://github.com/fork/course"))
    assert binder.repository_url(tmp_path) == "https://github.com/fork/course"
    after = (tmp_path / "README.md").read_text()
    assert after.count("[![Binder]") == 1 and "v2/gh/fork/course/main" in after
    assert len(after.splitlines()) == len(before.splitlines()), "only the badge line changes"


def test_write_adds_a_badge_under_the_title_when_there_is_none(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "README.md").write_text("# Title\n\nText.\n")
    binder.write(tmp_path, "https://github.com/a/b", binder.binder_url("https://github.com/a/b"))
    lines = (tmp_path / "README.md").read_text().splitlines()
    assert lines[0] == "# Title" and lines[2].startswith("[![Binder]") and lines[-1] == "Text."
