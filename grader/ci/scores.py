"""Scores for GitHub Classroom, rounded to 2 decimals so that its reporter adds them up to our total exactly.

The reporter (classroom-resources/autograding-grading-reporter, ``src/notify-classroom.js``) adds
every ``tests[].score`` in JavaScript floating point, in order, from 0, and hands Classroom that sum;
summing unrounded shares is how totals such as ``3.0000000000000004`` reach its gradebook. So each
check's points become whole cents that add up to the total's cents (largest remainders first:
``points`` 1/3, 1/3, 1/3 give 0.33, 0.33, 0.34), and the rounding is placed so that the floating-point
sum is the total, too: first by choosing which checks round up (each still within a cent of its
points), and where no choice does it, by moving one positive score by a few units in the last place
(printed in full then, e.g. 0.19999999999999998; rounded to 2 decimals it is still its cents).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def cents(value: float) -> int:
    """``value`` rounded to 2 decimals, in cents."""
    return round(round(value, 2) * 100)


def reporter_sum(scores: Sequence[float]) -> float:
    """The sum the reporter computes: ``acc += score`` in order, from 0, in double precision."""
    total = 0.0
    for score in scores:
        total += score
    return total


def classroom_scores(points: Sequence[float], total: float) -> list[float]:
    """``points`` (each check's, in order) rounded to 2 decimals so that ``reporter_sum`` of them is ``total``
    rounded to 2 decimals, exactly."""
    target = cents(total)
    want = target / 100
    exact = [round(p * 100, 6) for p in points]
    rounded = _largest_remainders(exact, target)
    if reporter_sum([c / 100 for c in rounded]) == want:
        return [c / 100 for c in rounded]
    swapped = _swap_roundings(exact, rounded, want)
    if swapped is not None:
        return [c / 100 for c in swapped]
    return _nudge(rounded, want)


def _largest_remainders(exact: Sequence[float], target: int) -> list[int]:
    """Whole cents within a cent of ``exact``, adding up to ``target``: the floors, then a cent more for the largest
    remainders (a check with no points never gets one)."""
    floors = [math.floor(e) for e in exact]
    order = sorted((i for i, e in enumerate(exact) if e > 0), key=lambda i: (floors[i] - exact[i], i))
    result = list(floors)
    extra = target - sum(floors)
    step = 1 if extra > 0 else -1
    candidates = order if extra > 0 else [i for i in reversed(order) if result[i] > 0]
    while extra and candidates:
        for i in candidates[: abs(extra)]:
            result[i] += step
        extra = target - sum(result)
        candidates = [i for i in candidates if result[i] > 0] if step < 0 else candidates
    return result


def _swap_roundings(exact: Sequence[float], rounded: list[int], want: float) -> list[int] | None:
    """Another choice of which checks round up (and which down) whose floating-point sum is ``want``, or None."""
    fractional = [i for i, e in enumerate(exact) if e != math.floor(e)]
    up = [i for i in fractional if rounded[i] > exact[i]]
    down = [i for i in fractional if rounded[i] < exact[i]]
    for i in up:
        for j in down:
            trial = list(rounded)
            trial[i] -= 1
            trial[j] += 1
            if reporter_sum([c / 100 for c in trial]) == want:
                return trial
    return None


def _nudge(rounded: list[int], want: float) -> list[float]:
    """The scores with the last positive one solved for (the double nearest what it must add) and, where the sum
    before it cannot reach ``want`` that way, the one before moved by a few units in the last place too; each
    still rounds to its cents. The scores as they were where nothing does it."""
    scores = [c / 100 for c in rounded]
    positive = [i for i, c in enumerate(rounded) if c > 0]
    if not positive:
        return scores
    solved = _solve_last(scores, positive[-1], want)
    if solved is not None:
        return solved
    for index in reversed(positive[:-1]):
        unit = math.ulp(reporter_sum(scores[: index + 1]))
        for steps in (1, -1, 2, -2, 3, -3, 4, -4):
            moved = scores[index] + steps * unit
            if round(moved, 2) != scores[index]:
                continue
            solved = _solve_last([*scores[:index], moved, *scores[index + 1:]], positive[-1], want)
            if solved is not None:
                return solved
    return scores


def _solve_last(scores: list[float], last: int, want: float) -> list[float] | None:
    """``scores`` with ``scores[last]`` (the last positive one) the double nearest ``want`` less the sum before it,
    if that makes the sum ``want`` and still rounds to its cents; else None."""
    needed = float(Fraction(want) - Fraction(reporter_sum(scores[:last])))
    trial = [*scores[:last], needed, *scores[last + 1:]]
    return trial if round(needed, 2) == scores[last] and reporter_sum(trial) == want else None
