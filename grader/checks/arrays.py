"""What a numpy exercise takes and returns, and how to read what a submission returned.

A ``Spec`` says how to build an exercise's arguments from a generated ``Case`` and what the
outputs are called and shaped. ``outputs`` reads a returned value into named arrays, raising
a ``Failure`` that says exactly what was wrong with its structure or shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.cases import Case
from grader.checks.outcome import Failure
from grader.sandbox.runtime.protocol import Opaque

# contract parameter name -> key in Case.arrays (the lesson's names for the same thing)
_ALIASES = {"ltm0": "ltm_prev", "stm0": "stm_prev"}
# outputs -> shape label
_SHAPES = {"stms": "(B, T, H)"}
BATCHED = frozenset({"event", "events", "stm_prev", "ltm_prev", "forget_out", "learn_out", "ltm0", "stm0"})


@dataclass(frozen=True)
class Spec:
    symbol: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]  # flat output names: ("forget_out",), ("ltm", "stm"), ...
    returns: str  # how the lesson writes the return value, for messages
    sequence: bool = False  # takes a (B, T, I) sequence: outputs ("stms", "ltm_T", "stm_T")

    def args(self, case: Case) -> dict[str, Any]:
        arrays = case.arrays
        return {
            p: case.params if p == "params" else arrays[_ALIASES.get(p, p)] for p in self.params
        }

    def shape(self, output: str, case: Case) -> tuple[tuple[int, ...], str]:
        if output in _SHAPES:
            return (case.B, case.T, case.H), _SHAPES[output]
        return (case.B, case.H), "(B, H)"

    def steps(self, case: Case) -> int:
        return case.T if self.sequence else 1

    def leaves(self, value: Any) -> list[Any]:
        """The output leaves of ``value`` in the order of ``outputs``, or a ``Failure`` on its structure."""
        if len(self.outputs) == 1:
            return [value]
        if self.sequence:
            if not (_is_pair(value) and _is_pair(value[1])):
                raise self._structure(value)
            return [value[0], value[1][0], value[1][1]]
        if not _is_pair(value):
            raise self._structure(value)
        return list(value)

    def outputs_of(self, value: Any, case: Case) -> dict[str, np.ndarray]:
        """Named output arrays of ``value``, or a ``Failure`` saying what is off."""
        named: dict[str, np.ndarray] = {}
        for name, leaf in zip(self.outputs, self.leaves(value), strict=True):
            if not isinstance(leaf, np.ndarray):
                what = f"{name} is {describe(leaf)}" if len(self.outputs) > 1 else f"it returned {describe(leaf)}"
                raise Failure(f"{self.symbol} should return {self.returns}; {what}")
            shape, label = self.shape(name, case)
            if leaf.shape != shape:
                sizes = ", ".join(f"{k}={v}" for k, v in case.sizes.items())
                raise Failure(
                    f"{self.symbol} returned {name} with shape {leaf.shape}; expected {label} = "
                    f"{shape} (here {sizes})"
                )
            named[name] = leaf
        return named

    def _structure(self, value: Any) -> Failure:
        return Failure(f"{self.symbol} should return {self.returns}; it returned {describe(value)}")


def _is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2


def describe(value: Any) -> str:
    """A learner-readable description of what came back."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None:
        return "None (is a `return` statement missing?)"
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        items = f"a {kind} of {len(value)} item{'s' if len(value) != 1 else ''}"
        if kind == "list" and all(isinstance(v, (list, Opaque)) for v in value):
            return f"{items} (return the numpy array itself, not a Python list)"
        return items
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, Opaque):
        if value.pytype == "numpy.ndarray":
            return f"an array the grader cannot use ({value.detail}; return a float array)"
        short = value.pytype.removeprefix("builtins.")
        if short in ("int", "float", "bool"):
            return f"a single number ({short}); return the whole array"
        return f"a {short} object (return a plain numpy array: np.asarray(...))"
    return f"a {type(value).__name__}"


def permute_rows(inputs: dict[str, Any], order: np.ndarray) -> dict[str, Any]:
    """The same inputs with the batch rows reordered (parameters untouched)."""
    return {k: (v[order] if k in BATCHED else v) for k, v in inputs.items()}
