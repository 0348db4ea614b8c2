"""Where in the learner's file each exercise is: the line of its ``def`` or ``class``, found with ``ast``.

The learner's file is parsed, never imported or run. A file that does not parse points at the line
of its syntax error; a function or class that is not there, a file that cannot be read and a
symbolic link (never followed) at line 1. Paths are given relative to ``$GITHUB_WORKSPACE`` when
the file is inside it (so GitHub can place an annotation on it), else as the learner's path names
them.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError


@dataclass(frozen=True)
class Place:
    file: str  # as an annotation names it
    line: int  # 1-based


def definition_lines(source: bytes) -> dict[str, int]:
    """Each top-level function and class of ``source`` -> the line of its ``def`` or ``class`` (after its
    decorators); ``{"": n}`` alone when the source does not parse, n the line of the syntax error."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return {"": max(error.lineno or 1, 1)}
    except ValueError:  # NUL bytes
        return {}
    found: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node.lineno
    return found


def symbol_of(exercise: str) -> str:
    """The function or class the learner writes for ``exercise`` (the catalog's; the id itself if it is not
    in the catalog)."""
    from grader.catalog import find_exercise

    try:
        return find_exercise(exercise)[1].symbol
    except UsageError:
        return exercise


@dataclass
class Locator:
    """Finds each exercise's place in the learner's files of one submission (each file parsed once)."""

    folder: Path  # the folder holding the learner's files
    workspace: Path | None = None  # $GITHUB_WORKSPACE
    _lines: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def for_submission(cls, path: Path, workspace: str | None) -> Locator:
        folder = path if path.is_dir() else path.parent
        return cls(folder, Path(workspace) if workspace else None)

    def place(self, file: str, exercise: str) -> Place:
        if file not in self._lines:  # a notebook (.ipynb) has no Python lines to point at: its line 1
            self._lines[file] = definition_lines(self._read(self.folder / file)) if file.endswith(".py") else {}
        lines = self._lines[file]
        line = lines.get(symbol_of(exercise)) or lines.get("") or 1
        return Place(self.display(self.folder / file), line)

    def display(self, path: Path) -> str:
        """``path`` relative to the workspace where it is inside it (with forward slashes), else as given."""
        if self.workspace is not None:
            try:
                return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.workspace)).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes() if path.is_file() and not path.is_symlink() else b""  # never a link's target
        except OSError:
            return b""
