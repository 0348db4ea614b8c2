"""The numpy track's stretch exercise: lstm_cell_backward, one step of backpropagation."""

from __future__ import annotations

import dataclasses
from typing import Any

from grader.catalog import TRACKS, Exercise, load_track, missing
from grader.checks import gradients
from grader.checks.cases import Case
from grader.checks.context import CheckContext, blame, expect
from grader.checks.non_answers import non_answer, probe_cases
from grader.checks.outcome import Failure
from grader.checks.property import property_check
from grader.diagnosis.matcher import backward_diagnoser
from grader.sandbox.replies import Returned

SYMBOL = "lstm_cell_backward"
SIZES = {"max_batch": 3, "max_size": 4, "dtypes": ("float64",)}  # finite differences cost 2 calls per element
# loud=False below: loud events curve too fast for finite differences to follow
HINT = ("Recompute N_t, i_t, f_t, U_t, V_t, then go backwards: STM_t = U_t V_t, LTM_t = forget_out + N_t i_t; "
        "forget_out feeds both LTM_t and the use gate, so its gradient has two terms.")


def _each(judge: Any, *, echo: bool = False) -> Any:
    def body(ctx: CheckContext, batch: list[Case]) -> None:
        inputs = [gradients.backward_inputs(case) for case in batch]
        results = ctx.call_all(SYMBOL, inputs, echo=echo)
        for case, case_inputs, result in zip(batch, inputs, results, strict=True):
            with blame(case):
                judge(ctx, case, case_inputs, expect(result))

    return body


def _shapes(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
    gradients.gradients_of(result.value, case, inputs)


def _finite_differences(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
    got = gradients.gradients_of(result.value, case, inputs)
    expected = ctx.oracle(case, "finite differences", lambda: gradients.finite_differences(ctx.reference, inputs))
    gradients.compare(got, expected, inputs, "centered finite differences of the reference", case,
                      gradients.FD_TOLERANCE)


def _autograd(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
    from grader.checks.references import load_reference

    got = gradients.gradients_of(result.value, case, inputs)
    expected = ctx.oracle(case, "autograd",
                             lambda: gradients.autograd(load_reference(ctx.course, load_track("torch")), inputs))
    gradients.compare(got, expected, inputs, "torch autograd of the reference", case)


def _unchanged(ctx: CheckContext, case: Case, inputs: dict[str, Any], result: Returned) -> None:
    gradients.gradients_of(result.value, case, inputs)  # leaving the inputs alone earns nothing without gradients
    for (name, before), after in zip(inputs.items(), result.args or [], strict=False):
        same = (before.keys() == after.keys() and all((before[k] == after[k]).all() for k in before)
                if isinstance(before, dict) else (before == after).all())
        if not same:
            raise Failure(f"lstm_cell_backward changed its input {name} in place; compute new arrays instead",
                          inputs=inputs)


def _answers(ctx: CheckContext) -> str:
    """Gradients that are well-formed and depend on the inputs (``grader.checks.non_answers``)."""
    cases = probe_cases()
    inputs = [gradients.backward_inputs(case) for case in cases]
    read: list[dict[str, Any] | str | None] = []
    for case, given, result in zip(cases, inputs, ctx.call_all(SYMBOL, inputs), strict=True):
        if isinstance(result, Failure):
            read.append(None)
            continue
        try:
            read.append(gradients.gradients_of(result.value, case, given))
        except Failure as failure:
            read.append(failure.message)
    return non_answer(SYMBOL, read)


def _without_torch(ctx: CheckContext) -> str:
    """Autograd of the course's torch reference needs torch, except in the student edition: its answers on the
    published cases are in the bank."""
    if missing("torch") and not ctx.answers.edition:
        return "skipped: torch is not installed here (the finite-difference check still grades the gradients)"
    return ""


BACKWARD_EXERCISE = Exercise(
    id=SYMBOL, title="Stretch: backpropagation through one cell step", track="numpy", file=TRACKS["numpy"].file,
    symbol=SYMBOL, params=("ltm_prev", "stm_prev", "event", "params", "d_ltm", "d_stm"), stretch=True,
    imports=("torch",), diagnose=backward_diagnoser(gradients.backward_inputs, gradients.gradients_of),
    answers=_answers,
    checks=(
        property_check("gradient_shapes", "returns every gradient with its shape", _each(_shapes), points=1,
                       examples=8, hint="Return a dict with one gradient per input and per entry of params, each "
                                        "shaped like what it differentiates.", strategy_options=SIZES),
        property_check("finite_differences", "matches centered finite differences", _each(_finite_differences),
                       points=5, examples=16, hint=HINT, strategy_options=SIZES, saturate=True, loud=False),
        dataclasses.replace(
            property_check("autograd", "matches torch autograd of the reference", _each(_autograd), points=3,
                           examples=16, hint=HINT, strategy_options=SIZES, saturate=True, loud=False),
            skip_unless=_without_torch),
        property_check("inputs_unchanged", "leaves its inputs unchanged", _each(_unchanged, echo=True), points=1,
                       examples=8, hint="Never write into an argument: build new arrays.", strategy_options=SIZES),
    ),
)
