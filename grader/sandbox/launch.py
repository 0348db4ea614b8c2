"""How a child process is started: the command line and the scrubbed environment.

A launcher turns (python, child script, config, private folder) into an argv and an
environment. ``process_launcher`` runs the child directly (the ``process`` isolation level:
rlimits, a private temporary folder, a scrubbed environment).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

Launcher = Callable[[str, Path, dict[str, Any], Path], tuple[list[str], dict[str, str]]]


def scrubbed_environment(home: Path) -> dict[str, str]:
    """The only environment a child sees: nothing of the grader's own."""
    return {
        "PATH": os.defpath,
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def child_argv(python: str, child: Path, config: dict[str, Any]) -> list[str]:
    # -I: ignore PYTHON* variables, user site-packages and the current folder; -B: no .pyc.
    return [python, "-I", "-B", str(child), json.dumps(config, separators=(",", ":"))]


def process_launcher(
    python: str, child: Path, config: dict[str, Any], workdir: Path
) -> tuple[list[str], dict[str, str]]:
    return child_argv(python, child, config), scrubbed_environment(workdir)
