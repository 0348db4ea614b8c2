"""A submission folder's notebooks as the track files the grader grades.

``grade check`` and ``grade batch`` read a folder's ``.py`` and ``.ipynb`` files once
(``grader.sandbox.files``); here each notebook of a track (``lstm_numpy.ipynb``) becomes that
track's file (``lstm_numpy.py``: its code cells, ``grader.notebook.extract``), so the sandbox
and the checks grade it exactly as they grade the ``.py``. Where a folder holds both, the
``.py`` is graded and a note says so. A notebook named by hand (``grade check mine.ipynb``)
is the track(s) whose exercises it defines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.notebook.cells import SUFFIX, notebook_name, read_cells
from grader.notebook.extract import Extracted, extract
from grader.notebook.lines import Origin


@dataclass(frozen=True)
class Loaded:
    files: dict[str, bytes]  # the .py files to grade and copy into the sandbox, a notebook's under its track's name
    graded: tuple[str, ...]  # the track files to grade, in the order given
    origins: dict[str, Origin] = field(default_factory=dict)  # track file -> the notebook it was taken from
    notes: tuple[str, ...] = ()


def load(files: Mapping[str, bytes], track_files: tuple[str, ...], *, path: Path, only: str | None,
         symbols: Callable[[], dict[str, set[str]]]) -> Loaded:
    """What to grade of a folder's ``files`` (name -> bytes, ``.py`` and ``.ipynb``): every track there, or
    ``only`` that file (``path`` as given). ``symbols()``: track file -> the names of its exercises, asked only
    for a notebook that is named by hand."""
    code = {name: data for name, data in files.items() if not name.endswith(SUFFIX)}
    notebooks = {name: data for name, data in files.items() if name.endswith(SUFFIX)}
    origins: dict[str, Origin] = {}
    notes: list[str] = []
    if only is not None and only.endswith(SUFFIX):
        if only not in notebooks:  # a name the folder's reader passes over (a hidden file)
            raise UsageError(f"{path} is not a notebook the grader reads (its name starts with a dot)")
        extracted = _extract(notebooks[only], path)
        canonical = [file for file in track_files if notebook_name(file) == only]
        graded = canonical or _defining(extracted, symbols(), path)
        for file in graded:
            code[file] = extracted.code.encode()
            origins[file] = Origin(only, extracted.lines)
        notes += _skipped_note(only, extracted)
        return Loaded(code, tuple(graded), origins, tuple(notes))
    if only is not None:
        return Loaded(code, tuple(f for f in track_files if f == only and f in code))
    both = []
    for file in track_files:
        notebook = notebook_name(file)
        if notebook not in notebooks:
            continue
        if file in code:
            both.append((file, notebook))
            continue
        extracted = _extract(notebooks[notebook], path / notebook)
        code[file] = extracted.code.encode()
        origins[file] = Origin(notebook, extracted.lines)
        notes += _skipped_note(notebook, extracted)
    if both:
        pairs = ", ".join(f"{file} and {notebook}" for file, notebook in both)
        notes.insert(0, f"{path} holds both {pairs}: the .py {'files were' if len(both) > 1 else 'file was'} "
                        f"graded (grade check {path / both[0][1]} grades a notebook).")
    return Loaded(code, tuple(f for f in track_files if f in code), origins, tuple(notes))


def _extract(data: bytes, path: Path) -> Extracted:
    cells = read_cells(data, str(path))
    return extract((f"cell {c.number}", c.source) for c in cells if c.kind == "code" and not c.autograder_test)


def _defining(extracted: Extracted, symbols: dict[str, set[str]], path: Path) -> list[str]:
    """The track files whose exercises the notebook defines."""
    defined = extracted.defines()
    found = [file for file, names in symbols.items() if names & defined]
    if not found:
        every = ", ".join(sorted(set().union(*symbols.values())))
        raise UsageError(f"{path} defines none of the exercises ({every}): grade checks the lesson's notebooks "
                         f"({', '.join(notebook_name(f) for f in symbols)}) or notebooks that define them")
    return found


def _skipped_note(notebook: str, extracted: Extracted) -> list[str]:
    """One sentence naming what the grader left out of ``notebook`` (none when nothing was)."""
    if not extracted.skipped:
        return []
    where = "; ".join(f"{piece} ({', '.join(what)})" for piece, what in extracted.skipped)
    return [f"{notebook}: not graded, since the grader runs only your Python (IPython commands and calls of the "
            f"grader itself are left out): {where}."]
