"""The README's Binder badge, built from the repository's address.

The address is recorded once, in ``pyproject.toml`` (``[project.urls] Repository``); the badge
in ``README.md`` is derived from it, and ``tests/test_binder.py`` checks that they agree. Binder
builds ``environment.yml`` at the repository root and opens JupyterLab on ``notebooks/``.

    python -m tools.binder                              # print the badge for the recorded address
    python -m tools.binder --from-git-remote --write    # a fork or a move: take `git remote origin`,
                                                        # record it and rewrite the README's badge
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = "notebooks"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
_REPOSITORY_LINE = re.compile(r'^Repository[ \t]*=[ \t]*"[^"]*"[ \t]*$', re.M)
_BADGE_LINE = re.compile(r"^\[!\[Binder\]\([^)]*\)\]\([^)]*\)[ \t]*$", re.M)


def repository_url(root: Path = ROOT) -> str:
    """The repository's address recorded in ``pyproject.toml``."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"].get("urls", {})
    if "Repository" not in urls:
        raise SystemExit("pyproject.toml has no [project.urls] Repository: add the repository's address there")
    return urls["Repository"]


def binder_url(repo_url: str, ref: str = "main", notebooks: str = NOTEBOOKS) -> str:
    """The mybinder.org launch link of ``repo_url`` at ``ref``, opening JupyterLab on ``notebooks``.

    GitHub and GitLab addresses (https or ssh) get their short forms; any other https git
    address goes through Binder's generic ``git`` provider.
    """
    url = repo_url.strip()
    tail = f"{quote(ref, safe='')}?urlpath=lab/tree/{notebooks}"
    m = re.fullmatch(r"(?:https://|git@)(github\.com|gitlab\.com)[/:]([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if m:
        host, owner, name = m.groups()
        if host == "github.com":
            return f"https://mybinder.org/v2/gh/{owner}/{name}/{tail}"
        return f"https://mybinder.org/v2/gl/{quote(owner + '/' + name, safe='')}/{tail}"
    if re.fullmatch(r"https://[^\s/]+/\S+", url):
        return f"https://mybinder.org/v2/git/{quote(url, safe='')}/{tail}"
    raise ValueError(f"{repo_url!r} is not a repository address Binder can build: give an https:// "
                     "address (or a GitHub/GitLab ssh address)")


def badge(launch_url: str) -> str:
    return f"[![Binder]({BADGE_IMAGE})]({launch_url})"


def git_remote(root: Path = ROOT, remote: str = "origin") -> str:
    done = subprocess.run(["git", "-C", str(root), "remote", "get-url", remote], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"this checkout has no git remote {remote!r}: add it (git remote add {remote} URL) "
                         "or record the address in pyproject.toml by hand")
    return done.stdout.strip()


def write(root: Path, repo_url: str, launch_url: str) -> None:
    """Record ``repo_url`` in pyproject.toml and put the badge for ``launch_url`` in README.md."""
    pyproject, readme = root / "pyproject.toml", root / "README.md"
    text = pyproject.read_text()
    if not _REPOSITORY_LINE.search(text):
        raise SystemExit("pyproject.toml has no `Repository = \"...\"` line under [project.urls]: add one")
    pyproject.write_text(_REPOSITORY_LINE.sub(f'Repository = "{repo_url}"', text, count=1))
    text = readme.read_text()
    if _BADGE_LINE.search(text):
        text = _BADGE_LINE.sub(badge(launch_url), text, count=1)
    else:  # under the title
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{badge(launch_url)}\n{rest}"
    readme.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-git-remote", action="store_true", help="use the address of `git remote origin`")
    parser.add_argument("--ref", default="main", help="the branch or tag Binder builds (default main)")
    parser.add_argument("--write", action="store_true", help="record the address and rewrite the README's badge")
    args = parser.parse_args(argv)
    repo_url = git_remote() if args.from_git_remote else repository_url()
    try:
        launch = binder_url(repo_url, args.ref)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.write:
        write(ROOT, repo_url, launch)
        print(f"recorded {repo_url} in pyproject.toml and wrote the badge in README.md")
    print(badge(launch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
