"""The check machinery on its own: the grading profile, tolerances and mismatch reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checks.cases import EXTREME, Case, cases
from grader.checks.outcome import Failure, Outcome, Stop
from grader.checks.property import FLAKY, check_seed, run_property
from grader.checks.tolerance import describe_worst, numpy_tolerance, worst_element
from grader.results import Status


def drawn(seed: int) -> list[Case]:
    seen: list[Case] = []
    run_property(seen.extend, cases(), seed=seed, cases=40)
    return seen


def test_the_same_seed_draws_the_same_cases_and_another_seed_others() -> None:
    assert drawn(1) == drawn(1)
    assert drawn(1) != drawn(2)
    assert check_seed(0, "forget_gate", "matches_reference") != check_seed(0, "learn_gate", "matches_reference")
    assert check_seed(0, "a", "b") == check_seed(0, "a", "b")


def test_equal_cases_in_a_batch_are_run_once() -> None:
    """hypothesis's first example is its simplest case eight times over: the body sees it once."""
    from hypothesis import strategies as st

    batches: list[list[int]] = []
    outcome = run_property(batches.append, st.integers(0, 3), seed=0, cases=40)
    assert outcome.status is Status.PASSED
    assert batches[0] == [0], "the first example: the simplest case, once"
    assert all(len(batch) == len(set(batch)) for batch in batches)
    assert outcome.cases == 4, "every distinct case is still counted"


def test_drawn_cases_cover_the_sizes_and_dtypes_the_lesson_asks_for() -> None:
    seen = drawn(5) + drawn(6) + drawn(7)
    assert {c.dtype for c in seen} == {"float64", "float32"}
    assert min(c.B for c in seen) == 1 and max(c.B for c in seen) > 4
    assert any(c.I != c.H for c in seen)
    assert {c.magnitude for c in seen} >= {1.0, 50.0}


def test_case_arrays_have_the_lesson_shapes_and_saturate_at_high_magnitude() -> None:
    case = Case(B=3, I=2, H=4, T=5, dtype="float32", magnitude=50.0, seed=9)
    a = case.arrays
    assert a["event"].shape == (3, 2) and a["events"].shape == (3, 5, 2)
    assert a["W_f"].shape == (4, 6) and a["W_u"].shape == (4, 4) and a["b_v"].shape == (4,)
    assert all(v.dtype == np.float32 for v in a.values())
    x = np.concatenate([a["stm_prev"], a["event"]], axis=1).astype(np.float64)
    assert np.abs(x @ a["W_f"].T.astype(np.float64) + a["b_f"]).max() > 10  # sigmoids saturate
    extreme = Case(B=1, I=1, H=1, T=0, dtype="float64", magnitude=EXTREME, seed=1)
    assert np.abs(extreme.arrays["b_f"]).max() > 100


def test_a_failure_is_shrunk_to_the_smallest_case() -> None:
    def body(batch: list[Case]) -> None:
        for case in batch:
            if case.B >= 2:
                raise Failure("fails for batches", inputs={"event": case.arrays["event"]}, case=case)

    outcome = run_property(body, cases(), seed=0, cases=50)
    assert outcome.status is Status.FAILED and outcome.message == "fails for batches"
    assert outcome.counterexample is not None
    assert outcome.counterexample.sizes == {"B": 2, "I": 1, "H": 1}


def test_stop_ends_a_check_at_once_without_shrinking() -> None:
    calls = []

    def body(batch: list[Case]) -> None:
        calls.append(batch)
        raise Stop(Outcome(Status.ERROR, "could not be graded: it crashed"))

    outcome = run_property(body, cases(), seed=0, cases=50)
    assert outcome.status is Status.ERROR and len(calls) == 1 and outcome.cases == len(set(calls[0]))


def test_a_nondeterministic_function_is_called_out() -> None:
    """State kept between calls: wrong the first time it meets an input, right when called on it again."""
    met: set[Case] = set()

    def body(batch: list[Case]) -> None:
        for case in batch:
            first_call = case not in met
            met.add(case)
            if case.B > 3 and first_call:
                raise Failure("wrong the first time", case=case)

    outcome = run_property(body, cases(), seed=3, cases=100)
    assert outcome.status is Status.FAILED
    assert outcome.message == FLAKY
    assert "different answers for the same input" in outcome.message


@pytest.mark.parametrize(
    ("result", "inputs", "atol", "why"),
    [
        (np.float64, "float64", 1e-6, "float64 result"),
        (np.float32, "float64", 1e-5, "float32 result"),
        (np.float64, "float32", 1e-5, "float32 inputs"),
        (np.float16, "float64", 1e-5, "float16 result"),
    ],
)
def test_tolerance_follows_the_precision_of_the_result(result: type, inputs: str, atol: float, why: str) -> None:
    tol = numpy_tolerance(np.dtype(result), inputs)
    assert tol.atol == atol and tol.rtol == 1e-5 and tol.reason == why
    assert numpy_tolerance(np.dtype(np.float64), "float64", steps=4).atol == pytest.approx(2e-6)


def test_correct_float32_arithmetic_passes_and_float16_fails() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.uniform(-1, 1, (8, 24)), rng.uniform(-1, 1, (16, 24)) * 3 / np.sqrt(24)
    exact = np.tanh(x @ w.T)
    f32 = np.tanh(x.astype(np.float32) @ w.T.astype(np.float32))
    f16 = np.tanh(x.astype(np.float16) @ w.T.astype(np.float16))
    assert worst_element("", exact, f32, numpy_tolerance(f32.dtype, "float64")) is None
    assert worst_element("", exact, f16, numpy_tolerance(f16.dtype, "float64")) is not None


def test_a_mismatch_explains_itself() -> None:
    expected = np.array([[0.5, 0.25], [1.0, 2.0]])
    got = expected.copy()
    got[1, 0] = 1.5
    got[0, 1] = np.nan
    tol = numpy_tolerance(got.dtype, "float64")
    worst = worst_element("stm", expected, got, tol)
    assert worst is not None
    assert worst.index == (0, 1) and worst.mismatched == 2 and worst.total == 4  # NaN counts as the worst
    text = describe_worst(worst_element("stm", expected, np.where(np.isnan(got), 0.25, got), tol), tol)  # type: ignore[arg-type]
    assert text.startswith("1 of 4 elements differ; worst at stm[1, 0]: expected 1, got 1.5 (abs error 0.5")
    assert "allowed 1.1e-05" in text


def test_the_cases_drawn_depend_on_the_seed_alone_not_on_the_modules_loaded(tmp_path: Path) -> None:
    """Hypothesis draws some values from constants in the source of "local" modules it finds loaded; the grader
    turns that off, so a checkout and an installed grader, check and batch, draw the same cases."""
    import importlib.util
    import sys

    before = drawn(3) + drawn(4)
    constants = ", ".join(str(n) for n in range(1_000_003, 1_000_003 + 400 * 7919, 7919))
    (tmp_path / "lots_of_constants.py").write_text(f"NUMBERS = [{constants}]\nSIZES = [3, 5, 7, 11, 13]\n")
    spec = importlib.util.spec_from_file_location("lots_of_constants", tmp_path / "lots_of_constants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["lots_of_constants"] = module
    try:
        spec.loader.exec_module(module)
        after = drawn(3) + drawn(4)
    finally:
        del sys.modules["lots_of_constants"]
    assert after == before
    assert not any(1_000_003 <= c.seed < 1_000_003 + 400 * 7919 and (c.seed - 1_000_003) % 7919 == 0 for c in after)
