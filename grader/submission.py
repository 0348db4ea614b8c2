"""Find the learner's files: PATH is a folder holding the track files, or one of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.catalog import TRACK_FILES
from grader.errors import UsageError


@dataclass(frozen=True)
class Submission:
    path: Path  # as given
    folder: Path  # the folder the files are copied from
    tracks: dict[str, str]  # track name -> file name present


def locate(path: Path, *, tracks: set[str] | None = None) -> Submission:
    """The tracks ``path`` holds; one clear sentence if it holds none."""
    names = {file: name for name, (file, _) in TRACK_FILES.items()}
    wanted = ", ".join(names)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if path.is_file():
        if path.name not in names:
            raise UsageError(f"{path} is not an exercise file: grade checks {wanted} (or a folder holding them)")
        found = {names[path.name]: path.name}
        folder = path.parent
    else:
        found = {name: file for file, name in names.items() if (path / file).is_file()}
        folder = path
        if not found:
            raise UsageError(f"{path} holds none of the exercise files ({wanted})")
    if tracks is not None:
        for track in sorted(tracks - set(found)):
            raise UsageError(f"{path} has no {TRACK_FILES[track][0]}, which that exercise is in")
        found = {t: f for t, f in found.items() if t in tracks}
    return Submission(path=path, folder=folder, tracks=found)
