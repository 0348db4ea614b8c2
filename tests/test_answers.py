"""No points for a non-answer: a result that is not a well-formed float array of the contract's shape, or
that does not depend on the inputs, earns nothing on any check of its exercise, and the report says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import numpy_fixture, replace_once, requires_torch, solution_source

from grader.api import check_submission
from grader.checks.non_answers import non_answer
from grader.config import Settings
from grader.results import Status

ZEROS = "returns the same values whatever its inputs (all zeros): a result that does not depend on the inputs is not " \
        "an answer, so no check of {0} gives points for it"


def test_results_that_differ_are_an_answer_and_identical_ones_are_not() -> None:
    rng = np.random.default_rng(0)
    answers = [{"stm": rng.normal(size=(2, 4))} for _ in range(3)]
    assert non_answer("use_gate", answers) == ""
    same = [{"stm": np.full((2, 4), 0.5)} for _ in range(3)]
    assert "returns the same values whatever its inputs: " in non_answer("use_gate", same)
    assert "(all zeros)" in non_answer("use_gate", [{"stm": np.zeros((2, 4))}] * 3)
    assert "as int64 values, not floats" in non_answer("use_gate", [{"stm": np.arange(8).reshape(2, 4)}] * 3)
    assert "is not an answer" in non_answer("use_gate", ["use_gate should return ...; it returned None", None])
    assert non_answer("use_gate", [None, None, None]) == "", "calls that raise: the checks say why"


@pytest.mark.parametrize(("edit", "exercise", "words"), [
    (("    return forget_out + learn_out\n", "    return np.zeros_like(forget_out)\n"), "remember_gate",
     ZEROS.format("remember_gate")),
    (("    return forget_out + learn_out\n", "    return (forget_out + learn_out).tolist()\n"), "remember_gate",
     "return the numpy array itself, not a Python list). A result of the wrong kind is not an answer"),
    (("    return forget_out + learn_out\n", "    return np.round(forget_out + learn_out).astype(int)\n"),
     "remember_gate", "returns ltm as int64 values, not floats"),
    (("    return np.stack(stms, axis=1), (ltm, stm)\n",
      "    return np.zeros((events.shape[0], events.shape[1], stm.shape[1])), (0 * ltm, 0 * stm)\n"),
     "lstm_forward", ZEROS.format("lstm_forward")),
])
def test_a_non_answer_earns_nothing_on_any_check_even_those_that_do_not_look_at_values(
    edit: tuple[str, str], exercise: str, words: str, submission: Callable[[str], Path], settings: Settings
) -> None:
    report = check_submission(submission(replace_once(solution_source(), *edit)), exercise=exercise,
                              settings=settings)
    (graded,) = report.exercises
    assert graded.points == 0 and words in graded.note, graded.note
    assert all(c.status is Status.FAILED and c.message == graded.note for c in graded.checks)


def test_a_cell_of_zeros_earns_nothing_for_stepping_it_either(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    """Before, "equals stepping its own cell" and "leaves its inputs unchanged" passed on a cell that returns
    zeros and a sequence built on it."""
    zeros = "def lstm_cell(ltm_prev, stm_prev, event, params):\n    return 0 * ltm_prev, 0 * stm_prev\n"
    report = check_submission(submission(numpy_fixture("correct", "einsum") + "\n\n" + zeros),
                              exercise=["lstm_cell", "lstm_forward"], settings=settings)
    assert report.points == 0
    assert [e.id for e in report.exercises if "does not depend on the inputs" in e.note] == ["lstm_cell",
                                                                                            "lstm_forward"]


def test_a_backward_of_zeros_earns_nothing(submission: Callable[[str], Path], settings: Settings) -> None:
    zeros = ("def lstm_cell_backward(ltm_prev, stm_prev, event, params, d_ltm, d_stm):\n"
             "    grads = {k: np.zeros_like(v) for k, v in params.items()}\n"
             "    grads.update(ltm_prev=0 * ltm_prev, stm_prev=0 * stm_prev, event=0 * event)\n"
             "    return grads\n")
    report = check_submission(submission(solution_source() + "\n\n" + zeros), exercise="lstm_cell_backward",
                              settings=settings)
    assert report.points == 0 and ZEROS.format("lstm_cell_backward") in report.exercises[0].note


def test_an_answer_that_raises_on_some_inputs_still_earns_what_it_gets_right(
    submission: Callable[[str], Path], settings: Settings
) -> None:
    """The probe makes no claim about a function that raises on it (two rows, four units): its checks say what
    is wrong, and the checks whose cases avoid that size keep their points."""
    raises = replace_once(solution_source(), "    return forget_out + learn_out\n",
                          "    if forget_out.shape == (2, 4):\n        raise ValueError('two rows, four units')\n"
                          "    return forget_out + learn_out\n")
    report = check_submission(submission(raises), exercise="remember_gate", settings=settings)
    (graded,) = report.exercises
    assert graded.note == "" and 0 < graded.points < graded.max_points


@requires_torch
@pytest.mark.slow
def test_a_module_whose_forward_ignores_its_inputs_earns_nothing(
    submission: Callable[..., Path], settings: Settings
) -> None:
    constant = ("class StandardLSTMCell(StandardLSTMCell):\n"
                "    def forward(self, input, hx=None):\n"
                "        zeros = input.new_zeros(input.shape[0], self.hidden_size) + 0 * self.bias_ih[0]\n"
                "        return zeros, zeros\n")
    folder = submission(numpy_fixture("correct", "addmm", "torch") + "\n\n" + constant, "lstm_torch.py")
    report = check_submission(folder / "lstm_torch.py", exercise="StandardLSTMCell", settings=settings)
    (graded,) = report.exercises
    assert graded.points == 0 and ZEROS.format("StandardLSTMCell.forward") in graded.note, graded.note
