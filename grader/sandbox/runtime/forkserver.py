"""The zygote, on the untrusted side: a warm process inside the sandbox that forks one fresh child
per submission (copied into the sandbox's runtime folder as ``_grader_forkserver.py``).

A batch grades hundreds of submissions; starting Python and importing numpy (0.2 s of CPU) or
torch (2 s) for each is most of the cost of a small submission. The zygote imports them once,
never imports a submission itself, and forks a child for each one: the child writes nothing to
the zygote and runs exactly what ``child.py`` runs. Before each fork, and when a child is done,
the zygote kills every other process in the sandbox's PID namespace and empties the writable
folders (``/tmp``, ``/dev/shm``), so nothing a submission started or wrote meets the next one.
The zygote is not dumpable (``PR_SET_DUMPABLE`` 0): a child running as the same user cannot
attach to it or read its memory. It only ever runs inside bubblewrap's PID namespace.

The control channel is a Unix socket: length-prefixed JSON requests (``fork`` with the child's
config and the submission's files; ``wait``; ``kill``), the child's pipes and log passed as file
descriptors (SCM_RIGHTS) with ``fork``; each request gets one JSON answer.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

LENGTH = struct.Struct(">I")
WRITABLE = ("/tmp", "/dev/shm")
PR_SET_DUMPABLE = 4
MAX_REQUEST = 96 << 20


def serve(config: dict[str, Any], run_child: Callable[[dict[str, Any]], None]) -> None:
    import _grader_protocol  # type: ignore[import-not-found]  # noqa: F401 - numpy, once for every child

    if config.get("preload_torch"):
        import _grader_torch  # type: ignore[import-not-found]  # torch, once for every child

        _grader_torch.warm_up()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    control = socket.socket(fileno=config["control"])
    me, child = os.getpid(), 0
    while True:
        request, fds = _receive(control)
        if request is None:
            return
        op = request.get("op")
        if op == "fork":
            _clear(me)
            child = _fork(request, fds, control, run_child)
            _send(control, {"pid": child})
        elif op == "wait":
            _send(control, {"status": _wait(child, float(request.get("timeout", 0)))})
        elif op == "kill":
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
            status = _wait(child, 5.0)
            _clear(me)
            _send(control, {"status": status})
        else:
            return


def _fork(request: dict[str, Any], fds: list[int], control: socket.socket,
          run_child: Callable[[dict[str, Any]], None]) -> int:
    root = f"/tmp/{os.urandom(8).hex()}"
    submission, cwd = f"{root}/submission", f"{root}/work"
    os.makedirs(submission)
    os.makedirs(cwd)
    for name, data in request["files"].items():
        if "/" in name or name.startswith("."):
            continue
        with open(os.path.join(submission, name), "wb") as handle:
            handle.write(base64.b64decode(data))
    config = {**request["config"], "requests": fds[0], "replies": fds[1], "progress": fds[3],
              "submission": submission, "cwd": cwd}
    pid = os.fork()
    if pid == 0:  # the child: its own session, its log as stdout and stderr, then child.py's work
        try:
            control.close()
            os.setsid()
            os.dup2(fds[2], 1)
            os.dup2(fds[2], 2)
            os.close(fds[2])
            run_child(config)
        finally:
            os._exit(0)
    for fd in fds:
        os.close(fd)
    return pid


def _wait(pid: int, timeout: float) -> int | None:
    """The exit status of ``pid`` (negative: the signal), or None if it is still running."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        _until_exit(pid, left)


def _until_exit(pid: int, timeout: float) -> None:
    """Sleep until ``pid`` exits or ``timeout`` passes: woken by its pidfd at once, else in 5 ms steps."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # a kernel without pidfds, or the process already reaped
        time.sleep(min(timeout, 0.005))
        return
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)


def _clear(me: int) -> None:
    """Kill every process but this one (and the namespace's init), reap, empty the writable folders."""
    for _ in range(100):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        for pid in others:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        if not others:
            break
        time.sleep(0.001)
    for folder in WRITABLE:
        with contextlib.suppress(OSError):
            for entry in os.listdir(folder):
                path = os.path.join(folder, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(path)


def _receive(control: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    header, fds = b"", []
    while len(header) < LENGTH.size:
        data, ancillary, _, _ = control.recvmsg(LENGTH.size - len(header), socket.CMSG_SPACE(3 * 4))
        if not data:
            return None, []
        header += data
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += list(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4]))
    (size,) = LENGTH.unpack(header)
    if size > MAX_REQUEST:
        return None, []
    body = bytearray()
    while len(body) < size:
        chunk = control.recv(size - len(body))
        if not chunk:
            return None, []
        body += chunk
    return json.loads(body), fds


def _send(control: socket.socket, answer: dict[str, Any]) -> None:
    data = json.dumps(answer).encode()
    control.sendall(LENGTH.pack(len(data)) + data)
