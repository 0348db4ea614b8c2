"""Saturation in every exercise: the fixed saturating cases every check runs, the tolerance that grows
with the size of a computation, and the messages a learner reads when an activation overflows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import numpy_fixture, requires_torch

from grader.api import check_submission
from grader.checks.cases import FAR, GATES, SATURATIONS, Case, cases, saturating
from grader.checks.outcome import Failure
from grader.checks.property import run_property
from grader.checks.tolerance import ROUNDING_MARGIN, UNIT_ROUNDOFF, numpy_tolerance
from grader.config import Settings
from grader.results import Status


def test_the_saturating_cases_push_every_gate_past_exps_overflow() -> None:
    fixed = saturating()
    assert [c.saturate for c in fixed] == list(SATURATIONS)
    assert (fixed[0].B, fixed[0].I, fixed[0].H) == (1, 1, 1), "the smallest sizes first"
    for case in fixed:
        if case.saturate == "loud":
            assert case.peak > 709 and case.size > 1000, "pre-activations in the hundreds through the weights"
            continue
        pushed = case.saturate[:-1]
        for gate in GATES:
            far = np.abs(case.arrays[f"b_{gate}"]) >= FAR
            assert far.all() == (gate in pushed), (case.saturate, gate)
        assert case.peak > 709, "exp overflows in float64 there"
    signs = {c.saturate: np.sign(c.arrays["b_f"]).tolist() for c in fixed}
    assert signs["f+"] == [1.0] and signs["f-"] == [-1.0] and signs["nifuv-"] == [-1.0]


def test_the_saturating_cases_keep_to_a_checks_own_sizes_and_dtypes() -> None:
    fixed = saturating(min_batch=2, max_batch=3, max_size=2, max_steps=4, dtypes=("float64",), loud=False)
    assert "loud" not in {c.saturate for c in fixed}
    assert all(2 <= c.B <= 3 and c.I <= 2 and c.H <= 2 and c.T == 2 and c.dtype == "float64" for c in fixed)
    both = saturating()
    assert {c.dtype for c in both} == {"float64", "float32"}, "float32 too, where the check draws it"


def test_the_fixed_cases_run_once_the_generated_ones_pass() -> None:
    seen: list[Case] = []
    outcome = run_property(seen.extend, cases(), seed=1, cases=16, fixed=saturating())
    assert outcome.status is Status.PASSED
    assert [c.saturate for c in seen[-len(SATURATIONS):]] == list(SATURATIONS)
    assert not any(c.saturate for c in seen[:-len(SATURATIONS)])


def test_a_mistake_on_ordinary_inputs_is_reported_there_and_one_only_when_saturated_on_the_first_fixed_case() -> None:
    def ordinary_bug(batch: list[Case]) -> None:
        for case in batch:
            if case.H > 1:
                raise Failure("wrong", case=case)

    def overflow_bug(batch: list[Case]) -> None:
        for case in batch:
            if case.saturate in ("f-", "nifuv±"):
                raise Failure("overflows", case=case)

    ordinary = run_property(ordinary_bug, cases(), seed=1, cases=16, fixed=saturating())
    assert ordinary.status is Status.FAILED and not ordinary.case.saturate and ordinary.case.H == 2
    saturated = run_property(overflow_bug, cases(), seed=1, cases=16, fixed=saturating())
    assert saturated.status is Status.FAILED and saturated.case.saturate == "f-"


def test_the_tolerance_grows_with_the_size_of_the_computation_and_says_so() -> None:
    small = numpy_tolerance(np.dtype("float64"), "float64", 1, size=130.0)
    assert small.atol == 1e-6 and "S =" not in small.reason, "ordinary inputs: the table's atol, as measured"
    loud = numpy_tolerance(np.dtype("float64"), "float64", 1, size=2000.0)
    assert loud.atol == pytest.approx(ROUNDING_MARGIN * UNIT_ROUNDOFF["float32"] * 2000.0)
    assert "4·u·S" in loud.reason and "2e+03" in loud.reason
    float16_error = 2.0**-11  # what float16 arithmetic gets wrong in a gate's output, at least
    assert float16_error > 10 * numpy_tolerance(np.dtype("float64"), "float64", 1, size=85.0).atol


@pytest.mark.slow
@pytest.mark.parametrize(("fixture", "exercise", "words"), [
    ("unstable_sigmoid", "learn_gate", "exp overflows to inf past 709 in float64"),
    ("unstable_tanh", "use_gate", "exp overflows to inf past 709 in float64"),
    ("backward_unstable", "lstm_cell_backward", "exp overflows to inf past 709 in float64"),
    ("seterr_raise", "lstm_cell_backward", "raised FloatingPointError"),
])
def test_an_overflowing_activation_loses_the_exercise_and_is_told_why(
    fixture: str, exercise: str, words: str, submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", fixture)), exercise=exercise, settings=settings)
    failed = [c for c in report.checks() if c.status is Status.FAILED]
    assert failed and report.points < report.max_points
    assert any(words in c.message for c in failed), [c.message for c in failed]


@pytest.mark.slow
def test_correct_float32_arithmetic_cast_back_keeps_full_marks_on_the_loud_cases(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    """Its loud cases' float32 rounding errors are about u·S (1e-4), over the table's atol: only the grown
    tolerance keeps it at full marks."""
    report = check_submission(submission(numpy_fixture("correct", "float32_cast_back")), exercise="learn_gate",
                              settings=settings)
    assert report.points == report.max_points, [c.message for c in report.checks() if c.message]


@requires_torch
@pytest.mark.slow
@pytest.mark.parametrize(("fixture", "check", "words"), [
    ("cell_unstable_sigmoid", "matches_float64", "exp overflows to inf past 709 in float64"),
    ("where_sigmoid", "gradients", "a gradient turns nan"),
])
def test_torch_modules_saturate_in_forward_and_in_their_gradients(
    fixture: str, check: str, words: str, submission: Callable[..., Path], settings: Settings
) -> None:
    folder = submission(numpy_fixture("buggy", fixture, "torch"), "lstm_torch.py")
    report = check_submission(folder / "lstm_torch.py", exercise="LSTMCell", settings=settings)
    failed = {c.id: c for c in report.checks() if c.status is Status.FAILED}
    assert check in failed and words in failed[check].message, {k: c.message[:200] for k, c in failed.items()}
