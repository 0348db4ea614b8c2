"""What a check sees while it runs: the exercise, the sandbox session and the reference.

``CheckContext`` is the one place a check calls into the submission. Calls go out in
batches (one round trip for all the cases of a hypothesis example); what comes back is turned
into the check's terms: a value, a ``Failure`` for the case whose call raised (hypothesis
shrinks it), or a ``Stop`` (not implemented yet, or the sandbox could not answer).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TypeVar

from grader.bank.answers import LIVE, Answers
from grader.checks.outcome import CallLog, Failure, Outcome, Stop
from grader.errors import SandboxFailure
from grader.results import COULD_NOT_GRADE, NOT_IMPLEMENTED, Status
from grader.sandbox.calls import Call, ModuleCall
from grader.sandbox.replies import Raised, Returned
from grader.sandbox.runtime.environment import NOT_PROVIDED


class Caller(Protocol):
    """A sandbox session, or the in-process stand-in the benchmark uses as its floor."""

    def call_many(self, calls: Sequence[Call | ModuleCall]) -> list[Returned | Raised]: ...


Request = tuple[str, dict[str, Any]]  # (symbol, named inputs in contract order)
T = TypeVar("T")


@dataclass
class CheckContext:
    exercise: str  # the exercise's id (forget_gate, LSTMCell)
    symbol: str  # the function or class of the learner's file it grades
    file: str  # the learner's file (lstm_numpy.py)
    session: Caller
    reference: ModuleType
    seed: int
    examples_scale: float
    memory_mb: int
    log: CallLog
    course: Path = field(default_factory=Path)  # where the reference solutions live
    source: str = ""  # the learner's file as text (static checks read it; nothing runs it here)
    device: str = "auto"  # the --device setting
    environment: tuple[str, ...] | None = None  # the modules the course's grading environment provides this track
    answers: Answers = LIVE  # where answers come from: computed here, recorded for a release, or the edition's bank
    misconceptions: tuple[Any, ...] = ()  # the course's misconception library (grader.diagnosis.source)
    compose: Any = None  # the library's composable lesson (None in the edition: its variants' outputs are banked)

    def oracle(self, case: Any, what: str, compute: Callable[[], T]) -> T:
        """``compute()``, an answer computed from the course's answers for ``case`` alone (the reference's outputs,
        a misconception's): computed here, remembered in a batch, or read from the edition's bank."""
        return self.answers.oracle(case, what, compute)

    def examples(self, n: int) -> int:
        return max(1, round(n * self.examples_scale))

    def call_batch(self, requests: Sequence[Request], *, echo: bool = False) -> list[Returned | Failure]:
        """Run every request in one round trip; a request whose call raised gets a ``Failure``."""
        return self.run([(Call(symbol, list(inputs.values()), echo), inputs) for symbol, inputs in requests])

    def run(self, calls: Sequence[tuple[Call | ModuleCall, dict[str, Any]]]) -> list[Returned | Failure]:
        """Run calls (each with its named inputs, shown if it fails) in one round trip."""
        try:
            replies = self.session.call_many([call for call, _ in calls])
        except SandboxFailure as failure:
            raise Stop(Outcome(Status.ERROR, f"{COULD_NOT_GRADE}{failure.reason}"),
                       timed_out=failure.kind in ("timeout", "budget")) from None
        results: list[Returned | Failure] = []
        for (call, inputs), reply in zip(calls, replies, strict=True):
            self.log.add(reply.output)
            results.append(self._raised(call.symbol, reply, inputs) if isinstance(reply, Raised) else reply)
        return results

    def call_all(
        self, symbol: str, inputs: Sequence[dict[str, Any]], *, echo: bool = False
    ) -> list[Returned | Failure]:
        return self.call_batch([(symbol, i) for i in inputs], echo=echo)

    def call(self, symbol: str, inputs: dict[str, Any], *, echo: bool = False) -> Returned:
        """One call; raises the ``Failure`` if it raised."""
        return expect(self.call_all(symbol, [inputs], echo=echo)[0])

    def _raised(self, symbol: str, raised: Raised, inputs: dict[str, Any]) -> Failure:
        # a stub raises NotImplementedError itself; torch raises it too (meta tensors to numpy, ...)
        if raised.type == "NotImplementedError" and not raised.below and raised.code.startswith("raise"):
            inner = raised.function or symbol
            own = symbol == self.symbol and (inner == symbol or inner.startswith(symbol + "."))
            if own:
                message = NOT_IMPLEMENTED
            elif inner != symbol and not inner.startswith(symbol + "."):
                message = f"{symbol} calls {inner}, which is not implemented yet"
            else:
                message = f"this check needs {symbol}, which is not implemented yet"
            raise Stop(Outcome(Status.FAILED, message, not_implemented=own))
        sentence = not_provided(raised.type, raised.message, self.file, self.environment)
        if sentence:  # the same sentence, whichever call or input meets the import
            raise Stop(Outcome(Status.FAILED, sentence))
        if raised.type == "MemoryError" or "can't allocate memory" in raised.message:
            raise Stop(Outcome(
                Status.ERROR, f"{COULD_NOT_GRADE}{symbol} ran out of memory (the limit is {self.memory_mb} MiB)"))
        return Failure(f"{symbol} raised {raised.type}: {raised.message}{_where(raised)}", inputs=inputs,
                       raised=raised)


def expect(result: Returned | Failure) -> Returned:
    """The value of a call, or raise the ``Failure`` its call ended with."""
    if isinstance(result, Failure):
        raise result
    return result


@contextlib.contextmanager
def blame(case: Any) -> Iterator[None]:
    """Attribute any ``Failure`` raised inside to ``case`` (the input hypothesis will shrink)."""
    try:
        yield
    except Failure as failure:
        if failure.case is None:
            failure.case = case
        raise


_NOT_PROVIDED = re.compile(re.escape(NOT_PROVIDED) + r"(?P<module>\S+) \(at (?P<file>.+\.py) line (?P<line>\d+)\)")


def not_provided(kind: str, message: str, file: str, environment: Sequence[str] | None) -> str:
    """The learner's sentence for an import the course's grading environment refused in the child ('' if the
    error is something else); ``file`` is the track's file, ``environment`` what the course declares for it
    (None: not known here, and the sentence does not list it)."""
    found = _NOT_PROVIDED.fullmatch(message) if kind == "ModuleNotFoundError" else None
    if found is None:
        return ""
    sentence = (f"{found['file']} line {found['line']} imports {found['module']}, which the course's grading "
                "environment does not provide")
    if environment is None:
        return f"{sentence}."
    allowed = ", ".join([*environment, "Python's standard library"])
    return f"{sentence}: {file} may import {allowed} and your own .py files beside it."


def _where(raised: Raised) -> str:
    if not raised.line:
        return _advice(raised.message)
    code = f": {raised.code}" if raised.code else ""
    where = f"in a library called from {raised.function}" if raised.below else f"in {raised.function}"
    return f" ({where}, line {raised.line}{code}){_advice(raised.message)}"


def _advice(message: str) -> str:
    """What an error message from torch usually means, in the lesson's terms."""
    if "modified by an inplace operation" in message:
        return (". An in-place operation (x *= y, x.mul_(y), x[...] = ...) changed a tensor autograd needs for "
                "backward: write x = x * y instead")
    if "not compiled with CUDA" in message or "No CUDA GPUs" in message:
        return ". The code moves something to CUDA itself (.cuda(), device='cuda'): follow the inputs' device"
    if "is not on the expected device" in message or "Expected all tensors to be on the same device" in message:
        return ". A tensor is created on a fixed device (torch.zeros(...) without device=): create it like the input"
    if "must have the same dtype" in message or "expected scalar type" in message.lower():
        return (". A tensor is created with a fixed dtype (torch.zeros(...) without dtype=, a float32 constant): "
                "create it like the input (x.new_zeros, torch.zeros_like)")
    if message.startswith(("overflow encountered", "underflow encountered")):  # numpy's FloatingPointError
        return (". np.seterr(all=\"raise\") (or np.errstate) turned numpy's warning into this error: on a saturating "
                "input exp overflows or underflows where correct code simply gives 0 or 1. Let numpy warn, and use a "
                "sigmoid that never exponentiates a positive number")
    if "device type tensor to numpy" in message:
        return (". .numpy() reads only a CPU tensor, so this line fails on a GPU as well: keep the computation in "
                "torch (to look at values, x.detach().cpu().numpy() works on every device)")
    if "BFloat16" in message and "ScalarType" in message:
        return (". The module leaves torch through numpy, which has no bfloat16: keep the computation in torch (to "
                "look at values, x.detach().float().cpu().numpy() works in every dtype)")
    if "cannot be called on meta tensors" in message or "Cannot copy out of meta tensor" in message:
        return (". The meta device, which checks device handling without a GPU, holds no values, so reading one "
                "(.item(), .tolist(), .cpu(), a formatted print) fails there; on a real device it is fine")
    return ""
