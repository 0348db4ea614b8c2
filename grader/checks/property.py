"""Run a property under the deterministic grading profile and turn its end into an Outcome.

The profile: a fixed seed per check (``@seed``), derandomized, no deadline (first calls can
be slow), no example database, quiet, one bug reported. The body raises ``Failure`` on a
wrong result, so hypothesis shrinks the input and the outcome carries the smallest one.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from grader.checks.outcome import Failure, Outcome, Stop
from grader.results import Counterexample, Status


def check_seed(seed: int, *names: str) -> int:
    """A stable seed per (run seed, exercise, check)."""
    return zlib.crc32(":".join([str(seed), *names]).encode())


def run_property(
    body: Callable[[Any], None],
    strategy: st.SearchStrategy[Any],
    *,
    seed: int,
    max_examples: int,
) -> Outcome:
    cases = [0]

    def test(case: Any) -> None:
        cases[0] += 1
        try:
            body(case)
        except Failure as failure:
            failure.case = case
            raise

    profile = settings(
        max_examples=max(1, max_examples),
        derandomize=True,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
    )
    runnable = hypothesis_seed(seed)(profile(given(case=strategy)(test)))
    try:
        runnable()
    except Failure as failure:
        return Outcome(
            Status.FAILED,
            failure.message,
            cases=cases[0],
            tolerance=failure.tolerance,
            counterexample=counterexample(failure),
            case=failure.case,
        )
    except Stop as stop:
        stop.outcome.cases = cases[0]
        return stop.outcome
    except Flaky:
        return Outcome(
            Status.FAILED,
            "gave different answers for the same input when called again (does it use "
            "randomness, or state kept between calls?)",
            cases=cases[0],
        )
    return Outcome(Status.PASSED, cases=cases[0])


def counterexample(failure: Failure) -> Counterexample | None:
    case = failure.case
    if case is None or failure.inputs is None:
        return None
    return Counterexample(
        sizes=dict(case.sizes),
        dtype=str(case.dtype),
        inputs={k: jsonable(v) for k, v in failure.inputs.items()},
        expected=None if failure.expected is None else {k: jsonable(v) for k, v in failure.expected.items()},
        got=None if failure.got is None else {k: jsonable(v) for k, v in failure.got.items()},
        worst=failure.worst,
    )


def jsonable(value: Any) -> Any:
    """Arrays as nested lists; NaN and infinities as strings so the JSON stays strict."""
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)
