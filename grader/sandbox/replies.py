"""What comes back from the child, read defensively: every field is checked and capped.

``Returned`` (a value, plain arrays), ``Raised`` (the submission raised an exception),
``Loaded`` (what importing the submission found) and the parsers that build them from the
child's messages, turning anything malformed into a ``SandboxFailure``. Every string the child
chose (messages, names, code, type names) is made safe here, once (``untrusted.clean``); the
output passed in is already (``Session._take_output``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.errors import SandboxFailure
from grader.sandbox.untrusted import clean


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
    below: bool = False  # raised inside a library the submission called, not by its own code


@dataclass(frozen=True)
class Returned:
    value: Any
    args: Any = None  # the arguments as they were after the call (when asked to echo them)
    output: str = ""
    grads: Any = None  # module calls with upstream gradients: {"args": [...], "params": {...}}
    trace: Any = None  # module calls with a trace: {submodule: {"input": tensor, "output": tensor}}


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


def _text(value: Any, limit: int = 2000) -> str:
    return clean(value, limit) if isinstance(value, str) else ""


def parse_raised(record: Any, output: str) -> Raised:
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
        below=record.get("below") is True,
    )


def parse_hello(hello: Any, output: str) -> Loaded:
    if not isinstance(hello, dict) or not isinstance(hello.get("ok"), bool):
        raise SandboxFailure("the submission's process sent a malformed greeting", kind="protocol")
    if not hello["ok"]:
        return Loaded(ok=False, error=parse_raised(hello.get("error"), ""), output=output)
    symbols: dict[str, SymbolInfo] = {}
    raw = hello.get("symbols")
    for name, info in (raw.items() if isinstance(raw, dict) else ()):
        params = info.get("params") if isinstance(info, dict) else None
        if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
            raise SandboxFailure("the submission's process sent a malformed greeting", kind="protocol")
        symbols[_text(name, 100)] = SymbolInfo(
            kind=_text(info.get("kind"), 20),
            params=tuple(_text(p.get("name"), 100) for p in params),
            required=sum(1 for p in params if not p.get("default")),
            varargs=bool(info.get("varargs")),
        )
    return Loaded(ok=True, symbols=symbols, output=output)


def parse_reply(message: dict[str, Any], arrays: list[Any], output: str) -> Returned | Raised:
    from grader.sandbox.runtime import protocol

    try:
        if message.get("ok") is True:
            value = protocol.unpack(message.get("value"), arrays, text=clean)
            args = protocol.unpack(message["args"], arrays, text=clean) if "args" in message else None
            grads = protocol.unpack(message["grads"], arrays, text=clean) if "grads" in message else None
            trace = protocol.unpack(message["trace"], arrays, text=clean) if "trace" in message else None
            return Returned(value=value, args=args, output=output, grads=grads, trace=trace)
        if message.get("ok") is False:
            return parse_raised(message.get("error"), output)
    except protocol.ProtocolError as error:
        raise SandboxFailure(f"the submission's process sent a reply the grader cannot read ({error})",
                             kind="protocol") from None
    raise SandboxFailure("the submission's process sent a reply without a status", kind="protocol")
