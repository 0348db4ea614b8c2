"""The trusted side of the sandbox: one session per submission file.

A session starts a child process (see ``child.py``) in a private temporary folder holding a
copy of the submission, sends it requests and reads its replies with deadlines. Whenever
the child crashes, hangs, exits or sends something malformed, the running call raises
``SandboxFailure`` with a learner-readable reason, the child is killed with its whole
process group, and the next call starts a fresh child from a fresh copy.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import SandboxFailure
from grader.sandbox.launch import Launcher, process_launcher

_RUNTIME = Path(__file__).with_name("child.py"), Path(__file__).with_name("protocol.py")


@dataclass(frozen=True)
class Limits:
    call_timeout: float = 5.0
    startup_timeout: float = 60.0
    submission_timeout: float = 120.0
    memory_mb: int = 1024
    memory_kind: str = "RLIMIT_AS"  # torch reserves huge address space: it uses RLIMIT_DATA
    output_bytes: int = 1 << 20  # stdout+stderr the child may write through Python
    file_mb: int = 16  # largest file the child may write (the log included)
    output_kb: int = 64  # captured output kept per call
    spin: float = 0.002  # seconds the parent polls for a reply before sleeping (0 in pools)
    child_spin: float = 0.0  # seconds the child polls for a request before sleeping


@dataclass(frozen=True)
class Raised:
    """The submission raised an exception (it did not crash)."""

    type: str
    message: str
    function: str = ""
    line: int = 0
    code: str = ""
    trace: tuple[str, ...] = ()
    output: str = ""


@dataclass(frozen=True)
class Returned:
    value: Any
    args: Any = None
    output: str = ""


@dataclass(frozen=True)
class SymbolInfo:
    kind: str  # function | class | other
    params: tuple[str, ...]
    required: int
    varargs: bool


@dataclass(frozen=True)
class Loaded:
    """What the child found when it imported the submission."""

    ok: bool
    symbols: dict[str, SymbolInfo] = field(default_factory=dict)
    error: Raised | None = None
    output: str = ""


_SIGNALS = {
    signal.SIGSEGV: "crashed with a segmentation fault",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGABRT: "aborted",
    signal.SIGFPE: "crashed with a floating-point exception",
    signal.SIGXCPU: "used up its CPU-time limit",
    signal.SIGXFSZ: "wrote more output than allowed",
    signal.SIGKILL: "was killed (most likely it used more memory than allowed)",
}


class Session:
    """Calls into one submission file, in a sandboxed child process."""

    def __init__(
        self,
        folder: Path,
        file: str,
        *,
        limits: Limits | None = None,
        launcher: Launcher = process_launcher,
        extra_files: Sequence[Path] = (),
    ) -> None:
        self.folder, self.file = folder, file
        self.limits = limits or Limits()
        self.launcher = launcher
        self.extra_files = tuple(extra_files)
        self.deadline = time.monotonic() + self.limits.submission_timeout
        self.calls = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._hello: Loaded | None = None
        self._broken: SandboxFailure | None = None
        self._poisoned: dict[str, str] = {}
        self._log_offset = 0
        self._during = ("the submission", "")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the child now; its imports overlap with the parent's own work."""
        if self._proc is None and self._broken is None:
            self._spawn()

    def _spawn(self) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="grade-"))
        runtime, submission, scratch = workdir / "runtime", workdir / "submission", workdir / "tmp"
        for folder in (runtime, submission, scratch):
            folder.mkdir()
        shutil.copyfile(_RUNTIME[0], runtime / "child.py")
        shutil.copyfile(_RUNTIME[1], runtime / "_grader_protocol.py")
        for path in sorted(self.folder.glob("*.py"))[:64]:
            if path.is_file() and path.stat().st_size < 1 << 20:
                shutil.copyfile(path, submission / path.name)
        for path in self.extra_files:
            shutil.copyfile(path, submission / path.name)
        request_r, self._requests = os.pipe()
        self._replies, reply_w = os.pipe()
        os.set_blocking(self._requests, False)
        limits = self.limits
        config = {
            "requests": request_r,
            "replies": reply_w,
            "submission": str(submission),
            "cwd": str(scratch),
            "file": self.file,
            "module": Path(self.file).stem,
            "output_bytes": limits.output_bytes,
            "spin": limits.child_spin,
            "limits": {
                "memory_bytes": limits.memory_mb << 20,
                "memory_kind": limits.memory_kind,
                "cpu_seconds": int(limits.submission_timeout + limits.startup_timeout) + 1,
                "file_bytes": limits.file_mb << 20,
                "core_bytes": 0,
            },
        }
        self._log = open(workdir / "output.log", "w+b")  # noqa: SIM115 - closed in _kill
        self._log_offset = 0
        argv, env = self.launcher(sys.executable, runtime / "child.py", config, workdir)
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            pass_fds=(request_r, reply_w),
            env=env,
            cwd=scratch,
            start_new_session=True,
        )
        os.close(request_r)
        os.close(reply_w)
        self._workdir = workdir
        self._inbox = bytearray()
        os.set_blocking(self._replies, False)

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
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            code = proc.wait()
            for fd in (self._requests, self._replies):
                try:
                    os.close(fd)
                except OSError:
                    pass
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
        deadline = min(time.monotonic() + self.limits.startup_timeout, self.deadline)
        try:
            message, _ = self._receive(deadline, during=(f"importing {self.file}", f"while importing {self.file}"))
            hello = _parse_hello(message.get("hello"), self._take_output())
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
        if symbol in self._poisoned:
            raise SandboxFailure(self._poisoned[symbol], kind="timeout")
        from grader.sandbox import protocol  # numpy: imported once a call is made, not at start

        loaded = self.hello()
        if not loaded.ok:
            raise SandboxFailure(f"{self.file} could not be imported", kind="startup")
        arrays: list[Any] = []
        tree = protocol.pack(list(args), arrays)
        frame = protocol.encode_frame({"op": "call", "symbol": symbol, "args": tree, "echo": echo}, arrays)
        self.calls += 1
        now = time.monotonic()
        deadline = min(now + self.limits.call_timeout, self.deadline)
        self._during = (symbol, f"while running {symbol}")
        try:
            self._send(frame, deadline)
            message, out = self._receive(deadline, during=(symbol, f"while running {symbol}"))
            return _parse_reply(message, out, self._take_output())
        except SandboxFailure as failure:
            if failure.kind == "timeout":
                self._poisoned[symbol] = (
                    f"not run again: {symbol} already took longer than the "
                    f"{self.limits.call_timeout:g} s limit in an earlier check"
                )
            raise

    def _take_output(self) -> str:
        self._log.flush()
        end = os.fstat(self._log.fileno()).st_size
        cap = self.limits.output_kb << 10
        data = os.pread(self._log.fileno(), min(end - self._log_offset, cap + 1), self._log_offset)
        self._log_offset = end
        text = data[:cap].decode("utf-8", "replace")
        return text + ("\n[output truncated]" if len(data) > cap else "")

    def _send(self, frame: bytes, deadline: float) -> None:
        view = memoryview(frame)
        while view:
            try:
                view = view[os.write(self._requests, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError:  # BrokenPipeError and friends: the child is gone
                raise self._fail("died", "") from None
            remaining = deadline - time.monotonic()
            _, writable, _ = select.select([], [self._requests], [], max(remaining, 0))
            if not writable:
                raise self._fail("timeout", "")

    def _read_exact(self, n: int, deadline: float) -> bytes:
        """Take ``n`` bytes from the reply pipe, reading in large chunks (few syscalls).

        Replies to small calls come back within tens of microseconds, much less than the
        cost of sleeping in ``select`` and being woken, so it polls for ``spin`` seconds first.
        """
        inbox = self._inbox
        spin_until = time.perf_counter() + self.limits.spin
        while len(inbox) < n:
            try:
                chunk = os.read(self._replies, max(n - len(inbox), 1 << 16))
            except BlockingIOError:
                if time.perf_counter() < spin_until:
                    continue
                remaining = deadline - time.monotonic()
                readable, _, _ = select.select([self._replies], [], [], max(remaining, 0))
                if not readable:
                    raise self._fail("timeout", "") from None
                continue
            if not chunk:
                raise self._fail("died", "")
            inbox += chunk
        data = bytes(inbox[:n])
        del inbox[:n]
        return data

    def _receive(self, deadline: float, *, during: tuple[str, str]) -> tuple[dict[str, Any], list[Any]]:
        from grader.sandbox import protocol

        if self._proc is None:
            self._spawn()
        self._during = during
        try:
            json_len, payload_len = protocol.parse_header(self._read_exact(protocol.HEADER.size, deadline))
            envelope = self._read_exact(json_len, deadline)
            return protocol.decode_body(envelope, self._read_exact(payload_len, deadline))
        except protocol.ProtocolError as error:
            raise self._fail("protocol", str(error)) from None

    def _fail(self, how: str, detail: str) -> SandboxFailure:
        """Kill the child and explain, in one sentence, what happened."""
        over_budget = time.monotonic() >= self.deadline
        log_tail = self._log_tail()
        code = self._kill()
        where = _crash_site(log_tail, self.file)
        if how == "timeout" and over_budget:
            return SandboxFailure(
                f"grading stopped: all checks of this submission together took longer than the "
                f"{self.limits.submission_timeout:g} s limit",
                kind="budget",
            )
        if how == "timeout":
            return SandboxFailure(
                f"{self._during[0]} took longer than the {self.limits.call_timeout:g} s time limit "
                "(an endless loop, or very slow code?)",
                kind="timeout",
            )
        if how == "protocol":
            return SandboxFailure(f"the submission's process sent a reply the grader cannot read ({detail})",
                                  kind="protocol")
        if code is not None and code < 0:
            what = _SIGNALS.get(signal.Signals(-code), f"was stopped by signal {signal.Signals(-code).name}")
            kind = "memory" if -code == signal.SIGKILL else "crash"
            return SandboxFailure(f"the submission's process {what} {self._during[1]}{where}", kind=kind)
        return SandboxFailure(
            f"the submission's process exited (status {code}) {self._during[1]}{where}; "
            "does the code call exit() or os._exit()?",
            kind="crash",
        )

    def _log_tail(self) -> str:
        try:
            size = os.fstat(self._log.fileno()).st_size
            start = max(size - 8192, 0)
            return os.pread(self._log.fileno(), size - start, start).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""


def _crash_site(log_tail: str, file: str) -> str:
    """Where faulthandler saw the crash in the submission, if it did."""
    sites = re.findall(r'File "[^"]*/' + re.escape(file) + r'", line (\d+) in (\w+)', log_tail)
    if not sites:
        return ""
    line, function = sites[0]
    return f" (at {file} line {line}, in {function})"


def _text(value: Any, limit: int = 2000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _parse_raised(record: Any, output: str) -> Raised:
    if not isinstance(record, dict):
        raise SandboxFailure("the submission's process sent a malformed error record", kind="protocol")
    line = record.get("line")
    trace = record.get("trace")
    return Raised(
        type=_text(record.get("type"), 100) or "Exception",
        message=_text(record.get("message")),
        function=_text(record.get("function"), 200),
        line=line if type(line) is int else 0,
        code=_text(record.get("code"), 300),
        trace=tuple(_text(t, 400) for t in trace[:8]) if isinstance(trace, list) else (),
        output=output,
    )


def _parse_hello(hello: Any, output: str) -> Loaded:
    if not isinstance(hello, dict) or not isinstance(hello.get("ok"), bool):
        raise SandboxFailure("the submission's process sent a malformed greeting", kind="protocol")
    if not hello["ok"]:
        return Loaded(ok=False, error=_parse_raised(hello.get("error"), ""), output=output)
    symbols: dict[str, SymbolInfo] = {}
    raw = hello.get("symbols")
    for name, info in (raw.items() if isinstance(raw, dict) else ()):
        params = info.get("params") if isinstance(info, dict) else None
        if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
            raise SandboxFailure("the submission's process sent a malformed greeting", kind="protocol")
        symbols[str(name)[:100]] = SymbolInfo(
            kind=_text(info.get("kind"), 20),
            params=tuple(_text(p.get("name"), 100) for p in params),
            required=sum(1 for p in params if not p.get("default")),
            varargs=bool(info.get("varargs")),
        )
    return Loaded(ok=True, symbols=symbols, output=output)


def _parse_reply(message: dict[str, Any], arrays: list[Any], output: str) -> Returned | Raised:
    from grader.sandbox import protocol

    try:
        if message.get("ok") is True:
            value = protocol.unpack(message.get("value"), arrays)
            args = protocol.unpack(message["args"], arrays) if "args" in message else None
            return Returned(value=value, args=args, output=output)
        if message.get("ok") is False:
            return _parse_raised(message.get("error"), output)
    except protocol.ProtocolError as error:
        raise SandboxFailure(f"the submission's process sent a reply the grader cannot read ({error})",
                             kind="protocol") from None
    raise SandboxFailure("the submission's process sent a reply without a status", kind="protocol")
