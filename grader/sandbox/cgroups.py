"""Process-count and memory limits from the kernel's control groups, where the grader may use them.

A child runs in its own cgroup (v2, or v1's ``pids`` and ``memory`` controllers), entered by a
``/bin/sh`` wrapper *before* the child's program starts, so nothing it starts escapes: a fork
bomb stops at ``pids.max``, memory beyond the limit is refused or the child is killed (which
``memory.failcnt``/``memory.events`` then confirms), and at teardown every process still in
the group, however it detached itself, is killed. A cgroup's memory limit counts what is really
used, so unlike ``RLIMIT_AS`` it does not break torch's large address-space reservations.

Where cgroups cannot be written (a learner's laptop, an unprivileged container), ``available()``
is False and the rlimits set by the child stand alone (see docs/security.md).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
WRAPPER = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1/cgroup.procs" || exit 97; shift; n=$((n - 1)); '
           'done; exec "$@"')


@functools.cache
def layout() -> tuple[str, tuple[Path, ...]] | None:
    """('v1'|'v2', parent folders to create groups in), or None where cgroups are not usable."""
    v2 = ROOT / "cgroup.controllers"
    if v2.is_file():
        controllers = set(v2.read_text().split())
        if {"pids", "memory"} <= controllers and _writable(ROOT):
            return "v2", (ROOT,)
    v1 = (ROOT / "pids", ROOT / "memory")
    if all(p.is_dir() for p in v1) and all(_writable(p) for p in v1):
        return "v1", v1
    return None


def _writable(folder: Path) -> bool:
    probe = folder / f"grader-probe-{uuid.uuid4().hex[:8]}"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def available() -> bool:
    return layout() is not None


class Cgroup:
    """One child's control group: created with its limits, entered by the wrapper, destroyed after."""

    def __init__(self, *, processes: int, memory_bytes: int) -> None:
        found = layout()
        assert found is not None
        self.version, parents = found
        name = f"grader-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.folders = tuple(parent / name for parent in parents)
        for folder in self.folders:
            folder.mkdir()
        if self.version == "v2":
            self._write("pids.max", processes)
            self._write("memory.max", memory_bytes)
            self._write("memory.swap.max", 0, missing_ok=True)
        else:
            self._write("pids.max", processes)
            self._write("memory.limit_in_bytes", memory_bytes)
            self._write("memory.memsw.limit_in_bytes", memory_bytes, missing_ok=True)

    def _write(self, name: str, value: int, *, missing_ok: bool = False) -> None:
        for folder in self.folders:
            target = folder / name
            if target.exists():
                target.write_text(str(value))
                return
        if not missing_ok:
            raise OSError(f"cgroup file {name} is missing")

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started inside this group (the shell enters it, then execs the program)."""
        return ["/bin/sh", "-c", WRAPPER, "sh", str(len(self.folders)), *map(str, self.folders), *argv]

    def counters(self) -> tuple[int, int]:
        """(memory limit events, process limit events) so far: a zygote's children compare before and after."""
        memory = processes = 0
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                if (folder / "memory.failcnt").exists():
                    memory += int((folder / "memory.failcnt").read_text())
                if (folder / "memory.events").exists():
                    events = dict(line.split() for line in (folder / "memory.events").read_text().splitlines())
                    memory += int(events.get("oom_kill", 0)) + int(events.get("max", 0))
                if (folder / "pids.events").exists():
                    processes += sum(int(line.split()[1]) for line in (folder / "pids.events").read_text().splitlines())
        return memory, processes

    def memory_exceeded(self) -> bool:
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                if (folder / "memory.failcnt").exists():
                    return int((folder / "memory.failcnt").read_text()) > 0
                if (folder / "memory.events").exists():
                    events = dict(line.split() for line in (folder / "memory.events").read_text().splitlines())
                    return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
        return False

    def processes_exceeded(self) -> bool:
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                events = folder / "pids.events"
                if events.exists():
                    return any(int(line.split()[1]) > 0 for line in events.read_text().splitlines())
        return False

    def destroy(self) -> None:
        """Kill every process left in the group, then remove it."""
        for _ in range(50):
            pids = set()
            for folder in self.folders:
                with contextlib.suppress(OSError, ValueError):
                    pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if not pids:
                break
            time.sleep(0.01)
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
