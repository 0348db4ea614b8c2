"""Where a check's answers come from: computed here, computed and recorded, or read from the bank.

An answer is anything computed from the course's answers (the reference solutions, the
misconception library) for one case: ``(case, what)`` names it, and a case (its sizes, dtype,
magnitude, seed and saturation) determines its arrays, so the name alone finds it again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from grader.checks import replay

T = TypeVar("T")

# what a recorded compute may raise, and the edition raises again (a variant that cannot run on a case)
RAISES = (ArithmeticError, ValueError, IndexError, KeyError, TypeError)


class BankMiss(KeyError):
    """The bank holds no answer for this case: it is not one of the course's published cases."""


def case_key(case: Any) -> str:
    """The name of a case: the fields that determine its arrays."""
    return "/".join(str(getattr(case, name)) for name in ("B", "I", "H", "T", "dtype", "magnitude", "seed", "saturate"))


def key(case: Any, what: str) -> str:
    return f"{case_key(case)}|{what}"


class Answers:
    """Computed here: the course's references are present (the instructor's checkout)."""

    edition = False  # the student edition: the grade of record is computed at hand-in

    def oracle(self, case: Any, what: str, compute: Callable[[], T]) -> T:
        return replay.oracle(case, what, compute)

    def cases_for(self, check: str, own: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The cases ``check`` ("exercise:check") runs on instead of a search (None: it searches); ``own``: the
        cases it would publish."""
        return None

    def examples_of(self, check: str) -> tuple[Any, ...]:
        """The published cases of ``check`` that diagnosis tries where its failing case is not one of them."""
        return ()


LIVE = Answers()


@dataclass
class Recorder(Answers):
    """Computed and recorded: ``grade release`` builds the bank from what the checks ask for."""

    cases: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # check -> its published cases
    answers: dict[str, Any] = field(default_factory=dict)
    driven: set[str] = field(default_factory=set)  # the checks that asked for an answer: they run on the bank
    current: str = ""

    def cases_for(self, check: str, own: tuple[Any, ...]) -> tuple[Any, ...] | None:
        self.current = check
        self.cases[check] = own
        return own

    def oracle(self, case: Any, what: str, compute: Callable[[], T]) -> T:
        if self.current:
            self.driven.add(self.current)
        name = key(case, what)
        if name in self.answers:
            return cast(T, _answer(self.answers[name], name))
        try:
            found = compute()
        except RAISES as error:
            self.answers[name] = Raised(f"{type(error).__name__}: {error}")
            raise
        self.answers[name] = copy.deepcopy(found)
        return found


@dataclass(frozen=True)
class Raised:
    """A recorded compute that raised (a misconception's variant that cannot run at these sizes)."""

    error: str


@dataclass
class Published(Answers):
    """Read from the bank: the student edition, which has no answers of its own."""

    cases: dict[str, tuple[Any, ...]]  # check -> its published cases
    answers: Mapping[str, Any]
    driven: frozenset[str]  # the checks that need the course's answers: they run on their published cases
    edition = True

    def cases_for(self, check: str, own: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return self.cases.get(check) if check in self.driven else None

    def examples_of(self, check: str) -> tuple[Any, ...]:
        return self.cases.get(check, ())

    def oracle(self, case: Any, what: str, compute: Callable[[], T]) -> T:
        name = key(case, what)
        if name not in self.answers:
            raise BankMiss(name)
        return cast(T, _answer(self.answers[name], name))


def _answer(value: Any, name: str) -> Any:
    if isinstance(value, Raised):
        raise ValueError(f"{name}: {value.error}")
    return cast(Any, copy.deepcopy(value))
