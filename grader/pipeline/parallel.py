"""Share one submission's exercises among a few forked worker processes.

Worker 0 is this process; the others are forked before any heavy import, so each starts
its own sandbox child, imports the checks and takes exercises from a shared ``TaskQueue``
while the others do the same. Worker 0's results stay as they are; a forked worker sends its
results back through a pipe as JSON, one line each (nothing is unpickled). A worker that dies
or overruns the time limit becomes a ``GraderError``: results are never invented.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from grader.errors import ExitCode, GraderError

T = TypeVar("T")


class TaskQueue:
    """Task numbers 0, 1, 2, ... handed out once each to whichever process asks first.

    A pipe filled with 4-byte tokens before forking: a pipe read is atomic, so each token
    reaches exactly one process; an empty pipe means no work is left.
    """

    def __init__(self, size: int) -> None:
        self._read, write = os.pipe()
        os.write(write, b"".join(i.to_bytes(4, "big") for i in range(size)))
        os.close(write)
        os.set_blocking(self._read, False)

    def take(self) -> int | None:
        try:
            token = os.read(self._read, 4)
        except BlockingIOError:
            return None
        return int.from_bytes(token, "big") if len(token) == 4 else None

    def close(self) -> None:
        os.close(self._read)


def run_forked(jobs: int, work: Callable[[int], list[T]], *, timeout: float,
               encode: Callable[[T], str] = json.dumps, decode: Callable[[str], T] = json.loads) -> list[list[T]]:
    """``[work(0), ..., work(jobs - 1)]``: ``work(0)`` here, its items as they are; the others in forked
    processes, each item sent back as one line of JSON (``encode``, one line each) and read with ``decode``."""
    if jobs <= 1:
        return [work(0)]
    workers = []
    for k in range(1, jobs):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: do the share, send JSON, leave without cleanup handlers
            os.close(read_fd)
            code = 0
            try:
                lines = [encode(item) for item in work(k)]
                payload = f"ok {len(lines)}\n" + "".join(line + "\n" for line in lines)
            except BaseException as error:  # sent back, re-raised by the parent
                code = 1
                payload = "error\n" + json.dumps({"error": str(error), "expected": isinstance(error, GraderError),
                                                  "exit_code": int(getattr(error, "exit_code", 3)),
                                                  "trace": traceback.format_exc()})
            with os.fdopen(write_fd, "w", encoding="utf-8") as pipe:
                pipe.write(payload)
            os._exit(code)
        os.close(write_fd)
        workers.append((pid, read_fd))
    results = [work(0)]
    deadline = time.monotonic() + timeout
    for pid, read_fd in workers:
        results.append(_collect(pid, read_fd, deadline, decode))
    return results


def _collect(pid: int, read_fd: int, deadline: float, decode: Callable[[str], T]) -> list[T]:
    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            ready, _, _ = select.select([pipe], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise GraderError("a grading worker took longer than the submission's time limit")
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    head, _, body = b"".join(chunks).decode("utf-8", errors="replace").partition("\n")
    if head == "error":
        _raise(body)
    *lines, rest = body.split("\n")  # each line ends with a newline: ``rest`` is '' unless one was cut off
    if head != f"ok {len(lines)}" or rest:
        raise GraderError("a grading worker died without sending its results")
    return [decode(line) for line in lines]


def _raise(body: str) -> NoReturn:
    """Raise again what a worker met (a bug in the grader keeps its traceback)."""
    try:
        message: dict[str, Any] = json.loads(body)
    except json.JSONDecodeError:
        raise GraderError("a grading worker died without sending its results") from None
    if not message.get("expected"):
        raise RuntimeError(f"a grading worker failed:\n{message.get('trace', '')}")
    error = GraderError(message["error"])
    error.exit_code = ExitCode(message.get("exit_code", 3))
    raise error
