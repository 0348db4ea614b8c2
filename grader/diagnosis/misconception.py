"""What a misconception is: a known way to get the lesson's LSTM wrong, and where it can show.

An entry is a variant of the reference (``lesson`` parts swapped, ``standard`` switches, backward
terms left out with ``omit``, ``naive`` activations, ``gradients`` computed another way), or a
mistake that shows in the sizes of what comes back (``sizes``), or the ``pattern`` of a report
(torch's own error messages). The course's library (``misconceptions/`` beside ``solutions/``) lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

Parts = dict[str, Callable[[SimpleNamespace], Callable[..., Any]]]  # lesson part -> how to build it

GATES = ("learn_gate", "forget_gate", "remember_gate", "use_gate")
ABOVE = {  # an exercise, and every exercise built on it
    "sigmoid": ("learn_gate", "forget_gate", "use_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "tanh": ("learn_gate", "use_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "new_info_act": ("learn_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "ignore_act": ("learn_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "use_act": ("use_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "concat": ("learn_gate", "forget_gate", "use_gate", "lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    **{gate: (gate, "lstm_cell", "lstm_forward", "LSTMCell", "LSTM") for gate in GATES},
    "lstm_cell": ("lstm_cell", "lstm_forward", "LSTMCell", "LSTM"),
    "lstm_forward": ("lstm_forward", "LSTM"),
}
VALUE_CHECKS = ("matches_reference", "matches_float64")
ANY_CHECK = ("*",)  # whichever check meets it first


@dataclass(frozen=True)
class Misconception:
    id: str
    title: str
    explanation: str
    exercises: tuple[str, ...]
    checks: tuple[str, ...] = VALUE_CHECKS
    lesson: Parts = field(default_factory=dict)  # lesson parts replaced
    standard: dict[str, Any] = field(default_factory=dict)  # switches of compose.standard
    omit: frozenset[str] = frozenset()  # backward terms left out
    naive: bool = False  # the backward's gates with an overflowing sigmoid
    gradients: str = ""  # or: a torch module's gradients computed another way ("detached_state")
    # or: about sizes ("batch_of_one": right with one row; "fixed": right at the size it gave; "squeezed": size-1
    # axes dropped)
    sizes: str = ""
    pattern: str = ""  # or: a regular expression on the failing check's message
    hint: str = ""  # what to do about it (shown instead of the check's own hint; from HINTS)

    def applies_to(self, exercise: str, check: str) -> bool:
        return exercise in self.exercises and (check in self.checks or self.checks == ANY_CHECK)


def lesson_entry(id: str, title: str, explanation: str, part: str, build: Any, *,
                 checks: tuple[str, ...] = VALUE_CHECKS) -> Misconception:
    """A lesson part (``ABOVE``'s key) swapped for ``build``: it shows in that part and all built on it."""
    return Misconception(id, title, explanation, ABOVE[part], checks=checks, lesson={part: build})
