"""The untrusted side of the sandbox: imports a submission and answers requests.

Runs as ``python -I -B child.py CONFIG`` from a private runtime folder that holds this file
and a copy of ``protocol.py`` (loaded as ``_grader_protocol``); it imports nothing else from
the grader. It never sees expected values, tolerances, points or check names: a request
is a batch of calls, each naming a function of the submission and carrying its arguments.
The child answers a batch with one reply frame carrying, for each call, what the function
returned, as plain arrays, or what it raised; as each call starts it writes one byte to a
progress pipe, from which the parent learns which call is running (each call's own time limit,
and the call to blame for a hang or a crash). Shortly before a call (or the import) runs out of
time, a timer has the child write where in the submission it is stuck, one marked line of its
log, which the parent quotes in the timeout's message.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib.util
import inspect
import io
import json
import linecache
import os
import resource
import select
import signal
import sys
import time
from typing import Any

FLUSH_ARRAYS = 1024  # arrays gathered for a reply frame before it is sent early (the parent caps a frame's)


class _CappedWriter(io.TextIOBase):
    """stdout/stderr for student code: writes through to the log until a byte budget is used."""

    def __init__(self, fd: int, budget: list[int]) -> None:
        self._fd, self._budget = fd, budget

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = str(text).encode("utf-8", "replace")
        if self._budget[0] > 0:
            chunk = data[: self._budget[0]]
            self._budget[0] -= len(chunk)
            if self._budget[0] <= 0:
                chunk += b"\n[further output dropped: output limit reached]\n"
            os.write(self._fd, chunk)
        return len(text)


def _set_limits(limits: dict[str, Any]) -> None:
    names = {
        "memory_bytes": getattr(resource, str(limits.get("memory_kind", "RLIMIT_AS"))),
        "cpu_seconds": resource.RLIMIT_CPU,
        "file_bytes": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
        "core_bytes": resource.RLIMIT_CORE,
    }
    for key, which in names.items():
        value = limits.get(key)
        if isinstance(value, int) and value >= 0:
            _soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))


def _where(tb: Any, submission_dir: str) -> tuple[str, int, str, list[str], bool]:
    """The innermost frame in the submission's own files (qualified function, line, code), a short
    trace of those frames, and whether the exception was raised below them, inside a library."""
    frames, innermost = [], ""
    while tb is not None:
        code = tb.tb_frame.f_code
        innermost = code.co_filename
        if os.path.dirname(os.path.abspath(innermost)) == submission_dir:
            frames.append((innermost, tb.tb_lineno, getattr(code, "co_qualname", code.co_name)))
        tb = tb.tb_next
    lines = [(f, n, name, (linecache.getline(f, n) or "").strip()) for f, n, name in frames]
    trace = [f"{os.path.basename(f)}:{n} in {name}: {text}" for f, n, name, text in lines][-8:]
    if not lines:
        return "", 0, "", trace, False
    path, line, name, text = lines[-1]
    return name, line, text[:300], trace, path != innermost


def _error(exc: BaseException, submission_dir: str) -> dict[str, Any]:
    try:
        message = str(exc)[:2000]
    except BaseException:  # a hostile __str__
        message = "(the exception's message could not be read)"
    function, line, code, trace, below = _where(exc.__traceback__, submission_dir)
    record: dict[str, Any] = {
        "type": type(exc).__name__[:100],
        "message": message,
        "function": function,
        "line": line,
        "code": code,
        "trace": trace,
        "below": below,
    }
    if isinstance(exc, SyntaxError):
        record.update(line=exc.lineno or 0, code=(exc.text or "").strip()[:300], message=exc.msg or "")
    return record


def _describe(obj: Any) -> dict[str, Any]:
    """What a symbol looks like: kind and positional parameters, for signature checks."""
    kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "other"
    info: dict[str, Any] = {"kind": kind, "params": [], "varargs": False}
    try:
        target = obj.__init__ if kind == "class" else obj
        params = list(inspect.signature(target).parameters.values())
        if kind == "class":
            params = params[1:]
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                info["varargs"] = True
            elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                info["params"].append({"name": p.name, "default": p.default is not p.empty})
    except (TypeError, ValueError):
        info["varargs"] = True  # builtins without a signature: cannot tell, do not complain
    return info


class NotRunAgain(Exception):
    """Raised in place of a function that already ran past its time limit (the parent names it)."""


def _not_run_again(name: str) -> Any:
    def stand_in(*args: Any, **kwargs: Any) -> Any:
        raise NotRunAgain(name)

    return stand_in


class Child:
    def __init__(self, config: dict[str, Any]) -> None:
        import _grader_protocol as protocol  # type: ignore[import-not-found]  # private copy of protocol.py

        self.protocol = protocol
        self.requests, self.replies = config["requests"], config["replies"]
        self.submission_dir = os.path.abspath(config["submission"])
        self.module: Any = None
        self.config = config
        self.pid = os.getpid()  # a copy made by os.fork() in the submission must never speak for us
        self.inbox = bytearray()
        self.budget: list[int] = config["budget"]
        self.spin = float(config.get("spin", 0.0))
        self.progress = config.get("progress")
        self.stuck = config.get("stuck") or {}  # {"marker", "import_by", "call"}: when to say where a hang is
        if self.stuck:
            signal.signal(signal.SIGALRM, self._say_where)
        os.set_blocking(self.requests, False)
        if isinstance(self.progress, int):
            os.set_blocking(self.progress, False)

    # ---------------------------------------------------------------- frames
    def _read_exact(self, n: int) -> bytes:
        """Read from the request pipe, polling briefly before blocking (``protocol.read_exact``)."""
        data: bytes = self.protocol.read_exact(self.requests, self.inbox, n, spin=self.spin,
                                               wait=lambda: select.select([self.requests], [], []))
        return data

    def receive(self) -> tuple[dict[str, Any], list[Any]]:
        if os.getpid() != self.pid:
            os._exit(0)
        json_len, payload_len = self.protocol.parse_header(self._read_exact(self.protocol.HEADER.size))
        envelope = self._read_exact(json_len)
        message: tuple[dict[str, Any], list[Any]] = self.protocol.decode_body(envelope, self._read_exact(payload_len))
        return message

    def send(self, message: dict[str, Any], arrays: list[Any]) -> None:
        if os.getpid() != self.pid:
            os._exit(0)
        frame = self.protocol.encode_frame(message, arrays)
        view = memoryview(frame)
        while view:
            view = view[os.write(self.replies, view) :]

    # ---------------------------------------------------------------- ops
    def load(self) -> dict[str, Any]:
        import _grader_environment  # type: ignore[import-not-found]  # private copy of environment.py

        if self.config.get("forbid"):  # before the submission can take a reference to them
            import _grader_torch  # type: ignore[import-not-found,unused-ignore]  # noqa: F401  # torch, in the import's limit

            _grader_environment.forbid(self.config["forbid"])
        if self.config.get("environment") is not None:  # the course's grading environment: what it may import
            _grader_environment.guard(self.config["environment"], self.submission_dir)
        path = os.path.join(self.submission_dir, self.config["file"])
        name = self.config["module"]
        sys.path.insert(1, self.submission_dir)
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {self.config['file']}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except BaseException as exc:
            return {"ok": False, "error": _error(exc, self.submission_dir)}
        self.module = module
        names = [n for n in dir(module) if not n.startswith("_")][:400]
        symbols = {n: _describe(getattr(module, n)) for n in names}
        for name in self.config.get("timed_out") or ():  # what calls them ends at once instead of hanging again
            if isinstance(name, str) and hasattr(module, name):
                setattr(module, name, _not_run_again(name))
        return {"ok": True, "symbols": symbols}

    def mark(self) -> None:
        """Tell the parent that the next call starts (one byte on the progress pipe)."""
        if isinstance(self.progress, int):  # full or closed: the parent blames an earlier call, never a later one
            with contextlib.suppress(OSError):
                os.write(self.progress, b".")
        self.alarm(self.stuck.get("call"))

    def alarm(self, seconds: float | None) -> None:
        """Say where the submission is ``seconds`` from now (a call's or the import's limit is near); None disarms."""
        if self.stuck:
            signal.setitimer(signal.ITIMER_REAL, 0.0 if seconds is None else max(float(seconds), 0.001))

    def _say_where(self, _signum: int, frame: Any) -> None:
        """SIGALRM, in the middle of the submission's code: write the submission's frames it is in,
        innermost first, as one marked line of the log. Never raises into the submission."""
        try:
            frames: list[dict[str, Any]] = []
            while frame is not None and len(frames) < 8:
                code = frame.f_code
                if os.path.dirname(os.path.abspath(code.co_filename)) == self.submission_dir:
                    text = (linecache.getline(code.co_filename, frame.f_lineno) or "").strip()[:300]
                    frames.append({"file": os.path.basename(code.co_filename)[:100], "line": frame.f_lineno,
                                   "function": getattr(code, "co_qualname", code.co_name)[:100], "code": text})
                frame = frame.f_back
            if frames and os.getpid() == self.pid:
                os.write(2, f"\n{self.stuck.get('marker', '')}{json.dumps(frames)}\n".encode("utf-8", "replace"))
        except BaseException:  # the submission must never see the grader's own errors
            pass

    def run_call(self, call: dict[str, Any], arrays: list[Any], out: list[Any]) -> dict[str, Any]:
        """One call of a batch: what the function returned (its arrays appended to ``out``) or what it raised."""
        start = len(out)
        try:
            args = self.protocol.unpack(call["args"], arrays)
            if call.get("kind") == "module":
                import _grader_torch  # type: ignore[import-not-found,unused-ignore]  # copy of torch_calls.py

                for key in ("state", "grad"):
                    if call.get(key) is not None:
                        call[key] = self.protocol.unpack(call[key], arrays)
                result = _grader_torch.run(self.module, call, args, self.protocol)
                reply = {"ok": True, **{k: self.protocol.pack(v, out) for k, v in result.items()}}
            else:
                result = getattr(self.module, call["symbol"])(*args)
                reply = {"ok": True, "value": self.protocol.pack(result, out)}
            if call.get("echo"):
                reply["args"] = self.protocol.pack(list(args), out)
        except BaseException as exc:
            del out[start:]
            reply = {"ok": False, "error": _error(exc, self.submission_dir)}
        return reply

    def serve(self) -> None:
        """Import the submission, then answer batches of calls: one reply frame per batch."""
        import_by = self.stuck.get("import_by")  # a time on CLOCK_MONOTONIC, which parent and child share
        self.alarm(import_by - time.monotonic() if isinstance(import_by, (int, float)) else None)
        hello = self.load()
        self.alarm(None)
        self.send({"hello": hello}, [])
        if not hello["ok"]:
            return
        while True:
            try:
                message, arrays = self.receive()
            except EOFError:
                return
            calls = message.get("calls")
            if message.get("op") != "calls" or not isinstance(calls, list):
                return
            self.budget[0] = self.config["output_bytes"]  # each batch may print this much
            first = 0
            replies: list[dict[str, Any]] = []
            out: list[Any] = []
            for index, call in enumerate(calls):
                self.mark()
                replies.append(self.run_call(call, arrays, out))
                if index == len(calls) - 1:
                    self.alarm(None)  # the batch is done: no call of it can hang now
                if len(out) >= FLUSH_ARRAYS or index == len(calls) - 1:
                    self.send({"batch": message.get("batch"), "first": first, "replies": replies}, out)
                    first, replies, out = index + 1, [], []


def run(config: dict[str, Any]) -> None:
    """Set the limits, capture the output, then import the submission and answer requests."""
    _set_limits(config.get("limits", {}))
    faulthandler.enable(file=2)
    budget = config["budget"] = [int(config.get("output_bytes", 1 << 20))]
    sys.stdout = _CappedWriter(1, budget)
    sys.stderr = _CappedWriter(2, budget)
    sys.stdin = io.StringIO("")
    os.chdir(config.get("cwd", config["submission"]))
    Child(config).serve()


def main() -> None:
    config = json.loads(sys.argv[1])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if config.get("zygote"):  # a warm process forking one child per submission (batches)
        import _grader_forkserver  # type: ignore[import-not-found]  # private copy of forkserver.py

        _grader_forkserver.serve(config, run)
        return
    run(config)


if __name__ == "__main__":
    main()
