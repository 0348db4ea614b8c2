"""Find the learner's files: PATH is a folder holding the track files, or one of them.

The folder's files are read here, once (``grader.sandbox.files``, as ``grade batch`` reads a
student's): what is graded, copied into the sandbox and quoted back is exactly what was read. A
track's notebook (``lstm_numpy.ipynb``) is graded as that track's file, made of its code cells
(``grader.notebook.loading``); ``origins`` maps the file's lines back to the notebook's cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import TRACK_FILES
from grader.errors import UsageError
from grader.notebook.cells import SUFFIX
from grader.notebook.lines import Origin
from grader.notebook.loading import load
from grader.sandbox.files import read_submission


@dataclass(frozen=True)
class Submission:
    path: Path  # as given
    folder: Path  # the folder the files were read from
    tracks: dict[str, str]  # track name -> file name present
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # the folder's .py files, name -> bytes
    origins: dict[str, Origin] = field(default_factory=dict)  # track file -> the notebook it was taken from
    notes: tuple[str, ...] = ()  # about the notebooks: what was left out, which file was graded


def locate(path: Path, *, tracks: set[str] | None = None, follow_links: bool = False) -> Submission:
    """The tracks ``path`` holds and the files of its folder; one clear sentence if it holds none, or
    if one of them cannot be read as the submission's own (``follow_links``: a symbolic link to a file
    may be followed; unless told, as the grade of record, it may not)."""
    names = {file: name for name, (file, _) in TRACK_FILES.items()}
    wanted = ", ".join(names) + ", their notebooks"
    only: str | None
    if path.is_dir():
        folder, only = path, None
    elif path.exists() or path.is_symlink():  # a file, or something in a file's place: read_submission says which
        if path.name not in names and path.suffix != SUFFIX:
            raise UsageError(f"{path} is not an exercise file: grade checks {wanted} (or a folder holding them)")
        folder, only = path.parent, path.name
    else:
        raise UsageError(f"{path}: no such file or folder")
    loaded = load(read_submission(folder, follow_links=follow_links, suffixes=(".py", SUFFIX)), tuple(names),
                  path=path, only=only, symbols=_symbols)
    files = loaded.files
    found = {names[file]: file for file in loaded.graded}
    if not found:
        raise UsageError(f"{path} holds none of the exercise files ({wanted})")
    if tracks is not None:
        for track in sorted(tracks - set(found)):
            raise UsageError(f"{path} has no {TRACK_FILES[track][0]}, which that exercise is in")
        found = {t: f for t, f in found.items() if t in tracks}
    return Submission(path=path, folder=folder, tracks=found, files=files, origins=loaded.origins, notes=loaded.notes)


def _symbols() -> dict[str, set[str]]:
    """Track file -> the names of its exercises (to tell which track a notebook named by hand is)."""
    from grader.catalog import load_track

    return {info[0]: {e.symbol for e in load_track(name).exercises} for name, info in TRACK_FILES.items()}
