"""The numpy track end to end: references full, stubs zero, every misconception caught where it
belongs (and nowhere else), every correct-but-different submission kept at full marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, fixture_names, numpy_fixture

from grader.api import check_submission
from grader.config import Settings
from grader.results import Report, Status

EXERCISES = ("learn_gate", "forget_gate", "remember_gate", "use_gate", "lstm_cell", "lstm_forward",
             "lstm_cell_backward")
COMPOSITES = ("lstm_cell", "lstm_forward")

# misconception -> (the exercises that must lose points, a check that must fail)
BUGGY = {
    "concat_order": ({"learn_gate", "forget_gate", "use_gate", *COMPOSITES}, "forget_gate:matches_reference"),
    "activations_swapped": ({"learn_gate", *COMPOSITES}, "learn_gate:matches_reference"),
    "missing_bias": ({"forget_gate", *COMPOSITES}, "forget_gate:extremes"),
    "bias_after_activation": ({"learn_gate", *COMPOSITES}, "learn_gate:output_range"),
    "forget_on_stm": ({"forget_gate", *COMPOSITES}, "forget_gate:output_range"),
    "remember_multiplies": ({"remember_gate", *COMPOSITES}, "remember_gate:matches_reference"),
    "use_gate_new_ltm": (set(COMPOSITES), "lstm_cell:composition"),
    "textbook_use_gate": ({"use_gate", *COMPOSITES}, "use_gate:matches_reference"),
    "unstable_sigmoid": ({"learn_gate", "forget_gate", "use_gate", *COMPOSITES, "lstm_cell_backward"},
                         "learn_gate:stays_finite"),
    "float16_arithmetic": ({"learn_gate", *COMPOSITES}, "learn_gate:dtype_and_shape"),
    "state_not_carried": ({"lstm_forward"}, "lstm_forward:stepping"),
    "last_step_dropped": ({"lstm_forward"}, "lstm_forward:stepping"),
    "stms_off_by_one": ({"lstm_forward"}, "lstm_forward:matches_reference"),
    "time_major": ({"lstm_forward"}, "lstm_forward:matches_reference"),
    "batch_of_one": ({"forget_gate", *COMPOSITES}, "forget_gate:rows_independent"),
    "mutates_input": ({"forget_gate", *COMPOSITES}, "forget_gate:inputs_unchanged"),
    "hardcoded_sizes": ({"lstm_forward"}, "lstm_forward:dtype_and_shape"),
    "weights_not_transposed": ({"learn_gate", "forget_gate", "use_gate", *COMPOSITES}, "use_gate:matches_reference"),
    "state_order_swapped": (set(COMPOSITES), "lstm_cell:composition"),
    "no_activation": ({"use_gate", *COMPOSITES}, "use_gate:output_range"),
    "backward_missing_tanh_derivative": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "backward_bias_not_summed": ({"lstm_cell_backward"}, "lstm_cell_backward:gradient_shapes"),
    "backward_forget_one_path": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "backward_missing_sigmoid_derivative": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "backward_missing_use_tanh_derivative": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "learn_without_ignore": ({"learn_gate", *COMPOSITES}, "learn_gate:matches_reference"),
    "forget_returns_factor": ({"forget_gate", *COMPOSITES}, "forget_gate:matches_reference"),
    "forget_tanh": ({"forget_gate", *COMPOSITES}, "forget_gate:output_range"),
    "use_sigmoid_for_u": ({"use_gate", *COMPOSITES}, "use_gate:matches_reference"),
    "use_gate_ltm_prev": (set(COMPOSITES), "lstm_cell:composition"),
    "time_reversed": ({"lstm_forward"}, "lstm_forward:stepping"),
    "final_state_swapped": ({"lstm_forward"}, "lstm_forward:stepping"),
    "unstable_tanh": ({"learn_gate", "use_gate", *COMPOSITES}, "use_gate:stays_finite"),
    "ignore_tanh": ({"learn_gate", *COMPOSITES}, "learn_gate:matches_reference"),
    "new_info_sigmoid": ({"learn_gate", *COMPOSITES}, "learn_gate:matches_reference"),
    "use_v_tanh": ({"use_gate", *COMPOSITES}, "use_gate:matches_reference"),
    "backward_unstable": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "backward_bias_mean": ({"lstm_cell_backward"}, "lstm_cell_backward:finite_differences"),
    "seterr_raise": ({"learn_gate", "forget_gate", "use_gate", *COMPOSITES, "lstm_cell_backward"},
                     "learn_gate:matches_reference"),
    "squeezed_output": ({"learn_gate", *COMPOSITES}, "learn_gate:dtype_and_shape"),
    "reshape_batch_of_one": ({"learn_gate", "forget_gate", "use_gate", *COMPOSITES},
                             "learn_gate:rows_independent"),
}


def scores(report: Report) -> dict[str, tuple[float, float]]:
    return {e.id: (e.points, e.max_points) for e in report.exercises}


def test_every_buggy_fixture_is_listed() -> None:
    assert set(BUGGY) == set(fixture_names("buggy"))
    assert len(BUGGY) >= 15


def test_reference_scores_full_marks(settings: Settings) -> None:
    report = check_submission(ROOT / "solutions" / "lstm_numpy.py", settings=settings)
    assert [e.id for e in report.exercises] == list(EXERCISES)
    assert report.points == report.max_points > 0
    assert all(c.status is Status.PASSED for c in report.checks())
    assert sum(c.cases for c in report.checks()) >= 500


def test_untouched_stub_scores_zero_and_says_not_implemented(settings: Settings) -> None:
    report = check_submission(ROOT / "exercises" / "lstm_numpy.py", settings=settings)
    assert [e.id for e in report.exercises] == list(EXERCISES)
    assert report.points == 0 and report.max_points > 0
    for exercise in report.exercises:
        assert exercise.note == "not implemented yet"
        assert all(c.status is Status.FAILED and c.message == "not implemented yet" for c in exercise.checks)


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_misconception_loses_points_only_where_it_belongs(
    name: str, buggy_report: Callable[[str, str], Report]
) -> None:
    broken, must_fail = BUGGY[name]
    report = buggy_report("numpy", name)
    for exercise, (points, max_points) in scores(report).items():
        if exercise in broken:
            assert points < max_points, f"{name} should lose points in {exercise}"
        else:
            assert points == max_points, f"{name} should keep full marks in {exercise}"
    failing = {f"{c.exercise}:{c.id}" for c in report.checks() if c.status is Status.FAILED}
    assert must_fail in failing
    assert not [c for c in report.checks() if c.status is Status.ERROR]


@pytest.mark.parametrize("name", fixture_names("correct"))
def test_correct_but_different_keeps_full_marks(
    name: str, submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("correct", name)), settings=settings)
    failing = [f"{c.exercise}:{c.id}: {c.message}" for c in report.checks() if c.status is not Status.PASSED]
    assert not failing
    assert report.points == report.max_points


def test_enough_correct_variants() -> None:
    assert len(fixture_names("correct")) >= 6


def test_failure_reports_the_smallest_input_and_the_worst_element(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "forget_on_stm")), exercise="forget_gate",
                              settings=settings)
    check = next(c for c in report.checks() if c.id == "matches_reference")
    example = check.counterexample
    assert example is not None and example.worst is not None
    assert example.sizes == {"B": 1, "I": 1, "H": 1}  # hypothesis shrank it all the way
    assert set(example.inputs) == {"ltm_prev", "stm_prev", "event", "W_f", "b_f"}
    assert example.worst.abs_error > check.tolerance.atol  # type: ignore[union-attr]
    assert "allowed" in check.message and "expected" in check.message
    assert check.reproduce.endswith("--exercise forget_gate")


def test_composite_failure_names_the_gate_it_inherits_from(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "forget_on_stm")), exercise="lstm_cell",
                              settings=settings)
    check = next(c for c in report.checks() if c.id == "matches_reference")
    assert "your learn_gate is right; your forget_gate differs" in check.message
    assert "fix forget_gate first" in check.message


def test_composite_failure_in_its_own_code_says_the_gates_are_right(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "use_gate_new_ltm")), exercise="lstm_cell",
                              settings=settings)
    check = next(c for c in report.checks() if c.id == "matches_reference")
    assert "Your four gates are right on this input" in check.message


def test_sequence_failure_with_a_right_cell_blames_the_loop(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "state_not_carried")), exercise="lstm_forward",
                              settings=settings)
    check = next(c for c in report.checks() if c.id == "matches_reference")
    assert "Your lstm_cell is right at every step" in check.message
    assert check.counterexample is not None and check.counterexample.sizes["T"] == 2  # the smallest T that shows it


def test_a_wrong_backward_names_the_wrong_gradients_and_the_right_ones(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", "backward_missing_tanh_derivative")),
                              exercise="lstm_cell_backward", settings=settings)
    fd = next(c for c in report.checks() if c.id == "finite_differences")
    assert fd.message.startswith("your gradient for stm_prev differs from centered finite differences")
    assert "(also wrong: event, W_n, b_n)" in fd.message
    assert "right: ltm_prev, W_i, b_i, W_f, b_f, W_u, b_u, W_v, b_v" in fd.message


def test_without_torch_the_autograd_oracle_is_skipped_and_not_counted() -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['torch'] = None\n"  # any `import torch` now fails
        "from pathlib import Path\n"
        "from grader.api import check_submission\n"
        f"r = check_submission(Path({str(ROOT / 'solutions' / 'lstm_numpy.py')!r}), exercise='lstm_cell_backward')\n"
        "c = next(c for c in r.checks() if c.id == 'autograd')\n"
        "print(c.status.value, c.max_points, r.points, r.max_points)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["skipped", "0.0", "7.0", "7.0"], out.stderr
