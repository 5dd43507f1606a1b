"""Find the submissions: a folder in the course's layout, nbgrader's, or an LMS zip.

Accepted layouts (hidden files, ``__MACOSX`` and ``.ipynb_checkpoints`` are skipped):

- the course's: ``SUBMISSIONS/<student_id>/<notebook>.ipynb``;
- nbgrader's: ``SUBMISSIONS/[submitted/]<student_id>/<assignment>/<notebook>.ipynb``;
- a Moodle download: ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb`` or flat files
  ``<Full Name>_<id>_assignsubmission_file_<notebook>.ipynb`` (the student id is ``<Full Name>_<id>``);
- a Canvas download: flat files ``<name>[_LATE]_<user id>_<submission id>_<notebook>[-N].ipynb``
  (the student id is ``<name>_<user id>``; ``_LATE`` is kept in :attr:`Found.lms`), at the top or
  inside one wrapper folder, or ``<student>_<notebook>.ipynb``;
- a ``.zip`` of any of these (also inside one wrapper folder), extracted safely: no absolute
  paths, no ``..``, no links, only notebook files, limits on sizes and counts.

File-name parsing of the LMSs lives in :mod:`lms`.

A file whose name is a course notebook's but is not ``.ipynb`` is kept (it is graded as "not a
notebook"); other files are listed as ignored.
"""
from __future__ import annotations

import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .lms import LmsFile, canvas_file, moodle_name
from .plan import course_notebooks
from .unit import Submission

MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_MEMBER_BYTES = 64 * 1024**2
MAX_ZIP_TOTAL_BYTES = 4 * 1024**3
SKIP = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")


class LayoutError(Exception):
    """The submissions cannot be read at all; the message says why and what to do."""


@dataclass
class Found:
    submissions: list[Submission] = field(default_factory=list)
    students: set[str] = field(default_factory=set)  # every student folder, even an empty one
    ignored: list[str] = field(default_factory=list)  # files that are not submissions, with why
    lms: dict[str, LmsFile] = field(default_factory=dict)  # file (rel) -> what its LMS download name says
    tmpdir: tempfile.TemporaryDirectory | None = None  # an extracted zip: kept until the run ends

    def close(self) -> None:
        if self.tmpdir is not None:
            self.tmpdir.cleanup()
            self.tmpdir = None


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIP or name == "timestamp.txt"


def _is_candidate(path: Path) -> bool:
    return path.suffix == ".ipynb" or path.stem in course_notebooks()


def valid_student_id(sid: str) -> bool:
    return bool(sid) and sid not in (".", "..") and not any(ch in sid for ch in "/\\\0") and len(sid) <= 200


def _student_from_folder(name: str) -> tuple[str, LmsFile | None]:
    m = moodle_name(name)
    return (m.student_id, m) if m else (name, None)


def _flat_file(path: Path) -> tuple[str, str, LmsFile | None] | None:
    """(student id, notebook file name, LMS name) of an LMS flat file (Canvas's or Moodle's download)."""
    parsed = canvas_file(path.name) or moodle_name(path.name)
    if parsed is not None and parsed.file:
        return parsed.student_id, parsed.file, parsed
    stem = re.sub(r"-\d+$", "", path.stem)
    for nb in sorted(course_notebooks(), key=len, reverse=True):  # <student>_<notebook>.ipynb
        if stem.endswith(nb) and len(stem) > len(nb):
            sid = stem[: -len(nb)].rstrip("_- ")
            return (sid, f"{nb}{path.suffix}", None) if sid else None
    return None


def _is_wrapper(folder: Path) -> bool:
    """A folder of LMS flat files (Canvas's zip unpacked into one folder), not a student's folder."""
    files = [e for e in folder.iterdir() if e.is_file() and not _skipped(e.name) and _is_candidate(e)]
    return bool(files) and all(canvas_file(e.name) or (moodle_name(e.name) and moodle_name(e.name).file)
                               for e in files)


def discover(root: Path) -> Found:
    root = Path(root)
    if not root.exists():
        raise LayoutError(f"{root} does not exist. Give the folder (or .zip) of the submissions: "
                          "SUBMISSIONS/<student_id>/<notebook>.ipynb.")
    if root.is_file():
        if zipfile.is_zipfile(root):
            return _from_zip(root)
        raise LayoutError(f"{root} is a file, not a folder or a .zip of submissions. Put each student's notebooks "
                          "in SUBMISSIONS/<student_id>/<notebook>.ipynb.")
    found = Found()
    _scan(root, found)
    return found


def _scan(root: Path, found: Found, base: Path | None = None) -> None:
    if (root / "submitted").is_dir():  # an nbgrader course folder
        root = root / "submitted"
    base = base or root
    for entry in sorted(root.iterdir()):
        if _skipped(entry.name):
            continue
        rel = entry.relative_to(base).as_posix()
        if entry.is_dir() and not entry.is_symlink():
            if _is_wrapper(entry):
                _scan(entry, found, base)
                continue
            sid, lms = _student_from_folder(entry.name)
            if not valid_student_id(sid):
                found.ignored.append(f"{rel}/: not a usable student id")
                continue
            found.students.add(sid)
            _scan_student(entry, sid, base, found, lms)
        elif entry.is_file() and not entry.is_symlink() and _is_candidate(entry):
            flat = _flat_file(entry)
            if flat is None or not valid_student_id(flat[0]):
                found.ignored.append(f"{rel}: a file at the top level; put it in a folder named after the student")
                continue
            found.students.add(flat[0])
            found.submissions.append(Submission(flat[0], entry, rel))
            if flat[2] is not None:
                found.lms[rel] = flat[2]
        else:
            found.ignored.append(f"{rel}: not a notebook")


def _scan_student(folder: Path, sid: str, root: Path, found: Found, lms: LmsFile | None = None) -> None:
    for entry in sorted(folder.iterdir()):
        if _skipped(entry.name):
            continue
        rel = entry.relative_to(root).as_posix()
        if entry.is_symlink():
            found.ignored.append(f"{rel}: a symbolic link")
        elif entry.is_file():
            if _is_candidate(entry):
                found.submissions.append(Submission(sid, entry, rel))
                if lms is not None:
                    found.lms[rel] = lms
            else:
                found.ignored.append(f"{rel}: not a notebook")
        elif entry.is_dir():  # nbgrader: <student>/<assignment>/<notebook>.ipynb
            for inner in sorted(entry.iterdir()):
                inner_rel = inner.relative_to(root).as_posix()
                if _skipped(inner.name):
                    continue
                if inner.is_file() and not inner.is_symlink() and _is_candidate(inner):
                    found.submissions.append(Submission(sid, inner, inner_rel, entry.name))
                else:
                    found.ignored.append(f"{inner_rel}: not a notebook")


# --- zips ------------------------------------------------------------------------------

def _safe_member(name: str) -> PurePosixPath | None:
    """The member's relative path, or None if it could escape the extraction folder."""
    name = name.replace("\\", "/")
    if not name or "\0" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    path = PurePosixPath(name)
    if any(part in ("..", "") for part in path.parts) or path.is_absolute():
        return None
    return path


def _from_zip(archive: Path) -> Found:
    tmp = tempfile.TemporaryDirectory(prefix="grader-zip-")
    dest = Path(tmp.name)
    found = Found(tmpdir=tmp)
    total = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise LayoutError(f"{archive} has {len(infos)} files, more than {MAX_ZIP_MEMBERS}; split it.")
            for info in infos:
                if info.is_dir():
                    continue
                rel = _safe_member(info.filename)
                kind = stat.S_IFMT(info.external_attr >> 16)
                if rel is None:
                    found.ignored.append(f"{info.filename}: an unsafe path in the zip (absolute or with ..)")
                    continue
                if kind == stat.S_IFLNK:
                    found.ignored.append(f"{info.filename}: a symbolic link in the zip")
                    continue
                if any(_skipped(p) for p in rel.parts):
                    continue
                if not _is_candidate(Path(rel.name)):
                    found.ignored.append(f"{info.filename}: not a notebook")
                    if len(rel.parts) > 1:  # keep the student's folder: an empty folder means "missing"
                        dest.joinpath(*rel.parts[:-1]).mkdir(parents=True, exist_ok=True)
                    continue
                if info.flag_bits & 0x1:
                    found.ignored.append(f"{info.filename}: encrypted")
                    continue
                target = dest.joinpath(*rel.parts)
                if not target.resolve().is_relative_to(dest.resolve()):
                    found.ignored.append(f"{info.filename}: an unsafe path in the zip")
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        total += len(chunk)
                        if written > MAX_ZIP_MEMBER_BYTES:
                            break
                        if total > MAX_ZIP_TOTAL_BYTES:
                            raise LayoutError(f"{archive} expands to more than {MAX_ZIP_TOTAL_BYTES // 1024**3} GB; "
                                              "is it a zip bomb?")
                        out.write(chunk)
                if written > MAX_ZIP_MEMBER_BYTES:
                    target.unlink()
                    found.ignored.append(f"{info.filename}: larger than {MAX_ZIP_MEMBER_BYTES // 1024**2} MB")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        tmp.cleanup()
        raise LayoutError(f"{archive} is not a readable zip file ({type(exc).__name__}: {exc}).") from None
    except LayoutError:
        tmp.cleanup()
        raise
    root = dest
    while True:  # descend through wrapper folders: one folder holding only folders (not assignments)
        entries = [e for e in root.iterdir() if not _skipped(e.name)]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        inner = [e for e in entries[0].iterdir() if not _skipped(e.name)]
        if not inner or any(e.is_file() for e in inner) or all(e.name in course_notebooks() for e in inner):
            break
        root = entries[0]
    _scan(root, found)
    return found
