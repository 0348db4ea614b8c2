"""A notebook's cells, read from its bytes: JSON in nbformat 4, nothing executed, nothing imported.

Grading reads only what it grades (each cell's kind, source and nbgrader metadata), so this is
plain ``json`` and needs no Jupyter package: ``grade check`` grades a notebook on the bare
install. What is not such a notebook is refused in one sentence that names the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from grader.errors import InputError

SUFFIX = ".ipynb"


class NotebookError(InputError):
    """A file that should be a notebook is not one; the message names it and the problem."""


@dataclass(frozen=True)
class Cell:
    number: int  # its place among all the notebook's cells, from 1, as a reader counts them from the top
    kind: str  # "code", "markdown" or "raw"
    source: str
    nbgrader: dict[str, Any] = field(default_factory=dict)  # the cell's nbgrader metadata ({} when none)

    @property
    def autograder_test(self) -> bool:
        """An nbgrader test cell (graded, not the learner's answer): the course's code, never the learner's."""
        return bool(self.nbgrader.get("grade")) and not self.nbgrader.get("solution")


def notebook_name(file: str) -> str:
    """The notebook a track's file is written as: ``lstm_numpy.py`` -> ``lstm_numpy.ipynb``."""
    return PurePath(file).with_suffix(SUFFIX).name


def read_cells(data: bytes, name: str) -> list[Cell]:
    """The cells of the notebook ``data`` (from the file ``name``, which messages quote)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{name}: not a notebook (it is not UTF-8 text)") from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{name}: not a notebook (not valid JSON: {error.msg} at line {error.lineno}, "
                            f"column {error.colno})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        old = isinstance(notebook, dict) and "worksheets" in notebook
        why = ("it is in the old nbformat 3: open it in Jupyter and save it again" if old
               else "it has no list of cells, as nbformat 4 requires")
        raise NotebookError(f"{name}: not a notebook in nbformat 4 ({why})")
    major = notebook.get("nbformat")
    if major != 4:
        raise NotebookError(f"{name}: not a notebook in nbformat 4 (its nbformat is {major!r})")
    return [_cell(raw, number, name) for number, raw in enumerate(notebook["cells"], start=1)]


def _cell(raw: Any, number: int, name: str) -> Cell:
    if not isinstance(raw, dict) or raw.get("cell_type") not in ("code", "markdown", "raw"):
        raise NotebookError(f"{name}: cell {number} is malformed (it has no cell_type code, markdown or raw)")
    source = raw.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise NotebookError(f"{name}: cell {number} is malformed (its source is neither text nor a list of lines)")
    metadata = raw.get("metadata", {})
    nbgrader = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return Cell(number, raw["cell_type"], source, nbgrader if isinstance(nbgrader, dict) else {})
