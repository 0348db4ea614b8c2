"""What a check concludes, and the two ways a check body stops.

``Failure`` (an ``Exception``) means "the submission is wrong on this input": raised inside a
hypothesis test body, hypothesis shrinks the input and re-raises it for the smallest one.
``Stop`` (a ``BaseException``) ends the check at once, without shrinking: the function is
not implemented yet, or the sandbox could not answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.results import Counterexample, Diagnosis, Status, Tolerance, Worst

if TYPE_CHECKING:
    from grader.sandbox.replies import Raised


@dataclass
class Outcome:
    status: Status
    message: str = ""
    cases: int = 0
    tolerance: Tolerance | None = None
    counterexample: Counterexample | None = None
    diagnosis: Diagnosis | None = None
    not_implemented: bool = False  # the exercise's own function raised NotImplementedError
    case: Any = None  # the smallest failing case, for explanations (never serialized)


class Failure(Exception):
    """The submission is wrong on the current input (hypothesis will shrink it)."""

    def __init__(
        self,
        message: str,
        *,
        inputs: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        got: dict[str, Any] | None = None,
        worst: Worst | None = None,
        tolerance: Tolerance | None = None,
        case: Any = None,
        raised: Raised | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.inputs = inputs
        self.expected = expected
        self.got = got
        self.worst = worst
        self.tolerance = tolerance
        self.case: Any = case  # the failing case (set by ``blame`` where the check does not)
        self.raised = raised  # what the submission raised, where the failure is that it raised


class Stop(BaseException):
    """End the check now with this outcome (no shrinking)."""

    def __init__(self, outcome: Outcome, *, timed_out: bool = False) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome
        self.timed_out = timed_out  # a call ran out of time: running it again would spend its limit again


@dataclass
class CallLog:
    """Output the submission printed during one check (kept short)."""

    limit: int
    parts: list[str] = field(default_factory=list)
    size: int = 0

    def add(self, text: str) -> None:
        if text and self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
            self.size += len(text)

    def text(self) -> str:
        joined = "".join(self.parts)
        return joined + ("\n[output truncated]" if self.size > self.limit else "")
