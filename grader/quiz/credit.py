"""Partial credit, as exact fractions of a question's points (never below 0, never above 1).

- Multiple select, ``k`` right options out of ``n``: each right pick earns ``1/k``, each wrong pick
  costs ``1/(n - k)``. Picking everything, or nothing, earns 0; so does guessing, on average.
- Ordering of ``n`` items: of the ``n(n-1)/2`` pairs of items, those in the right relative order
  count for, those reversed against (Kendall's tau): ``(in order - reversed) / pairs``. One swap of
  neighbours among 4 items keeps 2/3; the reversed order, or a random one on average, earns 0.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction


def multiple_credit(picked: Collection[str], right: Collection[str], options: int) -> Fraction:
    hits = len(set(picked) & set(right))
    misses = len(set(picked) - set(right))
    wrong_options = options - len(right)
    credit = Fraction(hits, len(right)) - (Fraction(misses, wrong_options) if wrong_options else Fraction(0))
    return max(Fraction(0), credit)


def pairs_in_order(given: Sequence[str], right: Sequence[str]) -> int:
    """How many pairs of items ``given`` puts in the same relative order as ``right``."""
    position = {item: index for index, item in enumerate(given)}
    n = len(right)
    return sum(1 for i in range(n) for j in range(i + 1, n) if position[right[i]] < position[right[j]])


def ordering_credit(given: Sequence[str], right: Sequence[str]) -> Fraction:
    pairs = len(right) * (len(right) - 1) // 2
    in_order = pairs_in_order(given, right)
    return max(Fraction(0), Fraction(in_order - (pairs - in_order), pairs))


def points_for(credit: Fraction, max_points: float) -> float:
    """Points for a credit, rounded to 4 decimals (the same answers give the same bytes)."""
    return round(float(credit * Fraction(max_points).limit_denominator(10**6)), 4)
