"""The course's misconception library, loaded by path from the course (``misconceptions/`` beside
``solutions/``), never from the grader package: its variants are answers. In the student edition it
is absent, and the bank's manifest gives the entries without their code (their outputs are banked)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.diagnosis.misconception import Misconception
from grader.errors import InputError

FOLDER = "misconceptions"  # in the course, beside solutions/


@dataclass(frozen=True)
class Library:
    misconceptions: tuple[Misconception, ...]
    compose: Any = None  # the composable lesson the variants are built on (None: the edition, outputs banked)

    def hint_for(self, diagnosis_id: str) -> str:
        """The hint of a named mistake (of each, for "a+b"), '' for none."""
        hints = {m.id: m.hint for m in self.misconceptions}
        return " Or: ".join(hints[part] for part in diagnosis_id.split("+") if hints.get(part))


EMPTY = Library(())
_LOADED: dict[Path, Library] = {}


def has_library(course: Path) -> bool:
    return (course / FOLDER / "__init__.py").is_file()


def course_library(course: Path) -> Library:
    """The library of ``course`` (an empty one where the course has none)."""
    root = (course / FOLDER).resolve()
    if root not in _LOADED:
        _LOADED[root] = _load(root) if (root / "__init__.py").is_file() else EMPTY
    return _LOADED[root]


def _load(root: Path) -> Library:
    name = f"_course_misconceptions_{len(_LOADED)}"
    spec = importlib.util.spec_from_file_location(name, root / "__init__.py", submodule_search_locations=[str(root)])
    if spec is None or spec.loader is None:
        raise InputError(f"{root}: the course's misconception library cannot be loaded")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its own relative imports find it there
    spec.loader.exec_module(module)
    return Library(tuple(module.MISCONCEPTIONS), module.compose)
