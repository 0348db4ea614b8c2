"""What a check sees while it runs: the exercise, the sandbox session and the reference.

``CheckContext.call`` is the one place a check calls into the submission. It turns what
came back into the check's terms: a value, a ``Failure`` (the function raised: hypothesis
shrinks the input), or a ``Stop`` (not implemented yet, or the sandbox could not answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from grader.checks.outcome import CallLog, Failure, Outcome, Stop
from grader.errors import SandboxFailure
from grader.results import Status
from grader.sandbox.session import Raised, Returned

if TYPE_CHECKING:
    from grader.catalog import Exercise


class Caller(Protocol):
    """A sandbox session, or the in-process stand-in the benchmark uses as its floor."""

    def call(self, symbol: str, args: list[Any], *, echo: bool = False) -> Returned | Raised: ...


@dataclass
class CheckContext:
    exercise: Exercise
    session: Caller
    reference: ModuleType
    seed: int
    examples_scale: float
    memory_mb: int
    log: CallLog

    def examples(self, n: int) -> int:
        return max(1, round(n * self.examples_scale))

    def call(self, symbol: str, inputs: dict[str, Any], *, echo: bool = False) -> Returned:
        """Call the submission's ``symbol`` with ``inputs`` (in contract order)."""
        try:
            reply = self.session.call(symbol, list(inputs.values()), echo=echo)
        except SandboxFailure as failure:
            raise Stop(Outcome(Status.ERROR, f"could not be graded: {failure.reason}")) from None
        self.log.add(reply.output)
        if isinstance(reply, Raised):
            raise self._raised(symbol, reply, inputs)
        return reply

    def _raised(self, symbol: str, raised: Raised, inputs: dict[str, Any]) -> BaseException:
        if raised.type == "NotImplementedError":
            inner = raised.function or symbol
            own = symbol == self.exercise.symbol and inner == symbol
            if own:
                message = "not implemented yet"
            elif inner != symbol:
                message = f"{symbol} calls {inner}, which is not implemented yet"
            else:
                message = f"this check needs {symbol}, which is not implemented yet"
            return Stop(Outcome(Status.FAILED, message, not_implemented=own))
        if raised.type == "MemoryError":
            return Stop(
                Outcome(
                    Status.ERROR,
                    f"could not be graded: {symbol} ran out of memory (the limit is {self.memory_mb} MiB)",
                )
            )
        return Failure(f"{symbol} raised {raised.type}: {raised.message}{_where(raised)}", inputs=inputs)


def _where(raised: Raised) -> str:
    if not raised.line:
        return ""
    code = f": {raised.code}" if raised.code else ""
    return f" (in {raised.function}, line {raised.line}{code})"
