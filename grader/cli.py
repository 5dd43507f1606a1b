"""The grader's command line (COURSE_SPEC.md, "Grader command line")."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Release, check and grade the course notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate notebooks/ (student versions) and the visible-check fixtures "
                                   "from the instructor sources")
    p_check = sub.add_parser("check", help="run the visible checks on your notebook")
    p_check.add_argument("notebook", help="path of a course notebook (.ipynb)")
    from .autograde.cli import add_parser as add_autograde
    from .autograde.export import add_parser as add_export
    from .bundle import add_parser as add_bundle

    add_autograde(sub)
    add_export(sub)
    add_bundle(sub)
    p_report = sub.add_parser("report", help="rebuild the class report OUT/report.html (+ report.json) from "
                                             "OUT/results.json")
    p_report.add_argument("out", help="the output folder of an autograde run")
    p_gs = sub.add_parser("gradescope", help="build a Gradescope autograder (.zip) that grades like autograde")
    p_gs.add_argument("--out", required=True, help="the zip to write (e.g. autograder.zip)")
    p_gs.add_argument("--notebooks", default=None, help="comma-separated notebooks of the Gradescope assignment "
                      "(default: every autograded notebook); a missing one scores 0")
    args = parser.parse_args(argv)
    if args.command == "release":
        from .authoring import AuthoringError, check_course
        from .course_config import CourseConfigError

        try:
            check_course()  # before release.py is imported: a broken catalogue is explained, not raised
            from .release import release

            changed = release(check=False)
        except AuthoringError as exc:
            print(exc, file=sys.stderr)
            return 1
        except CourseConfigError as exc:
            print(f"error: {exc}")
            return 2
        print("\n".join(f"wrote {p}" for p in changed) or "notebooks/ and fixtures are up to date")
        return 0
    if args.command == "check":
        from .selfcheck import run

        return run(args.notebook)
    if args.command == "autograde":
        from .autograde.cli import run as run_autograde

        return run_autograde(args)
    if args.command == "report":
        from .autograde.report import run as run_report

        return run_report(args.out)
    if args.command == "export":
        from .autograde.export import run as run_export

        return run_export(args)
    if args.command == "bundle":
        from .bundle import run as run_bundle

        return run_bundle(args)
    if args.command == "gradescope":
        from .gradescope import GradescopeError, build
        from .hidden import SecretError

        wanted = [n.strip().removesuffix(".ipynb") for n in args.notebooks.split(",") if n.strip()] \
            if args.notebooks else None
        try:
            out = build(args.out, wanted)
        except (GradescopeError, SecretError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {out}: upload it on Gradescope's Configure Autograder page.")
        return 0
    return 2
