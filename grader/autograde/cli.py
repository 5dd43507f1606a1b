"""The ``autograde`` subcommand of ``python -m grader``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "autograde", help="grade a class's submissions (sandboxed): OUT/grades.csv, results.json, feedback/",
        description="Grade SUBMISSIONS/<student_id>/<notebook>.ipynb (or nbgrader's submitted/<student>/"
                    "<assignment>/<notebook>.ipynb, or an LMS .zip) into OUT: grades.csv, results.json, "
                    "feedback/<student>/<notebook>.html and the nbgrader gradebook. Student code runs in a "
                    "sandbox (bubblewrap); a rerun regrades only the submissions that changed.")
    p.add_argument("submissions", help="folder (or .zip) of the submissions")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--workers", type=int, default=None, help="parallel gradings (default: every core)")
    p.add_argument("--db", default=None, help="gradebook database URL for nbgrader (default: "
                   "sqlite:///COURSE_DIR/gradebook.db; e.g. postgresql://user@host/course)")
    p.add_argument("--course-dir", default=None, help="nbgrader course folder for formgrader: autograded "
                   "notebooks and nbgrader_config.py (default: OUT/nbgrader)")
    p.add_argument("--no-gradebook", action="store_true", help="do not touch an nbgrader gradebook")
    p.add_argument("--notebooks", default=None, help="comma-separated notebooks every student must hand in "
                   "(default: those handed in by anyone); a missing one scores 0 with status missing")
    p.add_argument("--wall-seconds", type=float, default=60.0, help="time limit of each check (default 60)")
    p.add_argument("--memory-mb", type=int, default=2048, help="memory limit of the sandbox's processes (MB)")
    p.add_argument("--course-config", default=None, help="the course file with assignments, due dates, extensions "
                   "and the late policy (default: $COURSE_CONFIG, else course.toml at the repository root)")
    p.add_argument("--lms-times", default=None, help="Moodle's grading worksheet (CSV): submission times for "
                   "deadlines when there is no nbgrader timestamp.txt")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="grade on this Dask cluster's workers (optional: `make dask`); default: local processes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..course_config import CourseConfigError, load
    from ..hidden import SecretError
    from ..sandbox import Limits
    from .dask_engine import ClusterError
    from .layout import LayoutError
    from .plan import course_notebooks
    from .run import autograde

    wanted = None
    if args.notebooks:
        wanted = [n.strip().removesuffix(".ipynb") for n in args.notebooks.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in course_notebooks()]
        if unknown:
            print(f"error: {', '.join(unknown)} is not a notebook of this course "
                  f"({', '.join(course_notebooks())}).", file=sys.stderr)
            return 2
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1.", file=sys.stderr)
        return 2
    limits = Limits(wall_seconds=args.wall_seconds, cpu_seconds=max(1, int(args.wall_seconds)),
                    memory_bytes=args.memory_mb * 1024**2)
    try:
        config = load(args.course_config)
        s = autograde(Path(args.submissions), Path(args.out), workers=args.workers, limits=limits, db_url=args.db,
                      course_dir=Path(args.course_dir) if args.course_dir else None, gradebook=not args.no_gradebook,
                      notebooks=wanted, progress=not args.quiet, config=config,
                      lms_times=Path(args.lms_times) if args.lms_times else None, scheduler=args.scheduler)
    except (LayoutError, CourseConfigError, SecretError, ClusterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for e in s.entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    print(f"Graded {s.graded} file(s) ({s.cached} unchanged, from the cache) for {s.students} student(s) in "
          f"{s.seconds:.1f} s; sandbox: {s.isolation}.")
    print("Notebooks: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none found") + ".")
    for item in s.ignored:
        print(f"note: {item}")
    for problem in s.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"Wrote {s.out / 'grades.csv'}, {s.out / 'results.json'}, {s.out / 'report.html'} and {s.out / 'feedback'}/"
          + (f"; gradebook {s.gradebook}" if s.gradebook else "") + ".")
    if not s.entries:
        print("warning: no submission was found: expected SUBMISSIONS/<student_id>/<notebook>.ipynb.",
              file=sys.stderr)
    if s.problems:  # the run's own failures (grader, gradebook); a student's bad file is a result, not one
        print(f"error: {len(s.problems)} problem(s) on the grader's side (listed above): the grades are incomplete. "
              "Fix them and run the same command again (only what failed is redone).", file=sys.stderr)
        return 1
    return 0
