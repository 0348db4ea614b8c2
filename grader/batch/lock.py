"""One batch at a time per output folder.

Two ``grade batch`` runs writing to the same output folder would grade the same students twice,
each replacing the other's grades and exports. ``exclusive`` holds an advisory lock
(``fcntl.flock``) on a file in the folder for the whole run: the second run stops at once with
a usage error naming the first one's process. The kernel releases the lock when its process
ends, however it ends (``kill -9`` included), so a killed batch never leaves the folder locked;
the processes a batch forks close their copy of it at once, so none of them outlives it holding it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from grader.errors import UsageError

FILE = ".grade-batch.lock"

_held: list[int] = []  # the descriptor of the lock this process holds


def _close_in_child() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)  # this process's copy only: the parent keeps the lock
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold ``out``'s batch lock while the block runs; a ``UsageError`` if another process holds it."""
    path = out / FILE
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{out}: the output folder cannot be created ({error.strerror})") from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise UsageError(f"{path}: cannot be created ({error.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise UsageError(f"another grade batch (process {holder}) is writing to {out}; wait for it to finish, "
                             "or choose another --out folder") from None
        except OSError:  # a file system without locks (some network mounts): the batch runs unguarded, as before
            yield
            return
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held.append(fd)
        yield
    finally:
        if fd in _held:
            _held.remove(fd)
        os.close(fd)  # releases the lock
