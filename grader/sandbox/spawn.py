"""A sandboxed child started as a fresh process: the launcher's command line, in a cgroup of its own.

The session sees every child through the same small interface (``settle``, ``kill``, and what
its cgroup saw), whether it was started here or forked by a warm zygote (``zygote.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import IO, Protocol

from grader.sandbox import cgroups


class ChildProcess(Protocol):
    pid: int | None  # in the grader's own process namespace, where it has one

    def settle(self, timeout: float) -> None:
        """Give a child that is dying ``timeout`` seconds to finish, so its own exit status is kept."""

    def kill(self) -> int | None:
        """Kill the child and everything it started; its exit status (negative: the signal)."""

    def memory_exceeded(self) -> bool: ...

    def processes_exceeded(self) -> bool: ...


def signal_status(code: int | None, in_bwrap: bool) -> int | None:
    """bubblewrap reports a child killed by signal N as exit status 128 + N: read it as -N."""
    if in_bwrap and code is not None and 128 < code < 128 + 65:
        return 128 - code
    return code


class Spawned:
    """``argv`` run with ``env`` in ``cwd``, writing to ``log``, in its own session and cgroup."""

    def __init__(self, argv: list[str], env: dict[str, str], *, cwd: Path, log: IO[bytes],
                 pass_fds: tuple[int, ...], processes: int, memory_bytes: int) -> None:
        self._in_bwrap = Path(argv[0]).name == "bwrap"
        self._cgroup: cgroups.Cgroup | None = None
        if cgroups.available():  # a cgroup of its own: process count and real memory, nothing escapes it
            self._cgroup = cgroups.Cgroup(processes=processes, memory_bytes=memory_bytes)
            argv = self._cgroup.wrap(argv)
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, pass_fds=pass_fds, env=env,
            cwd=cwd, start_new_session=True,
        )
        self.pid: int | None = self._proc.pid
        self._owner = os.getpid()

    def settle(self, timeout: float) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=timeout)

    def kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        if self._cgroup is not None:
            self._cgroup.destroy()  # whatever it left behind, even processes that detached themselves
        return signal_status(code, self._in_bwrap)

    def running(self) -> bool:
        """Whether it still runs (seen from the process that started it, or from a fork of that process)."""
        if self._proc is None:
            return False
        if os.getpid() == self._owner:
            return self._proc.poll() is None
        try:
            os.kill(self._proc.pid, 0)
        except OSError:
            return False
        return True

    def counters(self) -> tuple[int, int]:
        """How often its cgroup hit the memory limit and the process limit so far (0, 0 without one)."""
        return self._cgroup.counters() if self._cgroup is not None else (0, 0)

    def memory_exceeded(self) -> bool:
        return bool(self._cgroup and self._cgroup.memory_exceeded())

    def processes_exceeded(self) -> bool:
        return bool(self._cgroup and self._cgroup.processes_exceeded())
