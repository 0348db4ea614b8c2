"""The trusted side of the sandbox: one session per submission file.

A session starts a child process (see ``child.py``) in a private temporary folder holding a
copy of the submission, sends it requests and reads its replies with deadlines. Whenever
the child crashes, hangs, exits or sends something malformed, the running call raises
``SandboxFailure`` with a learner-readable reason, the child is killed with its whole
process group, and the next call starts a fresh child from a fresh copy.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.config import Settings
from grader.errors import SandboxFailure
from grader.sandbox import runtime, scratch
from grader.sandbox.calls import Call, ModuleCall, encode
from grader.sandbox.deaths import BUDGET_RAN_OUT, STUCK_AT, STUCK_MARKER, Death, budget, explain, without_stuck
from grader.sandbox.files import read_submission
from grader.sandbox.launch import Launcher, process_launcher
from grader.sandbox.limits import Limits
from grader.sandbox.replies import Loaded, Raised, Returned, parse_hello, parse_reply
from grader.sandbox.spawn import ChildProcess, Spawned
from grader.sandbox.untrusted import clean
from grader.sandbox.wire import Wire
from grader.sandbox.zygote import Zygote

CALLS_PER_FRAME = 32  # a request frame's calls: few enough that their arrays stay within protocol.MAX_ARRAYS


NOT_RUN_AGAIN = "not run again: "  # a call refused because the function ran out of time before


class Session:
    """Calls into one submission file, in a sandboxed child process."""

    def __init__(
        self,
        folder: Path,
        file: str,
        *,
        limits: Limits | None = None,
        launcher: Launcher = process_launcher,
        files: Mapping[str, bytes] | None = None,
        extra_files: Sequence[Path] = (),
        forbid: Sequence[str] = (),
        environment: Sequence[str] | None = None,
        zygote: Zygote | None = None,
        deadline: float | None = None,
    ) -> None:
        self.folder, self.file = folder, file
        self.limits = limits or Limits.from_settings(Settings())
        self.launcher = launcher
        # the submission's files as read (name -> bytes): what every fresh child gets; without them, its folder's
        self.files = dict(files) if files is not None else read_submission(folder, follow_links=False)
        self.extra_files = tuple(extra_files)
        self.forbid = list(forbid)
        # modules it may import besides the standard library and its own files (None: imports are not checked)
        self.environment = None if environment is None else list(environment)
        self.zygote = zygote if zygote is not None and zygote.alive else None
        # when the submission's time budget ends (time.monotonic()), shared by every session of the submission
        self.deadline = time.monotonic() + self.limits.submission_timeout if deadline is None else deadline
        self.calls = 0  # calls made, and the round trips that carried them (benchmarks report them)
        self.trips = 0
        self._proc: ChildProcess | None = None
        self._workdir: Path | None = None
        self._hello: Loaded | None = None
        self._broken: SandboxFailure | None = None
        self._poisoned: dict[str, str] = {}
        self._log_offset = 0
        self._batch = 0
        self._wire: Wire | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the child now; its imports overlap with the parent's own work."""
        if self._proc is None and self._broken is None and time.monotonic() < self.deadline:
            self._spawn()

    def _spawn(self) -> None:
        workdir = scratch.make("session")
        request_r, requests = os.pipe()
        replies, reply_w = os.pipe()
        progress, progress_w = os.pipe()
        limits = self.limits
        config = {
            "requests": request_r,
            "replies": reply_w,
            "progress": progress_w,
            "submission": str(workdir / "submission"),
            "cwd": str(workdir / "tmp"),
            "file": self.file,
            "module": Path(self.file).stem,
            "output_bytes": limits.output_bytes,
            "timed_out": sorted(self._poisoned),  # the child answers for them at once: callers do not hang again
            "spin": limits.child_spin,
            "forbid": self.forbid,
            "environment": self.environment,
            "stuck": {"marker": STUCK_MARKER, "import_by": time.monotonic() + limits.startup_timeout * STUCK_AT,
                      "call": limits.call_timeout * STUCK_AT},  # when the child says where it is stuck
            "limits": {
                "memory_bytes": limits.memory_mb << 20,
                "memory_kind": limits.memory_kind,
                "cpu_seconds": int(limits.submission_timeout + limits.startup_timeout) + 1,
                "file_bytes": limits.file_mb << 20,
                "open_files": limits.open_files,
                "core_bytes": 0,
            },
        }
        self._log = open(workdir / "output.log", "w+b")  # noqa: SIM115 - closed in _kill
        self._log_offset = 0
        files = self._files()
        fds = (request_r, reply_w, self._log.fileno(), progress_w)
        forked = self.zygote.fork(config, files, fds) if self.zygote else None
        if forked is not None:  # a warm zygote's fresh child (batches)
            self._proc = forked
        else:
            for folder in ("runtime", "submission", "tmp"):
                (workdir / folder).mkdir()
            runtime.copy_into(workdir / "runtime")
            for name, data in files.items():
                (workdir / "submission" / name).write_bytes(data)
            argv, env = self.launcher(sys.executable, workdir / "runtime" / "child.py", config, workdir)
            self._proc = Spawned(argv, env, cwd=workdir / "tmp", log=self._log,
                                 pass_fds=(request_r, reply_w, progress_w),
                                 processes=limits.processes, memory_bytes=limits.memory_mb << 20)
        for fd in (request_r, reply_w, progress_w):
            os.close(fd)
        self._workdir = workdir
        self._wire = Wire(requests, replies, progress, call_timeout=limits.call_timeout, spin=limits.spin,
                          deadline=self.deadline, fail=self._fail)

    def _files(self) -> dict[str, bytes]:
        """The submission's files the child may import (read once, copied as they were), and the extra files."""
        return {**self.files, **{path.name: path.read_bytes() for path in self.extra_files}}

    def close(self) -> None:
        if self._proc is not None:
            self._kill()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        code = None
        if proc is not None:
            code = proc.kill()
            if self._wire is not None:
                self._wire.close()
                self._wire = None  # its descriptors' numbers may be reused at once
            self._log.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        return code

    # ------------------------------------------------------------------ hello
    def hello(self) -> Loaded:
        """Import the submission in the child (once) and report what it holds."""
        if self._broken is not None:
            raise self._broken
        if self._hello is not None and self._proc is not None:
            return self._hello
        self.start()
        try:
            wire = self._open()
            wire.importing(self.file, self.limits.startup_timeout)
            message, _ = wire.receive()
            hello = parse_hello(message.get("hello"), self._take_output())
        except SandboxFailure as failure:
            self._broken = failure
            raise
        if not hello.ok:
            self._kill()
        self._hello = hello
        return hello

    # ------------------------------------------------------------------ calls
    def call(self, symbol: str, args: Sequence[Any], *, echo: bool = False) -> Returned | Raised:
        """Call ``symbol(*args)`` in the child and return what it returned or raised."""
        return self.call_many([Call(symbol, args, echo)])[0]

    def call_many(self, calls: Sequence[Call | ModuleCall]) -> list[Returned | Raised]:
        """Run a batch of calls, up to ``CALLS_PER_FRAME`` per round trip; each call keeps its own
        time limit.

        The child marks each call's start on its progress pipe (``wire.py``), so a hang or crash is
        attributed to the call that was running. Echoed calls also return their arguments as they
        were after the call (to see whether it changed them). A call that ran out of time is not
        run again, neither directly nor through another function (the fresh child answers for it).
        """
        for call in calls:
            if call.symbol in self._poisoned:
                raise SandboxFailure(self._poisoned[call.symbol], kind="timeout")
        loaded = self.hello()
        if not loaded.ok:
            raise SandboxFailure(f"{self.file} could not be imported", kind="startup")
        replies: list[Returned | Raised] = []
        for start in range(0, len(calls), CALLS_PER_FRAME):
            replies += self._round_trip(calls[start : start + CALLS_PER_FRAME])
        for call, reply in zip(calls, replies, strict=True):
            if isinstance(reply, Raised) and reply.type == "NotRunAgain" and reply.message in self._poisoned:
                raise SandboxFailure(f"{NOT_RUN_AGAIN}{call.symbol} calls {reply.message}, which already took "
                                     f"longer than the {self.limits.call_timeout:g} s limit in an earlier check",
                                     kind="timeout")
        return replies

    def _round_trip(self, calls: Sequence[Call | ModuleCall]) -> list[Returned | Raised]:
        """Send one request frame, read the reply frames that answer it, each call on its own clock."""
        from grader.sandbox import frames  # numpy: imported once a call is made, not at start

        self._batch += 1
        frame = frames.frame(self._batch, calls, encode)
        self.calls += len(calls)
        self.trips += 1
        wire = self._open()
        replies: list[Returned | Raised] = []
        try:
            wire.begin(calls)
            wire.send(frame)
            while len(replies) < len(calls):
                message, arrays = wire.receive()
                answers = message.get("replies")
                if (message.get("batch") != self._batch or message.get("first") != len(replies)
                        or type(answers) is not list or not 0 < len(answers) <= len(calls) - len(replies)):
                    raise self._fail("protocol", "a reply out of turn")
                output = self._take_output()
                for number, answer in enumerate(answers, 1):
                    if type(answer) is not dict:
                        raise self._fail("protocol", "a reply is not an object")
                    try:
                        replies.append(parse_reply(answer, arrays, output if number == len(answers) else ""))
                    except SandboxFailure as failure:  # malformed: the child cannot be trusted to stay in step
                        raise self._fail("protocol", failure.reason) from None
            self._empty_log()  # the child waits for the next batch: its log can start again
        except SandboxFailure as failure:
            if failure.kind == "timeout":
                symbol = wire.during[0]
                self._poisoned[symbol] = (
                    f"{NOT_RUN_AGAIN}{symbol} already took longer than the "
                    f"{self.limits.call_timeout:g} s limit in an earlier check"
                )
            raise
        finally:
            wire.end()
        return replies

    def _open(self) -> Wire:
        """The running child's pipes (a fresh child if the last one was killed; none once the submission's
        time budget has run out: each check not started by then says so at once)."""
        if self._proc is None or self._wire is None:
            if time.monotonic() >= self.deadline:
                raise SandboxFailure(f"{BUDGET_RAN_OUT} before this check started: "
                                     f"{budget(self.limits.submission_timeout)}", kind="budget")
            self._spawn()
        assert self._wire is not None
        return self._wire

    def _empty_log(self) -> None:
        """Truncate the log: parent and child share its file offset, so both start again at 0."""
        os.ftruncate(self._log.fileno(), 0)
        os.lseek(self._log.fileno(), 0, os.SEEK_SET)
        self._log_offset = 0

    def _take_output(self) -> str:
        """What the child wrote since last asked (at most ``output_kb``), as safe text (``untrusted.clean``)."""
        self._log.flush()
        end = os.fstat(self._log.fileno()).st_size
        cap = self.limits.output_kb << 10
        data = os.pread(self._log.fileno(), min(end - self._log_offset, cap + 1), self._log_offset)
        self._log_offset = end
        text = clean(without_stuck(data[:cap].decode("utf-8", "replace")), cap + 1)
        return text[:cap] + ("\n[output truncated]" if len(data) > cap or len(text) > cap else "")

    def _fail(self, how: str, detail: str) -> SandboxFailure:
        """Kill the child and explain, in one sentence, what happened."""
        during, limit = ("the submission", ""), self.limits.call_timeout
        if self._wire is not None:
            self._wire.advance()  # the call that was running when it happened
            during, limit = self._wire.during, self._wire.limit
        proc = self._proc
        death = Death(how=how, detail=detail, subject=during[0], during=during[1], limit=limit,
                      over_budget=time.monotonic() >= self.deadline, log_tail=self._log_tail(), file=self.file,
                      memory=bool(proc and proc.memory_exceeded()),
                      processes=bool(proc and proc.processes_exceeded()))
        if how == "died" and proc is not None:
            proc.settle(1.0)  # let it finish dying: its own exit status, not our kill's
        return explain(death, self._kill(), self.limits)

    def _log_tail(self) -> str:
        """The end of the child's log as safe text, keeping the markers of the lines that say where it
        was stuck (``deaths.stuck_site`` reads them, and cleans what they say)."""
        try:
            size = os.fstat(self._log.fileno()).st_size
            start = max(size - 8192, 0)
            text = os.pread(self._log.fileno(), size - start, start).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return STUCK_MARKER.join(clean(part, 8192) for part in text.split(STUCK_MARKER))
