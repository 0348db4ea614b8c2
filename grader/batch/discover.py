"""Find the students in a batch folder: one folder per student, the folder's name is the student id.

Three layouts: ``DIR/<student>/`` holding the learner's files; nbgrader's
``submitted/<student>/<assignment>/`` (``DIR`` may be the course folder holding ``submitted/``
or ``submitted/`` itself); and what ``gh classroom clone student-repos`` makes,
``<assignment>-submissions/<assignment>-<login>/`` (``DIR`` is the ``-submissions`` folder; the
student id is the GitHub login; a repository of a student edition keeps its files in
``exercises/``, and its ``pyproject.toml`` is the course's settings, no quiz answers).

A student's recognised files are the track files (``lstm_numpy.py``, ``lstm_torch.py``), their
notebooks (``lstm_numpy.ipynb``, graded as the track file, ``grader.notebook.loading``) and quiz
answers (``*.toml``); other ``.py`` files beside them are kept too (a track file may import them).
A notebook that is not one (not JSON, not nbformat 4) makes the folder unreadable, with the
sentence that says why. A folder that cannot be graded (no recognised file, an unreadable file, a
name that is no valid id) is kept with a one-sentence problem.

The files are read as ``grade --profile ci check`` reads them (``grader.sandbox.files``), so both
give the same verdict. Whatever is inside a student's folder is the student's: a symbolic link there
(a file, or the assignment folder) is never followed, since it could point at the reference solutions
or at any file the instructor can read, whose text would then be graded, and quoted back, as the
student's. A FIFO, socket or device is never opened; bytes that are not UTF-8 are graded as Python
reads them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from grader.batch.records import GRADED, INVALID_ID, NO_FILES, UNREADABLE
from grader.catalog import TRACKS
from grader.errors import UsageError
from grader.notebook.cells import SUFFIX, NotebookError, notebook_name, read_cells
from grader.sandbox.files import SymlinkError, UnreadableFile, read_submission

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
NOTEBOOKS = tuple(notebook_name(info.file) for info in TRACKS.values())
CODE_FILES = tuple(info.file for info in TRACKS.values()) + NOTEBOOKS
CLASSROOM_SUFFIX = "-submissions"  # gh classroom clone student-repos: <assignment>-submissions/<assignment>-<login>/
EXERCISES = "exercises"  # where a student edition's repository keeps the learner's files


@dataclass(frozen=True)
class StudentFolder:
    student: str
    folder: Path
    files: dict[str, bytes]  # recognised file name -> its bytes
    status: str = GRADED  # GRADED: ready to grade; else why not
    problem: str = ""

    @property
    def code(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name in CODE_FILES)

    @property
    def answers(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name.endswith(".toml"))

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{len(self.files[name])}\0".encode())
            digest.update(self.files[name])
        return digest.hexdigest()


def discover(root: Path, *, assignment: str | None = None, skip: Path | None = None,
             only: Collection[str] = ()) -> list[StudentFolder]:
    """Every student folder under ``root``, sorted by id (``skip``: the batch's own output folder); with
    ``only``, just those students' (a name in it with no folder is a ``UsageError``)."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder (give the folder holding one folder per student)")
    base = base_of(root)
    prefix = classroom_prefix(base)
    found = []
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        student = student_of(entry, prefix)
        if entry.name.startswith(".") or not entry.is_dir() or (only and student not in only):
            continue
        if skip is not None and entry.resolve() == skip.resolve():
            continue
        found.append(_student(entry, assignment, student, repository=student != entry.name))
    absent = sorted(set(only) - {folder.student for folder in found})
    if absent:
        raise UsageError(f"{base} has no folder for the student{'s' if len(absent) > 1 else ''} given with --student: "
                         f"{', '.join(absent)}")
    return found


def base_of(root: Path) -> Path:
    """The folder holding one folder per student: ``root``, or nbgrader's ``root/submitted``."""
    return root / "submitted" if (root / "submitted").is_dir() else root


def classroom_prefix(base: Path) -> str | None:
    """``"<assignment>-"`` when ``base`` is the ``<assignment>-submissions`` folder of ``gh classroom clone
    student-repos``, else None."""
    name = base.resolve().name
    if name.endswith(CLASSROOM_SUFFIX) and len(name) > len(CLASSROOM_SUFFIX):
        return name.removesuffix(CLASSROOM_SUFFIX) + "-"
    return None


def student_of(entry: Path, prefix: str | None) -> str:
    """The student id of a folder: its name, less the assignment's prefix in gh classroom's layout (the login)."""
    if prefix is not None and entry.name.startswith(prefix) and len(entry.name) > len(prefix):
        return entry.name.removeprefix(prefix)
    return entry.name


def _student(folder: Path, assignment: str | None, student: str, *, repository: bool = False) -> StudentFolder:
    if not STUDENT_ID.fullmatch(student):
        return StudentFolder(student, folder, {}, INVALID_ID,
                             f"the folder name {student!r} is not a valid student id (letters, digits and . _ @ + -, "
                             "starting with a letter or digit, at most 64 characters)")
    try:
        where = _repository_folder(folder) if repository else _files_folder(folder, assignment)
    except SymlinkError as link:
        return StudentFolder(student, folder, {}, UNREADABLE, str(link))
    except OSError as error:
        return StudentFolder(student, folder, {}, UNREADABLE, f"{folder}: cannot be read ({error.strerror})")
    except UsageError as error:
        return StudentFolder(student, folder, {}, NO_FILES, str(error))
    try:
        files = read_submission(where, follow_links=False, suffixes=(".py", ".toml", SUFFIX))
        for name in (n for n in NOTEBOOKS if n in files):
            read_cells(files[name], str(where / name))
    except (UnreadableFile, NotebookError) as problem:
        return StudentFolder(student, where, {}, UNREADABLE, str(problem))
    if repository:
        files.pop("pyproject.toml", None)  # a student edition's settings, no quiz answers
    if not any(name in CODE_FILES or name.endswith(".toml") for name in files):
        return StudentFolder(student, where, {}, NO_FILES,
                             f"{where} holds no recognised file ({', '.join(CODE_FILES)} or quiz answers *.toml)")
    return StudentFolder(student, where, files)


def _repository_folder(folder: Path) -> Path:
    """The folder of a cloned repository holding the student's files: its ``exercises/`` (a student edition's),
    else the repository itself."""
    inner = folder / EXERCISES
    if inner.is_symlink():
        raise SymlinkError(inner)
    if inner.is_dir() and any((inner / name).exists() or (inner / name).is_symlink() for name in CODE_FILES):
        return inner
    return folder


def _files_folder(folder: Path, assignment: str | None) -> Path:
    """The folder holding a student's files: the student's own, or nbgrader's assignment folder."""
    if any((folder / name).exists() for name in CODE_FILES) or any(folder.glob("*.toml")):
        return folder
    inner = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    link = next((p for p in inner if p.is_symlink() and assignment in (None, p.name)), None)
    if link is not None:
        raise SymlinkError(link)
    if assignment is not None:
        if (folder / assignment).is_dir():
            return folder / assignment
        raise UsageError(f"{folder} has no assignment folder {assignment!r}")
    if len(inner) == 1:
        return inner[0]
    if len(inner) > 1:
        raise UsageError(f"{folder} holds several assignments ({', '.join(p.name for p in inner)}): choose one "
                         "with --assignment")
    return folder
