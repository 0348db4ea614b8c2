"""Is it an answer at all? A result that is not well-formed, or that does not depend on the inputs,
earns no point on any check of its exercise.

Some checks look at a property, not at the values: "leaves its inputs unchanged", "treats batch
rows independently", "equals stepping its own cell". A function that returns zeros whatever it is
given, or something that is not an array, would pass them. So before its checks run, each exercise
is called on three probe inputs of the same sizes: if every result is well-formed and some differ,
it is an answer and the checks decide; otherwise the exercise scores nothing, and says why.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from grader.checks import replay
from grader.checks.cases import Case

PROBES = (5101, 5102, 5103)  # the probe inputs' seeds: same sizes, other values
Outputs = dict[str, np.ndarray]


def probe_cases(*, steps: int = 0) -> tuple[Case, ...]:
    """Three inputs with two rows, three inputs and four units (and ``steps`` steps), values drawn apart: the
    same objects every time, their arrays pinned in a batch so that the probe's frame is encoded once."""
    cases = _probe_cases(steps)
    replay.pin(cases)
    return cases


@functools.lru_cache(maxsize=8)
def _probe_cases(steps: int) -> tuple[Case, ...]:
    return tuple(Case(B=2, I=3, H=4, T=steps, dtype="float64", magnitude=1.0, seed=seed) for seed in PROBES)


def non_answer(symbol: str, results: Sequence[Outputs | str | None]) -> str:
    """Why ``symbol``'s results on the probes are no answer ('' when they are one).

    ``results``: per probe, its named output arrays, a sentence saying what is wrong with its structure,
    or None where the call raised (the checks report that themselves)."""
    readable = [r for r in results if r is not None]
    nothing = f"so no check of {symbol} gives points for it"
    for result in readable:
        if isinstance(result, str):
            return f"{result.rstrip('.')}. A result of the wrong kind is not an answer, {nothing}"
        for name, array in result.items():
            if array.dtype.kind != "f":
                return (f"{symbol} returns {name} as {array.dtype} values, not floats: a result of the wrong kind "
                        f"is not an answer, {nothing}")
    arrays = [r for r in readable if not isinstance(r, str)]
    if len(arrays) < 2 or any(not _same(arrays[0], other) for other in arrays[1:]):
        return ""
    zeros = " (all zeros)" if all(not np.any(a) for a in arrays[0].values()) else ""
    return (f"{symbol} returns the same values whatever its inputs{zeros}: a result that does not depend on the "
            f"inputs is not an answer, {nothing}")


def _same(first: Outputs, other: Outputs) -> bool:
    return first.keys() == other.keys() and all(
        first[k].shape == other[k].shape and np.array_equal(first[k], other[k], equal_nan=True) for k in first)
