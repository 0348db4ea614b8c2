"""The course's reference solutions, imported in the grader's own (trusted) process only."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from grader.catalog import Track
from grader.errors import InputError

_REFERENCES: dict[Path, ModuleType] = {}


def load_reference(course: Path, track: Track) -> ModuleType:
    """The track's reference solutions, imported in the (trusted) parent."""
    path = (course / track.solution).resolve()
    if path not in _REFERENCES:
        if not path.is_file():
            raise InputError(f"{path}: the course's reference solution is missing")
        spec = importlib.util.spec_from_file_location(f"_reference_{track.name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _REFERENCES[path] = module
    return _REFERENCES[path]
