"""What the parent can ask the child to do: a call of a function, or of a torch module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One call in a batch: ``symbol(*args)``, echoing the arguments back if asked."""

    symbol: str
    args: Sequence[Any]
    echo: bool = False


@dataclass(frozen=True)
class ModuleCall:
    """Build ``symbol(*init)``, load ``state`` strictly, move it to ``device``/``dtype``, call it
    (or its submodule ``target``) on ``args``; with ``grad`` (one upstream gradient per output
    tensor) also return the gradients of the arguments and of every parameter. ``describe``
    only returns the state dict's names, shapes and dtypes; ``trace`` also returns what the
    named submodules were last given and gave back during the call."""

    symbol: str
    init: tuple[int, ...]
    args: Sequence[Any] = ()
    state: dict[str, Any] | None = None
    device: str = "cpu"
    dtype: str = "float64"
    target: str = ""
    grad: Sequence[Any] | None = None
    describe: bool = False
    trace: tuple[str, ...] = ()  # submodules whose last input and output to return, by name


def encode(call: Call | ModuleCall, arrays: list[Any]) -> dict[str, Any]:
    from grader.sandbox.runtime.protocol import pack  # numpy: imported once a call is made, not at start

    if isinstance(call, Call):
        return {"symbol": call.symbol, "args": pack(list(call.args), arrays), "echo": call.echo}
    return {
        "kind": "module", "symbol": call.symbol, "init": list(call.init),
        "args": pack(list(call.args), arrays),
        "state": None if call.state is None else pack(call.state, arrays),
        "device": call.device, "dtype": call.dtype, "target": call.target, "describe": call.describe,
        "trace": list(call.trace),
        "grad": None if call.grad is None else pack(list(call.grad), arrays),
    }
