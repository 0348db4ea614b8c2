"""The course's grading environment, held inside the sandboxed child (copied as ``_grader_environment.py``).

The course declares, per track, the top-level modules a submission may import; Python's standard
library and the submission's own ``.py`` files are always allowed. Before the submission runs, the
child installs ``guard``: an import made by code in the submission's own files (``import x``,
``from x import y``, ``__import__``, ``importlib.import_module``; cached modules too) of any other
top-level module fails with a ``ModuleNotFoundError`` whose message starts with ``NOT_PROVIDED``,
which the parent turns into one sentence. Imports made by the libraries themselves (torch importing
sympy, numpy its internals) are not checked. ``forbid`` replaces the APIs an exercise must not use
(``torch.nn.LSTMCell`` in the torch track) by stand-ins that raise. Like ``child.py`` it imports
nothing from the grader.
"""

from __future__ import annotations

import builtins
import importlib
import os
import sys
from types import FrameType
from typing import Any

NOT_PROVIDED = "not in the course's grading environment: "  # then "<module> (at <file> line <n>)"


def guard(allowed: list[str], submission_dir: str) -> None:
    """Refuse the submission's imports of top-level modules outside ``allowed``, the standard library
    and the ``.py`` files in ``submission_dir``."""
    own = {name[:-3] for name in os.listdir(submission_dir) if name.endswith(".py")}
    permitted = frozenset(allowed) | sys.stdlib_module_names | own
    real_import, real_import_module = builtins.__import__, importlib.import_module

    def refuse(name: Any, level: Any, frame: FrameType | None) -> None:
        top = name.partition(".")[0] if isinstance(name, str) else ""
        if level or not top or top in permitted or frame is None:  # no frame: a thread that C code started
            return
        path = frame.f_code.co_filename
        if os.path.dirname(os.path.abspath(path)) == submission_dir:  # not a library's own import
            raise ModuleNotFoundError(f"{NOT_PROVIDED}{top} (at {os.path.basename(path)} line {frame.f_lineno})",
                                      name=top)

    def guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                       level: int = 0) -> Any:
        refuse(name, level, sys._getframe(0).f_back)
        return real_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name: str, package: str | None = None) -> Any:
        refuse(name, isinstance(name, str) and name.startswith("."), sys._getframe(0).f_back)
        return real_import_module(name, package)

    builtins.__import__ = guarded_import
    importlib.import_module = guarded_import_module


class ForbiddenAPIError(Exception):
    """Raised by the stand-ins for APIs an exercise must not use."""


def forbid(names: list[str]) -> None:
    """Replace each dotted name (``torch.nn.LSTMCell``) by a stand-in that raises when used."""
    for dotted in names:
        owner_path, attr = dotted.rsplit(".", 1)
        try:
            owner: Any = importlib.import_module(owner_path)
        except ImportError:  # an attribute path (torch._VF): walk it from its package
            owner = importlib.import_module(owner_path.split(".")[0])
            for part in owner_path.split(".")[1:]:
                owner = getattr(owner, part, None)
        if owner is None or getattr(owner, attr, None) is None:
            continue
        message = (f"{dotted} is not allowed in this exercise: build it yourself from torch.nn.Linear "
                   "and the gate equations")
        stand_in = _stand_in(message, isinstance(getattr(owner, attr), type))
        setattr(owner, attr, stand_in)


def _stand_in(message: str, is_class: bool) -> Any:
    """A class (that cannot be built or subclassed) or a function that raises ``message``."""
    if is_class:

        class Forbidden:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                raise ForbiddenAPIError(message)

            def __init_subclass__(cls, **kwargs: Any) -> None:
                raise ForbiddenAPIError(message)

        return Forbidden

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise ForbiddenAPIError(message)

    return forbidden
