"""The in-process floor: the same calls as the sandbox, with no sandbox at all.

Only for benchmarks and for comparing reports: it imports the submission into the grader's
own process, so it must never see untrusted code. It mirrors ``Session``'s interface and
reuses the child's own helpers to describe symbols and errors.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grader.sandbox import scratch
from grader.sandbox.calls import Call, ModuleCall
from grader.sandbox.replies import Loaded, Raised, Returned, parse_hello, parse_raised
from grader.sandbox.runtime import child


class InProcessSession:
    def __init__(self, folder: Path, file: str) -> None:
        self.folder, self.file = folder, file
        self._module: Any = None
        self._hello: Loaded | None = None
        self._dir = scratch.make("inproc")
        self._errstate = np.geterr()  # the submission's numpy error handling (np.seterr), kept out of the grader's

    def start(self) -> None:
        pass

    def hello(self) -> Loaded:
        if self._hello is None:
            for path in sorted(self.folder.glob("*.py")):
                shutil.copyfile(path, self._dir / path.name)
            name = f"_inprocess_{Path(self.file).stem}_{id(self)}"
            spec = importlib.util.spec_from_file_location(name, self._dir / self.file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(self._dir))
            try:
                with self._its_errstate():
                    spec.loader.exec_module(module)
            except Exception as exc:
                self._hello = Loaded(ok=False, error=parse_raised(child._error(exc, str(self._dir)), ""))
                return self._hello
            finally:
                sys.path.remove(str(self._dir))
            self._module = module
            symbols = {n: child._describe(getattr(module, n)) for n in dir(module) if not n.startswith("_")}
            self._hello = parse_hello({"ok": True, "symbols": symbols}, "")
        return self._hello

    def call(self, symbol: str, args: Sequence[Any], *, echo: bool = False) -> Returned | Raised:
        args = _fresh(list(args))  # the child gets its own copies too: the grader's cases stay as they were
        try:
            with self._its_errstate():
                value = getattr(self._module, symbol)(*args)
        except Exception as exc:
            return parse_raised(child._error(exc, str(self._dir)), "")
        return Returned(value=value, args=list(args) if echo else None)

    def call_many(self, calls: Sequence[Call | ModuleCall]) -> list[Returned | Raised]:
        return [self.call(c.symbol, c.args, echo=c.echo) if isinstance(c, Call) else self._module_call(c)
                for c in calls]

    def _module_call(self, call: ModuleCall) -> Returned | Raised:
        from grader.sandbox.runtime import protocol, torch_calls

        request = {"symbol": call.symbol, "init": list(call.init), "state": _fresh(call.state), "device": call.device,
                   "dtype": call.dtype, "target": call.target, "describe": call.describe,
                   "grad": None if call.grad is None else _fresh(list(call.grad)), "trace": list(call.trace)}
        try:
            with self._its_errstate():
                result = torch_calls.run(self._module, request, _fresh(list(call.args)), protocol)
        except Exception as exc:
            return parse_raised(child._error(exc, str(self._dir)), "")
        return Returned(value=result["value"], grads=result.get("grads"), trace=result.get("trace"))

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    @contextlib.contextmanager
    def _its_errstate(self) -> Iterator[None]:
        """Run the submission's code under its own numpy error handling (an ``np.seterr(all="raise")`` at its
        import stays its own, as in a sandboxed child), and give the grader back its own after."""
        grader = np.seterr(**self._errstate)
        try:
            yield
        finally:
            self._errstate = np.seterr(**grader)


def _fresh(value: Any) -> Any:
    """``value`` with every array copied (writable, like the arrays the child decodes)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(v) for v in value)
    return value
