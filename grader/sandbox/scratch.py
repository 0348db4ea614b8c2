"""Scratch folders for sandboxes and batch workers, named after the process that made them.

Each folder is removed by the process that made it, but a batch killed with ``kill -9`` cannot
clean up: its sandboxes' and zygotes' folders stay in the temporary directory. Their names carry
the maker's process id (``grade-<kind>-<pid>-<random>``), so the next batch removes those whose
maker is gone (``sweep``); a folder of a process still running, or of another user, is left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"grade-([a-z]+)-([0-9]+)-[A-Za-z0-9_]+")


def make(kind: str) -> Path:
    """A new private folder ``grade-<kind>-<pid>-...`` in the temporary directory."""
    return Path(tempfile.mkdtemp(prefix=f"grade-{kind}-{os.getpid()}-"))


def sweep(root: Path | None = None) -> int:
    """Remove the scratch folders of processes that no longer exist; how many were removed."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed = 0
    for path in root.glob("grade-*-*-*"):
        match = _NAME.fullmatch(path.name)
        try:
            owned = path.is_dir() and not path.is_symlink() and path.lstat().st_uid == os.getuid()
        except OSError:
            continue
        if match is None or not owned or _alive(int(match.group(2))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (killed, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
