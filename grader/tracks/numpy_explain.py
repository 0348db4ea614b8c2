"""Explaining a composite numpy exercise's failure: the first of the learner's own parts that departs from the
reference on the failing input (a gate of the cell, a step of the sequence). The reference's answers on that
input go through ``ctx.oracle``, so the student edition explains from its bank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks.arrays import Spec
from grader.checks.cases import Case, as_float64
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure, Outcome, Stop
from grader.checks.tolerance import describe_worst, numpy_tolerance, worst_element
from grader.tracks.numpy_specs import CELL, FORWARD, GATES


def _part_differs(ctx: CheckContext, spec: Spec, case: Case, inputs: dict[str, Any], what: str) -> str | None:
    """How the learner's ``spec`` departs from the reference on ``inputs`` (None if it does not); ``what`` names
    the reference's answer on them (the inputs depend on the case alone)."""
    expected = ctx.oracle(case, what, lambda: spec.outputs_of(
        getattr(ctx.reference, spec.symbol)(*as_float64(list(inputs.values()))), case))
    try:
        got = spec.outputs_of(ctx.call(spec.symbol, inputs).value, case)
    except Failure as failure:
        return failure.message
    for name in spec.outputs:
        tol = numpy_tolerance(got[name].dtype, case.dtype, 1, case.size)
        worst = worst_element(name if len(spec.outputs) > 1 else "", expected[name], got[name], tol)
        if worst is not None:
            return f"your {spec.symbol} differs from the reference ({describe_worst(worst, tol)})"
    return None


def explain_cell(ctx: CheckContext, outcome: Outcome) -> str | None:
    """Find the first of the learner's gates that departs on the failing input."""
    case: Case = outcome.case

    def stage() -> dict[str, np.ndarray]:
        ref = ctx.reference
        a = {k: v.astype(np.float64) for k, v in case.arrays.items()}
        p64 = {k: a[k] for k in case.params}
        forget_out = ref.forget_gate(a["ltm_prev"], a["stm_prev"], a["event"], p64["W_f"], p64["b_f"])
        learn_out = ref.learn_gate(a["stm_prev"], a["event"], p64["W_n"], p64["b_n"], p64["W_i"], p64["b_i"])
        return {"forget_out": forget_out.astype(case.dtype), "learn_out": learn_out.astype(case.dtype)}

    staged = ctx.oracle(case, "explain lstm_cell staged", stage)
    right: list[str] = []
    try:
        for spec in GATES:
            inputs = {**spec.args(case), **{k: v for k, v in staged.items() if k in spec.params}}
            problem = _part_differs(ctx, spec, case, inputs, f"explain lstm_cell {spec.symbol}")
            if problem:
                done = f"your {', '.join(right)} {'are' if len(right) > 1 else 'is'} right; " if right else ""
                return (f"On this input {done}{problem}. The cell inherits that mistake: fix "
                        f"{spec.symbol} first")
            right.append(spec.symbol)
    except Stop:
        return None
    return ("Your four gates are right on this input, so the mistake is in how lstm_cell combines "
            "them")


def _stepper(ctx: CheckContext, case: Case, step: dict[str, Any]) -> Callable[[], tuple[np.ndarray, ...]]:
    """The reference's next (ltm, stm) from ``step``'s state, in the case's dtype."""
    return lambda: tuple(x.astype(case.dtype) for x in ctx.reference.lstm_cell(*as_float64(list(step.values()))))


def explain_forward(ctx: CheckContext, outcome: Outcome) -> str | None:
    case: Case = outcome.case
    inputs = FORWARD.args(case)
    ltm, stm = inputs["ltm0"], inputs["stm0"]
    try:
        for t in range(case.T):
            step = {"ltm_prev": ltm, "stm_prev": stm, "event": inputs["events"][:, t], "params": inputs["params"]}
            problem = _part_differs(ctx, CELL, case, step, f"explain lstm_forward step {t}")
            if problem:
                return (f"At step {t} {problem}. lstm_forward inherits that mistake: fix lstm_cell "
                        "(and the gates it uses) first")
            ltm, stm = ctx.oracle(case, f"explain lstm_forward state {t}", _stepper(ctx, case, step))
    except Stop:
        return None
    return ("Your lstm_cell is right at every step of this input, so the mistake is in lstm_forward's "
            "loop: the state carried between steps, the steps covered, or the order of the outputs")
