"""Workers that stay: one forked process per slot grades student after student.

The batch's warm parent holds the grader, numpy, torch and the recorded cases: forking it anew
for every student cost some 30 ms of CPU each (page tables, then copy-on-write faults as the
child touches its objects). A resident worker pays that once. Jobs go down one pipe and
records come back up another, each a length-prefixed frame: a line of JSON saying how the worker
is, then the record as ``grader.results.serialize`` writes it (nothing is unpickled). The
worker still runs each student's code in that student's own sandbox child, so nothing of one
student's code outlives their grading; the worker itself runs only the grader's code.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import signal
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from grader.batch.jobs import grade_student
from grader.batch.records import StudentRecord
from grader.config import Settings
from grader.errors import InputError
from grader.results import deserialize, serialize
from grader.sandbox.zygote import Zygote, install

LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class Answer:
    """What a worker sent back about a job."""

    record: StudentRecord | None
    problem: str = ""  # why there is no record ('' when there is)
    zygotes: bool | None = None  # whether the worker's zygotes all outlived the job (None: not said)


class Resident:
    """A forked worker that grades the jobs it is given, one at a time."""

    def __init__(self, slot: int, zygotes: dict[str, Zygote], settings: Settings, isolation: str,
                 inherited: Iterable[int] = ()) -> None:
        job_r, self._jobs = os.pipe()
        self._results, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: serve until the job pipe closes, leave without cleanup handlers
            code = 0
            try:
                for fd in (self._jobs, self._results, *inherited):  # the parent's ends, and other workers'
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _serve(job_r, result_w, zygotes, settings, isolation)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(job_r)
        os.close(result_w)
        self.pid, self.slot = pid, slot
        self.job: Any = None  # the job it is grading (None: idle)
        self.deadline = math.inf
        self._inbox = bytearray()

    @property
    def fd(self) -> int:
        """Where its records come from (select on it)."""
        return self._results

    def give(self, job: Any, limit: float) -> None:
        """Send ``job`` (a ``pool.Job``); it has ``limit`` seconds."""
        message = {"student": job.student, "content_hash": job.content_hash,
                   "files": {name: base64.b64encode(data).decode() for name, data in job.files.items()}}
        data = json.dumps(message).encode()
        self.job, self.deadline = job, time.monotonic() + limit
        _write_all(self._jobs, LENGTH.pack(len(data)) + data)

    def take(self) -> Answer | None:
        """Read what has arrived: the answer to the job once it is whole, else None (raises EOFError if
        the worker is gone)."""
        chunk = os.read(self._results, 1 << 20)
        if not chunk:
            raise EOFError
        self._inbox += chunk
        if len(self._inbox) < LENGTH.size:
            return None
        (size,) = LENGTH.unpack(self._inbox[: LENGTH.size])
        if len(self._inbox) < LENGTH.size + size:
            return None
        frame = bytes(self._inbox[LENGTH.size : LENGTH.size + size])
        del self._inbox[: LENGTH.size + size]
        self.job, self.deadline = None, math.inf
        return _answer(frame)

    def stop(self, *, kill: bool = False) -> int:
        """End the worker (at once if ``kill``, else when it has read every job) and return its exit status
        (negative: the signal)."""
        with contextlib.suppress(OSError):
            os.close(self._jobs)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self._results)
        return os.waitstatus_to_exitcode(status)

    def fds(self) -> tuple[int, int]:
        """The parent's ends of its pipes (a worker forked later closes them)."""
        return self._jobs, self._results


def _serve(jobs: int, results: int, zygotes: dict[str, Zygote], settings: Settings, isolation: str) -> None:
    install(zygotes)
    while True:
        data = _read_frame(jobs)
        if data is None:
            return
        message = json.loads(data)
        files = {name: base64.b64decode(text) for name, text in message["files"].items()}
        state: dict[str, Any] = {}
        try:
            record = serialize(grade_student(message["student"], files, message["content_hash"], settings,
                                             isolation))
        except Exception as error:  # reported as this student's failure, never the batch's
            record, state = "", {"error": f"{type(error).__name__}: {error}"}
        state["zygotes"] = all(zygote.alive for zygote in zygotes.values())
        payload = f"{json.dumps(state)}\n{record}".encode()
        _write_all(results, LENGTH.pack(len(payload)) + payload)


def _answer(frame: bytes) -> Answer:
    """The ``Answer`` a worker's frame holds: a line of JSON (its state), then the record, if any."""
    head, _, record = frame.partition(b"\n")
    try:
        state = json.loads(head)
        if not isinstance(state, dict):
            raise ValueError(state)
        found = deserialize(record, StudentRecord) if record else None
    except (ValueError, InputError):
        return Answer(None, "a malformed answer")
    zygotes = state.get("zygotes")
    problem = "" if found else str(state.get("error", "no record"))
    return Answer(found, problem, zygotes if isinstance(zygotes, bool) else None)


def _read_frame(fd: int) -> bytes | None:
    header = _read_exact(fd, LENGTH.size)
    if header is None:
        return None
    (size,) = LENGTH.unpack(header)
    return _read_exact(fd, size)


def _read_exact(fd: int, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
