"""Numeric answers: when a number counts as right, and the grid that hashed keys are quantised to.

Three rules, each exact in decimal arithmetic (numbers are read as the decimals they print as,
so 0.736 is within ±0.005 of 0.731):

- ``abs``: ``|got - answer| <= abs``;
- ``rel``: ``|got - answer| <= rel * |answer|`` (0 < rel <= 0.5);
- ``sig``: right to N significant figures: within half a unit of the N-th significant figure of
  the answer, so the answer rounded to N figures always counts.

A student copy cannot hold the answer, so it holds the hash of the answer's *cell* on a grid
(``cell``). A learner's number is checked by hashing every cell an accepted answer could lie in
(``cells_near``: two to four cells, each as wide as the tolerance). Every answer within the
tolerance is accepted; answers up to twice the tolerance may be too (for ``rel``, a little more),
so local self-checks are slightly more lenient than grading.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from decimal import Decimal

KINDS = ("abs", "rel", "sig")
_CONTEXT = decimal.Context(prec=60)
_EPSILON = Decimal("1e-40")  # keeps floor() of a log-grid position stable at cell boundaries


def exact(value: float) -> Decimal:
    """The decimal a number prints as (0.1 is 0.1, not 0.1000000000000000055...)."""
    return Decimal(repr(float(value)) if isinstance(value, float) else int(value))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=decimal.ROUND_FLOOR, context=_CONTEXT))


@dataclass(frozen=True)
class Tolerance:
    kind: str  # abs | rel | sig
    amount: float  # the largest error (abs), the largest error over |answer| (rel), or N figures (sig)

    def describe(self) -> str:
        if self.kind == "abs":
            return f"within ±{self.amount:g}"
        if self.kind == "rel":
            return f"within {self.amount * 100:g}% of the answer"
        return f"to {int(self.amount)} significant figure{'s' if self.amount != 1 else ''}"

    def as_table(self) -> dict[str, float | int]:
        return {self.kind: int(self.amount) if self.kind == "sig" else self.amount}

    def bound(self, answer: float) -> Decimal:
        """The largest ``|got - answer|`` that counts as right."""
        e = exact(answer)
        if self.kind == "abs":
            return exact(self.amount)
        if self.kind == "rel":
            return _CONTEXT.multiply(exact(self.amount), abs(e))
        return Decimal(0) if e == 0 else Decimal(5).scaleb(e.adjusted() - int(self.amount))

    def accepts(self, got: float, answer: float) -> bool:
        return abs(_CONTEXT.subtract(exact(got), exact(answer))) <= self.bound(answer)

    # ------------------------------------------------------------------ the hashing grid

    def cell(self, answer: float) -> str:
        """The grid cell of an answer: what a student copy hashes instead of the number."""
        e = exact(answer)
        if self.kind == "abs":
            return f"abs:{_floor(_CONTEXT.divide(e, exact(self.amount)))}"
        if e == 0:
            return f"{self.kind}:0"
        sign = "-" if e < 0 else "+"
        if self.kind == "rel":
            return f"rel:{sign}{_floor(self._log_position(abs(e)))}"
        half = self.bound(answer)  # cells are half a unit of the last significant figure wide
        return f"sig:{sign}{e.adjusted()}:{_floor(_CONTEXT.divide(abs(e), half))}"

    def cells_near(self, got: float) -> list[str]:
        """Every cell holding an answer that ``got`` is within the tolerance of (and a few more)."""
        g = exact(got)
        if self.kind == "abs":
            step = exact(self.amount)
            low = _floor(_CONTEXT.divide(_CONTEXT.subtract(g, step), step))
            high = _floor(_CONTEXT.divide(_CONTEXT.add(g, step), step))
            return [f"abs:{k}" for k in range(low, high + 1)]
        if g == 0:
            return [f"{self.kind}:0"]
        sign = "-" if g < 0 else "+"
        if self.kind == "rel":
            r = exact(self.amount)
            low = _floor(self._log_position(_CONTEXT.divide(abs(g), 1 + r)) - _EPSILON)
            high = _floor(self._log_position(_CONTEXT.divide(abs(g), 1 - r)) + _EPSILON)
            return [f"rel:{sign}{k}" for k in range(low, high + 1)]
        cells = []
        figures = int(self.amount)
        for exponent in (g.adjusted() - 1, g.adjusted(), g.adjusted() + 1):  # the answer's exponent is one of these
            half = Decimal(5).scaleb(exponent - figures)
            low = max(_floor(_CONTEXT.divide(_CONTEXT.subtract(abs(g), half), half)), 2 * 10 ** (figures - 1))
            high = min(_floor(_CONTEXT.divide(_CONTEXT.add(abs(g), half), half)), 2 * 10**figures - 1)
            cells += [f"sig:{sign}{exponent}:{m}" for m in range(low, high + 1)]
        return cells

    def _log_position(self, magnitude: Decimal) -> Decimal:
        """Where ``magnitude`` lies on the grid of powers of (1 + rel)."""
        return _CONTEXT.divide(magnitude.ln(_CONTEXT), (1 + exact(self.amount)).ln(_CONTEXT))


def parse_tolerance(table: object) -> Tolerance | str:
    """A tolerance from its TOML inline table, or what is wrong with it (a sentence fragment)."""
    shape = "an inline table with one of abs, rel or sig, e.g. tolerance = { abs = 0.001 }"
    if not isinstance(table, dict) or len(table) != 1:
        return f"tolerance must be {shape}"
    ((kind, amount),) = table.items()
    if kind not in KINDS:
        return f"tolerance {kind!r} is not one of abs, rel, sig ({shape})"
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
        return f"tolerance {kind} must be a number, not {amount!r}"
    if kind == "abs" and amount <= 0:
        return f"tolerance abs must be greater than 0, not {amount!r}"
    if kind == "rel" and not 0 < amount <= 0.5:
        return f"tolerance rel must be greater than 0 and at most 0.5 (0.01 is 1%), not {amount!r}"
    if kind == "sig" and (not isinstance(amount, int) or not 1 <= amount <= 15):
        return f"tolerance sig must be a whole number of significant figures from 1 to 15, not {amount!r}"
    return Tolerance(kind, float(amount))
