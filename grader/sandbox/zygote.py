"""The zygote, on the trusted side: start one warm sandbox per batch worker, and ask it for children.

``Zygote`` starts ``child.py`` in zygote mode inside bubblewrap (``runtime/forkserver.py`` is the
other side) with numpy, and torch for the torch track, already imported. A session asks it to
``fork`` a child for a submission (its files travel over the control socket, its pipes and log
as file descriptors) and gets a ``Forked`` handle that behaves like a spawned child: ``kill``
and ``settle`` go through the zygote, which reaps the child, kills whatever else it left in the
sandbox and empties its writable folders. Only for the ``bwrap`` level: the zygote's clean-up
relies on the sandbox's own PID namespace. If the zygote is gone or does not answer, sessions
start their children afresh, as ``grade check`` always does.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from grader.sandbox import runtime, scratch
from grader.sandbox.launch import Launcher
from grader.sandbox.spawn import Spawned

LENGTH = struct.Struct(">I")
ANSWER_SECONDS = 60.0  # a zygote that takes longer to answer a request is broken (its first: imports)
ZYGOTE_PROCESSES = 8  # the zygote's own share of the process limit (itself and bubblewrap's)

_installed: dict[str, Zygote] = {}


def install(zygotes: dict[str, Zygote]) -> None:
    """Let this process's sessions fork their children from ``zygotes`` (track name -> zygote)."""
    _installed.clear()
    _installed.update(zygotes)


def installed(track: str) -> Zygote | None:
    return _installed.get(track)


class Zygote:
    def __init__(self, *, launcher: Launcher, preload_torch: bool, processes: int, memory_bytes: int) -> None:
        self._workdir = scratch.make("zygote")
        for folder in ("runtime", "submission", "tmp"):
            (self._workdir / folder).mkdir()
        runtime.copy_into(self._workdir / "runtime")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = {"zygote": True, "control": theirs.fileno(), "preload_torch": preload_torch,
                  "submission": str(self._workdir / "submission"), "cwd": str(self._workdir / "tmp"),
                  "limits": {"core_bytes": 0}}
        argv, env = launcher(sys.executable, self._workdir / "runtime" / "child.py", config, self._workdir)
        self._log = open(self._workdir / "zygote.log", "w+b")  # noqa: SIM115 - closed in close()
        # the cgroup holds the zygote and one child at a time: the zygote's memory comes on top of the child's
        self._process = Spawned(argv, env, cwd=self._workdir / "tmp", log=self._log, pass_fds=(theirs.fileno(),),
                                processes=processes + ZYGOTE_PROCESSES, memory_bytes=2 * memory_bytes + (512 << 20))
        theirs.close()
        ours.settimeout(ANSWER_SECONDS)
        self._control: socket.socket | None = ours

    @property
    def alive(self) -> bool:
        return self._control is not None and self._process.running()

    def fork(self, config: dict[str, Any], files: dict[str, bytes], fds: tuple[int, int, int, int]) -> Forked | None:
        """A fresh child for a submission (``files``: name -> bytes), or None if the zygote is broken."""
        counters = self._process.counters()
        answer = self.request({"op": "fork", "config": config,
                               "files": {n: base64.b64encode(d).decode() for n, d in files.items()}}, fds)
        if answer is None or not isinstance(answer.get("pid"), int):
            return None
        return Forked(self, counters)

    def request(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> dict[str, Any] | None:
        """Send one request, read its answer; None (and the zygote is shut down) if it fails."""
        control = self._control
        if control is None:
            return None
        data = json.dumps(message).encode()
        try:
            ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))] if fds else []
            control.sendmsg([LENGTH.pack(len(data))], ancillary)
            control.sendall(data)
            (size,) = LENGTH.unpack(_read(control, LENGTH.size))
            answer = json.loads(_read(control, size))
        except (OSError, ValueError, struct.error):
            self.close()
            return None
        return answer if isinstance(answer, dict) else None

    def counters(self) -> tuple[int, int]:
        return self._process.counters()

    def close(self) -> None:
        control, self._control = self._control, None
        if control is not None:
            control.close()
            self._process.kill()
            self._log.close()
            shutil.rmtree(self._workdir, ignore_errors=True)


class Forked:
    """A child forked by a zygote, seen through the same interface as a spawned one."""

    pid: int | None = None  # in the sandbox's PID namespace only: the grader signals it through the zygote

    def __init__(self, zygote: Zygote, counters: tuple[int, int]) -> None:
        self._zygote: Zygote | None = zygote
        self._counters = counters

    def settle(self, timeout: float) -> None:
        if self._zygote is not None:
            self._zygote.request({"op": "wait", "timeout": timeout})

    def kill(self) -> int | None:
        zygote, self._zygote = self._zygote, None
        if zygote is None:
            return None
        answer = zygote.request({"op": "kill"})
        status = None if answer is None else answer.get("status")
        return status if isinstance(status, int) else None

    def memory_exceeded(self) -> bool:
        return self._grew(0)

    def processes_exceeded(self) -> bool:
        return self._grew(1)

    def _grew(self, index: int) -> bool:
        return self._zygote is not None and self._zygote.counters()[index] > self._counters[index]


def _read(control: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = control.recv(n - len(data))
        if not chunk:
            raise OSError("the zygote closed its control socket")
        data += chunk
    return bytes(data)


def start_zygotes(tracks: list[str], make: Callable[[str], Zygote]) -> dict[str, Zygote]:
    """One zygote per track; a track whose zygote cannot start has none (its children start afresh)."""
    found = {}
    for track in tracks:
        with contextlib.suppress(OSError):
            found[track] = make(track)
    return found

