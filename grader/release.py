"""``python -m grader release``: instructor sources -> student notebooks + visible fixtures.

For each ``grader/source/NN_topic.py`` (jupytext py:percent with nbgrader cell metadata):
1. read it as a notebook and give every cell a stable id;
2. run nbgrader's generate_assignment on it (solutions replaced by
   ``raise NotImplementedError()``, hidden tests removed, graded cells locked, checksums);
3. strip outputs and execution counts and write ``notebooks/NN_topic.ipynb``;
4. compute the visible checks' expected outputs (and the outputs of known mistakes) from
   the reference solutions and write ``grader/checks/fixtures/NN_topic.json``.

Files are written only when their content changes (a fixture: when a number moves by more than
``fixture_sync.RTOL``), so a second run changes nothing, on any machine.
"""
from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path

import nbformat
from traitlets.config import Config

from .autograde.versions import release_digest
from .checks import wire
from .checks.evaluate import FIXTURES
from .checks.specs import functions_of
from .fixture_sync import in_sync
from .sourcefiles import all_sources, nbgrader_meta, prelude, read_source, source_path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def source_notebook(path: Path) -> nbformat.NotebookNode:
    """The instructor source as an nbformat notebook with stable cell ids and metadata."""
    nb = read_source(path)
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        gid = nbgrader_meta(cell).get("grade_id")
        cid = gid if gid and gid not in seen else f"cell-{i:02d}"
        seen.add(cid)
        cell["id"] = cid
        cell.metadata.pop("lines_to_next_cell", None)
    nbformat.validate(nb)
    return nb


def _alembic_head() -> str:
    """What ``alembic heads`` prints first, computed in this process."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.api import _temp_alembic_ini

    with _temp_alembic_ini("sqlite://") as ini:
        return ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()


def _prepare_nbgrader() -> None:
    """nbgrader runs the ``alembic`` command each time it opens a gradebook (seconds each);
    give it the same answer computed once, in process."""
    import nbgrader.api

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=None)(_alembic_head)


def generate_assignment(notebook: str, assignment: str | None = None, db_url: str | None = None) -> nbformat.NotebookNode:
    """nbgrader's generate_assignment run on the instructor source of ``notebook``: the released
    (student) notebook, with nbgrader's cell checksums. The cells are recorded in the gradebook
    at ``db_url`` (by default a throwaway one), under ``assignment`` (default: the notebook's name)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    assignment = assignment or notebook
    _prepare_nbgrader()
    with tempfile.TemporaryDirectory(prefix="grader-release-") as tmp:
        src = Path(tmp) / "source" / assignment
        src.mkdir(parents=True)
        nbformat.write(source_notebook(source_path(notebook)), src / f"{notebook}.ipynb")
        config = Config()
        config.CourseDirectory.root = tmp
        config.CourseDirectory.assignment_id = assignment
        config.CourseDirectory.notebook_id = notebook
        # nbgrader's Gradebook() records under "default_course"; with its CourseDirectory default ('')
        # the assignment would name a course that does not exist (PostgreSQL enforces the key)
        config.CourseDirectory.course_id = "default_course"
        config.CourseDirectory.db_url = db_url or f"sqlite:///{Path(tmp) / 'gradebook.db'}"
        converter = GenerateAssignment(coursedir=CourseDirectory(config=config), config=config)
        converter.log.setLevel(logging.ERROR)
        converter.start()
        return nbformat.read(Path(tmp) / "release" / assignment / f"{notebook}.ipynb", as_version=4)


def generate_student(path: Path) -> str:
    """The student notebook's text, made by nbgrader's generate_assignment, outputs cleared."""
    student = generate_assignment(path.stem)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    student.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"},
                                           "grader": {"release": release_digest(path.stem)}})
    return nbformat.writes(student) + "\n"


def fixture_text(notebook: str) -> str:
    """The visible probes of a notebook with expected and mistaken outputs, as JSON text."""
    from .hidden import visible_cases

    functions = {}
    for spec in functions_of(notebook):
        functions[spec.name] = [
            {"probe": c.name, "args": [wire.to_json_tree(a) for a in c.args],
             "kwargs": {k: wire.to_json_tree(v) for k, v in c.kwargs.items()},
             "expected": wire.to_json_tree(c.expected),
             "mistakes": [{"id": m.id, "message": m.message, "output": wire.to_json_tree(m.output)}
                          for m in c.mistakes]}
            for c in visible_cases(spec.name)
        ]
    return wire.dumps({"notebook": notebook, "generated_by": "python -m grader release",
                       "release": release_digest(notebook), "functions": functions,
                       "prelude": prelude(source_path(notebook))})


def planned(out_dir: Path = NOTEBOOKS, fixtures_dir: Path = FIXTURES) -> dict[Path, str]:
    """Every file the release writes, with its content."""
    files = {}
    for path in all_sources():
        files[out_dir / f"{path.stem}.ipynb"] = generate_student(path)
        if functions_of(path.stem):
            files[fixtures_dir / f"{path.stem}.json"] = fixture_text(path.stem)
    return files


def unchanged(path: Path, text: str) -> bool:
    """The file at ``path`` may stay as it is: same text, or, for a fixture, the same numbers
    within ``fixture_sync.RTOL`` (BLAS rounding on another CPU is not a change)."""
    committed = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return in_sync(committed, text)
    return committed == text


def release(out_dir: Path = NOTEBOOKS, fixtures_dir: Path = FIXTURES, check: bool = True) -> list[Path]:
    """Write what changed; return the paths written. Checks the course file (course.toml) first,
    then (unless ``check`` is false) the sources, catalogue and suites for authoring mistakes:
    :class:`grader.authoring.AuthoringError` lists them, and nothing is written."""
    from .course_config import load

    load()  # raises CourseConfigError naming the mistake
    if check:
        from .authoring import check_course

        check_course()
    written = []
    for path, text in planned(out_dir, fixtures_dir).items():
        if not path.exists() or not unchanged(path, text):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def reference_answers(source: Path) -> dict[str, tuple[str, str]]:
    """``{grade_id: (cell_type, text)}`` of the answer cells of an instructor source: the code
    of each graded function, and the model answer of each written question (without the
    solution markers)."""
    answers = {}
    for cell in read_source(source).cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta.get("grade_id"):
            text = cell.source
            if cell.cell_type == "markdown":
                text = "\n".join(line for line in text.splitlines()
                                 if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")).strip()
            answers[meta["grade_id"]] = (cell.cell_type, text)
    return answers


def filled_student_notebook(notebook: str, notebooks_dir: Path = NOTEBOOKS, written: bool = False) -> dict:
    """The student notebook (as a JSON dict) with every code answer cell - and, with ``written``,
    every written answer - replaced by the instructor source's cell with the same grade_id: a
    perfect submission, for tests, benchmarks and the browser tests."""
    import json

    source = source_path(notebook)
    if not source.exists():
        raise FileNotFoundError(f"{notebook}.ipynb has no instructor source {source}; notebooks/ is made by "
                                "`python -m grader release` from grader/source/.")
    answers = reference_answers(source)
    nb = json.loads((notebooks_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    answer_cells = [c for c in nb["cells"] if nbgrader_meta(c).get("solution")
                    and (written or c.get("cell_type") == "code")]
    missing = [nbgrader_meta(c).get("grade_id") for c in answer_cells if nbgrader_meta(c).get("grade_id") not in answers]
    if missing:
        raise ValueError(f"{notebook}.ipynb: the answer cells {missing} have no solution in {source}; "
                         "is the notebook out of date? Run `python -m grader release`.")
    for cell in answer_cells:
        cell["source"] = answers[nbgrader_meta(cell)["grade_id"]][1]
    return nb
