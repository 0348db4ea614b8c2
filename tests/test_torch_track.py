"""The PyTorch track end to end: references full, stubs zero, every torch misconception caught in
its exercise (and nowhere else), every correct-but-different module kept at full marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, fixture_names, numpy_fixture, requires_torch

from grader.api import check_submission
from grader.config import Settings
from grader.results import Report, Status

pytestmark = [requires_torch, pytest.mark.torch]

TORCH = ("LSTMCell", "LSTM", "StandardLSTMCell")
LESSON = {"LSTMCell", "LSTM"}  # LSTM builds the fixture's LSTMCell: it inherits the cell's bugs

# misconception -> (the exercises that must lose points, a check that must fail)
BUGGY = {
    "state_on_cpu": (LESSON, "LSTMCell:default_state"),
    "state_always_float32": (LESSON, "LSTMCell:default_state"),
    "hardcoded_cuda": (LESSON, "LSTMCell:default_state"),
    "detached_outputs": (LESSON, "LSTMCell:gradients"),
    "data_shortcut": (LESSON, "LSTMCell:gradients"),
    "inplace_breaks_autograd": (LESSON, "LSTMCell:gradcheck"),
    "numpy_round_trip": (LESSON, "LSTMCell:device"),
    "textbook_use_gate": (LESSON, "LSTMCell:matches_float64"),
    "state_not_carried": ({"LSTM"}, "LSTM:steps_cell"),
    "gate_order_ifog": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "bias_hh_ignored": ({"StandardLSTMCell"}, "StandardLSTMCell:matches_float64"),
    "state_order_swapped": ({"StandardLSTMCell"}, "StandardLSTMCell:gradients"),
    "uses_nn_lstmcell": ({"StandardLSTMCell"}, "StandardLSTMCell:from_scratch"),
}


def torch_report(source: str, folder: Callable[..., Path], settings: Settings) -> Report:
    return check_submission(folder(source, "lstm_torch.py") / "lstm_torch.py", settings=settings)


def test_every_buggy_torch_fixture_is_listed() -> None:
    assert set(BUGGY) == set(fixture_names("buggy", "torch"))


def test_reference_scores_full_marks_and_gpu_checks_are_skipped_not_passed(settings: Settings) -> None:
    report = check_submission(ROOT / "solutions" / "lstm_torch.py", settings=settings)
    assert [e.id for e in report.exercises] == list(TORCH)
    assert report.points == report.max_points > 0
    gpu = [c for c in report.checks() if c.id == "gpu"]
    assert len(gpu) == 3
    import torch

    if not torch.cuda.is_available():
        assert all(c.status is Status.SKIPPED and c.max_points == 0 and "no CUDA" in c.message for c in gpu)
    assert all(c.status is Status.PASSED for c in report.checks() if c.id != "gpu")


def test_untouched_torch_stub_scores_zero(settings: Settings) -> None:
    report = check_submission(ROOT / "exercises" / "lstm_torch.py", settings=settings)
    assert report.points == 0 and report.max_points > 0
    assert all(e.note == "not implemented yet" for e in report.exercises)


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_torch_misconception_loses_points_only_where_it_belongs(
    name: str, submission: Callable[..., Path], settings: Settings
) -> None:
    broken, must_fail = BUGGY[name]
    report = torch_report(numpy_fixture("buggy", name, "torch"), submission, settings)
    for exercise in report.exercises:
        if exercise.id in broken:
            assert exercise.points < exercise.max_points, f"{name} should lose points in {exercise.id}"
        else:
            assert exercise.points == exercise.max_points, f"{name} should keep full marks in {exercise.id}"
    failing = {f"{c.exercise}:{c.id}" for c in report.checks() if c.status is Status.FAILED}
    assert must_fail in failing


@pytest.mark.parametrize("name", fixture_names("correct", "torch"))
def test_correct_but_different_module_keeps_full_marks(
    name: str, submission: Callable[..., Path], settings: Settings
) -> None:
    report = torch_report(numpy_fixture("correct", name, "torch"), submission, settings)
    failing = [f"{c.exercise}:{c.id}: {c.message}" for c in report.checks() if c.status not in (Status.PASSED,
                                                                                               Status.SKIPPED)]
    assert not failing
    assert len(fixture_names("correct", "torch")) >= 5


def message(report: Report, check: str) -> str:
    return next(c.message for c in report.checks() if f"{c.exercise}:{c.id}" == check)


@pytest.mark.parametrize(
    ("name", "check", "words"),
    [
        ("state_on_cpu", "LSTMCell:default_state", "A tensor is created on a fixed device"),
        ("state_always_float32", "LSTMCell:default_state", "A tensor is created with a fixed dtype"),
        ("hardcoded_cuda", "LSTMCell:default_state", "moves something to CUDA itself"),
        ("detached_outputs", "LSTMCell:gradients", "no gradient reaches event"),
        ("data_shortcut", "LSTMCell:gradients", "no gradient reaches forget.weight"),
        ("inplace_breaks_autograd", "LSTMCell:gradients", "An in-place operation"),
        ("numpy_round_trip", "LSTMCell:device", "The module leaves torch"),
        ("uses_nn_lstmcell", "StandardLSTMCell:from_scratch", "uses nn.LSTMCell (line"),
        ("data_shortcut", "LSTMCell:gradcheck", "with respect to forget.weight"),
    ],
)
def test_torch_failures_explain_themselves(
    name: str, check: str, words: str, submission: Callable[..., Path], settings: Settings
) -> None:
    report = check_submission(submission(numpy_fixture("buggy", name, "torch"), "lstm_torch.py") / "lstm_torch.py",
                              exercise=check.split(":")[0], settings=settings)
    assert words in message(report, check)


def test_forbidden_apis_are_stopped_at_run_time_too(submission: Callable[..., Path], settings: Settings) -> None:
    """Hidden from the static look (getattr with a computed name), the stand-in still refuses."""
    source = numpy_fixture("buggy", "uses_nn_lstmcell", "torch").replace(
        "nn.LSTMCell(input_size, hidden_size)", "getattr(nn, 'LSTM' + 'Cell')(input_size, hidden_size)")
    report = torch_report(source, submission, settings)
    assert "ForbiddenAPIError: torch.nn.LSTMCell is not allowed" in message(report, "StandardLSTMCell:from_scratch")


@pytest.mark.gpu
def test_gpu_checks_pass_for_the_reference_on_cuda(settings: Settings) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    report = check_submission(ROOT / "solutions" / "lstm_torch.py", settings=settings)
    gpu = [c for c in report.checks() if c.id == "gpu"]
    assert gpu and all(c.status is Status.PASSED for c in gpu), [c.message for c in gpu]
    assert "cuda" in report.environment["device"] and report.environment["tf32"] == "off"


@pytest.mark.gpu
def test_gpu_checks_catch_a_state_pinned_to_the_cpu(submission: Callable[..., Path], settings: Settings) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    report = torch_report(numpy_fixture("buggy", "state_on_cpu", "torch"), submission, settings)
    assert any(c.id == "gpu" and c.status is Status.FAILED for c in report.checks() if c.exercise == "LSTMCell")
