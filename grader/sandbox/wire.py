"""The parent's ends of one sandbox child's pipes: frames out, frames in, each call on its own clock.

As each call of a batch starts, the child writes one byte on a progress pipe. While the parent
waits for the batch's replies it wakes now and then to count those bytes, so it knows which
call is running: that call is the one blamed for a hang or a crash, and its time limit runs
from when it started. The submission's own limit is never stretched by it.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable, Sequence
from typing import Any

from grader.errors import SandboxFailure

Fail = Callable[[str, str], SandboxFailure]  # (how, detail) -> the failure, once the child is killed


class Wire:
    def __init__(self, requests: int, replies: int, progress: int, *, call_timeout: float, spin: float,
                 deadline: float, fail: Fail) -> None:
        self._requests, self._replies, self._progress = requests, replies, progress
        for fd in (requests, replies, progress):
            os.set_blocking(fd, False)
        self.call_timeout, self.spin, self.final = call_timeout, spin, deadline
        self.deadline = deadline  # when the running call (or the import) runs out of time
        self.during = ("the submission", "")  # what is running: (subject, "while ...")
        self.limit = call_timeout  # the time limit of what is running (the import has its own)
        self._fail = fail
        self._poll = min(max(call_timeout / 10, 0.05), 0.5)  # how often a wait looks at the progress marks
        self._inbox = bytearray()
        self._in_flight: Sequence[Any] = ()  # the calls of the batch being answered
        self._started = 0  # how many of them have started

    def importing(self, file: str, timeout: float) -> None:
        self.during = (f"importing {file}", f"while importing {file}")
        self.limit = timeout
        self.deadline = min(time.monotonic() + timeout, self.final)

    def begin(self, calls: Sequence[Any]) -> None:
        """A batch of ``calls`` goes out now; the first one's clock starts."""
        self._marks()  # those of the batch before, all written before its last reply
        self._in_flight, self._started = calls, 0
        self._next_call()

    def end(self) -> None:
        self._in_flight = ()

    def advance(self) -> bool:
        """Follow the child's progress; whether a later call than the one blamed so far has started."""
        if not self._in_flight:
            return False
        running = max(self._started - 1, 0)
        self._started = min(self._started + self._marks(), len(self._in_flight))
        if self._started - 1 > running:
            self._next_call()
            return True
        return False

    def _next_call(self) -> None:
        call = self._in_flight[max(self._started - 1, 0)]
        self.during = (call.symbol, f"while running {call.symbol}")
        self.limit = self.call_timeout
        self.deadline = min(time.monotonic() + self.call_timeout, self.final)

    def _marks(self) -> int:
        """How many progress marks the child has written since the last look."""
        count = 0
        while True:
            try:
                marks = os.read(self._progress, 1 << 12)
            except OSError:  # BlockingIOError: none yet
                return count
            if not marks:
                return count
            count += len(marks)

    def send(self, frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            try:
                view = view[os.write(self._requests, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError:  # BrokenPipeError and friends: the child is gone
                raise self._fail("died", "") from None
            remaining = self.deadline - time.monotonic()
            _, writable, _ = select.select([], [self._requests], [], max(remaining, 0))
            if not writable:
                raise self._fail("timeout", "")

    def receive(self) -> tuple[dict[str, Any], list[Any]]:
        """The next frame: its envelope and its arrays."""
        from grader.sandbox.runtime import protocol

        try:
            json_len, payload_len = protocol.parse_header(self._read_exact(protocol.HEADER.size))
            envelope = self._read_exact(json_len)
            return protocol.decode_body(envelope, self._read_exact(payload_len))
        except protocol.ProtocolError as error:
            raise self._fail("protocol", str(error)) from None

    def _read_exact(self, n: int) -> bytes:
        """Take ``n`` bytes from the reply pipe; a call that runs past its limit ends the wait."""
        from grader.sandbox.runtime import protocol  # numpy: imported once a call is made, not at start

        try:
            return protocol.read_exact(self._replies, self._inbox, n, spin=self.spin, wait=self._wait)
        except EOFError:
            raise self._fail("died", "") from None

    def _wait(self) -> None:
        """Sleep until a reply comes, waking now and then to follow the child's progress. A call
        that runs past its limit ends the wait."""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 and not self.advance():
                raise self._fail("timeout", "")
            readable, _, _ = select.select([self._replies], [], [], min(max(remaining, 0), self._poll))
            if readable:
                return
            self.advance()

    def close(self) -> None:
        for fd in (self._requests, self._replies, self._progress):
            with contextlib.suppress(OSError):
                os.close(fd)
