"""Fixtures of the real-browser tests: one JupyterLab (on a temporary copy of the course, a free
localhost port and a token) and one headless Chromium page for the whole session.

The tests skip with a message that says how to install Chromium when it is missing; set
COURSE_REQUIRE_BROWSER=1 (as .ci/run does) to make that a failure instead. Screenshots,
executed notebooks and the server log go to test-artifacts/browser/ (gitignored).
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from tools import lab as labtools

ARTIFACTS = labtools.ROOT / "test-artifacts" / "browser"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in a real Chromium (tests/browser)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(message: str):
    if os.environ.get("COURSE_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"COURSE_REQUIRE_BROWSER is set but the browser tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """The course copy the server serves: notebooks/ (answers filled in), student/, data/."""
    problem = labtools.chromium_problem()
    if problem:
        _unavailable(problem)
    root = tmp_path_factory.mktemp("course")
    unfilled = labtools.course_copy(root)
    return root, unfilled


@pytest.fixture(scope="session")
def server(course, tmp_path_factory):
    root, _ = course
    srv = labtools.LabServer(root, tmp_path_factory.mktemp("jupyterlab"))
    try:
        srv.start()
    except RuntimeError as exc:
        pytest.fail(f"JupyterLab did not start: {exc}", pytrace=False)
    yield srv
    srv.stop()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(srv.log_path, ARTIFACTS / "jupyterlab.log")


@pytest.fixture(scope="session")
def chromium(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = labtools.launch_chromium(playwright, tmp_path_factory.mktemp("chromium-profile"))
        context.set_default_timeout(60_000)
        yield context
        context.close()


@pytest.fixture(scope="session")
def _lab(server, chromium):
    return labtools.Lab(server, chromium).start()


@pytest.fixture
def artifacts(request):
    """This test's artifact folder, emptied first."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def lab(_lab, artifacts, request):
    """The JupyterLab page, with no notebook open. After the test: a screenshot if it failed,
    then every tab is saved and closed and every kernel shut down."""
    if not _lab.healthy():
        _lab.start()
    _lab.close_all()
    yield _lab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and _lab.healthy():
        _lab.page.screenshot(path=str(artifacts / "failure.png"))
    if _lab.healthy():
        _lab.dismiss_dialogs()
    _lab.close_all()


@pytest.fixture(scope="session")
def course_root(course):
    return course[0]


@pytest.fixture
def filled(course):
    """Fail with the reason when a notebook could not be filled in from its instructor source."""
    def check(name: str) -> str:
        if name in course[1]:
            pytest.fail(course[1][name], pytrace=False)
        return f"notebooks/{name}"
    return check
